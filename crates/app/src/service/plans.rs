//! Planned shifts: planning, cancelling, the lists, plans that were missed.

use super::*;

impl StaffPro {
    /// Plans a shift. The actor is the employee (for themselves) or a manager of the site.
    pub async fn plan_shift(
        &self,
        actor: &User,
        req: PlanRequest,
    ) -> Result<PlannedShift, PlanShiftError> {
        let site = self
            .plan_target(actor, req.site_id, req.employee_id)
            .await?;
        let tz = site.settings.time_zone;
        let window = PlannedWindow::from_local(req.date, req.start, req.end, &tz)?;
        window.validate(&site.settings.hours, &tz, self.now())?;
        let plan = self
            .store
            .insert_planned_shift(&NewPlannedShift {
                employee_id: req.employee_id,
                site_id: site.id,
                window,
            })
            .await?;
        self.events
            .publish(DomainEvent::PlanChanged {
                plan_id: plan.id,
                site_id: plan.site_id,
                employee_id: plan.employee_id,
            })
            .await;
        Ok(plan)
    }

    /// Cancels a plan. Its employee must do so at least the cut-off before the start; the owner
    /// or a manager of the site may cancel any time before the start.
    pub async fn cancel_plan(
        &self,
        actor: &User,
        id: PlannedShiftId,
    ) -> Result<PlannedShift, PlanShiftError> {
        let plan = self
            .store
            .planned_shift(id)
            .await?
            .ok_or(PlanShiftError::PlanNotFound)?;
        let site = self
            .store
            .site(plan.site_id)
            .await?
            .ok_or(PlanShiftError::PlanNotFound)?;
        let manages = site.owner_id == actor.id || self.store.is_manager(site.id, actor.id).await?;
        if !manages && plan.employee_id != actor.id {
            return Err(PlanShiftError::PlanNotFound);
        }
        let cutoff = if manages {
            Duration::zero()
        } else {
            self.policy.plan_cancel_cutoff
        };
        check_cancel(&plan, self.now(), cutoff)?;
        let cancelled = self
            .store
            .set_plan_status(id, PlanStatus::Planned, PlanStatus::Cancelled)
            .await
            .map_err(|e| match e {
                // Changed meanwhile (opened, or cancelled twice).
                StoreError::NotFound(_) => {
                    PlanShiftError::Rule(domain::PlanRuleError::NotCancellable {
                        status: "changed",
                    })
                }
                other => other.into(),
            })?;
        self.events
            .publish(DomainEvent::PlanChanged {
                plan_id: id,
                site_id: plan.site_id,
                employee_id: plan.employee_id,
            })
            .await;
        Ok(cancelled)
    }

    /// A page of the plans at the actor's sites, earliest first (by start, then id).
    pub async fn plans_for(
        &self,
        actor: &User,
        q: &PlanQuery,
    ) -> Result<Page<PlannedShift>, AppError> {
        let store = &self.store;
        self.list_per_zone(
            actor,
            q,
            |site_ids, (starts_from, starts_before), limit| async move {
                let filter = PlanFilter {
                    site_ids,
                    employee_id: q.employee_id,
                    status: q.status,
                    starts_from,
                    starts_before,
                    ends_after: None,
                    limit,
                    after: q.after,
                };
                store.list_planned(&filter).await
            },
            |a, b| a.starts_at.cmp(&b.starts_at).then(a.id.cmp(&b.id)),
            |p| Cursor::new(p.starts_at, p.id.0),
        )
        .await
    }

    /// An employee's own upcoming plans (status planned, not yet ended), all of them.
    pub async fn my_plans(&self, employee: &User) -> Result<Vec<PlannedShift>, AppError> {
        let site_ids: Vec<SiteId> = self
            .store
            .sites_of_employee(employee.id)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let now = self.now();
        let store = &self.store;
        let site_ids = &site_ids;
        Ok(every_page(
            |after, limit| async move {
                store
                    .list_planned(&PlanFilter {
                        site_ids: site_ids.clone(),
                        employee_id: Some(employee.id),
                        status: Some(PlanStatus::Planned),
                        ends_after: Some(now),
                        limit,
                        after,
                        ..PlanFilter::default()
                    })
                    .await
            },
            |p| Cursor::new(p.starts_at, p.id.0),
        )
        .await?)
    }

    /// Marks plans that ended without a shift as missed; returns them.
    pub async fn mark_missed_plans(&self) -> Result<Vec<PlannedShift>, AppError> {
        let missed = self.store.mark_missed_plans(self.now()).await?;
        for plan in &missed {
            self.events
                .publish(DomainEvent::PlanMissed {
                    plan_id: plan.id,
                    site_id: plan.site_id,
                    employee_id: plan.employee_id,
                })
                .await;
        }
        Ok(missed)
    }
}
