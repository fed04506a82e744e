//! `app::broadcasts::BroadcastStore` for `PgStore`: a broadcast, its recipients and its sending
//! job written in one transaction; outcomes recorded once per recipient, the counts moved in the
//! same statement.

use crate::PgStore;
use crate::background::write_outbox;
use crate::error::map;
use app::broadcasts::{
    Broadcast, BroadcastId, BroadcastStatus, BroadcastStore, NewBroadcast, Outcome,
    ProgressMessage, send_job,
};
use app::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{SiteId, UserId};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use tracing::instrument;

macro_rules! columns {
    () => {
        "id, author_id, site_id, text, status, total, sent, unreachable, failed, \
         progress_chat, progress_message, created_at, finished_at"
    };
}

fn bad(detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("broadcasts: {detail}"))
}

fn broadcast(row: &PgRow) -> StoreResult<Broadcast> {
    let count = |c: &str| -> StoreResult<u32> {
        let v: i32 = row.try_get(c).map_err(bad)?;
        u32::try_from(v).map_err(|e| bad(format!("{c}: {e}")))
    };
    let status: String = row.try_get("status").map_err(bad)?;
    let chat: Option<i64> = row.try_get("progress_chat").map_err(bad)?;
    let message: Option<i32> = row.try_get("progress_message").map_err(bad)?;
    let site: Option<i64> = row.try_get("site_id").map_err(bad)?;
    Ok(Broadcast {
        id: BroadcastId(row.try_get("id").map_err(bad)?),
        author_id: UserId(row.try_get("author_id").map_err(bad)?),
        site_id: site.map(SiteId),
        text: row.try_get("text").map_err(bad)?,
        status: BroadcastStatus::parse(&status)
            .ok_or_else(|| bad(format!("unknown status {status:?}")))?,
        total: count("total")?,
        sent: count("sent")?,
        unreachable: count("unreachable")?,
        failed: count("failed")?,
        progress: chat
            .zip(message)
            .map(|(chat_id, message_id)| ProgressMessage {
                chat_id,
                message_id,
            }),
        created_at: row.try_get("created_at").map_err(bad)?,
        finished_at: row.try_get("finished_at").map_err(bad)?,
    })
}

async fn select(conn: &mut PgConnection, id: BroadcastId) -> StoreResult<Option<Broadcast>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM broadcasts WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(map)?;
    row.as_ref().map(broadcast).transpose()
}

fn found(b: Option<Broadcast>) -> StoreResult<Broadcast> {
    b.ok_or(StoreError::NotFound("broadcast"))
}

#[async_trait]
impl BroadcastStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_broadcast(&self, new: &NewBroadcast) -> StoreResult<Broadcast> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO broadcasts (author_id, site_id, text, total, progress_chat, \
             progress_message, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.author_id.0)
        .bind(new.site_id.map(|s| s.0))
        .bind(&new.text)
        .bind(i32::try_from(new.recipients.len()).unwrap_or(i32::MAX))
        .bind(new.progress.map(|p| p.chat_id))
        .bind(new.progress.map(|p| p.message_id))
        .bind(new.created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map)?;
        let users: Vec<i64> = new.recipients.iter().map(|u| u.0).collect();
        sqlx::query(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id) \
             SELECT $1, u FROM unnest($2::bigint[]) AS u ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&users)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        write_outbox(&mut tx, &[send_job(BroadcastId(id))], new.created_at).await?;
        let stored = found(select(&mut tx, BroadcastId(id)).await?)?;
        tx.commit().await.map_err(map)?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn broadcast(&self, id: BroadcastId) -> StoreResult<Option<Broadcast>> {
        let mut conn = self.pool.acquire().await.map_err(map)?;
        select(&mut conn, id).await
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn pending_recipients(
        &self,
        id: BroadcastId,
        after: Option<UserId>,
        limit: u32,
    ) -> StoreResult<Vec<UserId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM broadcast_recipients \
             WHERE broadcast_id = $1 AND outcome IS NULL AND user_id > $3 \
             ORDER BY user_id LIMIT $2",
        )
        .bind(id.0)
        .bind(i64::from(limit))
        .bind(after.map_or(i64::MIN, |u| u.0))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn record_outcomes(
        &self,
        id: BroadcastId,
        outcomes: &[(UserId, Outcome)],
    ) -> StoreResult<Broadcast> {
        let users: Vec<i64> = outcomes.iter().map(|(u, _)| u.0).collect();
        let kinds: Vec<&str> = outcomes.iter().map(|(_, o)| o.as_str()).collect();
        // Only recipients not tried yet change, and the counts move by exactly those.
        let row = sqlx::query(concat!(
            "WITH given AS ( \
                 SELECT * FROM unnest($2::bigint[], $3::text[]) AS g(user_id, outcome)), \
             changed AS ( \
                 UPDATE broadcast_recipients r SET outcome = g.outcome FROM given g \
                 WHERE r.broadcast_id = $1 AND r.user_id = g.user_id AND r.outcome IS NULL \
                 RETURNING r.outcome) \
             UPDATE broadcasts SET \
                 sent = sent + (SELECT count(*) FROM changed WHERE outcome = 'sent'), \
                 unreachable = unreachable + \
                     (SELECT count(*) FROM changed WHERE outcome = 'unreachable'), \
                 failed = failed + (SELECT count(*) FROM changed WHERE outcome = 'failed') \
             WHERE id = $1 RETURNING ",
            columns!()
        ))
        .bind(id.0)
        .bind(&users)
        .bind(&kinds)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        found(row.as_ref().map(broadcast).transpose()?)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn finish_broadcast(&self, id: BroadcastId, at: DateTime<Utc>) -> StoreResult<Broadcast> {
        sqlx::query(
            "UPDATE broadcasts SET status = 'done', finished_at = $2 \
             WHERE id = $1 AND status = 'sending'",
        )
        .bind(id.0)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map)?;
        let mut conn = self.pool.acquire().await.map_err(map)?;
        found(select(&mut conn, id).await?)
    }
}
