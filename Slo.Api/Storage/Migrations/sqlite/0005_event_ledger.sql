-- The event ledger: each objective's event counts in epoch-aligned buckets, kept so that a restart reads nothing
-- settled from Prometheus again. One head row per objective names the counting definition (a fingerprint) the
-- chunks belong to and their bucket lengths in seconds, coarsest first (e.g. 3600,300,60); a chunk holds 96
-- buckets of one part (tier 0 is the coarsest) as little-endian float32 good, bad pairs, NaN where that part holds
-- nothing.
CREATE TABLE ledger_heads (
    objective_id      TEXT    NOT NULL PRIMARY KEY,
    fingerprint       TEXT    NOT NULL,
    buckets           TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE ledger_chunks (
    objective_id      TEXT    NOT NULL,
    tier              INTEGER NOT NULL,
    chunk_start       INTEGER NOT NULL,
    counts            BLOB    NOT NULL,
    PRIMARY KEY (objective_id, tier, chunk_start)
);
