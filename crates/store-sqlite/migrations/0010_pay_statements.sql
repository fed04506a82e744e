-- Pay statements: one row per version of an employee's statement for a site and pay period,
-- never updated (a correction is a new version). Same table, columns and index as the
-- PostgreSQL store's migration 20261202000004. Periods are the site's local dates as
-- 'YYYY-MM-DD' text; `lines` is JSON text, one object per currency with its shifts, minutes and
-- pay in minor units; instants are Unix microseconds, as everywhere here.
CREATE TABLE pay_statements (
    id             INTEGER PRIMARY KEY,
    site_id        INTEGER NOT NULL REFERENCES sites (id),
    employee_id    INTEGER NOT NULL REFERENCES users (id),
    period_from    TEXT    NOT NULL,
    period_to      TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    lines          TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    CONSTRAINT pay_statements_period_format CHECK (
        period_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'
        AND period_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'
        AND period_to >= period_from
    ),
    CONSTRAINT pay_statements_version_positive CHECK (version >= 1)
) STRICT;

-- A version is stored once, whichever scan gets there first; the same index finds a site's
-- statements of a period (the payroll, the scan's comparison) and one version of one statement.
CREATE UNIQUE INDEX pay_statements_version_key
    ON pay_statements (site_id, period_from, employee_id, version);
