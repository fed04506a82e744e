//! Shifts: opening and closing by location, the automatic close, the list of shifts.

use super::*;

impl StaffPro {
    /// Opens a shift for `employee` at a site from a reported location.
    pub async fn open_shift(
        &self,
        employee: &User,
        site_id: SiteId,
        fix: LocationFix,
    ) -> Result<Shift, OpenShiftError> {
        self.open_shift_at(employee, site_id, fix)
            .await
            .map(|(shift, _)| shift)
    }

    /// `open_shift`, also returning the site (what the answer to the person shows).
    pub async fn open_shift_at(
        &self,
        employee: &User,
        site_id: SiteId,
        fix: LocationFix,
    ) -> Result<(Shift, Site), OpenShiftError> {
        let now = self.now();
        let site = self
            .store
            .site(site_id)
            .await?
            .ok_or(OpenShiftError::SiteNotFound)?;
        if !self.store.has_access(site_id, employee.id).await? {
            return Err(OpenShiftError::NoAccess);
        }
        if !site.active {
            return Err(OpenShiftError::SiteInactive);
        }
        if let Some(active) = self.store.active_shift(employee.id).await? {
            return Err(OpenShiftError::AlreadyActive {
                shift_id: active.id,
                site_id: active.site_id,
            });
        }
        let distance_m =
            self.policy
                .location
                .check(&fix, &site.settings.location, site.settings.radius, now)?;
        let plan = self
            .store
            .list_planned(&PlanFilter {
                site_ids: vec![site_id],
                employee_id: Some(employee.id),
                status: Some(PlanStatus::Planned),
                starts_before: Some(now + self.policy.plan_early_open),
                ends_after: Some(now),
                limit: 1,
                ..PlanFilter::default()
            })
            .await?
            .into_iter()
            .next();
        let new = NewShift {
            employee_id: employee.id,
            site_id,
            started_at: now,
            start_location: RecordedLocation {
                coordinates: fix.coordinates,
                accuracy_m: fix.accuracy_m,
                distance_m,
            },
            hourly_rate: site.settings.hourly_rate,
            planned_shift_id: plan.map(|p| p.id),
        };
        let shift = match self.store.insert_shift(&new).await {
            Ok(s) => s,
            // A concurrent open won the race: report the shift that exists.
            Err(StoreError::ActiveShiftExists) => {
                let active = self.store.active_shift(employee.id).await?;
                return Err(match active {
                    Some(a) => OpenShiftError::AlreadyActive {
                        shift_id: a.id,
                        site_id: a.site_id,
                    },
                    None => OpenShiftError::Store(StoreError::ActiveShiftExists),
                });
            }
            Err(e) => return Err(e.into()),
        };
        self.events
            .publish(DomainEvent::ShiftOpened {
                shift_id: shift.id,
                site_id,
                employee_id: employee.id,
            })
            .await;
        // The store marked the plan this shift fulfils done in the same transaction.
        if let Some(plan_id) = shift.planned_shift_id {
            self.events
                .publish(DomainEvent::PlanChanged {
                    plan_id,
                    site_id,
                    employee_id: employee.id,
                })
                .await;
        }
        Ok((shift, site))
    }

    /// Closes the employee's active shift from a reported location; pay is settled here.
    pub async fn close_shift(
        &self,
        employee: &User,
        fix: LocationFix,
    ) -> Result<Shift, CloseShiftError> {
        let now = self.now();
        let shift = self
            .store
            .active_shift(employee.id)
            .await?
            .ok_or(CloseShiftError::NoActiveShift)?;
        let site = self
            .store
            .site(shift.site_id)
            .await?
            .ok_or(CloseShiftError::Store(StoreError::NotFound("site")))?;
        let distance_m =
            self.policy
                .location
                .check(&fix, &site.settings.location, site.settings.radius, now)?;
        let (minutes, pay) = shift.settle_at(now);
        let end = ShiftEnd {
            status: ShiftStatus::Closed,
            ended_at: now,
            end_location: Some(RecordedLocation {
                coordinates: fix.coordinates,
                accuracy_m: fix.accuracy_m,
                distance_m,
            }),
            worked_minutes: minutes,
            pay_minor: pay,
            needs_review: false,
        };
        let closed = self.store.close_shift(shift.id, &end).await?;
        self.events
            .publish(DomainEvent::ShiftClosed {
                shift_id: closed.id,
                site_id: closed.site_id,
                employee_id: closed.employee_id,
                automatically: false,
            })
            .await;
        Ok(closed)
    }

    /// Closes every active shift whose auto-close moment has passed; pay counts up to that
    /// moment, not up to now. Returns the shifts closed by this run.
    pub async fn auto_close_due(&self) -> Result<Vec<Shift>, AppError> {
        let now = self.now();
        let mut sites: BTreeMap<SiteId, Option<Site>> = BTreeMap::new();
        let mut closed = Vec::new();
        // Only where and when each running shift started is read; a due one is read whole.
        for start in self.store.running_shift_starts().await? {
            if let std::collections::btree_map::Entry::Vacant(slot) = sites.entry(start.site_id) {
                slot.insert(self.store.site(start.site_id).await?);
            }
            let close_at = match sites.get(&start.site_id) {
                Some(Some(site)) => self.policy.auto_close.close_at(
                    start.started_at,
                    &site.settings.hours,
                    &site.settings.time_zone,
                ),
                _ => start.started_at + self.policy.auto_close.max_length,
            };
            if close_at > now {
                continue;
            }
            let shift = match self.store.shift(start.id).await? {
                Some(s) if s.status == ShiftStatus::Active => s,
                // Closed by its employee meanwhile: nothing to do.
                _ => continue,
            };
            let minutes = worked_minutes(shift.started_at, close_at);
            let end = ShiftEnd {
                status: ShiftStatus::AutoClosed,
                ended_at: close_at,
                end_location: None,
                worked_minutes: minutes,
                pay_minor: domain::money::pay_minor(minutes, shift.hourly_rate.minor),
                needs_review: true,
            };
            match self.store.close_shift(shift.id, &end).await {
                Ok(s) => {
                    self.events
                        .publish(DomainEvent::ShiftClosed {
                            shift_id: s.id,
                            site_id: s.site_id,
                            employee_id: s.employee_id,
                            automatically: true,
                        })
                        .await;
                    closed.push(s);
                }
                // Closed by its employee meanwhile: nothing to do.
                Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(closed)
    }

    /// A page of the shifts at the actor's sites, newest first (by start, then id).
    pub async fn shifts_for(&self, actor: &User, q: &ShiftQuery) -> Result<Page<Shift>, AppError> {
        let store = &self.store;
        self.list_per_zone(
            actor,
            q,
            |site_ids, (started_from, started_before), limit| async move {
                let filter = ShiftFilter {
                    site_ids,
                    employee_id: q.employee_id,
                    status: q.status,
                    started_from,
                    started_before,
                    limit,
                    after: q.after,
                };
                store.list_shifts(&filter).await
            },
            |a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)),
            |s| Cursor::new(s.started_at, s.id.0),
        )
        .await
    }
}
