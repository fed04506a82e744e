//! Planned shifts (`PlanStore`).

use super::*;

#[async_trait]
impl PlanStore for SqliteStore {
    // ---- planned shifts ----------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_planned_shift(&self, plan: &NewPlannedShift) -> StoreResult<PlannedShift> {
        let w = &plan.window;
        let mut tx = self.write().await?;
        if overlaps(&mut tx, plan.employee_id, w.starts_at, w.ends_at, None).await? {
            return Err(StoreError::PlanOverlap);
        }
        let row = sqlx::query(concat!(
            "INSERT INTO planned_shifts (employee_id, site_id, starts_at, ends_at, status, \
             created_at) VALUES (?, ?, ?, ?, 'planned', ?) RETURNING ",
            plan_columns!()
        ))
        .bind(plan.employee_id.0)
        .bind(plan.site_id.0)
        .bind(micros(w.starts_at))
        .bind(micros(w.ends_at))
        .bind(now_micros())
        .fetch_one(tx.conn())
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let refs = [Ref::User(plan.employee_id), Ref::Site(plan.site_id)];
                return Err(write_error(tx.conn(), e, &refs).await);
            }
        };
        let stored = rows::plan(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn planned_shift(&self, id: PlannedShiftId) -> StoreResult<Option<PlannedShift>> {
        sqlx::query(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?
        .as_ref()
        .map(rows::plan)
        .transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_plan_status(
        &self,
        id: PlannedShiftId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> StoreResult<PlannedShift> {
        let counts = |s: PlanStatus| matches!(s, PlanStatus::Planned | PlanStatus::Done);
        let mut tx = self.write().await?;
        let row = sqlx::query(concat!(
            "UPDATE planned_shifts SET status = ? WHERE id = ? AND status = ? RETURNING ",
            plan_columns!()
        ))
        .bind(to.as_str())
        .bind(id.0)
        .bind(from.as_str())
        .fetch_optional(tx.conn())
        .await
        .map_err(from_sqlx)?
        .ok_or(StoreError::NotFound("planned shift"))?;
        let plan = rows::plan(&row)?;
        // Reviving a cancelled or missed plan must keep "no overlapping plans" true as well.
        if counts(to)
            && !counts(from)
            && overlaps(
                &mut tx,
                plan.employee_id,
                plan.starts_at,
                plan.ends_at,
                Some(id),
            )
            .await?
        {
            return Err(StoreError::PlanOverlap);
        }
        tx.commit().await?;
        Ok(plan)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_planned(&self, filter: &PlanFilter) -> StoreResult<Vec<PlannedShift>> {
        if filter.site_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE site_id IN (SELECT value FROM json_each("
        ));
        q.push_bind(json_ids(filter.site_ids.iter().map(|s| s.0)))
            .push("))");
        if let Some(employee) = filter.employee_id {
            q.push(" AND employee_id = ").push_bind(employee.0);
        }
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(from) = filter.starts_from {
            q.push(" AND starts_at >= ").push_bind(micros(from));
        }
        if let Some(before) = filter.starts_before {
            q.push(" AND starts_at < ").push_bind(micros(before));
        }
        if let Some(after) = filter.ends_after {
            q.push(" AND ends_at > ").push_bind(micros(after));
        }
        if let Some(after) = filter.after {
            q.push(" AND (starts_at, id) > (")
                .push_bind(micros(after.at))
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY starts_at, id LIMIT ")
            .push_bind(i64::from(filter.limit));
        let found = q.build().fetch_all(&self.pool).await.map_err(from_sqlx)?;
        all(found, rows::plan)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_missed_plans(&self, before: DateTime<Utc>) -> StoreResult<Vec<PlannedShift>> {
        let before = micros(before);
        let mut tx = self.write().await?;
        // SQLite does not order RETURNING rows (and cannot wrap an UPDATE in a CTE): sort here.
        let found = sqlx::query(concat!(
            "UPDATE planned_shifts SET status = 'missed' \
             WHERE status = 'planned' AND ends_at < ? RETURNING ",
            plan_columns!()
        ))
        .bind(before)
        .fetch_all(tx.conn())
        .await
        .map_err(from_sqlx)?;
        let mut missed = all(found, rows::plan)?;
        tx.commit().await?;
        missed.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.id.cmp(&b.id)));
        Ok(missed)
    }
}
