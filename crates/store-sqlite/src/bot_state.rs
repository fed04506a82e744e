//! `impl app::BotStateStore for SqliteStore`: dialogue states and update claims.

use crate::SqliteStore;
use crate::error::from_sqlx;
use crate::rows::{micros, now_micros};
use app::{BotStateStore, StoreResult, UPDATE_CLAIM_LEASE};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

#[async_trait]
impl BotStateStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn load_dialogue(&self, chat_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = ?")
            .bind(chat_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn save_dialogue(&self, chat_id: i64, state: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO dialogues (chat_id, state, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (chat_id) DO UPDATE SET state = ?2, updated_at = ?3",
        )
        .bind(chat_id)
        .bind(state)
        .bind(now_micros())
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn delete_dialogue(&self, chat_id: i64) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM dialogues WHERE chat_id = ?")
            .bind(chat_id)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn claim_update(&self, update_id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        // A new id is inserted; an unfinished claim whose lease is over is taken again (its
        // `seen_at` moves to now). Writes run one at a time (gate + BEGIN IMMEDIATE), so of
        // concurrent claims of one id exactly the first changes a row.
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO processed_updates (update_id, seen_at) VALUES (?1, ?2) \
             ON CONFLICT (update_id) DO UPDATE SET seen_at = excluded.seen_at \
             WHERE processed_updates.finished_at IS NULL AND processed_updates.seen_at <= ?3",
        )
        .bind(update_id)
        .bind(micros(now))
        .bind(micros(now - UPDATE_CLAIM_LEASE))
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn finish_updates(&self, update_ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
        if update_ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for &update_id in update_ids {
            sqlx::query(
                "INSERT INTO processed_updates (update_id, seen_at, finished_at) \
                 VALUES (?1, ?2, ?2) ON CONFLICT (update_id) DO UPDATE \
                 SET finished_at = coalesce(processed_updates.finished_at, excluded.finished_at)",
            )
            .bind(update_id)
            .bind(micros(now))
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        }
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_updates_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM processed_updates WHERE seen_at < ?")
            .bind(micros(before))
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
