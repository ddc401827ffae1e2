-- The event ledger: each objective's event counts in epoch-aligned buckets, kept so that a restart reads nothing
-- settled from Prometheus again. One head row per objective names the counting definition (a fingerprint) the
-- chunks belong to and their bucket lengths in seconds, coarsest first (e.g. 3600,300,60); a chunk holds 96
-- buckets of one part (tier 0 is the coarsest) as little-endian float32 good, bad pairs, NaN where that part holds
-- nothing.
CREATE TABLE dbo.ledger_heads (
    objective_id      NVARCHAR(260)  NOT NULL,
    fingerprint       VARCHAR(64)    NOT NULL,
    buckets           VARCHAR(64)    NOT NULL,
    updated_at        BIGINT         NOT NULL,
    CONSTRAINT pk_ledger_heads PRIMARY KEY (objective_id)
);

CREATE TABLE dbo.ledger_chunks (
    objective_id      NVARCHAR(260)  NOT NULL,
    tier              TINYINT        NOT NULL,
    chunk_start       BIGINT         NOT NULL,
    counts            VARBINARY(MAX) NOT NULL,
    CONSTRAINT pk_ledger_chunks PRIMARY KEY (objective_id, tier, chunk_start)
);
