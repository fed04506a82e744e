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

mod plans;
mod shifts;
mod sites;

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
    /// Whether anything can send a broadcast (a Telegram bot is configured): without one a new
    /// broadcast is refused rather than left waiting for ever.
    broadcast_sender: bool,
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
            broadcast_sender: true,
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

    /// Says whether a Telegram bot is configured to send broadcasts (it is unless told so): without
    /// one, `start_broadcast` refuses with `BroadcastError::NoSender`; the ones stored earlier
    /// can still be read.
    #[must_use]
    pub fn with_broadcast_sender(mut self, configured: bool) -> Self {
        self.broadcast_sender = configured;
        self
    }

    pub(crate) fn has_broadcast_sender(&self) -> bool {
        self.broadcast_sender
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
}

/// What the listings of shifts and plans share.
impl StaffPro {
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
