-- One row per objective and evaluation instant. Instants are Unix milliseconds; ratios are fractions.
CREATE TABLE dbo.evaluation_history (
    objective_id     NVARCHAR(260) NOT NULL,
    evaluated_at     BIGINT        NOT NULL,
    state            VARCHAR(16)   NOT NULL,
    sli              FLOAT         NULL,
    good             FLOAT         NULL,
    bad              FLOAT         NULL,
    total            FLOAT         NULL,
    budget_consumed  FLOAT         NULL,
    budget_remaining FLOAT         NULL,
    remaining_events FLOAT         NULL,
    burn_rates       NVARCHAR(MAX) NULL,
    message          NVARCHAR(MAX) NULL,
    CONSTRAINT pk_evaluation_history PRIMARY KEY (objective_id, evaluated_at)
);

CREATE INDEX ix_evaluation_history_evaluated_at ON dbo.evaluation_history (evaluated_at);
