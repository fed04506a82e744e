//! Shifts: opening, closing, listing, imports and totals (`ShiftStore`).

use super::*;

#[async_trait]
impl ShiftStore for SqliteStore {
    // ---- shifts ------------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_shift(&self, shift: &NewShift) -> StoreResult<Shift> {
        let mut tx = self.write().await?;
        let plan = linkable_plan(&mut tx, shift).await?;
        let loc = &shift.start_location;
        let row = sqlx::query(concat!(
            "INSERT INTO shifts (employee_id, site_id, status, started_at, start_latitude, \
             start_longitude, start_accuracy_m, start_distance_m, hourly_rate_minor, currency, \
             needs_review, planned_shift_id) VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, 0, ?) \
             RETURNING ",
            shift_columns!()
        ))
        .bind(shift.employee_id.0)
        .bind(shift.site_id.0)
        .bind(micros(shift.started_at))
        .bind(loc.coordinates.latitude())
        .bind(loc.coordinates.longitude())
        .bind(loc.accuracy_m)
        .bind(loc.distance_m)
        .bind(shift.hourly_rate.minor)
        .bind(shift.hourly_rate.currency.code())
        .bind(plan.map(|p| p.0))
        .fetch_one(tx.conn())
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let refs = [Ref::User(shift.employee_id), Ref::Site(shift.site_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        let stored = rows::shift(&row)?;
        if let Some(plan) = plan {
            complete_plan(&mut tx, plan, stored.id.0).await?;
        }
        let notifies = site_notifies(tx.conn(), stored.site_id).await?;
        let jobs = app::background::after_shift_opened(&stored, notifies);
        write_outbox(tx.conn(), &jobs, stored.started_at).await?;
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn shift(&self, id: ShiftId) -> StoreResult<Option<Shift>> {
        sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::shift)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shift(&self, employee_id: UserId) -> StoreResult<Option<Shift>> {
        sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE employee_id = ? AND status = 'active'"
        ))
        .bind(employee_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::shift)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn active_shifts(&self) -> StoreResult<Vec<Shift>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE status = 'active' ORDER BY started_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        all(found, rows::shift)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn running_shift_starts(&self) -> StoreResult<Vec<app::ShiftStart>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, site_id, started_at FROM shifts WHERE status = 'active' \
             ORDER BY started_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        rows.into_iter()
            .map(|(id, site, started_at)| {
                Ok(app::ShiftStart {
                    id: ShiftId(id),
                    site_id: SiteId(site),
                    started_at: rows::instant("shifts", "started_at", started_at)?,
                })
            })
            .collect()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn close_shift(&self, id: ShiftId, end: &ShiftEnd) -> StoreResult<Shift> {
        if end.status == ShiftStatus::Active {
            return Err(StoreError::Other(
                "a shift cannot be closed with the status active".into(),
            ));
        }
        let loc = end.end_location.as_ref();
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE shifts SET status = ?, ended_at = ?, end_latitude = ?, end_longitude = ?, \
             end_accuracy_m = ?, end_distance_m = ?, worked_minutes = ?, pay_minor = ?, \
             needs_review = ? WHERE id = ? AND status = 'active' RETURNING ",
            shift_columns!()
        ))
        .bind(end.status.as_str())
        .bind(micros(end.ended_at))
        .bind(loc.map(|l| l.coordinates.latitude()))
        .bind(loc.map(|l| l.coordinates.longitude()))
        .bind(loc.and_then(|l| l.accuracy_m))
        .bind(loc.map(|l| l.distance_m))
        .bind(end.worked_minutes)
        .bind(end.pay_minor)
        .bind(end.needs_review)
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("active shift"))?;
        let closed = rows::shift(&row)?;
        let notifies = site_notifies(tx.conn(), closed.site_id).await?;
        let jobs = app::background::after_shift_closed(&closed, notifies);
        write_outbox(tx.conn(), &jobs, end.ended_at).await?;
        tx.commit().await?;
        Ok(closed)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_shifts(&self, filter: &ShiftFilter) -> StoreResult<Vec<Shift>> {
        if filter.site_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            shift_columns!(),
            " FROM shifts WHERE site_id IN (SELECT value FROM json_each("
        ));
        q.push_bind(json_ids(filter.site_ids.iter().map(|s| s.0)))
            .push("))");
        if let Some(employee) = filter.employee_id {
            q.push(" AND employee_id = ").push_bind(employee.0);
        }
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(from) = filter.started_from {
            q.push(" AND started_at >= ").push_bind(micros(from));
        }
        if let Some(before) = filter.started_before {
            q.push(" AND started_at < ").push_bind(micros(before));
        }
        if let Some(after) = filter.after {
            q.push(" AND (started_at, id) < (")
                .push_bind(micros(after.at))
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY started_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let found = q.build().fetch_all(&self.pool).await.map_err(from_sqlx)?;
        all(found, rows::shift)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn import_finished_shifts(&self, shifts: &[FinishedShift]) -> StoreResult<u64> {
        if shifts.is_empty() {
            return Ok(0);
        }
        if let Some(bad) = shifts.iter().find(|s| s.end.status == ShiftStatus::Active) {
            return Err(StoreError::Other(format!(
                "cannot import an active shift as finished (employee {}, started {})",
                bad.shift.employee_id, bad.shift.started_at
            )));
        }
        let (linked, plain): (Vec<&FinishedShift>, Vec<&FinishedShift>) = shifts
            .iter()
            .partition(|f| f.shift.planned_shift_id.is_some());
        let mut tx = self.write().await?;
        let mut stored = 0u64;
        for chunk in plain.chunks(IMPORT_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(INSERT_FINISHED);
            q.push_values(chunk, |mut b, f| push_finished(&mut b, f, None));
            let done = match q.build().execute(tx.conn()).await {
                Ok(done) => done,
                Err(e) => {
                    return Err(write_error(tx.conn(), e, &refs_of(chunk.iter().copied())).await);
                }
            };
            stored += done.rows_affected();
        }
        // Rare (imports of history seldom carry plans): one row at a time, so each plan gets
        // the id of its own shift, with the same linking rule as `insert_shift`.
        for f in linked {
            let plan = linkable_plan(&mut tx, &f.shift).await?;
            let mut q = QueryBuilder::<Sqlite>::new(INSERT_FINISHED);
            q.push_values([f], |mut b, f| push_finished(&mut b, f, plan.map(|p| p.0)));
            q.push(" RETURNING id");
            let row = match q.build().fetch_one(tx.conn()).await {
                Ok(row) => row,
                Err(e) => return Err(write_error(tx.conn(), e, &refs_of([f])).await),
            };
            let id: i64 = row.try_get("id").map_err(from_sqlx)?;
            if let Some(plan) = plan {
                complete_plan(&mut tx, plan, id).await?;
            }
            stored += 1;
        }
        tx.commit().await?;
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
        let json = format!(
            "[{}]",
            ranges
                .iter()
                .map(|r| format!("[{},{},{}]", r.site_id.0, micros(r.from), micros(r.to)))
                .collect::<Vec<_>>()
                .join(",")
        );
        let found = sqlx::query(SHIFT_TOTALS)
            .bind(json)
            .bind(employee_id.map(|e| e.0))
            .fetch_all(&self.pool)
            .await
            .map_err(from_sqlx)?;
        found
            .iter()
            .map(|row| {
                let get = |c: &str| -> StoreResult<i64> {
                    row.try_get(c).map_err(|e| error::bad_row("shifts", e))
                };
                let currency: String = row
                    .try_get("currency")
                    .map_err(|e| error::bad_row("shifts", e))?;
                Ok(ShiftTotals {
                    site_id: SiteId(get("site_id")?),
                    employee_id: UserId(get("employee_id")?),
                    currency: Currency::from_stored(&currency)
                        .map_err(|e| error::bad_row("shifts", e))?,
                    shifts: get("shifts")?,
                    worked_minutes: get("worked_minutes")?,
                    pay_minor: get("pay_minor")?,
                })
            })
            .collect()
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
