-- Corrections posted through the API (those of the definitions live in the definitions): a local start in a time
-- zone, a local length (ISO-8601 period), an optional RFC 5545 RRULE, and the objectives covered (names separated by
-- commas; empty covers the whole service). A deleted correction keeps its row, marked, so the audit can show it.
CREATE TABLE corrections (
    id            TEXT    NOT NULL PRIMARY KEY,
    service       TEXT    NOT NULL,
    objectives    TEXT    NOT NULL,
    start_local   TEXT    NOT NULL,
    length        TEXT    NOT NULL,
    time_zone     TEXT    NOT NULL,
    rrule         TEXT    NULL,
    reason        TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    deleted_at    INTEGER NULL,
    deleted_by    TEXT    NULL
);
CREATE INDEX ix_corrections_service ON corrections (service);

-- Who did what to which correction, when and why: one row per creation and per deletion, never updated.
CREATE TABLE correction_audit (
    correction_id TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    details       TEXT    NOT NULL
);
CREATE INDEX ix_correction_audit ON correction_audit (correction_id, at);
