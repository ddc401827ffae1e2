-- Corrections posted through the API (those of the definitions live in the definitions): a local start in a time
-- zone, a local length (ISO-8601 period), an optional RFC 5545 RRULE, and the objectives covered (names separated by
-- commas; empty covers the whole service). A deleted correction keeps its row, marked, so the audit can show it.
CREATE TABLE dbo.corrections (
    id            VARCHAR(64)    NOT NULL,
    service       NVARCHAR(128)  NOT NULL,
    objectives    NVARCHAR(MAX)  NOT NULL,
    start_local   VARCHAR(32)    NOT NULL,
    length        VARCHAR(64)    NOT NULL,
    time_zone     VARCHAR(64)    NOT NULL,
    rrule         NVARCHAR(1000) NULL,
    reason        NVARCHAR(2000) NOT NULL,
    created_by    NVARCHAR(200)  NOT NULL,
    created_at    BIGINT         NOT NULL,
    deleted_at    BIGINT         NULL,
    deleted_by    NVARCHAR(200)  NULL,
    CONSTRAINT pk_corrections PRIMARY KEY (id)
);
CREATE INDEX ix_corrections_service ON dbo.corrections (service);

-- Who did what to which correction, when and why: one row per creation and per deletion, never updated.
CREATE TABLE dbo.correction_audit (
    correction_id VARCHAR(64)    NOT NULL,
    action        VARCHAR(16)    NOT NULL,
    actor         NVARCHAR(200)  NOT NULL,
    reason        NVARCHAR(2000) NOT NULL,
    at            BIGINT         NOT NULL,
    details       NVARCHAR(MAX)  NOT NULL
);
CREATE INDEX ix_correction_audit ON dbo.correction_audit (correction_id, at);
