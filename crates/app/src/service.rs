//! `StaffPro`: the use-cases. Each takes the acting person, checks what they may do, applies the
//! domain rules and hands one atomic step to the store; events leave after the change is stored.

use crate::error::{AppError, CloseShiftError, OpenShiftError, PlanShiftError};
use crate::events::{DomainEvent, EventSink};
use crate::paging::{Cursor, Page, every_page, page_size};
use crate::ports::*;
use crate::{Clock, StoreError, tokens};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::plan::check_cancel;
use domain::shift::worked_minutes;
use domain::{
    AutoClosePolicy, Language, LocationFix, LocationPolicy, PersonName, PlanStatus, PlannedShift,
    PlannedShiftId, PlannedWindow, RecordedLocation, Shift, ShiftStatus, Site, SiteId, SitePatch,
    SiteTimeZone, TelegramId, TokenLabel, User, UserId,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Tunable rules (defaults as the product promises them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub location: LocationPolicy,
    pub auto_close: AutoClosePolicy,
    /// Employees cannot cancel a plan later than this before its start.
    pub plan_cancel_cutoff: Duration,
    /// A shift opened this long before a plan's start still fulfils the plan.
    pub plan_early_open: Duration,
    /// Exact coordinates of a shift are kept this long after it ended; then only a point
    /// coarsened to about 1 km and the distance to the site remain.
    pub location_retention: Duration,
    /// A report file of more shifts than this is made by a background job (the chat shows its
    /// progress) instead of while the person waits.
    pub report_job_shifts: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            location: LocationPolicy::default(),
            auto_close: AutoClosePolicy::default(),
            plan_cancel_cutoff: Duration::hours(1),
            plan_early_open: Duration::hours(2),
            location_retention: Duration::days(90),
            report_job_shifts: 5_000,
        }
    }
}

pub use crate::paging::MAX_PAGE;

/// Filters for listing shifts or plans (`S` is their status); dates are local dates of each
/// site, both inclusive. A page holds `limit` rows (see `paging::page_size`) after `after`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery<S> {
    pub site_id: Option<SiteId>,
    pub employee_id: Option<UserId>,
    pub status: Option<S>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: Option<u32>,
    /// The cursor of the previous page's end.
    pub after: Option<Cursor>,
}

impl<S> Default for ListQuery<S> {
    fn default() -> Self {
        Self {
            site_id: None,
            employee_id: None,
            status: None,
            from: None,
            to: None,
            limit: None,
            after: None,
        }
    }
}

pub type ShiftQuery = ListQuery<ShiftStatus>;
pub type PlanQuery = ListQuery<PlanStatus>;

/// A shift plan as asked: the site's local date and wall-clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRequest {
    pub employee_id: UserId,
    pub site_id: SiteId,
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(Clone)]
pub struct StaffPro {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    events: Arc<dyn EventSink>,
    policy: Policy,
    broadcasts: Option<Arc<dyn crate::broadcasts::BroadcastStore>>,
    /// Where background report files are asked for (`with_report_jobs`).
    report_jobs: Option<Arc<dyn crate::background::OutboxStore>>,
}

impl StaffPro {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        events: Arc<dyn EventSink>,
        policy: Policy,
    ) -> Self {
        Self {
            store,
            clock,
            events,
            policy,
            broadcasts: None,
            report_jobs: None,
        }
    }

    /// Where broadcasts are kept (not part of `Store`: the cache has nothing to do with them).
    #[must_use]
    pub fn with_broadcasts(mut self, store: Arc<dyn crate::broadcasts::BroadcastStore>) -> Self {
        self.broadcasts = Some(store);
        self
    }

    pub(crate) fn broadcast_store(&self) -> Option<&dyn crate::broadcasts::BroadcastStore> {
        self.broadcasts.as_deref()
    }

    pub(crate) fn set_report_jobs(&mut self, outbox: Arc<dyn crate::background::OutboxStore>) {
        self.report_jobs = Some(outbox);
    }

    pub(crate) fn report_jobs(&self) -> Option<&dyn crate::background::OutboxStore> {
        self.report_jobs.as_deref()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    // ---- people and tokens -------------------------------------------------------------------

    /// Registers a person (or refreshes their name and language).
    pub async fn register_user(
        &self,
        telegram_id: i64,
        name: &str,
        language: Language,
    ) -> Result<User, AppError> {
        let user = self.upsert_person(telegram_id, name, language).await?;
        self.events
            .publish(DomainEvent::UserChanged { user_id: user.id })
            .await;
        Ok(user)
    }

    async fn upsert_person(
        &self,
        telegram_id: i64,
        name: &str,
        language: Language,
    ) -> Result<User, AppError> {
        let telegram_id = TelegramId::new(telegram_id)?.get();
        Ok(self
            .store
            .upsert_user(&NewUser {
                telegram_id,
                name: PersonName::new(name)?,
                language,
            })
            .await?)
    }

    /// Makes a person an owner, registering them if needed.
    pub async fn add_owner(
        &self,
        telegram_id: i64,
        name: &str,
        language: Language,
    ) -> Result<User, AppError> {
        let user = self.upsert_person(telegram_id, name, language).await?;
        let flagged = self.store.set_owner(user.id, true).await;
        // The person is stored (or refreshed) even if the flag failed: tell either way.
        self.events
            .publish(DomainEvent::UserChanged { user_id: user.id })
            .await;
        flagged?;
        Ok(User {
            is_owner: true,
            ..user
        })
    }

    /// Issues a new API token for a registered person and returns it in clear, once.
    pub async fn issue_api_token(
        &self,
        telegram_id: i64,
        label: &str,
    ) -> Result<(User, String), AppError> {
        let label = TokenLabel::new(label)?;
        let user = self
            .store
            .user_by_telegram_id(telegram_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let token = tokens::generate().map_err(|e| {
            AppError::Store(StoreError::Other(format!("no randomness for a token: {e}")))
        })?;
        self.store
            .insert_api_token(user.id, &tokens::hash(&token), label.as_str())
            .await?;
        self.events
            .publish(DomainEvent::TokenIssued { user_id: user.id })
            .await;
        Ok((user, token))
    }

    /// Revokes every API token of a person; returns how many were live.
    pub async fn revoke_api_tokens(&self, telegram_id: i64) -> Result<u64, AppError> {
        let user = self
            .store
            .user_by_telegram_id(telegram_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let revoked = self.store.revoke_api_tokens(user.id).await?.len() as u64;
        if revoked > 0 {
            self.events
                .publish(DomainEvent::TokensRevoked { user_id: user.id })
                .await;
        }
        Ok(revoked)
    }

    /// The holder of a live token, or None.
    pub async fn authenticate(&self, token: &str) -> Result<Option<User>, AppError> {
        if !tokens::looks_valid(token) {
            return Ok(None);
        }
        Ok(self.store.user_by_token_hash(&tokens::hash(token)).await?)
    }

    // ---- sites -------------------------------------------------------------------------------

    /// A site the actor owns or manages; anything else is "not found".
    pub async fn managed_site(&self, actor: &User, id: SiteId) -> Result<Site, AppError> {
        let site = self
            .store
            .site(id)
            .await?
            .ok_or(AppError::NotFound("site"))?;
        if site.owner_id == actor.id || self.store.is_manager(id, actor.id).await? {
            Ok(site)
        } else {
            Err(AppError::NotFound("site"))
        }
    }

    async fn owned_site(&self, actor: &User, id: SiteId) -> Result<Site, AppError> {
        let site = self.managed_site(actor, id).await?;
        if site.owner_id != actor.id {
            return Err(AppError::NotOwner("manage managers of a site"));
        }
        Ok(site)
    }

    pub async fn create_site(&self, actor: &User, patch: SitePatch) -> Result<Site, AppError> {
        if !actor.is_owner {
            return Err(AppError::NotOwner("create sites"));
        }
        let settings = patch.create()?;
        let site = self.insert_site_with_fresh_code(actor, &settings).await?;
        self.events
            .publish(DomainEvent::SiteChanged {
                site_id: site.id,
                owner_id: site.owner_id,
            })
            .await;
        Ok(site)
    }

    /// Inserts a site with a random join code, drawing again on the (unlikely) collision.
    async fn insert_site_with_fresh_code(
        &self,
        actor: &User,
        settings: &domain::SiteSettings,
    ) -> Result<Site, AppError> {
        for _ in 0..5 {
            let mut bytes = [0u8; 10];
            getrandom::fill(&mut bytes).map_err(|e| {
                AppError::Store(StoreError::Other(format!(
                    "no randomness for a join code: {e}"
                )))
            })?;
            let code = domain::join::JoinCode::from_random(bytes);
            match self
                .store
                .insert_site(actor.id, settings, code.as_str())
                .await
            {
                Err(StoreError::Duplicate("join code")) => continue,
                other => return Ok(other?),
            }
        }
        Err(AppError::Conflict(
            "could not draw a unique join code".into(),
        ))
    }

    pub(crate) async fn publish(&self, event: DomainEvent) {
        self.events.publish(event).await;
    }

    /// Finds the person by Telegram id, or registers them (language from their Telegram
    /// settings). A known person keeps the language they chose.
    pub async fn ensure_user(
        &self,
        telegram_id: i64,
        name: &str,
        language_code: Option<&str>,
    ) -> Result<User, AppError> {
        if let Some(user) = self.store.user_by_telegram_id(telegram_id).await? {
            return Ok(user);
        }
        // Telegram names can be empty or odd; never refuse a person for their name.
        let name = match PersonName::lenient(name) {
            Some(n) => n.as_str().to_owned(),
            None => format!("id{telegram_id}"),
        };
        self.register_user(telegram_id, &name, Language::from_telegram(language_code))
            .await
    }

    pub async fn set_language(&self, user: &User, language: Language) -> Result<User, AppError> {
        self.store.set_user_language(user.id, language).await?;
        self.events
            .publish(DomainEvent::UserChanged { user_id: user.id })
            .await;
        Ok(User {
            language,
            ..user.clone()
        })
    }

    pub async fn set_reachable(&self, user: &User, reachable: bool) -> Result<(), AppError> {
        if user.reachable != reachable {
            self.store.set_user_reachable(user.id, reachable).await?;
            self.events
                .publish(DomainEvent::UserChanged { user_id: user.id })
                .await;
        }
        Ok(())
    }

    pub async fn sites_for(&self, actor: &User) -> Result<Vec<Site>, AppError> {
        Ok(self.store.sites_managed_by(actor.id).await?)
    }

    /// Edits a site; `active` and `notify_owner` change only when given.
    pub async fn update_site(
        &self,
        actor: &User,
        id: SiteId,
        patch: SitePatch,
        active: Option<bool>,
        notify_owner: Option<bool>,
    ) -> Result<Site, AppError> {
        let site = self.managed_site(actor, id).await?;
        let settings = patch.apply(&site.settings)?;
        let updated = self
            .store
            .update_site(
                id,
                &settings,
                active.unwrap_or(site.active),
                notify_owner.unwrap_or(site.notify_owner),
            )
            .await?;
        self.events
            .publish(DomainEvent::SiteChanged {
                site_id: id,
                owner_id: updated.owner_id,
            })
            .await;
        Ok(updated)
    }

    pub async fn grant_manager(
        &self,
        actor: &User,
        site_id: SiteId,
        telegram_id: i64,
    ) -> Result<User, AppError> {
        TelegramId::new(telegram_id)?;
        self.owned_site(actor, site_id).await?;
        let user = self
            .store
            .user_by_telegram_id(telegram_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if self.store.grant_manager(site_id, user.id).await? {
            self.events
                .publish(DomainEvent::ManagerChanged {
                    site_id,
                    user_id: user.id,
                })
                .await;
        }
        Ok(user)
    }

    pub async fn revoke_manager(
        &self,
        actor: &User,
        site_id: SiteId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        self.owned_site(actor, site_id).await?;
        if !self.store.revoke_manager(site_id, user_id).await? {
            return Err(AppError::NotFound("manager"));
        }
        self.events
            .publish(DomainEvent::ManagerChanged { site_id, user_id })
            .await;
        Ok(())
    }

    // ---- employees ---------------------------------------------------------------------------

    /// Gives a person access to a site. A person the bot has not met yet is registered by
    /// Telegram id, and then a name is required.
    pub async fn add_employee(
        &self,
        actor: &User,
        site_id: SiteId,
        telegram_id: i64,
        name: Option<&str>,
    ) -> Result<Employee, AppError> {
        // Every value sent is checked, even a name that is not needed.
        TelegramId::new(telegram_id)?;
        let name = name.map(PersonName::new).transpose()?;
        self.managed_site(actor, site_id).await?;
        let user = match self.store.user_by_telegram_id(telegram_id).await? {
            Some(u) => u,
            None => {
                let name = name.ok_or(domain::ValueError::Missing { field: "name" })?;
                let user = self
                    .store
                    .upsert_user(&NewUser {
                        telegram_id,
                        name,
                        language: Language::Ru,
                    })
                    .await?;
                self.events
                    .publish(DomainEvent::UserChanged { user_id: user.id })
                    .await;
                user
            }
        };
        if self.store.grant_access(site_id, user.id).await? {
            self.events
                .publish(DomainEvent::AccessChanged {
                    site_id,
                    employee_id: user.id,
                })
                .await;
        }
        let site_ids = self.scope(actor).await?;
        let employee = self
            .store
            .employees_of(&site_ids)
            .await?
            .into_iter()
            .find(|e| e.user.id == user.id)
            .unwrap_or(Employee {
                user,
                site_ids: vec![site_id],
            });
        Ok(employee)
    }

    pub async fn revoke_employee(
        &self,
        actor: &User,
        site_id: SiteId,
        user_id: UserId,
    ) -> Result<(), AppError> {
        self.managed_site(actor, site_id).await?;
        if !self.store.revoke_access(site_id, user_id).await? {
            return Err(AppError::NotFound("employee"));
        }
        self.events
            .publish(DomainEvent::AccessChanged {
                site_id,
                employee_id: user_id,
            })
            .await;
        Ok(())
    }

    pub async fn employees_for(
        &self,
        actor: &User,
        site_id: Option<SiteId>,
    ) -> Result<Vec<Employee>, AppError> {
        let scope = match site_id {
            Some(id) => vec![self.managed_site(actor, id).await?.id],
            None => self.scope(actor).await?,
        };
        Ok(self.store.employees_of(&scope).await?)
    }

    /// Ids of the sites the actor owns or manages.
    async fn scope(&self, actor: &User) -> Result<Vec<SiteId>, AppError> {
        Ok(self
            .sites_for(actor)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect())
    }

    // ---- shifts ------------------------------------------------------------------------------

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

    /// A page of a listing over the actor's sites (or one): one store query per time zone, since
    /// local dates mean different instants in each, each cut at the page size (plus one, to know
    /// whether a next page exists) after the cursor, then merged in `order`. The order is total
    /// (the id breaks ties), so merging pages cut after the same cursor gives exactly the rows
    /// that follow it.
    async fn list_per_zone<S, T, F, Fut>(
        &self,
        actor: &User,
        q: &ListQuery<S>,
        fetch: F,
        order: impl Fn(&T, &T) -> std::cmp::Ordering,
        key: impl Fn(&T) -> Cursor,
    ) -> Result<Page<T>, AppError>
    where
        F: Fn(Vec<SiteId>, InstantRange, u32) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>, StoreError>>,
    {
        let limit = page_size(q.limit)?;
        let sites = self.query_sites(actor, q.site_id).await?;
        let mut items = Vec::new();
        for (tz, site_ids) in group_by_zone(&sites) {
            let range = local_range(&tz, q.from, q.to)?;
            items.extend(fetch(site_ids, range, limit + 1).await?);
        }
        items.sort_by(order);
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(key) } else { None };
        Ok(Page { items, next })
    }

    /// The sites a listing covers: one managed site, or all of them.
    async fn query_sites(
        &self,
        actor: &User,
        site_id: Option<SiteId>,
    ) -> Result<Vec<Site>, AppError> {
        match site_id {
            Some(id) => Ok(vec![self.managed_site(actor, id).await?]),
            None => self.sites_for(actor).await,
        }
    }

    // ---- plans -------------------------------------------------------------------------------

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

/// Sites grouped by time zone, so a date filter can be read in each site's own zone with one
/// query per zone.
pub(crate) fn group_by_zone(sites: &[Site]) -> Vec<(SiteTimeZone, Vec<SiteId>)> {
    let mut groups: BTreeMap<&'static str, (SiteTimeZone, Vec<SiteId>)> = BTreeMap::new();
    for s in sites {
        let tz = s.settings.time_zone;
        groups
            .entry(tz.name())
            .or_insert_with(|| (tz, Vec::new()))
            .1
            .push(s.id);
    }
    groups.into_values().collect()
}

/// A half-open range of instants; None is unbounded.
pub(crate) type InstantRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// [from 00:00, to + 1 day 00:00) in the zone; `to` before `from` is refused.
pub(crate) fn local_range(
    tz: &SiteTimeZone,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<InstantRange, AppError> {
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(AppError::BadRequest {
            field: "to",
            message: "`to` is before `from`".into(),
        });
    }
    Ok((
        from.map(|d| tz.start_of_day(d)),
        to.and_then(|d| d.succ_opt()).map(|d| tz.start_of_day(d)),
    ))
}
