-- Cache invalidations shared through the database, for processes that run without Redis:
-- every write that drops cached keys appends them here, and every process reads the entries
-- after the last id it has seen (re-reading a short window, since ids from concurrent
-- transactions may commit out of order). `keys` is the list of cache keys, one per line.
-- Logged on purpose: an UNLOGGED table's sequence restarts after a crash, and readers that
-- remember a higher id would miss what follows. Entries are forgotten after an hour.
CREATE TABLE cache_invalidations (
    id         BIGSERIAL   PRIMARY KEY,
    keys       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cache_invalidations_created_at ON cache_invalidations (created_at);
