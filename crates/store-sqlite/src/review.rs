//! `ShiftReviewStore` for `SqliteStore`: ends stated after the fact and their review, each applied
//! with its history record in one write transaction, conditional on the shift being as the
//! use-case read it (so of two concurrent revisions one applies).

use crate::SqliteStore;
use crate::background::write_outbox;
use crate::error::from_sqlx;
use crate::rows::{self, json_ids, micros, shift_change_columns, shift_columns};
use app::{ShiftReviewStore, ShiftRevision, StoreError, StoreResult};
use async_trait::async_trait;
use domain::{Shift, ShiftChange, ShiftId, ShiftStatus, SiteId};
use tracing::instrument;

#[async_trait]
impl ShiftReviewStore for SqliteStore {
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn revise_shift(&self, id: ShiftId, r: &ShiftRevision) -> StoreResult<Shift> {
        if r.status == ShiftStatus::Active {
            return Err(StoreError::Other(
                "a revision cannot make a shift active".into(),
            ));
        }
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE shifts SET status = ?, ended_at = ?, worked_minutes = ?, pay_minor = ?, \
             needs_review = ?, review_reason = ?, closed_by = ? \
             WHERE id = ? AND status = ? AND ended_at IS ? AND needs_review = ? RETURNING ",
            shift_columns!()
        ))
        .bind(r.status.as_str())
        .bind(micros(r.ended_at))
        .bind(r.worked_minutes)
        .bind(r.pay_minor)
        .bind(r.review_reason.is_some())
        .bind(r.review_reason.map(|x| x.as_str()))
        .bind(r.closed_by.map(|u| u.0))
        .bind(id.0)
        .bind(r.expect.status.as_str())
        .bind(r.expect.ended_at.map(micros))
        .bind(r.expect.needs_review)
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("shift"))?;
        let revised = rows::shift(&row)?;
        sqlx::query(
            "INSERT INTO shift_changes \
                 (shift_id, kind, old_ended_at, new_ended_at, changed_by, changed_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.0)
        .bind(r.kind.as_str())
        .bind(r.expect.ended_at.map(micros))
        .bind(micros(r.ended_at))
        .bind(r.changed_by.0)
        .bind(micros(r.changed_at))
        .execute(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let jobs =
            app::background::after_shift_end_stated(&revised, r.kind, r.changed_by, r.changed_at);
        write_outbox(tx.conn(), &jobs, r.changed_at).await?;
        tx.commit().await?;
        Ok(revised)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift_history(&self, id: ShiftId) -> StoreResult<Vec<ShiftChange>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            shift_change_columns!(),
            " FROM shift_changes WHERE shift_id = ? ORDER BY id"
        ))
        .bind(id.0)
        .fetch_all(self.pool())
        .await
        .map_err(from_sqlx)?;
        found.iter().map(rows::shift_change).collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shifts_to_review(&self, site_ids: &[SiteId], limit: u32) -> StoreResult<Vec<Shift>> {
        if site_ids.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let found = sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE site_id IN (SELECT value FROM json_each(?)) \
             AND needs_review = 1 AND status <> 'active' ORDER BY started_at, id LIMIT ?"
        ))
        .bind(json_ids(site_ids.iter().map(|s| s.0)))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(from_sqlx)?;
        found.iter().map(rows::shift).collect()
    }
}
