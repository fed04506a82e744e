//! Shifts: opening, closing, listing, imports and totals (`ShiftStore`).

use super::*;

#[async_trait]
impl ShiftStore for PgStore {
    // ---- shifts --------------------------------------------------------------------------------

    /// A linked plan that is no longer `planned` (cancelled or taken meanwhile), or belongs to
    /// another employee or site, is not linked: the shift still opens, because the employee is
    /// at the site now, and `planned_shift_id` of the result says whether the link was made.
    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_shift(&self, s: &NewShift) -> StoreResult<Shift> {
        // The shift, the plan it fulfils and the jobs that follow the open: all or nothing.
        let mut tx = self.pool.begin().await.map_err(map)?;
        let plan_id: Option<i64> = match s.planned_shift_id {
            Some(plan) => sqlx::query_scalar(
                "UPDATE planned_shifts SET status = 'done' \
                 WHERE id = $1 AND employee_id = $2 AND site_id = $3 AND status = 'planned' \
                 RETURNING id",
            )
            .bind(plan.0)
            .bind(s.employee_id.0)
            .bind(s.site_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?,
            None => None,
        };
        let row: ShiftRow = bind_new_shift(sqlx::query_as(INSERT_SHIFT), s, plan_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
        if let Some(plan) = plan_id {
            sqlx::query("UPDATE planned_shifts SET shift_id = $1 WHERE id = $2")
                .bind(row.id())
                .bind(plan)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
        }
        let stored = Shift::try_from(row)?;
        let notifies = site_notifies(&mut tx, stored.site_id).await?;
        let jobs = app::background::after_shift_opened(&stored, notifies);
        write_outbox(&mut tx, &jobs, stored.started_at).await?;
        tx.commit().await.map_err(map)?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift(&self, id: ShiftId) -> StoreResult<Option<Shift>> {
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Shift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shift(&self, employee_id: UserId) -> StoreResult<Option<Shift>> {
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE employee_id = $1 AND status = 'active'"
        ))
        .bind(employee_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(Shift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shifts(&self) -> StoreResult<Vec<Shift>> {
        let rows: Vec<ShiftRow> = sqlx::query_as(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE status = 'active' ORDER BY started_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn running_shift_starts(&self) -> StoreResult<Vec<app::ShiftStart>> {
        let rows: Vec<(i64, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, site_id, started_at FROM shifts WHERE status = 'active' \
             ORDER BY started_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        Ok(rows
            .into_iter()
            .map(|(id, site, started_at)| app::ShiftStart {
                id: ShiftId(id),
                site_id: SiteId(site),
                started_at,
            })
            .collect())
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn close_shift(&self, id: ShiftId, end: &ShiftEnd) -> StoreResult<Shift> {
        if end.status == ShiftStatus::Active {
            return Err(StoreError::Other(
                "a shift cannot be closed into the active status".into(),
            ));
        }
        let loc = end.end_location;
        // The close and the jobs that follow it: all or nothing.
        let mut tx = self.pool.begin().await.map_err(map)?;
        let row: Option<ShiftRow> = sqlx::query_as(concat!(
            "UPDATE shifts SET status = $2, ended_at = $3, end_latitude = $4, \
             end_longitude = $5, end_accuracy_m = $6, end_distance_m = $7, worked_minutes = $8, \
             pay_minor = $9, needs_review = $10 \
             WHERE id = $1 AND status = 'active' RETURNING ",
            shift_columns!()
        ))
        .bind(id.0)
        .bind(end.status.as_str())
        .bind(end.ended_at)
        .bind(loc.map(|l| l.coordinates.latitude()))
        .bind(loc.map(|l| l.coordinates.longitude()))
        .bind(loc.and_then(|l| l.accuracy_m))
        .bind(loc.map(|l| l.distance_m))
        .bind(end.worked_minutes)
        .bind(end.pay_minor)
        .bind(end.needs_review)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        let closed = Shift::try_from(row.ok_or(StoreError::NotFound("active shift"))?)?;
        let notifies = site_notifies(&mut tx, closed.site_id).await?;
        let jobs = app::background::after_shift_closed(&closed, notifies);
        write_outbox(&mut tx, &jobs, end.ended_at).await?;
        tx.commit().await.map_err(map)?;
        Ok(closed)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_shifts(&self, f: &ShiftFilter) -> StoreResult<Vec<Shift>> {
        if f.site_ids.is_empty() || f.limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::from(f.limit);
        // One ordered index walk per site (LATERAL, on `shifts_by_site_start`, keyed by site,
        // start and id), each cut at the page size after the cursor, then merged: a page costs
        // the page size per site, however deep into the listing it is.
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT page.* FROM UNNEST(");
        q.push_bind(ids(&f.site_ids, |s| s.0));
        q.push(concat!(
            "::bigint[]) AS scope(site_id) CROSS JOIN LATERAL (SELECT ",
            shift_columns!(),
            " FROM shifts WHERE shifts.site_id = scope.site_id"
        ));
        if let Some(e) = f.employee_id {
            q.push(" AND shifts.employee_id = ").push_bind(e.0);
        }
        if let Some(st) = f.status {
            q.push(" AND shifts.status = ").push_bind(st.as_str());
        }
        if let Some(from) = f.started_from {
            q.push(" AND shifts.started_at >= ").push_bind(from);
        }
        if let Some(before) = f.started_before {
            q.push(" AND shifts.started_at < ").push_bind(before);
        }
        if let Some(after) = f.after {
            q.push(" AND (shifts.started_at, shifts.id) < (")
                .push_bind(after.at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY shifts.started_at DESC, shifts.id DESC LIMIT ")
            .push_bind(limit);
        q.push(") AS page ORDER BY page.started_at DESC, page.id DESC LIMIT ")
            .push_bind(limit);
        let rows: Vec<ShiftRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn import_finished_shifts(&self, shifts: &[FinishedShift]) -> StoreResult<u64> {
        if let Some(bad) = shifts.iter().find(|s| s.end.status == ShiftStatus::Active) {
            return Err(StoreError::Other(format!(
                "cannot import an active shift as finished (employee {}, started {})",
                bad.shift.employee_id, bad.shift.started_at
            )));
        }
        let mut tx = self.pool.begin().await.map_err(map)?;
        let mut stored: u64 = 0;
        for chunk in shifts.chunks(IMPORT_CHUNK) {
            let n: i64 = import_chunk(chunk).fetch_one(&mut *tx).await.map_err(map)?;
            stored += u64::try_from(n).unwrap_or(0);
        }
        tx.commit().await.map_err(map)?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift_totals(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
    ) -> StoreResult<Vec<ShiftTotals>> {
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        let site_ids: Vec<i64> = ranges.iter().map(|r| r.site_id.0).collect();
        let from: Vec<DateTime<Utc>> = ranges.iter().map(|r| r.from).collect();
        let to: Vec<DateTime<Utc>> = ranges.iter().map(|r| r.to).collect();
        let rows: Vec<TotalsRow> = sqlx::query_as(SHIFT_TOTALS)
            .bind(site_ids)
            .bind(from)
            .bind(to)
            .bind(employee_id.map(|e| e.0))
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                Ok(ShiftTotals {
                    site_id: SiteId(r.site_id),
                    employee_id: UserId(r.employee_id),
                    currency: crate::rows::currency(&r.currency)?,
                    shifts: r.shifts,
                    worked_minutes: r.worked_minutes,
                    pay_minor: r.pay_minor,
                })
            })
            .collect::<StoreResult<_>>()?)
    }

    async fn finished_shifts_page(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
        after: Option<app::Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<Shift>> {
        crate::timesheet::finished_shifts_page(self, ranges, employee_id, after, limit).await
    }
}
