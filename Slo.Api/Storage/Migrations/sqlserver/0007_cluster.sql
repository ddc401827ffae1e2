-- Several replicas on one database. Each replica says it is alive by its heartbeat; the objectives are split into
-- shards, each held by at most one replica through a lease it renews; a lease past expires_at may be taken over.
CREATE TABLE dbo.cluster_replicas (
    replica_id   NVARCHAR(200) NOT NULL,
    started_at   BIGINT        NOT NULL,
    heartbeat_at BIGINT        NOT NULL,
    address      NVARCHAR(400) NOT NULL,
    CONSTRAINT pk_cluster_replicas PRIMARY KEY (replica_id)
);

CREATE TABLE dbo.cluster_leases (
    shard       INT           NOT NULL,
    holder      NVARCHAR(200) NULL,
    acquired_at BIGINT        NOT NULL,
    expires_at  BIGINT        NOT NULL,
    generation  BIGINT        NOT NULL,
    CONSTRAINT pk_cluster_leases PRIMARY KEY (shard)
);

-- The latest status of each objective, written by the replica that evaluated it, read by every other one.
CREATE TABLE dbo.objective_status (
    objective_id NVARCHAR(260) NOT NULL,
    evaluated_at BIGINT        NOT NULL,
    written_at   BIGINT        NOT NULL,
    replica_id   NVARCHAR(200) NOT NULL,
    body         NVARCHAR(MAX) NOT NULL,
    CONSTRAINT pk_objective_status PRIMARY KEY (objective_id)
);
CREATE INDEX ix_objective_status_written ON dbo.objective_status (written_at);

-- Each delivery of an alert transition (a start or a resolution, to one target) is claimed here before it is sent,
-- so that no two replicas send it; a claim never marked sent may be taken again once it is old.
CREATE TABLE dbo.alert_deliveries (
    objective_id NVARCHAR(260) NOT NULL,
    tier_key     VARCHAR(64)   NOT NULL,
    started_at   BIGINT        NOT NULL,
    kind         VARCHAR(16)   NOT NULL,
    target       VARCHAR(64)   NOT NULL,
    claimed_by   NVARCHAR(200) NOT NULL,
    claimed_at   BIGINT        NOT NULL,
    sent_at      BIGINT        NULL,
    CONSTRAINT pk_alert_deliveries PRIMARY KEY (objective_id, tier_key, started_at, kind, target)
);
