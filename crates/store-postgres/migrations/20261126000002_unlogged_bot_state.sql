-- Dialogue states and the update ids seen for de-duplication are written on nearly every
-- Telegram update and are worth little after a database crash (a dialogue starts over; the
-- de-duplication window restarts). UNLOGGED tables skip the write-ahead log: each bot update
-- then costs no WAL flush for them. They survive clean restarts; only a crash empties them.
ALTER TABLE processed_updates SET UNLOGGED;
ALTER TABLE dialogues SET UNLOGGED;
