-- Cache invalidations shared through the database, for processes that run without Redis (the
-- embedded default, and operator commands run beside a server): every write that drops cached
-- keys appends them here, and every process reads the entries after the last id it has seen.
-- `keys` is the list of cache keys, one per line. Entries are forgotten after an hour.
CREATE TABLE cache_invalidations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    keys       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX cache_invalidations_created_at ON cache_invalidations (created_at);
