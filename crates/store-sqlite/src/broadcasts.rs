//! `app::broadcasts::BroadcastStore` for `SqliteStore`: a broadcast, its recipients and its
//! sending job written in one `BEGIN IMMEDIATE` transaction; outcomes recorded once per
//! recipient, the counts moved in the same transaction.

use crate::SqliteStore;
use crate::background::write_outbox;
use crate::error::{bad_row, from_sqlx};
use crate::rows::micros;
use app::broadcasts::{
    Broadcast, BroadcastId, BroadcastStatus, BroadcastStore, NewBroadcast, Outcome,
    ProgressMessage, send_job,
};
use app::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{SiteId, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use tracing::instrument;

const T: &str = "broadcasts";
macro_rules! columns {
    () => {
        "id, author_id, site_id, text, status, total, sent, unreachable, failed, \
         progress_chat, progress_message, created_at, finished_at"
    };
}
/// Recipients per multi-row INSERT: 2 parameters each.
const CHUNK: usize = 5_000;

fn broadcast(row: &SqliteRow) -> StoreResult<Broadcast> {
    let get_i64 = |c: &str| -> StoreResult<i64> { row.try_get(c).map_err(|e| bad_row(T, e)) };
    let get_opt =
        |c: &str| -> StoreResult<Option<i64>> { row.try_get(c).map_err(|e| bad_row(T, e)) };
    let count = |c: &str| -> StoreResult<u32> {
        u32::try_from(get_i64(c)?).map_err(|e| bad_row(T, format!("{c}: {e}")))
    };
    let instant = |c: &str, v: i64| {
        DateTime::from_timestamp_micros(v)
            .ok_or_else(|| bad_row(T, format!("{c} = {v} is not an instant")))
    };
    let status: String = row.try_get("status").map_err(|e| bad_row(T, e))?;
    let progress = match (get_opt("progress_chat")?, get_opt("progress_message")?) {
        (Some(chat_id), Some(message_id)) => Some(ProgressMessage {
            chat_id,
            message_id: i32::try_from(message_id).map_err(|e| bad_row(T, e))?,
        }),
        _ => None,
    };
    Ok(Broadcast {
        id: BroadcastId(get_i64("id")?),
        author_id: UserId(get_i64("author_id")?),
        site_id: get_opt("site_id")?.map(SiteId),
        text: row.try_get("text").map_err(|e| bad_row(T, e))?,
        status: BroadcastStatus::parse(&status)
            .ok_or_else(|| bad_row(T, format!("unknown status {status:?}")))?,
        total: count("total")?,
        sent: count("sent")?,
        unreachable: count("unreachable")?,
        failed: count("failed")?,
        progress,
        created_at: instant("created_at", get_i64("created_at")?)?,
        finished_at: get_opt("finished_at")?
            .map(|v| instant("finished_at", v))
            .transpose()?,
    })
}

async fn select(conn: &mut SqliteConnection, id: BroadcastId) -> StoreResult<Option<Broadcast>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM broadcasts WHERE id = ?"
    ))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
    .map_err(from_sqlx)?;
    row.as_ref().map(broadcast).transpose()
}

#[async_trait]
impl BroadcastStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_broadcast(&self, new: &NewBroadcast) -> StoreResult<Broadcast> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO broadcasts (author_id, site_id, text, total, progress_chat, \
             progress_message, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.author_id.0)
        .bind(new.site_id.map(|s| s.0))
        .bind(&new.text)
        .bind(i64::try_from(new.recipients.len()).unwrap_or(i64::MAX))
        .bind(new.progress.map(|p| p.chat_id))
        .bind(new.progress.map(|p| i64::from(p.message_id)))
        .bind(micros(new.created_at))
        .fetch_one(tx.conn())
        .await
        .map_err(from_sqlx)?;
        for chunk in new.recipients.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO broadcast_recipients (broadcast_id, user_id) ",
            );
            q.push_values(chunk, |mut b, user| {
                b.push_bind(id).push_bind(user.0);
            });
            q.build().execute(tx.conn()).await.map_err(from_sqlx)?;
        }
        write_outbox(tx.conn(), &[send_job(BroadcastId(id))], new.created_at).await?;
        let stored = select(tx.conn(), BroadcastId(id))
            .await?
            .ok_or(StoreError::NotFound("broadcast"))?;
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn broadcast(&self, id: BroadcastId) -> StoreResult<Option<Broadcast>> {
        let mut conn = self.pool.acquire().await.map_err(from_sqlx)?;
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
             WHERE broadcast_id = ? AND outcome IS NULL AND user_id > ? ORDER BY user_id LIMIT ?",
        )
        .bind(id.0)
        .bind(after.map_or(i64::MIN, |u| u.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn record_outcomes(
        &self,
        id: BroadcastId,
        outcomes: &[(UserId, Outcome)],
    ) -> StoreResult<Broadcast> {
        let mut tx = self.write().await?;
        let (mut sent, mut unreachable, mut failed) = (0i64, 0i64, 0i64);
        for (user, outcome) in outcomes {
            let done = sqlx::query(
                "UPDATE broadcast_recipients SET outcome = ? \
                 WHERE broadcast_id = ? AND user_id = ? AND outcome IS NULL",
            )
            .bind(outcome.as_str())
            .bind(id.0)
            .bind(user.0)
            .execute(tx.conn())
            .await
            .map_err(from_sqlx)?;
            if done.rows_affected() > 0 {
                match outcome {
                    Outcome::Sent => sent += 1,
                    Outcome::Unreachable => unreachable += 1,
                    Outcome::Failed => failed += 1,
                }
            }
        }
        sqlx::query(
            "UPDATE broadcasts SET sent = sent + ?, unreachable = unreachable + ?, \
             failed = failed + ? WHERE id = ?",
        )
        .bind(sent)
        .bind(unreachable)
        .bind(failed)
        .bind(id.0)
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let stored = select(tx.conn(), id)
            .await?
            .ok_or(StoreError::NotFound("broadcast"))?;
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn finish_broadcast(&self, id: BroadcastId, at: DateTime<Utc>) -> StoreResult<Broadcast> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE broadcasts SET status = 'done', finished_at = ? \
             WHERE id = ? AND status = 'sending'",
        )
        .bind(micros(at))
        .bind(id.0)
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let stored = select(tx.conn(), id)
            .await?
            .ok_or(StoreError::NotFound("broadcast"))?;
        tx.commit().await?;
        Ok(stored)
    }
}
