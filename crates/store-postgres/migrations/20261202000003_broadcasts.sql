-- Mass notifications: a broadcast (its author, site or all sites, text, progress counts and the
-- author's progress message) and its recipients, fixed when it starts, each with the outcome of
-- its one delivery (NULL until tried). Same tables and columns as the SQLite store's migration
-- 0009.
CREATE TABLE broadcasts (
    id               BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id        BIGINT      NOT NULL REFERENCES users (id),
    site_id          BIGINT      REFERENCES sites (id),
    text             TEXT        NOT NULL,
    status           TEXT        NOT NULL DEFAULT 'sending',
    total            INTEGER     NOT NULL,
    sent             INTEGER     NOT NULL DEFAULT 0,
    unreachable      INTEGER     NOT NULL DEFAULT 0,
    failed           INTEGER     NOT NULL DEFAULT 0,
    progress_chat    BIGINT,
    progress_message INTEGER,
    created_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    CONSTRAINT broadcasts_status_known CHECK (status IN ('sending', 'done'))
);

CREATE INDEX broadcasts_by_author ON broadcasts (author_id, id);

CREATE TABLE broadcast_recipients (
    broadcast_id BIGINT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    outcome      TEXT,
    CONSTRAINT broadcast_recipients_pkey PRIMARY KEY (broadcast_id, user_id),
    CONSTRAINT broadcast_recipients_outcome_known
        CHECK (outcome IS NULL OR outcome IN ('sent', 'unreachable', 'failed'))
);

-- The recipients still to try, in id order: the sending job's page after page.
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (broadcast_id, user_id)
    WHERE outcome IS NULL;
