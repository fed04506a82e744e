-- The embedded job queue (jobs::embedded): jobs kept in the database when no broker runs.
-- A job is ready when it is not dead and `available_at` has passed. Leasing sets
-- `available_at` to the lease deadline and `lease_token` to a fresh number (`leases`, which only
-- grows), so a job whose consumer died comes back by itself when the deadline passes, and a
-- late settle carrying an old token matches nothing. `deliveries` counts the times it was handed
-- out since its last settle, for the delivery limit. Dead jobs keep their row with `dead_at`.
-- AUTOINCREMENT: a `seq` is never reused after its row is deleted, so an old (seq, token) pair
-- can never settle a newer job.
-- Instants are microseconds since the Unix epoch, as elsewhere in this schema.
CREATE TABLE job_queue (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    area         TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 0,
    enqueued_at  INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    deliveries   INTEGER NOT NULL DEFAULT 0,
    leases       INTEGER NOT NULL DEFAULT 0,
    lease_token  INTEGER,
    last_error   TEXT,
    dead_at      INTEGER,
    dead_reason  TEXT
);
-- Leasing reads the ready jobs of one area in the order they became ready: a range scan that
-- stops after the batch, however many jobs wait.
CREATE INDEX job_queue_ready ON job_queue (area, available_at, seq) WHERE dead_at IS NULL;
-- The dead letters, longest dead first, and by job id for requeueing and dropping.
CREATE INDEX job_queue_dead ON job_queue (area, dead_at, seq) WHERE dead_at IS NOT NULL;
CREATE INDEX job_queue_dead_id ON job_queue (area, id) WHERE dead_at IS NOT NULL;
