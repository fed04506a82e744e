//! The storage ports. The domain's storage is split into role traits (`StoreHealth`,
//! `PeopleStore`, `SiteStore`, `ShiftStore`, `ShiftReviewStore`, `PlanStore`, `JoinStore`) so a caching or
//! instrumented wrapper can implement them piece by piece; `Store` is every role at once and is
//! what the use-cases hold (`Arc<dyn Store>`). The Telegram bot's own state (dialogues, update
//! claims) is a separate port, `BotStateStore`: it is not domain data.
//!
//! Each method is one atomic step: where a rule needs the database to be sure (one active shift
//! per employee, no overlapping plans, closing a shift only once), the store enforces it inside
//! its own transaction or constraint and answers with a typed `StoreError`.

use crate::StoreError;
use crate::paging::Cursor;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use domain::join::{JoinRequest, JoinRequestId};
use domain::{
    Currency, Language, Money, PersonName, PlanStatus, PlannedShift, PlannedShiftId, PlannedWindow,
    RecordedLocation, ReviewReason, Shift, ShiftChange, ShiftChangeKind, ShiftId, ShiftStatus,
    Site, SiteId, SiteSettings, User, UserId,
};

pub type StoreResult<T> = Result<T, StoreError>;

/// A person to create, or to refresh by Telegram id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub telegram_id: i64,
    pub name: PersonName,
    pub language: Language,
}

/// A shift being opened.
#[derive(Debug, Clone, PartialEq)]
pub struct NewShift {
    pub employee_id: UserId,
    pub site_id: SiteId,
    pub started_at: DateTime<Utc>,
    pub start_location: RecordedLocation,
    pub hourly_rate: Money,
    /// A plan this shift fulfils; the store marks it done in the same transaction.
    pub planned_shift_id: Option<PlannedShiftId>,
}

/// How a shift ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftEnd {
    pub status: ShiftStatus,
    pub ended_at: DateTime<Utc>,
    pub end_location: Option<RecordedLocation>,
    pub worked_minutes: i64,
    pub pay_minor: i64,
    pub needs_review: bool,
}

/// What a shift must still be for a revision to apply (as the use-case read it), so that of two
/// concurrent revisions of one shift only the first applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftExpectation {
    pub status: ShiftStatus,
    pub ended_at: Option<DateTime<Utc>>,
    pub needs_review: bool,
}

/// A person's change to a shift's end after the fact (closing someone's running shift at a
/// stated time, reporting a forgotten close, reviewing such an end). The store applies it and
/// writes its history record (`kind`, the old end from `expect`, the new end, who, when) in one
/// transaction. The end location is left as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftRevision {
    pub expect: ShiftExpectation,
    /// Closed or auto-closed: a revision never reopens a shift.
    pub status: ShiftStatus,
    pub ended_at: DateTime<Utc>,
    pub worked_minutes: i64,
    pub pay_minor: i64,
    /// Some flags the shift for review (`needs_review`), None clears the flag.
    pub review_reason: Option<ReviewReason>,
    pub closed_by: Option<UserId>,
    pub kind: ShiftChangeKind,
    pub changed_by: UserId,
    pub changed_at: DateTime<Utc>,
}

/// A running shift's start, for the auto-close scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftStart {
    pub id: ShiftId,
    pub site_id: SiteId,
    pub started_at: DateTime<Utc>,
}

/// A finished shift loaded in bulk (demo data, imports).
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedShift {
    pub shift: NewShift,
    pub end: ShiftEnd,
}

/// Which shifts to list. `site_ids` is the caller's scope and is always applied (empty = none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShiftFilter {
    pub site_ids: Vec<SiteId>,
    pub employee_id: Option<UserId>,
    pub status: Option<ShiftStatus>,
    pub started_from: Option<DateTime<Utc>>,
    pub started_before: Option<DateTime<Utc>>,
    pub limit: u32,
    /// Only shifts after this one in the listing's order (newest first): started earlier, or at
    /// the same instant with a smaller id.
    pub after: Option<Cursor>,
}

/// A plan being created.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlannedShift {
    pub employee_id: UserId,
    pub site_id: SiteId,
    pub window: PlannedWindow,
}

/// Which plans to list. `site_ids` is the caller's scope and is always applied (empty = none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanFilter {
    pub site_ids: Vec<SiteId>,
    pub employee_id: Option<UserId>,
    pub status: Option<PlanStatus>,
    pub starts_from: Option<DateTime<Utc>>,
    pub starts_before: Option<DateTime<Utc>>,
    pub ends_after: Option<DateTime<Utc>>,
    pub limit: u32,
    /// Only plans after this one in the listing's order (earliest first): starting later, or at
    /// the same instant with a larger id.
    pub after: Option<Cursor>,
}

/// An employee with the sites (of the asked scope) they have access to.
#[derive(Debug, Clone, PartialEq)]
pub struct Employee {
    pub user: User,
    pub site_ids: Vec<SiteId>,
}

/// Count shifts of `site_id` that started in [from, to).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteRange {
    pub site_id: SiteId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Finished shifts of one employee at one site within a range, in one currency: each shift
/// keeps the currency it was opened in, so a site whose currency changed has a row per currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftTotals {
    pub site_id: SiteId,
    pub employee_id: UserId,
    pub currency: Currency,
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay_minor: i64,
}

/// Whether the database answers.
#[async_trait]
pub trait StoreHealth: Send + Sync + 'static {
    /// Checks the database answers.
    async fn ping(&self) -> StoreResult<()>;
}

/// People: users, the owner flag, language, reachability and API tokens.
#[async_trait]
pub trait PeopleStore: Send + Sync + 'static {
    /// Creates the person, or refreshes name and language of the one with this Telegram id.
    async fn upsert_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    async fn users(&self, ids: &[UserId]) -> StoreResult<Vec<User>>;
    async fn user_by_telegram_id(&self, telegram_id: i64) -> StoreResult<Option<User>>;
    async fn set_owner(&self, id: UserId, is_owner: bool) -> StoreResult<()>;
    async fn set_user_language(&self, id: UserId, language: Language) -> StoreResult<()>;
    /// False once Telegram says the person blocked the bot; true again when they write.
    async fn set_user_reachable(&self, id: UserId, reachable: bool) -> StoreResult<()>;

    // API tokens (only SHA-256 hashes, hex, are stored)
    async fn insert_api_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<i64>;
    /// The holder of a token that is not revoked.
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>>;
    /// Revokes every token of the user; returns the hashes of those that were live (so a cache
    /// can drop exactly them).
    async fn revoke_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<String>>;
}

/// Sites: their settings and join codes, managers, and which employees may work where.
#[async_trait]
pub trait SiteStore: Send + Sync + 'static {
    /// `join_code` is unique among sites (`Duplicate("join code")` otherwise).
    async fn insert_site(
        &self,
        owner_id: UserId,
        settings: &SiteSettings,
        join_code: &str,
    ) -> StoreResult<Site>;
    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>>;
    async fn site_by_join_code(&self, join_code: &str) -> StoreResult<Option<Site>>;
    /// Replaces the settings and flags of a site; `NotFound` if it does not exist.
    async fn update_site(
        &self,
        id: SiteId,
        settings: &SiteSettings,
        active: bool,
        notify_owner: bool,
    ) -> StoreResult<Site>;
    /// Sites the user owns or manages, by id.
    async fn sites_managed_by(&self, user_id: UserId) -> StoreResult<Vec<Site>>;
    async fn is_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool>;
    /// Returns false when the grant already existed.
    async fn grant_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool>;
    /// Returns false when there was no grant.
    async fn revoke_manager(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool>;

    // Employee access
    async fn grant_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool>;
    async fn revoke_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool>;
    async fn has_access(&self, site_id: SiteId, user_id: UserId) -> StoreResult<bool>;
    /// Sites the user may work at, by id.
    async fn sites_of_employee(&self, user_id: UserId) -> StoreResult<Vec<Site>>;
    /// Sites where the person has shifts that started at or after `since` (access or not).
    async fn sites_worked_at(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Site>>;
    /// Everyone with access to any of the sites, ordered by name then id.
    async fn employees_of(&self, site_ids: &[SiteId]) -> StoreResult<Vec<Employee>>;
    /// The managers of a site (not its owner), by id.
    async fn managers_of(&self, site_id: SiteId) -> StoreResult<Vec<User>>;
}

/// Shifts: opening, closing, listing, bulk import and totals.
#[async_trait]
pub trait ShiftStore: Send + Sync + 'static {
    /// Opens a shift; `ActiveShiftExists` if the employee already has one (enforced by a
    /// unique index, so concurrent opens give one shift). Marks the linked plan done.
    async fn insert_shift(&self, shift: &NewShift) -> StoreResult<Shift>;
    async fn shift(&self, id: ShiftId) -> StoreResult<Option<Shift>>;
    async fn active_shift(&self, employee_id: UserId) -> StoreResult<Option<Shift>>;
    /// Every active shift, oldest first.
    async fn active_shifts(&self) -> StoreResult<Vec<Shift>>;
    /// Where and when every active shift started, oldest first: what the auto-close scan needs
    /// to find the due ones, without reading whole rows.
    async fn running_shift_starts(&self) -> StoreResult<Vec<ShiftStart>>;
    /// Ends an active shift; `NotFound` if it is not active any more (closed meanwhile). An end
    /// with `needs_review` is flagged `ReviewReason::AutoClosed` (the only such end).
    async fn close_shift(&self, id: ShiftId, end: &ShiftEnd) -> StoreResult<Shift>;
    /// Newest first: by start, then id, both descending; at most `limit`, after `after`.
    async fn list_shifts(&self, filter: &ShiftFilter) -> StoreResult<Vec<Shift>>;
    /// Bulk load of finished shifts in one transaction; returns how many were stored (review
    /// flags as `close_shift` sets them).
    async fn import_finished_shifts(&self, shifts: &[FinishedShift]) -> StoreResult<u64>;
    /// Finished (closed or auto-closed) shifts per site, employee and currency (the shift's own)
    /// in the ranges, of one employee when given; ordered by site, employee, currency.
    async fn shift_totals(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
    ) -> StoreResult<Vec<ShiftTotals>>;
    /// Finished (closed or auto-closed) shifts that started in the ranges, of one employee when
    /// given: the rows `shift_totals` adds up, in start order (by start, then id, both
    /// ascending), at most `limit`, strictly after `after` (the last shift of the previous
    /// page). The timesheet reads a report a page at a time this way, so a year of a big
    /// business never sits in memory.
    async fn finished_shifts_page(
        &self,
        ranges: &[SiteRange],
        employee_id: Option<UserId>,
        after: Option<Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<Shift>>;
}

/// Ends stated by people after the fact, their review, and each shift's history of such changes.
#[async_trait]
pub trait ShiftReviewStore: Send + Sync + 'static {
    /// Applies a revision if the shift is still as `expect` says, with its history record;
    /// `NotFound("shift")` if it is not (changed meanwhile) or does not exist.
    async fn revise_shift(&self, id: ShiftId, revision: &ShiftRevision) -> StoreResult<Shift>;
    /// The history of a shift, oldest first (empty for a shift nobody changed).
    async fn shift_history(&self, id: ShiftId) -> StoreResult<Vec<ShiftChange>>;
    /// Finished shifts of the sites still flagged for review, oldest start first, at most `limit`.
    async fn shifts_to_review(&self, site_ids: &[SiteId], limit: u32) -> StoreResult<Vec<Shift>>;
}

/// Planned shifts.
#[async_trait]
pub trait PlanStore: Send + Sync + 'static {
    /// `PlanOverlap` if it overlaps another `planned` or `done` plan of the employee (checked
    /// atomically with the insert).
    async fn insert_planned_shift(&self, plan: &NewPlannedShift) -> StoreResult<PlannedShift>;
    async fn planned_shift(&self, id: PlannedShiftId) -> StoreResult<Option<PlannedShift>>;
    /// Moves a plan from `from` to `to`; `NotFound` if it is not in `from` any more.
    async fn set_plan_status(
        &self,
        id: PlannedShiftId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> StoreResult<PlannedShift>;
    /// Earliest first: by start, then id, both ascending; at most `limit`, after `after`.
    async fn list_planned(&self, filter: &PlanFilter) -> StoreResult<Vec<PlannedShift>>;
    /// Marks `planned` plans that ended before `before` as missed; returns them (as marked),
    /// ordered by start then id.
    async fn mark_missed_plans(&self, before: DateTime<Utc>) -> StoreResult<Vec<PlannedShift>>;
}

/// Requests to join a site.
#[async_trait]
pub trait JoinStore: Send + Sync + 'static {
    /// A pending request; `Duplicate("join request")` if one is already pending for the pair.
    async fn insert_join_request(
        &self,
        site_id: SiteId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest>;
    async fn join_request(&self, id: JoinRequestId) -> StoreResult<Option<JoinRequest>>;
    /// Approves (granting site access in the same transaction) or declines a pending request;
    /// `NotFound` if it is not pending any more.
    async fn decide_join_request(
        &self,
        id: JoinRequestId,
        approve: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<JoinRequest>;
}

/// The domain's storage: every role at once. Implemented for anything that has all the roles,
/// so a store (or a wrapper) implements the role traits and gets `Store` for free.
pub trait Store:
    StoreHealth + PeopleStore + SiteStore + ShiftStore + ShiftReviewStore + PlanStore + JoinStore
{
}

impl<T> Store for T where
    T: StoreHealth
        + PeopleStore
        + SiteStore
        + ShiftStore
        + ShiftReviewStore
        + PlanStore
        + JoinStore
{
}

/// Cache invalidations shared through the database, for processes that run without Redis (see
/// the `cache` crate): each entry is the list of cache keys one write made stale. Keys are
/// opaque to the store (they hold no line breaks).
#[async_trait]
pub trait InvalidationLog: Send + Sync + 'static {
    /// Appends one entry per list, in one step.
    async fn append_invalidations(
        &self,
        entries: &[Vec<String>],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Entries with an id above `after`, by id, at most `limit`.
    async fn invalidations_after(
        &self,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Vec<String>)>>;
    /// The highest id so far (0 when there is none).
    async fn last_invalidation(&self) -> StoreResult<i64>;
    /// Forgets entries appended before `before`; returns how many.
    async fn forget_invalidations_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// How long an unfinished update claim holds: a redelivery of an update whose handling started
/// this recently is refused (it is most likely still being handled); after it, the update is
/// taken again (its first handling died mid-way, a crash say). Longer than handling an update
/// takes, including Telegram's own waits (429 retries are capped at 60 s by the messenger, so
/// an update that waited that long may, rarely, be handled twice: effects are idempotent).
pub const UPDATE_CLAIM_LEASE: Duration = Duration::seconds(60);

/// The Telegram bot's own state: dialogue states per chat and claims on update ids. Not domain
/// data, so not part of `Store`.
///
/// Updates are handled at least once: `claim_update` before handling, `finish_update` after.
/// A claim is granted when the id is new, or when an earlier claim was never finished and is
/// older than `UPDATE_CLAIM_LEASE`; a finished id is never claimed again (until forgotten).
#[async_trait]
pub trait BotStateStore: Send + Sync + 'static {
    /// The saved dialogue state of a chat (opaque JSON text).
    async fn load_dialogue(&self, chat_id: i64) -> StoreResult<Option<String>>;
    async fn save_dialogue(&self, chat_id: i64, state: &str) -> StoreResult<()>;
    async fn delete_dialogue(&self, chat_id: i64) -> StoreResult<()>;
    /// Claims an update id for handling at `now`; false if it is finished, or claimed less than
    /// `UPDATE_CLAIM_LEASE` ago and not finished (a redelivery while it is being handled). Of
    /// concurrent claims of one id, at most one gets true.
    async fn claim_update(&self, update_id: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Marks update ids handled at `now`, in one step, so they are never claimed again (until
    /// forgotten). Records an id finished even if it was never claimed (the claim failed, say);
    /// repeated ids and an empty list are fine.
    async fn finish_updates(&self, update_ids: &[i64], now: DateTime<Utc>) -> StoreResult<()>;
    /// [`Self::finish_updates`] for one id.
    async fn finish_update(&self, update_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        self.finish_updates(&[update_id], now).await
    }
    /// Forgets update ids claimed before `before`; returns how many.
    async fn forget_updates_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
