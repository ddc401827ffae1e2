-- One row per objective and evaluation instant. Instants are Unix milliseconds; ratios are fractions.
CREATE TABLE evaluation_history (
    objective_id     TEXT    NOT NULL,
    evaluated_at     INTEGER NOT NULL,
    state            TEXT    NOT NULL,
    sli              REAL    NULL,
    good             REAL    NULL,
    bad              REAL    NULL,
    total            REAL    NULL,
    budget_consumed  REAL    NULL,
    budget_remaining REAL    NULL,
    remaining_events REAL    NULL,
    burn_rates       TEXT    NULL,
    message          TEXT    NULL,
    PRIMARY KEY (objective_id, evaluated_at)
) WITHOUT ROWID;

CREATE INDEX ix_evaluation_history_evaluated_at ON evaluation_history (evaluated_at);
