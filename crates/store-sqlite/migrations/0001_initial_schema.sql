-- StaffProBot schema on SQLite: the same tables, constraints and indexes (by name) as the
-- PostgreSQL store, so both refuse the same data.
--
-- How values are stored (every table is STRICT, so a value of the wrong type is refused when it is
-- written instead of surprising a reader later):
--   * instants: INTEGER microseconds since the Unix epoch, UTC. Microseconds are PostgreSQL's
--     timestamptz precision, so both stores hand back the very same instant for the same input;
--     integers also compare and index cheaply, which the report and plan range queries rely on.
--     `created_at` defaults to now (at SQLite's millisecond resolution), like `DEFAULT now()`;
--   * money: INTEGER minor units (kopecks) with the TEXT ISO 4217 currency beside it;
--   * times of day: TEXT "HH:MM", the site's local wall-clock time (equal opening and closing
--     times mean the site never closes; closing before opening, after midnight);
--   * booleans: INTEGER 0 or 1; coordinates, accuracies and distances: REAL.
-- Rows are never deleted except access and manager grants, so plain INTEGER PRIMARY KEY ids
-- (without AUTOINCREMENT) are never reused.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    is_owner    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    CONSTRAINT users_telegram_id_key UNIQUE (telegram_id),
    CONSTRAINT users_name_length CHECK (length(name) BETWEEN 1 AND 128),
    CONSTRAINT users_language_known CHECK (language IN ('ru', 'en')),
    CONSTRAINT users_is_owner_bool CHECK (is_owner IN (0, 1))
) STRICT;

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL,
    label      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    revoked_at INTEGER,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
) STRICT;

-- Revoking walks a user's live tokens.
CREATE INDEX api_tokens_live_by_user ON api_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE sites (
    id                INTEGER PRIMARY KEY,
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    name              TEXT    NOT NULL,
    address           TEXT    NOT NULL DEFAULT '',
    latitude          REAL    NOT NULL,
    longitude         REAL    NOT NULL,
    geofence_radius_m INTEGER NOT NULL,
    opens_at          TEXT    NOT NULL,
    closes_at         TEXT    NOT NULL,
    time_zone         TEXT    NOT NULL,
    hourly_rate_minor INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    active            INTEGER NOT NULL DEFAULT 1,
    notify_owner      INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    CONSTRAINT sites_name_length CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT sites_address_length CHECK (length(address) <= 300),
    CONSTRAINT sites_latitude_range CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT sites_longitude_range CHECK (longitude BETWEEN -180 AND 180),
    CONSTRAINT sites_geofence_radius_range CHECK (geofence_radius_m BETWEEN 10 AND 5000),
    CONSTRAINT sites_hours_format CHECK (
        opens_at GLOB '[0-2][0-9]:[0-5][0-9]' AND closes_at GLOB '[0-2][0-9]:[0-5][0-9]'
    ),
    CONSTRAINT sites_hourly_rate_range CHECK (hourly_rate_minor BETWEEN 0 AND 1000000000),
    CONSTRAINT sites_currency_code CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
    CONSTRAINT sites_flags_bool CHECK (active IN (0, 1) AND notify_owner IN (0, 1))
) STRICT;

CREATE INDEX sites_by_owner ON sites (owner_id);

-- Managers of a site (besides its owner).
CREATE TABLE site_managers (
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    CONSTRAINT site_managers_pkey PRIMARY KEY (site_id, user_id)
) STRICT, WITHOUT ROWID;

-- "Which sites does this person manage" is asked on every owner-side request.
CREATE INDEX site_managers_by_user ON site_managers (user_id);

-- Employees allowed to work at a site.
CREATE TABLE site_access (
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    CONSTRAINT site_access_pkey PRIMARY KEY (site_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX site_access_by_user ON site_access (user_id);

-- SQLite has no exclusion constraints: "no two planned/done plans of one employee overlap" is
-- checked by the store in the same BEGIN IMMEDIATE transaction as every insert or revival of a
-- plan, which SQLite runs one at a time.
CREATE TABLE planned_shifts (
    id          INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES users (id),
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'planned',
    -- The real shift that fulfilled this plan.
    shift_id    INTEGER REFERENCES shifts (id),
    created_at  INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    CONSTRAINT planned_shifts_status_known
        CHECK (status IN ('planned', 'cancelled', 'done', 'missed')),
    CONSTRAINT planned_shifts_window_order CHECK (ends_at > starts_at)
) STRICT;

CREATE INDEX planned_shifts_by_start ON planned_shifts (starts_at);
-- Also serves the overlap check.
CREATE INDEX planned_shifts_by_employee_start ON planned_shifts (employee_id, starts_at);
-- The periodic "mark missed" run only looks at plans still waiting.
CREATE INDEX planned_shifts_waiting_by_end ON planned_shifts (ends_at) WHERE status = 'planned';

CREATE TABLE shifts (
    id                INTEGER PRIMARY KEY,
    employee_id       INTEGER NOT NULL REFERENCES users (id),
    site_id           INTEGER NOT NULL REFERENCES sites (id),
    status            TEXT    NOT NULL,
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
    hourly_rate_minor INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    worked_minutes    INTEGER,
    pay_minor         INTEGER,
    needs_review      INTEGER NOT NULL DEFAULT 0,
    planned_shift_id  INTEGER REFERENCES planned_shifts (id),
    created_at        INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    CONSTRAINT shifts_status_known CHECK (status IN ('active', 'closed', 'auto_closed')),
    -- A running shift has no end yet; a finished one has its end, minutes and pay.
    CONSTRAINT shifts_end_matches_status CHECK (
        (status = 'active' AND ended_at IS NULL AND worked_minutes IS NULL AND pay_minor IS NULL
            AND end_latitude IS NULL)
        OR (status <> 'active' AND ended_at IS NOT NULL AND worked_minutes IS NOT NULL
            AND pay_minor IS NOT NULL)
    ),
    CONSTRAINT shifts_end_after_start CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT shifts_end_location_complete CHECK (
        (end_latitude IS NULL) = (end_longitude IS NULL)
        AND (end_latitude IS NULL) = (end_distance_m IS NULL)
        AND (end_latitude IS NOT NULL OR end_accuracy_m IS NULL)
    ),
    CONSTRAINT shifts_currency_code CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
    CONSTRAINT shifts_amounts_not_negative CHECK (
        hourly_rate_minor >= 0 AND coalesce(worked_minutes, 0) >= 0 AND coalesce(pay_minor, 0) >= 0
    ),
    CONSTRAINT shifts_needs_review_bool CHECK (needs_review IN (0, 1))
) STRICT;

-- At most one active shift per employee: concurrent opens race on this index and all but one
-- get a unique violation, which the store answers with `ActiveShiftExists`. It also finds an
-- employee's active shift and lists all active ones.
CREATE UNIQUE INDEX shifts_one_active_per_employee ON shifts (employee_id) WHERE status = 'active';
-- The summary report aggregates a site's shifts over a period from this index alone (SQLite has
-- no INCLUDE, so the carried columns trail the key), without touching the table.
CREATE INDEX shifts_by_site_start
    ON shifts (site_id, started_at, employee_id, status, worked_minutes, pay_minor);
CREATE INDEX shifts_by_employee_start ON shifts (employee_id, started_at);
