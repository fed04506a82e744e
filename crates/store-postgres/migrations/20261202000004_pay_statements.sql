-- Pay statements: one row per version of an employee's statement for a site and pay period,
-- never updated (a correction is a new version). Same table, columns and index as the SQLite
-- store's migration 0010. Periods are the site's local dates; `lines` is JSON text, one object
-- per currency with its shifts, minutes and pay in minor units.
CREATE TABLE pay_statements (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT      NOT NULL,
    employee_id BIGINT      NOT NULL,
    period_from DATE        NOT NULL,
    period_to   DATE        NOT NULL,
    version     INTEGER     NOT NULL,
    lines       TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT pay_statements_site_id_fkey FOREIGN KEY (site_id) REFERENCES sites (id),
    CONSTRAINT pay_statements_employee_id_fkey FOREIGN KEY (employee_id) REFERENCES users (id),
    CONSTRAINT pay_statements_period_format CHECK (period_to >= period_from),
    CONSTRAINT pay_statements_version_positive CHECK (version >= 1)
);

-- A version is stored once, whichever scan gets there first; the same index finds a site's
-- statements of a period (the payroll, the scan's comparison) and one version of one statement.
CREATE UNIQUE INDEX pay_statements_version_key
    ON pay_statements (site_id, period_from, employee_id, version);
