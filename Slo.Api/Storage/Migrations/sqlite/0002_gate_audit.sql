-- Release-gate overrides, and every gate decision served, for audit. Ids are 32-digit hex GUIDs made by the service.
-- A decision is computed at most once a second per service; its row says how many requests it answered. The checks
-- are stored once per distinct set (keyed by their SHA-256).
CREATE TABLE gate_overrides (
    id          TEXT    NOT NULL PRIMARY KEY,
    service     TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX ix_gate_overrides_service_expires ON gate_overrides (service, expires_at);

CREATE TABLE gate_check_sets (
    hash   TEXT NOT NULL PRIMARY KEY,
    checks TEXT NOT NULL
);

CREATE TABLE gate_decisions (
    id          TEXT    NOT NULL PRIMARY KEY,
    service     TEXT    NOT NULL,
    decided_at  INTEGER NOT NULL,
    decision    TEXT    NOT NULL,
    overridden  INTEGER NOT NULL,
    override_id TEXT    NULL,
    requests    INTEGER NOT NULL,
    checks_hash TEXT    NOT NULL REFERENCES gate_check_sets (hash)
);

CREATE INDEX ix_gate_decisions_service_decided ON gate_decisions (service, decided_at);
