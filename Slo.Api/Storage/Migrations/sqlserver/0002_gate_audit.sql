-- Release-gate overrides, and every gate decision served, for audit. Ids are 32-digit hex GUIDs made by the service.
-- A decision is computed at most once a second per service; its row says how many requests it answered. The checks
-- are stored once per distinct set (keyed by their SHA-256).
CREATE TABLE dbo.gate_overrides (
    id          CHAR(32)       NOT NULL PRIMARY KEY,
    service     NVARCHAR(128)  NOT NULL,
    reason      NVARCHAR(2000) NOT NULL,
    created_by  NVARCHAR(200)  NOT NULL,
    created_at  BIGINT         NOT NULL,
    expires_at  BIGINT         NOT NULL
);

CREATE INDEX ix_gate_overrides_service_expires ON dbo.gate_overrides (service, expires_at);

CREATE TABLE dbo.gate_check_sets (
    hash   CHAR(64)      NOT NULL PRIMARY KEY,
    checks NVARCHAR(MAX) NOT NULL
);

CREATE TABLE dbo.gate_decisions (
    id          CHAR(32)      NOT NULL PRIMARY KEY,
    service     NVARCHAR(128) NOT NULL,
    decided_at  BIGINT        NOT NULL,
    decision    VARCHAR(16)   NOT NULL,
    overridden  BIT           NOT NULL,
    override_id CHAR(32)      NULL,
    requests    INT           NOT NULL,
    checks_hash CHAR(64)      NOT NULL REFERENCES dbo.gate_check_sets (hash)
);

CREATE INDEX ix_gate_decisions_service_decided ON dbo.gate_decisions (service, decided_at);
