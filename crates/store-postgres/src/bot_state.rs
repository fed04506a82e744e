//! `impl app::BotStateStore for PgStore`: dialogue states and update claims, in UNLOGGED tables
//! (written on nearly every update, worth little after a crash).

use crate::PgStore;
use crate::error::map;
use app::{BotStateStore, StoreResult, UPDATE_CLAIM_LEASE};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

#[async_trait]
impl BotStateStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn load_dialogue(&self, chat_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
            .bind(chat_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn save_dialogue(&self, chat_id: i64, state: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO dialogues (chat_id, state, updated_at) VALUES ($1, $2, now()) \
             ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, updated_at = now()",
        )
        .bind(chat_id)
        .bind(state)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn delete_dialogue(&self, chat_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM dialogues WHERE chat_id = $1")
            .bind(chat_id)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn claim_update(&self, update_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        // A new id is inserted; an unfinished claim whose lease is over is taken again (its
        // `seen_at` moves to now). A concurrent claim of the same id waits for the first to
        // commit, then re-checks the condition on the row it left, so one claimer wins.
        let done = sqlx::query(
            "INSERT INTO processed_updates (update_id, seen_at) VALUES ($1, $2) \
             ON CONFLICT (update_id) DO UPDATE SET seen_at = excluded.seen_at \
             WHERE processed_updates.finished_at IS NULL AND processed_updates.seen_at <= $3",
        )
        .bind(update_id)
        .bind(now)
        .bind(now - UPDATE_CLAIM_LEASE)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn finish_updates(&self, update_ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
        // One row per id: ON CONFLICT cannot touch the same row twice in one statement.
        let mut ids = update_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO processed_updates (update_id, seen_at, finished_at) \
             SELECT id, $2, $2 FROM unnest($1::bigint[]) AS t(id) \
             ON CONFLICT (update_id) DO UPDATE \
             SET finished_at = coalesce(processed_updates.finished_at, excluded.finished_at)",
        )
        .bind(&ids[..])
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_updates_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM processed_updates WHERE seen_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected())
    }
}
