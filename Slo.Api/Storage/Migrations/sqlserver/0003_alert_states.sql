-- One row per objective and burn-rate tier that has ever fired: the current incident (firing) or the last one
-- (resolved), with what has been delivered, so a restart neither re-sends a page as new nor forgets to resolve one.
CREATE TABLE dbo.alert_states (
    objective_id          NVARCHAR(260) NOT NULL,
    tier_key              VARCHAR(64)   NOT NULL,
    state                 VARCHAR(16)   NOT NULL,
    started_at            BIGINT        NOT NULL,
    resolved_at           BIGINT        NULL,
    last_sent_at          BIGINT        NULL,
    resolution_sent       BIT           NOT NULL,
    webhook_firing_sent   BIT           NOT NULL,
    webhook_resolved_sent BIT           NOT NULL,
    CONSTRAINT pk_alert_states PRIMARY KEY (objective_id, tier_key)
);
