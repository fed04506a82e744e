//! `impl app::InvalidationLog for SqliteStore`: cache invalidations shared through the database.

use crate::SqliteStore;
use crate::error::from_sqlx;
use crate::rows::micros;
use app::{InvalidationLog, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

#[async_trait]
impl InvalidationLog for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn append_invalidations(
        &self,
        entries: &[Vec<String>],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let texts: Vec<String> = entries
            .iter()
            .filter(|keys| !keys.is_empty())
            .map(|keys| keys.join("\n"))
            .collect();
        if texts.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for text in &texts {
            sqlx::query("INSERT INTO cache_invalidations (keys, created_at) VALUES (?, ?)")
                .bind(text)
                .bind(micros(at))
                .execute(tx.conn())
                .await
                .map_err(from_sqlx)?;
        }
        tx.commit().await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn invalidations_after(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Vec<String>)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, keys FROM cache_invalidations WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|(id, keys)| (id, keys.lines().map(str::to_owned).collect()))
            .collect())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn last_invalidation(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM cache_invalidations")
            .fetch_one(&self.pool)
            .await
            .map_err(from_sqlx)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_invalidations_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM cache_invalidations WHERE created_at < ?")
            .bind(micros(before))
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
