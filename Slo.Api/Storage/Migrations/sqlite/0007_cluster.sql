-- Several replicas on one database. Each replica says it is alive by its heartbeat; the objectives are split into
-- shards, each held by at most one replica through a lease it renews; a lease past expires_at may be taken over.
CREATE TABLE cluster_replicas (
    replica_id   TEXT    NOT NULL PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    address      TEXT    NOT NULL
);

CREATE TABLE cluster_leases (
    shard       INTEGER NOT NULL PRIMARY KEY,
    holder      TEXT    NULL,
    acquired_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    generation  INTEGER NOT NULL
);

-- The latest status of each objective, written by the replica that evaluated it, read by every other one.
CREATE TABLE objective_status (
    objective_id TEXT    NOT NULL PRIMARY KEY,
    evaluated_at INTEGER NOT NULL,
    written_at   INTEGER NOT NULL,
    replica_id   TEXT    NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX ix_objective_status_written ON objective_status (written_at);

-- Each delivery of an alert transition (a start or a resolution, to one target) is claimed here before it is sent,
-- so that no two replicas send it; a claim never marked sent may be taken again once it is old.
CREATE TABLE alert_deliveries (
    objective_id TEXT    NOT NULL,
    tier_key     TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    claimed_by   TEXT    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    sent_at      INTEGER NULL,
    PRIMARY KEY (objective_id, tier_key, started_at, kind, target)
);
