-- What background work keeps in the database: the outbox (jobs written in the same transaction
-- as the change they follow, relayed to the queue), the scheduler's lease and the ticks that
-- fired, the effects already had (idempotency keys), and two marks on plans for the reminder
-- and no-show scans. Same tables, columns and index names as the SQLite store's migration 0008.

-- Jobs waiting to be relayed, ordered by `seq`; `id` is the job's idempotency key (not unique:
-- a scan may add the same job twice, its handler has the effect once); `payload` is JSON text,
-- kept as written. `held_until` is set while a relay holds the row (claimed with SKIP LOCKED so
-- relays never wait for each other); a relay that dies lets it go when it passes.
CREATE TABLE outbox (
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT        NOT NULL,
    area       TEXT        NOT NULL,
    kind       TEXT        NOT NULL,
    payload    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    held_until TIMESTAMPTZ,
    CONSTRAINT outbox_area_known CHECK (area IN ('notifications', 'shifts', 'analytics'))
);

-- One row per lease (the scheduler's): who holds it and until when.
CREATE TABLE scheduler_leases (
    name       TEXT        NOT NULL,
    holder     TEXT        NOT NULL,
    held_until TIMESTAMPTZ NOT NULL,
    CONSTRAINT scheduler_leases_pkey PRIMARY KEY (name)
);

-- Every tick of a schedule entry that fired, once: the primary key refuses a second firing of
-- the same entry and instant, whichever scheduler tries it.
CREATE TABLE scheduler_ticks (
    entry    TEXT        NOT NULL,
    fire_at  TIMESTAMPTZ NOT NULL,
    fired_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT scheduler_ticks_pkey PRIMARY KEY (entry, fire_at)
);

-- Effects already had, by idempotency key; forgotten by age.
CREATE TABLE job_effects (
    key     TEXT        NOT NULL,
    done_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT job_effects_pkey PRIMARY KEY (key)
);
CREATE INDEX job_effects_by_done_at ON job_effects (done_at);

-- When the employee was reminded of the plan, and when its no-show was reported (NULL: not yet).
-- Nullable columns without a default: adding them rewrites nothing.
ALTER TABLE planned_shifts
    ADD COLUMN reminded_at TIMESTAMPTZ,
    ADD COLUMN no_show_reported_at TIMESTAMPTZ;

-- The two scans read only plans still waiting and not yet handled, by start: a range scan over
-- the handful of rows due, however many plans there are.
CREATE INDEX planned_shifts_to_remind ON planned_shifts (starts_at, id)
    WHERE status = 'planned' AND reminded_at IS NULL;
CREATE INDEX planned_shifts_not_started ON planned_shifts (starts_at, id)
    WHERE status = 'planned' AND no_show_reported_at IS NULL;
