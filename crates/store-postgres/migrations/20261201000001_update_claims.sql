-- Update claims become at-least-once: a claim is recorded before an update is handled and
-- marked finished after it; a claim never finished (the handler died mid-update) is taken again
-- on a redelivery once its lease (`app::UPDATE_CLAIM_LEASE`) is over. `seen_at` is when the
-- update was last claimed. The table stays UNLOGGED (adding a column keeps that).
ALTER TABLE processed_updates ADD COLUMN finished_at TIMESTAMPTZ;
-- Ids recorded before this migration were taken on under the old rule: count them as done.
UPDATE processed_updates SET finished_at = seen_at;
