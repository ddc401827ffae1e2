-- Marks the first evaluation of each hour per objective. Older than History:FullResolution, only these are kept,
-- so a year of history costs 24 rows a day per objective instead of one per cycle.
ALTER TABLE dbo.evaluation_history ADD hourly BIT NOT NULL CONSTRAINT df_evaluation_history_hourly DEFAULT 1;
