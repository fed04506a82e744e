//! `ShiftReviewStore` for `PgStore`: ends stated after the fact and their review, each applied
//! with its history record in one transaction, conditional on the shift being as the use-case
//! read it (so of two concurrent revisions one applies).

use crate::PgStore;
use crate::background::write_outbox;
use crate::error::map;
use crate::rows::{ShiftChangeRow, ShiftRow, convert, shift_change_columns, shift_columns};
use app::{ShiftReviewStore, ShiftRevision, StoreError, StoreResult};
use async_trait::async_trait;
use domain::{Shift, ShiftChange, ShiftId, ShiftStatus, SiteId};
use tracing::instrument;

#[async_trait]
impl ShiftReviewStore for PgStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revise_shift(&self, id: ShiftId, r: &ShiftRevision) -> StoreResult<Shift> {
        if r.status == ShiftStatus::Active {
            return Err(StoreError::Other(
                "a revision cannot make a shift active".into(),
            ));
        }
        let mut tx = self.pool.begin().await.map_err(map)?;
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "UPDATE shifts SET status = $2, ended_at = $3, worked_minutes = $4, pay_minor = $5, \
             needs_review = $6, review_reason = $7, closed_by = $8 \
             WHERE id = $1 AND status = $9 AND ended_at IS NOT DISTINCT FROM $10 \
               AND needs_review = $11 RETURNING ",
            shift_columns!()
        ))
        .bind(id.0)
        .bind(r.status.as_str())
        .bind(r.ended_at)
        .bind(r.worked_minutes)
        .bind(r.pay_minor)
        .bind(r.review_reason.is_some())
        .bind(r.review_reason.map(|x| x.as_str()))
        .bind(r.closed_by.map(|u| u.0))
        .bind(r.expect.status.as_str())
        .bind(r.expect.ended_at)
        .bind(r.expect.needs_review)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("shift"));
        };
        sqlx::query(
            "INSERT INTO shift_changes \
                 (shift_id, kind, old_ended_at, new_ended_at, changed_by, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(r.kind.as_str())
        .bind(r.expect.ended_at)
        .bind(r.ended_at)
        .bind(r.changed_by.0)
        .bind(r.changed_at)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        let revised = Shift::try_from(row)?;
        let jobs =
            app::background::after_shift_end_stated(&revised, r.kind, r.changed_by, r.changed_at);
        write_outbox(&mut tx, &jobs, r.changed_at).await?;
        tx.commit().await.map_err(map)?;
        Ok(revised)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift_history(&self, id: ShiftId) -> StoreResult<Vec<ShiftChange>> {
        let rows: Vec<ShiftChangeRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_change_columns!(),
            " FROM shift_changes WHERE shift_id = $1 ORDER BY id"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shifts_to_review(&self, site_ids: &[SiteId], limit: u32) -> StoreResult<Vec<Shift>> {
        if site_ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = site_ids.iter().map(|s| s.0).collect();
        let rows: Vec<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE site_id = ANY($1) AND needs_review AND status <> 'active' \
             ORDER BY started_at, id LIMIT $2"
        ))
        .bind(ids)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }
}
