-- Nobody stuck in a forgotten shift: an owner or manager may close someone's running shift at a
-- stated time, an employee may report a forgotten close (the shift ends then, flagged for
-- review), and a reviewer approves or moves that end. Same tables and columns as the PostgreSQL
-- store's migration 20261201000002.

-- Who ended the shift by a stated time (NULL: closed from the site, automatically, or running).
ALTER TABLE shifts ADD COLUMN closed_by INTEGER REFERENCES users (id);
-- Why a flagged shift waits for review; NULL on a flagged shift means it was closed
-- automatically (every flagged shift before this migration), and is ignored when not flagged.
ALTER TABLE shifts ADD COLUMN review_reason TEXT
    CHECK (review_reason IN ('auto_closed', 'forgotten_close'));

-- Shifts waiting for review, per site (the owner's review list).
CREATE INDEX shifts_to_review ON shifts (site_id, started_at, id) WHERE needs_review = 1;

-- One row per stated end or review: what, the end before and after, who, when. The original
-- times of a shift are never lost. Instants are Unix microseconds, as everywhere here.
CREATE TABLE shift_changes (
    id           INTEGER PRIMARY KEY,
    shift_id     INTEGER NOT NULL REFERENCES shifts (id),
    kind         TEXT    NOT NULL,
    old_ended_at INTEGER,
    new_ended_at INTEGER,
    changed_by   INTEGER NOT NULL REFERENCES users (id),
    changed_at   INTEGER NOT NULL,
    CONSTRAINT shift_changes_kind_known CHECK (
        kind IN ('closed_by_manager', 'forgotten_reported', 'approved', 'end_changed')
    )
) STRICT;
CREATE INDEX shift_changes_by_shift ON shift_changes (shift_id, id);
