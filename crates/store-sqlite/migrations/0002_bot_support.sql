-- What the Telegram bot needs: whether a person can be written to, the join code of each site,
-- requests to join a site, saved dialogue states and the Telegram updates already handled.
-- Same tables, constraints and index names as the PostgreSQL store's migration.

-- 0 once Telegram answers "bot was blocked by the user"; nothing is sent until they write.
ALTER TABLE users ADD COLUMN reachable INTEGER NOT NULL DEFAULT 1
    CONSTRAINT users_reachable_bool CHECK (reachable IN (0, 1));

-- The code in a site's join link and QR code: 10 characters of `domain::join::JoinCode`'s
-- alphabet. SQLite adds a NOT NULL column only with a default, and cannot add a CHECK that the
-- existing rows would fail, so the column gets '' here (never kept: every existing site draws a
-- code below) and the format is checked by the triggers at the end, which also refuse ''.
ALTER TABLE sites ADD COLUMN join_code TEXT NOT NULL DEFAULT '';

-- Each character is picked by the low 5 bits of random() (never abs(): abs of the smallest
-- 64-bit integer is an overflow error).
UPDATE sites SET join_code =
    substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1);

-- SQL here has no loops: a site whose code an older site drew already (1 in 2^50 per pair) draws
-- again, twice. Should a collision survive both, the unique index below fails the migration,
-- which rolls back whole and can simply be run again.
CREATE INDEX sites_join_code_draw ON sites (join_code);
UPDATE sites SET join_code =
    substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
WHERE EXISTS (SELECT 1 FROM sites AS o WHERE o.join_code = sites.join_code AND o.id < sites.id);
UPDATE sites SET join_code =
    substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
    || substr('abcdefghjkmnpqrstuvwxyz23456789_', (random() & 31) + 1, 1)
WHERE EXISTS (SELECT 1 FROM sites AS o WHERE o.join_code = sites.join_code AND o.id < sites.id);
DROP INDEX sites_join_code_draw;

CREATE UNIQUE INDEX sites_join_code_key ON sites (join_code);

-- The CHECK sites_join_code_format of PostgreSQL, as triggers (see above).
CREATE TRIGGER sites_join_code_format_insert BEFORE INSERT ON sites
WHEN length(NEW.join_code) <> 10
    OR NEW.join_code GLOB '*[^abcdefghjkmnpqrstuvwxyz23456789_]*'
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sites_join_code_format');
END;
CREATE TRIGGER sites_join_code_format_update BEFORE UPDATE OF join_code ON sites
WHEN length(NEW.join_code) <> 10
    OR NEW.join_code GLOB '*[^abcdefghjkmnpqrstuvwxyz23456789_]*'
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sites_join_code_format');
END;

-- A person asking to work at a site; the owner or a manager approves or declines it.
CREATE TABLE join_requests (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT    NOT NULL DEFAULT 'pending',
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    CONSTRAINT join_requests_status_known CHECK (status IN ('pending', 'approved', 'declined')),
    CONSTRAINT join_requests_decided_when_not_pending
        CHECK ((status = 'pending') = (decided_at IS NULL))
) STRICT;

-- One waiting request per person and site; decided requests stay as history and do not block
-- asking again.
CREATE UNIQUE INDEX join_requests_one_pending
    ON join_requests (site_id, user_id) WHERE status = 'pending';

-- The bot's dialogue state per Telegram chat, as the bot serialises it (opaque here). Chat ids
-- of groups are negative, which a rowid alias holds as well.
CREATE TABLE dialogues (
    chat_id    INTEGER PRIMARY KEY,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Telegram update ids already taken on, so a redelivered update is handled once. Old ids are
-- forgotten by `seen_at`.
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    seen_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX processed_updates_by_seen ON processed_updates (seen_at);
