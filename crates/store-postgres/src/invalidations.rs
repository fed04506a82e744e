//! `impl app::InvalidationLog for PgStore`: cache invalidations shared through the database.

use crate::PgStore;
use crate::error::map;
use app::{InvalidationLog, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

#[async_trait]
impl InvalidationLog for PgStore {
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
        sqlx::query(
            "INSERT INTO cache_invalidations (keys, created_at) SELECT k, $2 FROM unnest($1::text[]) AS t(k)",
        )
        .bind(&texts[..])
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        Ok(())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn invalidations_after(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Vec<String>)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, keys FROM cache_invalidations WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
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
            .map_err(map)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn forget_invalidations_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM cache_invalidations WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(map)?;
        Ok(done.rows_affected())
    }
}
