//! The store conformance suite: one set of cases every store runs, so the PostgreSQL and SQLite
//! stores keep the same contract. A store crate's integration tests call
//! `testkit::conformance_tests!(make_store)`, where `async fn make_store() -> Arc<S>` returns a
//! fresh, empty, migrated store `S` implementing `app::Store` (the domain's role traits),
//! `app::BotStateStore` and `app::background::BackgroundStore`; the macro expands to one `#[test]` per case, so each case shows up
//! (and fails) on its own in nextest.
//!
//! This file holds the lists, the shared helpers and `World` (the use-cases on the store under
//! test with a `SetClock`); the cases live by area. The `Store` port directly, each method's
//! contract: `people_sites`, `shifts`, `plans`, `joining`. Through `app::StaffPro`, for the
//! rules where the store and time meet: `use_cases`, `use_cases_people`, `review`, `audit`,
//! `workplaces`. Also: the bot state port in `bot_state`, the events the use-cases publish in
//! `events`, money per currency in `money`, keyset paging in `paging`, the timesheet in
//! `timesheet`, pay statements in `statements`, cache invalidations in `invalidations` and
//! background work (outbox, scheduler, effects, scans) in `background`.
//!
//! A case is a `pub async fn name(store: Arc<dyn Store>)` (or `Arc<dyn BotStateStore>`) named
//! in one of the lists in `conformance_tests!`; each store's `every_conformance_case_runs_here`
//! fails while a written case is missing from the lists (`listing`).

// A test suite: a failed expectation is meant to panic with the value that broke it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::clock::{Clock, SetClock};
use app::joining::JoinError;
use app::service::{PlanQuery, PlanRequest, ShiftQuery};
use app::status::{Earnings, EmployeeStatus, LocationIntent, RunningShift, SiteLive};
use app::{
    AppError, CloseShiftError, Cursor, Employee, EventSink, FinishedShift, NewPlannedShift,
    NewShift, NewUser, NoEvents, OpenShiftError, PlanFilter, PlanShiftError, Policy, ShiftEnd,
    ShiftFilter, ShiftTotals, SiteRange, StaffPro, Store, StoreError,
};
use app::{BotStateStore, InvalidationLog};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use domain::join::{JoinCode, JoinRequest, JoinRequestId, JoinStatus};
use domain::money::pay_minor;
use domain::period::Period;
use domain::{
    Coordinates, Currency, Language, LocationFix, LocationRejection, Money, PersonName,
    PlanRuleError, PlanStatus, PlannedShift, PlannedShiftId, PlannedWindow, RecordedLocation,
    Shift, ShiftId, ShiftStatus, Site, SiteId, SitePatch, SiteSettings, SiteTimeZone, User, UserId,
};
use std::future::Future;
use std::sync::Arc;

mod audit;
mod background;
mod bot_state;
mod events;
mod invalidations;
mod joining;
mod listing;
mod money;
mod paging;
mod people_sites;
mod plans;
mod review;
mod shifts;
mod statements;
mod timesheet;
mod use_cases;
mod use_cases_people;
mod workplaces;
pub use audit::*;
pub use background::*;
pub use bot_state::*;
pub use events::*;
pub use invalidations::*;
pub use joining::*;
pub use listing::{assert_all_cases_run, assert_store_cases_run, written_cases};
pub use money::*;
pub use paging::*;
pub use people_sites::*;
pub use plans::*;
pub use review::*;
pub use shifts::*;
pub use statements::*;
pub use timesheet::*;
pub use use_cases::*;
pub use use_cases_people::*;
pub use workplaces::*;

/// Expands to one `#[test]` per conformance case, each running on a fresh store from `$make`
/// (an `async fn() -> Arc<S>` where `S` is an `app::Store`, an `app::BotStateStore` and an
/// `app::background::BackgroundStore`), and one more test that fails when a case written in the
/// suite is in none of these lists, so not run on this store (see `assert_all_cases_run`). The lists below are the only place a case is named.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::__domain_conformance_cases!($make);
        // The bot state port.
        $crate::__conformance_cases!(
            $make; run_bot_state, BOT_STATE_CASES;
            dialogues_save_load_delete,
            claim_update_only_once,
            a_finished_claim_is_never_taken_again,
            several_claims_are_finished_in_one_step,
            an_unfinished_fresh_claim_is_refused,
            an_unfinished_claim_older_than_the_lease_is_taken_again,
            forget_updates_before_frees_old_ids,
        );
        // Cache invalidations shared through the database (conformance/invalidations.rs).
        $crate::__conformance_cases!(
            $make; run_invalidation_log, INVALIDATION_LOG_CASES;
            invalidations_are_read_back_in_order_after_an_id,
            old_invalidations_are_forgotten,
        );
        // Background work: outbox, lease and ticks, effects, scans (conformance/background.rs).
        $crate::__conformance_cases!(
            $make; run_background, BACKGROUND_CASES;
            the_outbox_carries_the_events_of_shift_changes,
            failed_writes_and_imports_write_no_outbox_rows,
            claimed_entries_are_held_until_their_hold_passes,
            concurrent_claims_never_hand_out_an_entry_twice,
            the_lease_has_one_holder_at_a_time,
            a_lease_race_has_one_winner,
            a_tick_fires_once,
            old_ticks_are_forgotten_but_the_latest_stays,
            effects_are_recorded_once_and_forgotten_by_age,
            plans_to_remind_are_those_starting_in_the_window,
            plans_not_started_are_those_due_and_not_reported,
            idle_dialogues_are_forgotten,
            owners_active_since_are_those_with_recent_shifts_at_active_sites,
            business_figures_count_running_shifts_and_what_is_active,
            old_shift_locations_are_coarsened_keeping_distances,
            a_site_without_notices_writes_only_what_someone_needs,
            // The geolocation audit's queries (conformance/audit.rs).
            the_previous_shift_is_the_persons_last_one_before,
            earlier_shifts_at_a_point_are_counted_to_six_decimals,
            a_flag_for_review_never_replaces_another_nor_touches_a_reviewed_shift,
            // Pay statements (conformance/statements.rs).
            statements_are_stored_once_per_version_and_never_edited,
        );
        #[test]
        fn every_conformance_case_runs_here() {
            $crate::conformance::assert_all_cases_run(
                &[
                    STORE_CASES,
                    MONEY_AND_PAGING_CASES,
                    BOT_STATE_CASES,
                    EVENT_CASES,
                    INVALIDATION_LOG_CASES,
                    BACKGROUND_CASES,
                ]
                .concat(),
            );
        }
    };
}

/// The cases of the domain's `Store` only, for a wrapper of another store (the cache): `$make`
/// is an `async fn() -> Arc<S>` with `S: app::Store`.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::__domain_conformance_cases!($make);
        #[test]
        fn every_store_conformance_case_runs_here() {
            $crate::conformance::assert_store_cases_run(
                &[STORE_CASES, MONEY_AND_PAGING_CASES, EVENT_CASES].concat(),
            );
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __domain_conformance_cases {
    ($make:expr) => {
        $crate::__conformance_cases!(
            $make; run, STORE_CASES;
            ping_answers,
            users_round_trip,
            api_tokens_round_trip,
            site_round_trip,
            update_site_replaces_settings_and_flags,
            managed_sites_and_manager_grants,
            access_grants_and_sites_of_employee,
            employees_of_scope_and_order,
            shift_round_trip,
            one_active_shift_per_employee,
            concurrent_shift_inserts_give_one,
            close_shift_only_once,
            active_shifts_oldest_first,
            insert_shift_links_plan,
            list_shifts_filters_and_paging,
            import_finished_shifts_round_trip,
            import_many_finished_shifts,
            shift_totals_per_site_and_employee,
            planned_shift_round_trip,
            plan_overlap_rules,
            concurrent_overlapping_plans_give_one,
            set_plan_status_is_conditional,
            list_planned_filters_and_paging,
            mark_missed_plans_marks_only_ended_planned,
            open_shift_records_location_and_rate,
            open_shift_refusals,
            concurrent_opens_give_one_shift,
            close_shift_settles_pay,
            open_links_plan_within_two_hours,
            auto_close_at_closing_plus_grace,
            auto_close_overnight_site_in_its_zone,
            plan_rules_through_staffpro,
            concurrent_overlapping_plans_through_staffpro,
            employee_cancel_cutoff,
            mark_missed_plans_through_staffpro,
            summary_counts_days_in_site_time_zone,
            other_owners_things_are_not_found,
            api_tokens_issue_authenticate_revoke,
            user_language_and_reachable_flag,
            join_code_round_trip_and_lookup,
            join_requests_pending_and_duplicate,
            decide_join_request_approve_grants_access,
            concurrent_join_decisions_give_one,
            shift_totals_of_one_employee,
            request_join_refusals,
            decide_join_by_owner_or_manager_only,
            ensure_user_keeps_the_chosen_language,
            earnings_count_days_in_each_site_zone,
            live_status_shows_who_is_on_shift_and_who_is_late,
            employee_status_shows_running_pay_and_next_plan,
            a_bare_location_opens_at_the_nearest_site_or_closes,
            employee_views_through_staffpro,
            // Forgotten shifts (`review`).
            revise_shift_writes_the_change_and_its_history,
            revise_shift_applies_only_as_expected,
            shifts_to_review_lists_flagged_finished_shifts,
            managers_of_lists_the_site_managers,
            owner_closes_a_running_shift_at_a_stated_time,
            manual_close_refusals,
            forgotten_close_is_approved,
            forgotten_close_time_is_changed,
            an_automatic_close_waits_for_review_too,
        );
        // Money per currency (conformance/money.rs) and keyset paging (conformance/paging.rs).
        $crate::__conformance_cases!(
            $make; run, MONEY_AND_PAGING_CASES;
            pay_is_totalled_in_the_currency_it_was_earned_in,
            shift_pages_over_two_zones_give_every_row_once_in_order,
            plan_pages_over_two_zones_give_every_row_once_in_order,
            everyone_on_shift_is_listed_past_one_page,
            // The timesheet's pages and the reports built on them (conformance/timesheet.rs).
            finished_shift_pages_give_every_shift_once_in_start_order,
            timesheet_and_payroll_agree_with_the_summary,
        );
        // The events the use-cases publish (conformance/events.rs).
        $crate::__conformance_cases!(
            $make; run, EVENT_CASES;
            register_user_publishes_user_changed,
            add_owner_publishes_user_changed_after_the_flag,
            ensure_user_publishes_only_when_registering,
            language_and_reachability_publish_user_changed,
            issuing_a_token_publishes_token_issued,
            revoking_tokens_publishes_tokens_revoked_after_the_revoke,
            creating_and_editing_a_site_publish_site_changed,
            granting_and_revoking_a_manager_publish_manager_changed,
            adding_and_revoking_an_employee_publish_access_changed,
            opening_and_closing_a_shift_publish_their_events,
            opening_a_planned_shift_also_publishes_plan_changed,
            auto_close_publishes_shift_closed_automatically,
            planning_and_cancelling_publish_plan_changed,
            missed_plans_publish_one_plan_missed_each,
            join_requests_publish_requested_and_decided,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:expr; $runner:ident, $names:ident; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::conformance::$runner($make, $crate::conformance::$case);
            }
        )*
        /// The cases this list generated a test for.
        const $names: &[&str] = &[$(stringify!($case)),*];
    };
}

/// Runs one case of the domain's `Store` on a fresh store, on a multi-threaded runtime so
/// concurrent cases really run in parallel.
pub fn run<S, M, MF, C, CF>(make: M, case: C)
where
    S: Store,
    M: FnOnce() -> MF,
    MF: Future<Output = Arc<S>>,
    C: FnOnce(Arc<dyn Store>) -> CF,
    CF: Future<Output = ()>,
{
    on_runtime(async move {
        let store: Arc<dyn Store> = make().await;
        case(store).await;
    });
}

/// Runs one case of the `BotStateStore` port on a fresh store, like `run`.
pub fn run_bot_state<S, M, MF, C, CF>(make: M, case: C)
where
    S: BotStateStore,
    M: FnOnce() -> MF,
    MF: Future<Output = Arc<S>>,
    C: FnOnce(Arc<dyn BotStateStore>) -> CF,
    CF: Future<Output = ()>,
{
    on_runtime(async move {
        let store: Arc<dyn BotStateStore> = make().await;
        case(store).await;
    });
}

/// Runs one case of the `InvalidationLog` port on a fresh store, like `run`.
pub fn run_invalidation_log<S, M, MF, C, CF>(make: M, case: C)
where
    S: InvalidationLog,
    M: FnOnce() -> MF,
    MF: Future<Output = Arc<S>>,
    C: FnOnce(Arc<dyn InvalidationLog>) -> CF,
    CF: Future<Output = ()>,
{
    on_runtime(async move {
        let store: Arc<dyn InvalidationLog> = make().await;
        case(store).await;
    });
}

fn on_runtime(work: impl Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(work);
}

// ---- helpers -----------------------------------------------------------------------------------

/// An instant written as UTC, "YYYY-MM-DD HH:MM".
pub fn utc(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

/// The instant of a local wall-clock time "YYYY-MM-DD HH:MM" in an IANA zone.
pub fn local(zone: &str, s: &str) -> DateTime<Utc> {
    tz(zone)
        .instant_exact(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
        .unwrap()
}

fn tz(zone: &str) -> SiteTimeZone {
    SiteTimeZone::parse(zone).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn point(lat: f64, lon: f64) -> Coordinates {
    Coordinates::new(lat, lon).unwrap()
}

const MSK: &str = "Europe/Moscow";
const VVO: &str = "Asia/Vladivostok";
/// The default site's point and a point about 22 m from it.
const SITE_POINT: (f64, f64) = (55.75, 37.62);
const NEAR: (f64, f64) = (55.7502, 37.62);
/// About 1.1 km from the site.
const FAR: (f64, f64) = (55.76, 37.62);
const RATE: i64 = 35_000;

async fn person(store: &Arc<dyn Store>, telegram_id: i64, name: &str) -> User {
    store
        .upsert_user(&NewUser {
            telegram_id,
            name: PersonName::new(name).unwrap(),
            language: Language::Ru,
        })
        .await
        .unwrap()
}

fn settings(name: &str, zone: &str, opens: &str, closes: &str) -> SiteSettings {
    SitePatch {
        address: Some("г. Москва, ул. Тверская, д. 1".into()),
        currency: Some("RUB".into()),
        ..site_patch(name, zone, opens, closes)
    }
    .create()
    .unwrap()
}

fn location(at: (f64, f64), accuracy_m: Option<f64>, distance_m: f64) -> RecordedLocation {
    RecordedLocation {
        coordinates: point(at.0, at.1),
        accuracy_m,
        distance_m,
    }
}

fn new_shift(employee: UserId, site: SiteId, started_at: DateTime<Utc>) -> NewShift {
    NewShift {
        employee_id: employee,
        site_id: site,
        started_at,
        start_location: location((55.7501, 37.6201), Some(12.5), 13.25),
        hourly_rate: Money::new(RATE, Currency::RUB),
        planned_shift_id: None,
    }
}

fn finished(
    employee: UserId,
    site: SiteId,
    started_at: DateTime<Utc>,
    minutes: i64,
    status: ShiftStatus,
) -> FinishedShift {
    let automatic = status == ShiftStatus::AutoClosed;
    FinishedShift {
        shift: new_shift(employee, site, started_at),
        end: ShiftEnd {
            status,
            ended_at: started_at + Duration::minutes(minutes),
            end_location: (!automatic).then(|| location((55.7499, 37.6199), None, 11.0)),
            worked_minutes: minutes,
            pay_minor: pay_minor(minutes, RATE),
            needs_review: automatic,
        },
    }
}

/// The shift a store should hold for an imported `FinishedShift`.
fn expected_finished(id: ShiftId, f: &FinishedShift) -> Shift {
    Shift {
        id,
        employee_id: f.shift.employee_id,
        site_id: f.shift.site_id,
        status: f.end.status,
        started_at: f.shift.started_at,
        start_location: f.shift.start_location,
        ended_at: Some(f.end.ended_at),
        end_location: f.end.end_location,
        hourly_rate: f.shift.hourly_rate,
        worked_minutes: Some(f.end.worked_minutes),
        pay_minor: Some(f.end.pay_minor),
        needs_review: f.end.needs_review,
        planned_shift_id: f.shift.planned_shift_id,
        closed_by: None,
        // The only flagged end a plain close or an import makes is an automatic one.
        review_reason: f
            .end
            .needs_review
            .then_some(domain::ReviewReason::AutoClosed),
    }
}

fn window(from: DateTime<Utc>, to: DateTime<Utc>) -> PlannedWindow {
    PlannedWindow {
        starts_at: from,
        ends_at: to,
    }
}

fn new_plan(
    employee: UserId,
    site: SiteId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> NewPlannedShift {
    NewPlannedShift {
        employee_id: employee,
        site_id: site,
        window: window(from, to),
    }
}

/// The `n`th join code of a test: distinct for distinct `n` (each 5 bits of `n` pick one
/// character), always of the join-code alphabet.
fn code(n: u64) -> String {
    let bytes: [u8; 10] = std::array::from_fn(|i| ((n >> (5 * i)) & 31) as u8);
    JoinCode::from_random(bytes).as_str().to_owned()
}

fn shift_filter(site_ids: Vec<SiteId>) -> ShiftFilter {
    ShiftFilter {
        site_ids,
        limit: 100,
        ..ShiftFilter::default()
    }
}

fn plan_filter(site_ids: Vec<SiteId>) -> PlanFilter {
    PlanFilter {
        site_ids,
        limit: 100,
        ..PlanFilter::default()
    }
}

fn shift_ids(shifts: &[Shift]) -> Vec<ShiftId> {
    shifts.iter().map(|s| s.id).collect()
}

fn plan_ids(plans: &[PlannedShift]) -> Vec<PlannedShiftId> {
    plans.iter().map(|p| p.id).collect()
}

/// Two owners, two employees, sites s1 and s2 of the first owner and s3 of the second.
struct Base {
    owner: User,
    other_owner: User,
    e1: User,
    e2: User,
    s1: Site,
    s2: Site,
    s3: Site,
}

async fn base(store: &Arc<dyn Store>) -> Base {
    let owner = person(store, 1001, "Ольга Владелица").await;
    let other_owner = person(store, 1002, "Пётр Другой").await;
    let e1 = person(store, 2001, "Иван Петров").await;
    let e2 = person(store, 2002, "Мария Сидорова").await;
    let s1 = store
        .insert_site(
            owner.id,
            &settings("Склад №1", MSK, "09:00", "21:00"),
            &code(1),
        )
        .await
        .unwrap();
    let s2 = store
        .insert_site(
            owner.id,
            &settings("Кафе «Ромашка»", MSK, "08:00", "23:00"),
            &code(2),
        )
        .await
        .unwrap();
    let s3 = store
        .insert_site(
            other_owner.id,
            &settings("Чужой объект", MSK, "09:00", "21:00"),
            &code(3),
        )
        .await
        .unwrap();
    Base {
        owner,
        other_owner,
        e1,
        e2,
        s1,
        s2,
        s3,
    }
}

// ---- through the use-cases ---------------------------------------------------------------------

/// The use-cases on the store under test with a clock the case sets: an owner, an employee
/// with access to a Moscow site open 09:00–21:00 at 350.00 RUB per hour.
struct World {
    store: Arc<dyn Store>,
    clock: Arc<SetClock>,
    app: StaffPro,
    owner: User,
    employee: User,
    site: Site,
}

impl World {
    async fn new(store: Arc<dyn Store>, now: DateTime<Utc>) -> World {
        World::with_events(store, now, Arc::new(NoEvents)).await
    }

    /// A world whose use-cases publish to `events`.
    async fn with_events(
        store: Arc<dyn Store>,
        now: DateTime<Utc>,
        events: Arc<dyn EventSink>,
    ) -> World {
        let clock = Arc::new(SetClock::new(now));
        let app = StaffPro::new(store.clone(), clock.clone(), events, Policy::default());
        let owner = app
            .add_owner(1001, "Ольга Владелица", Language::Ru)
            .await
            .unwrap();
        let employee = app
            .register_user(2001, "Иван Петров", Language::Ru)
            .await
            .unwrap();
        let site = app
            .create_site(&owner, site_patch("Склад №1", MSK, "09:00", "21:00"))
            .await
            .unwrap();
        app.add_employee(&owner, site.id, employee.telegram_id, None)
            .await
            .unwrap();
        World {
            store,
            clock,
            app,
            owner,
            employee,
            site,
        }
    }

    fn set(&self, at: DateTime<Utc>) {
        self.clock.set(at);
    }

    /// A fresh location fix taken now.
    fn fix(&self, at: (f64, f64), accuracy_m: Option<f64>) -> LocationFix {
        LocationFix {
            coordinates: point(at.0, at.1),
            accuracy_m,
            taken_at: self.clock.now(),
            forwarded: false,
        }
    }

    fn near(&self) -> LocationFix {
        self.fix(NEAR, Some(15.0))
    }

    async fn hire(&self, telegram_id: i64, name: &str, site: SiteId) -> User {
        let user = self
            .app
            .register_user(telegram_id, name, Language::Ru)
            .await
            .unwrap();
        self.app
            .add_employee(&self.owner, site, telegram_id, None)
            .await
            .unwrap();
        user
    }

    fn plan(&self, day: &str, from: (u32, u32), to: (u32, u32)) -> PlanRequest {
        PlanRequest {
            employee_id: self.employee.id,
            site_id: self.site.id,
            date: date(day),
            start: hm(from.0, from.1),
            end: hm(to.0, to.1),
        }
    }
}

fn site_patch(name: &str, zone: &str, opens: &str, closes: &str) -> SitePatch {
    SitePatch {
        name: Some(name.into()),
        latitude: Some(SITE_POINT.0),
        longitude: Some(SITE_POINT.1),
        geofence_radius_m: Some(100),
        opens_at: Some(opens.into()),
        closes_at: Some(closes.into()),
        time_zone: Some(zone.into()),
        hourly_rate_minor: Some(RATE),
        ..SitePatch::default()
    }
}
