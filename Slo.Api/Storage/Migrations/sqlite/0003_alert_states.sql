-- One row per objective and burn-rate tier that has ever fired: the current incident (firing) or the last one
-- (resolved), with what has been delivered, so a restart neither re-sends a page as new nor forgets to resolve one.
CREATE TABLE alert_states (
    objective_id          TEXT    NOT NULL,
    tier_key              TEXT    NOT NULL,
    state                 TEXT    NOT NULL,
    started_at            INTEGER NOT NULL,
    resolved_at           INTEGER NULL,
    last_sent_at          INTEGER NULL,
    resolution_sent       INTEGER NOT NULL,
    webhook_firing_sent   INTEGER NOT NULL,
    webhook_resolved_sent INTEGER NOT NULL,
    PRIMARY KEY (objective_id, tier_key)
);
