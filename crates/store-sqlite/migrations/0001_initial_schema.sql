-- StaffProBot schema on SQLite: the same tables, constraints and indexes as the PostgreSQL store.
--
-- How values are stored (every table is STRICT, so a value of the wrong type is refused when it is
-- written instead of surprising a reader later):
--   * instants: INTEGER microseconds since the Unix epoch, UTC. Microseconds are PostgreSQL's
--     timestamptz precision, so both stores hand back the very same instant for the same input;
--     integers also compare and index cheaply, which the report and plan range queries rely on;
--   * money: INTEGER minor units (kopecks) with the TEXT ISO 4217 currency beside it;
--   * times of day: TEXT "HH:MM", the site's local wall-clock time (equal opening and closing
--     times mean the site never closes);
--   * booleans: INTEGER 0 or 1; coordinates, accuracies and distances: REAL.
-- Rows are never deleted except access and manager grants, so plain INTEGER PRIMARY KEY ids
-- (without AUTOINCREMENT) are never reused.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    language    TEXT    NOT NULL CHECK (language IN ('ru', 'en')),
    is_owner    INTEGER NOT NULL DEFAULT 0 CHECK (is_owner IN (0, 1)),
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT    NOT NULL UNIQUE,
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sites (
    id                INTEGER PRIMARY KEY,
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    name              TEXT    NOT NULL,
    address           TEXT    NOT NULL DEFAULT '',
    latitude          REAL    NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude         REAL    NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    geofence_radius_m INTEGER NOT NULL CHECK (geofence_radius_m BETWEEN 10 AND 5000),
    opens_at          TEXT    NOT NULL,
    closes_at         TEXT    NOT NULL,
    time_zone         TEXT    NOT NULL,
    hourly_rate_minor INTEGER NOT NULL CHECK (hourly_rate_minor >= 0),
    currency          TEXT    NOT NULL,
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    notify_owner      INTEGER NOT NULL DEFAULT 1 CHECK (notify_owner IN (0, 1)),
    created_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX sites_owner ON sites (owner_id);

-- Managers of a site (besides its owner).
CREATE TABLE site_managers (
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX site_managers_user ON site_managers (user_id, site_id);

-- Employees allowed to work at a site.
CREATE TABLE site_access (
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX site_access_user ON site_access (user_id, site_id);

CREATE TABLE shifts (
    id                INTEGER PRIMARY KEY,
    employee_id       INTEGER NOT NULL REFERENCES users (id),
    site_id           INTEGER NOT NULL REFERENCES sites (id),
    status            TEXT    NOT NULL CHECK (status IN ('active', 'closed', 'auto_closed')),
    started_at        INTEGER NOT NULL,
    start_latitude    REAL    NOT NULL,
    start_longitude   REAL    NOT NULL,
    start_accuracy_m  REAL,
    start_distance_m  REAL    NOT NULL,
    ended_at          INTEGER,
    end_latitude      REAL,
    end_longitude     REAL,
    end_accuracy_m    REAL,
    end_distance_m    REAL,
    -- The site's rate when the shift opened; later rate changes do not touch it.
    hourly_rate_minor INTEGER NOT NULL CHECK (hourly_rate_minor >= 0),
    currency          TEXT    NOT NULL,
    worked_minutes    INTEGER,
    pay_minor         INTEGER,
    needs_review      INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1)),
    planned_shift_id  INTEGER REFERENCES planned_shifts (id),
    -- A running shift has no end; a finished one always has.
    CHECK ((status = 'active') = (ended_at IS NULL))
) STRICT;

-- At most one running shift per employee, whoever tries to open a second one and however
-- concurrently: the store maps a violation of this index to `ActiveShiftExists`.
CREATE UNIQUE INDEX shifts_one_active_per_employee ON shifts (employee_id) WHERE status = 'active';

-- The report (per site and period) reads only this index: it covers every column it needs.
CREATE INDEX shifts_site_started
    ON shifts (site_id, started_at, status, employee_id, worked_minutes, pay_minor);

CREATE INDEX shifts_employee_started ON shifts (employee_id, started_at);

CREATE TABLE planned_shifts (
    id          INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES users (id),
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'cancelled', 'done', 'missed')),
    -- The real shift that fulfilled this plan.
    shift_id    INTEGER REFERENCES shifts (id),
    created_at  INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
) STRICT;

CREATE INDEX planned_shifts_starts ON planned_shifts (starts_at);

-- Also serves the overlap check, run in the same write transaction as every insert.
CREATE INDEX planned_shifts_employee_starts ON planned_shifts (employee_id, starts_at);
