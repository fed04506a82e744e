//! Planned shifts (`PlanStore`).

use super::*;

#[async_trait]
impl PlanStore for PgStore {
    // ---- planned shifts ------------------------------------------------------------------------

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn insert_planned_shift(&self, plan: &NewPlannedShift) -> StoreResult<PlannedShift> {
        let mut tx = self.pool.begin().await.map_err(map)?;
        lock_plans_of(&mut tx, plan.employee_id).await?;
        let row: PlanRow = sqlx::query_as(concat!(
            "INSERT INTO planned_shifts (employee_id, site_id, starts_at, ends_at) \
             VALUES ($1, $2, $3, $4) RETURNING ",
            plan_columns!()
        ))
        .bind(plan.employee_id.0)
        .bind(plan.site_id.0)
        .bind(plan.window.starts_at)
        .bind(plan.window.ends_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        row.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn planned_shift(&self, id: PlannedShiftId) -> StoreResult<Option<PlannedShift>> {
        let row: Option<PlanRow> = sqlx::query_as(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map)?;
        row.map(PlannedShift::try_from).transpose()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn set_plan_status(
        &self,
        id: PlannedShiftId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> StoreResult<PlannedShift> {
        // Back to planned is checked by the exclusion constraint too (see `lock_plans_of`).
        let mut tx = self.pool.begin().await.map_err(map)?;
        let employee: Option<i64> =
            sqlx::query_scalar("SELECT employee_id FROM planned_shifts WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map)?;
        if let Some(employee) = employee {
            lock_plans_of(&mut tx, UserId(employee)).await?;
        }
        let row: Option<PlanRow> = sqlx::query_as(concat!(
            "UPDATE planned_shifts SET status = $3 WHERE id = $1 AND status = $2 RETURNING ",
            plan_columns!()
        ))
        .bind(id.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        tx.commit().await.map_err(map)?;
        row.ok_or(StoreError::NotFound("planned shift"))?.try_into()
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn list_planned(&self, f: &PlanFilter) -> StoreResult<Vec<PlannedShift>> {
        if f.site_ids.is_empty() || f.limit == 0 {
            return Ok(Vec::new());
        }
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(concat!(
            "SELECT ",
            plan_columns!(),
            " FROM planned_shifts WHERE site_id = ANY("
        ));
        q.push_bind(ids(&f.site_ids, |s| s.0)).push(")");
        if let Some(e) = f.employee_id {
            q.push(" AND employee_id = ").push_bind(e.0);
        }
        if let Some(st) = f.status {
            q.push(" AND status = ").push_bind(st.as_str());
        }
        if let Some(from) = f.starts_from {
            q.push(" AND starts_at >= ").push_bind(from);
        }
        if let Some(before) = f.starts_before {
            q.push(" AND starts_at < ").push_bind(before);
        }
        if let Some(after) = f.ends_after {
            q.push(" AND ends_at > ").push_bind(after);
        }
        if let Some(after) = f.after {
            q.push(" AND (starts_at, id) > (")
                .push_bind(after.at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        q.push(" ORDER BY starts_at, id LIMIT ")
            .push_bind(i64::from(f.limit));
        let rows: Vec<PlanRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(map)?;
        convert(rows)
    }

    #[instrument(skip_all, err(Debug, level = "debug"))]
    async fn mark_missed_plans(&self, before: DateTime<Utc>) -> StoreResult<Vec<PlannedShift>> {
        let rows: Vec<PlanRow> = sqlx::query_as(concat!(
            "WITH missed AS (UPDATE planned_shifts SET status = 'missed' \
             WHERE status = 'planned' AND ends_at < $1 RETURNING ",
            plan_columns!(),
            ") SELECT ",
            plan_columns!(),
            " FROM missed ORDER BY starts_at, id"
        ))
        .bind(before)
        .fetch_all(&self.pool)
        .await
        .map_err(map)?;
        convert(rows)
    }
}
