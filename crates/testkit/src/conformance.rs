//! The store conformance suite: one set of cases every store runs, so the PostgreSQL and SQLite
//! stores keep the same contract. A store crate's integration tests call
//! `testkit::conformance_tests!(make_store)`, where `async fn make_store() -> Arc<S>` returns a
//! fresh, empty, migrated store `S` implementing `app::Store` (the domain's role traits),
//! `app::BotStateStore` and `app::background::BackgroundStore`; the macro expands to one `#[test]` per case, so each case shows up
//! (and fails) on its own in nextest.
//!
//! The first half drives the `Store` port directly (each method's contract); the second half
//! drives `app::StaffPro` with a `SetClock`, for the rules where the store and time meet. The
//! bot state port's cases are in `bot_state`, the events the use-cases publish in `events`,
//! money per currency in `money`, keyset paging in `paging`, the timesheet in `timesheet` and background work (outbox,
//! scheduler, effects, scans) in `background`.
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
mod listing;
mod money;
mod paging;
mod review;
mod statements;
mod timesheet;
mod workplaces;
pub use audit::*;
pub use background::*;
pub use bot_state::*;
pub use events::*;
pub use invalidations::*;
pub use listing::{assert_all_cases_run, assert_store_cases_run, written_cases};
pub use money::*;
pub use paging::*;
pub use review::*;
pub use statements::*;
pub use timesheet::*;
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
        name: Some(name.into()),
        address: Some("г. Москва, ул. Тверская, д. 1".into()),
        latitude: Some(SITE_POINT.0),
        longitude: Some(SITE_POINT.1),
        geofence_radius_m: Some(100),
        opens_at: Some(opens.into()),
        closes_at: Some(closes.into()),
        time_zone: Some(zone.into()),
        hourly_rate_minor: Some(RATE),
        currency: Some("RUB".into()),
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

// ---- people and tokens -------------------------------------------------------------------------

pub async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
}

pub async fn users_round_trip(store: Arc<dyn Store>) {
    let before = Utc::now() - Duration::minutes(5);
    let anna = store
        .upsert_user(&NewUser {
            telegram_id: 7_000_000_001,
            name: PersonName::new("Анна Сергеевна Ёлкина").unwrap(),
            language: Language::Ru,
        })
        .await
        .unwrap();
    assert_eq!(anna.telegram_id, 7_000_000_001);
    assert_eq!(anna.name.as_str(), "Анна Сергеевна Ёлкина");
    assert_eq!(anna.language, Language::Ru);
    assert!(!anna.is_owner);
    assert!(anna.reachable, "a new person can be written to");
    assert!(anna.created_at > before && anna.created_at < Utc::now() + Duration::minutes(5));
    assert_eq!(store.user(anna.id).await.unwrap(), Some(anna.clone()));
    assert_eq!(
        store.user_by_telegram_id(7_000_000_001).await.unwrap(),
        Some(anna.clone())
    );

    // The same Telegram id refreshes name and language and keeps id, creation time and role.
    store.set_owner(anna.id, true).await.unwrap();
    let refreshed = store
        .upsert_user(&NewUser {
            telegram_id: 7_000_000_001,
            name: PersonName::new("Anna Yolkina").unwrap(),
            language: Language::En,
        })
        .await
        .unwrap();
    assert_eq!(refreshed.id, anna.id);
    assert_eq!(refreshed.name.as_str(), "Anna Yolkina");
    assert_eq!(refreshed.language, Language::En);
    assert_eq!(refreshed.created_at, anna.created_at);
    assert!(refreshed.is_owner, "a refresh must not drop the owner flag");
    assert_eq!(store.user(anna.id).await.unwrap(), Some(refreshed.clone()));
    store.set_owner(anna.id, false).await.unwrap();
    assert!(!store.user(anna.id).await.unwrap().unwrap().is_owner);

    let boris = person(&store, 7_000_000_002, "Борис").await;
    assert_ne!(boris.id, anna.id);
    let missing = UserId(boris.id.0.max(anna.id.0) + 1000);
    assert_eq!(store.user(missing).await.unwrap(), None);
    assert_eq!(store.user_by_telegram_id(42).await.unwrap(), None);
    let mut found = store
        .users(&[boris.id, missing, anna.id, boris.id])
        .await
        .unwrap();
    found.sort_by_key(|u| u.id);
    let found_ids: Vec<UserId> = found.iter().map(|u| u.id).collect();
    let mut expected = vec![anna.id, boris.id];
    expected.sort();
    assert_eq!(found_ids, expected);
    assert!(store.users(&[]).await.unwrap().is_empty());
    assert!(matches!(
        store.set_owner(missing, true).await,
        Err(StoreError::NotFound("user"))
    ));
}

pub async fn api_tokens_round_trip(store: Arc<dyn Store>) {
    let u = person(&store, 3001, "Токен Токенович").await;
    let other = person(&store, 3002, "Другой").await;
    let (h1, h2, h3) = (
        app::tokens::hash("spb_one"),
        app::tokens::hash("spb_two"),
        app::tokens::hash("spb_three"),
    );
    let id1 = store.insert_api_token(u.id, &h1, "ci").await.unwrap();
    let id2 = store.insert_api_token(u.id, &h2, "ноутбук").await.unwrap();
    let id3 = store.insert_api_token(other.id, &h3, "").await.unwrap();
    assert!(id1 != id2 && id2 != id3 && id1 != id3);
    assert_eq!(
        store.user_by_token_hash(&h1).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store.user_by_token_hash(&h2).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store
            .user_by_token_hash(&app::tokens::hash("nope"))
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store.insert_api_token(other.id, &h1, "copy").await,
        Err(StoreError::Duplicate("api token"))
    ));

    let mut revoked = store.revoke_api_tokens(u.id).await.unwrap();
    revoked.sort();
    let mut issued = vec![h1.clone(), h2.clone()];
    issued.sort();
    assert_eq!(revoked, issued);
    assert_eq!(store.user_by_token_hash(&h1).await.unwrap(), None);
    assert_eq!(store.user_by_token_hash(&h2).await.unwrap(), None);
    // Someone else's token is untouched.
    assert_eq!(
        store.user_by_token_hash(&h3).await.unwrap(),
        Some(other.clone())
    );
    assert!(store.revoke_api_tokens(u.id).await.unwrap().is_empty());
    // A token issued after revoking works.
    let h4 = app::tokens::hash("spb_four");
    store.insert_api_token(u.id, &h4, "new").await.unwrap();
    assert_eq!(store.user_by_token_hash(&h4).await.unwrap(), Some(u));
    assert_eq!(
        store
            .insert_api_token(UserId(other.id.0 + 1000), &app::tokens::hash("x"), "")
            .await,
        Err(StoreError::NotFound("user")),
        "a token needs an existing user"
    );
}

// ---- sites ---------------------------------------------------------------------------------

pub async fn site_round_trip(store: Arc<dyn Store>) {
    let owner = person(&store, 1001, "Ольга").await;
    let overnight = SitePatch {
        name: Some("Ночной клуб «Луна» №7".into()),
        address: Some("г. Владивосток, ул. Светланская, д. 9, кв. 3".into()),
        latitude: Some(43.1155),
        longitude: Some(131.8855),
        geofence_radius_m: Some(250),
        opens_at: Some("20:00".into()),
        closes_at: Some("06:00".into()),
        time_zone: Some(VVO.into()),
        hourly_rate_minor: Some(123_456),
        currency: Some("KZT".into()),
    }
    .create()
    .unwrap();
    let site = store
        .insert_site(owner.id, &overnight, &code(1))
        .await
        .unwrap();
    assert_eq!(site.owner_id, owner.id);
    assert_eq!(site.settings, overnight);
    assert!(site.settings.hours.is_overnight());
    assert_eq!(site.settings.time_zone.name(), VVO);
    assert_eq!(
        site.settings.hourly_rate,
        Money::new(123_456, Currency::parse("KZT").unwrap())
    );
    assert!(site.active);
    assert!(site.notify_owner);
    assert_eq!(store.site(site.id).await.unwrap(), Some(site.clone()));

    let always = SitePatch {
        address: None,
        opens_at: Some("00:00".into()),
        closes_at: Some("24:00".into()),
        time_zone: None,
        currency: None,
        latitude: Some(-33.8688),
        longitude: Some(-151.2093),
        ..SitePatch::default()
    };
    let always = SitePatch {
        name: Some("Круглосуточно".into()),
        hourly_rate_minor: Some(0),
        ..always
    }
    .create()
    .unwrap();
    let s2 = store
        .insert_site(owner.id, &always, &code(2))
        .await
        .unwrap();
    assert_ne!(s2.id, site.id);
    let back = store.site(s2.id).await.unwrap().unwrap();
    assert_eq!(back.settings, always);
    assert_eq!(back.settings.hours, domain::OpeningHours::AroundTheClock);
    assert_eq!(back.settings.address.as_str(), "");
    assert_eq!(back.settings.time_zone.name(), MSK);
    assert_eq!(back, s2);

    let missing = SiteId(site.id.0.max(s2.id.0) + 1000);
    assert_eq!(store.site(missing).await.unwrap(), None);
}

pub async fn update_site_replaces_settings_and_flags(store: Arc<dyn Store>) {
    let owner = person(&store, 1001, "Ольга").await;
    let site = store
        .insert_site(
            owner.id,
            &settings("Склад", MSK, "09:00", "21:00"),
            &code(1),
        )
        .await
        .unwrap();
    let changed = SitePatch {
        name: Some("Склад (новый)".into()),
        address: Some("".into()),
        latitude: Some(56.8389),
        longitude: Some(60.6057),
        geofence_radius_m: Some(10),
        opens_at: Some("22:00".into()),
        closes_at: Some("07:30".into()),
        time_zone: Some("Asia/Yekaterinburg".into()),
        hourly_rate_minor: Some(40_000),
        currency: Some("USD".into()),
    }
    .apply(&site.settings)
    .unwrap();
    let updated = store
        .update_site(site.id, &changed, false, false)
        .await
        .unwrap();
    assert_eq!(updated.id, site.id);
    assert_eq!(updated.owner_id, owner.id);
    assert_eq!(updated.created_at, site.created_at);
    assert_eq!(updated.settings, changed);
    assert!(!updated.active);
    assert!(!updated.notify_owner);
    assert_eq!(store.site(site.id).await.unwrap(), Some(updated.clone()));

    let back = store
        .update_site(site.id, &site.settings, true, true)
        .await
        .unwrap();
    assert_eq!(back, site);

    assert!(matches!(
        store
            .update_site(SiteId(site.id.0 + 1000), &changed, true, true)
            .await,
        Err(StoreError::NotFound("site"))
    ));
}

pub async fn managed_sites_and_manager_grants(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let ids = |sites: Vec<Site>| sites.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.sites_managed_by(b.owner.id).await.unwrap()),
        vec![b.s1.id, b.s2.id]
    );
    assert_eq!(
        ids(store.sites_managed_by(b.other_owner.id).await.unwrap()),
        vec![b.s3.id]
    );
    assert!(store.sites_managed_by(b.e1.id).await.unwrap().is_empty());

    assert!(!store.is_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(store.grant_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(
        !store.grant_manager(b.s3.id, b.e1.id).await.unwrap(),
        "the grant existed"
    );
    assert!(store.is_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(!store.is_manager(b.s1.id, b.e1.id).await.unwrap());
    assert_eq!(
        ids(store.sites_managed_by(b.e1.id).await.unwrap()),
        vec![b.s3.id]
    );
    // The full site comes back, not only its id.
    assert_eq!(
        store.sites_managed_by(b.e1.id).await.unwrap(),
        vec![b.s3.clone()]
    );

    // Owned and managed sites together, by id, each once.
    assert!(
        store
            .grant_manager(b.s1.id, b.other_owner.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .grant_manager(b.s3.id, b.other_owner.id)
            .await
            .unwrap()
    );
    assert_eq!(
        ids(store.sites_managed_by(b.other_owner.id).await.unwrap()),
        vec![b.s1.id, b.s3.id]
    );

    assert!(store.revoke_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(
        !store.revoke_manager(b.s3.id, b.e1.id).await.unwrap(),
        "no grant left"
    );
    assert!(!store.is_manager(b.s3.id, b.e1.id).await.unwrap());
    assert!(store.sites_managed_by(b.e1.id).await.unwrap().is_empty());
}

pub async fn access_grants_and_sites_of_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    assert!(!store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(store.sites_of_employee(b.e1.id).await.unwrap().is_empty());
    assert!(store.grant_access(b.s3.id, b.e1.id).await.unwrap());
    assert!(store.grant_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(
        !store.grant_access(b.s1.id, b.e1.id).await.unwrap(),
        "the grant existed"
    );
    assert!(store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(!store.has_access(b.s2.id, b.e1.id).await.unwrap());
    assert!(!store.has_access(b.s1.id, b.e2.id).await.unwrap());
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s1.clone(), b.s3.clone()]
    );
    assert!(store.revoke_access(b.s1.id, b.e1.id).await.unwrap());
    assert!(
        !store.revoke_access(b.s1.id, b.e1.id).await.unwrap(),
        "no grant left"
    );
    assert!(!store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s3.clone()]
    );
}

pub async fn employees_of_scope_and_order(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let yakov = person(&store, 4001, "Яков").await;
    let anna = person(&store, 4002, "Анна").await;
    let vera1 = person(&store, 4003, "Вера").await;
    let vera2 = person(&store, 4004, "Вера").await;
    let zoe = person(&store, 4005, "Zoe").await;
    let lower = person(&store, 4006, "анна").await;
    let boris = person(&store, 4007, "Борис").await;
    for s in [b.s1.id, b.s2.id, b.s3.id] {
        store.grant_access(s, yakov.id).await.unwrap();
    }
    store.grant_access(b.s2.id, anna.id).await.unwrap();
    store.grant_access(b.s1.id, vera2.id).await.unwrap();
    store.grant_access(b.s1.id, vera1.id).await.unwrap();
    store.grant_access(b.s2.id, zoe.id).await.unwrap();
    store.grant_access(b.s1.id, lower.id).await.unwrap();
    store.grant_access(b.s3.id, boris.id).await.unwrap();

    let got = store.employees_of(&[b.s2.id, b.s1.id]).await.unwrap();
    let summary: Vec<(UserId, Vec<SiteId>)> = got
        .iter()
        .map(|e: &Employee| {
            let mut sites = e.site_ids.clone();
            sites.sort();
            (e.user.id, sites)
        })
        .collect();
    // By name in code-point order (the order Rust's `str` comparison gives), then by id.
    let (v_first, v_second) = if vera1.id < vera2.id {
        (vera1.id, vera2.id)
    } else {
        (vera2.id, vera1.id)
    };
    assert_eq!(
        summary,
        vec![
            (zoe.id, vec![b.s2.id]),
            (anna.id, vec![b.s2.id]),
            (v_first, vec![b.s1.id]),
            (v_second, vec![b.s1.id]),
            (yakov.id, vec![b.s1.id, b.s2.id]),
            (lower.id, vec![b.s1.id]),
        ]
    );
    assert_eq!(got[1].user, anna);
    assert!(store.employees_of(&[]).await.unwrap().is_empty());
    let only_s3 = store.employees_of(&[b.s3.id]).await.unwrap();
    let names: Vec<&str> = only_s3.iter().map(|e| e.user.name.as_str()).collect();
    assert_eq!(names, vec!["Борис", "Яков"]);
    assert!(only_s3.iter().all(|e| e.site_ids == vec![b.s3.id]));
}

// ---- shifts --------------------------------------------------------------------------------

pub async fn shift_round_trip(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let new = new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00"));
    let shift = store.insert_shift(&new).await.unwrap();
    assert_eq!(
        shift,
        Shift {
            id: shift.id,
            employee_id: b.e1.id,
            site_id: b.s1.id,
            status: ShiftStatus::Active,
            started_at: utc("2026-12-01 06:00"),
            start_location: new.start_location,
            ended_at: None,
            end_location: None,
            hourly_rate: Money::new(RATE, Currency::RUB),
            worked_minutes: None,
            pay_minor: None,
            needs_review: false,
            planned_shift_id: None,
            closed_by: None,
            review_reason: None,
        }
    );
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(shift.clone()));
    assert_eq!(
        store.active_shift(b.e1.id).await.unwrap(),
        Some(shift.clone())
    );
    assert_eq!(store.active_shift(b.e2.id).await.unwrap(), None);
    assert_eq!(store.shift(ShiftId(shift.id.0 + 1000)).await.unwrap(), None);

    // No accuracy reported, another currency.
    let mut other = new_shift(b.e2.id, b.s2.id, utc("2026-12-01 07:15"));
    other.start_location = location((-33.0, 151.0), None, 0.0);
    other.hourly_rate = Money::new(999, Currency::parse("EUR").unwrap());
    let s2 = store.insert_shift(&other).await.unwrap();
    assert_eq!(s2.start_location, other.start_location);
    assert_eq!(s2.hourly_rate, other.hourly_rate);
    assert_eq!(store.shift(s2.id).await.unwrap(), Some(s2));
}

pub async fn one_active_shift_per_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let first = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_shift(&new_shift(b.e1.id, b.s2.id, utc("2026-12-01 06:05")))
            .await,
        Err(StoreError::ActiveShiftExists)
    );
    // Another employee at the same site is fine.
    store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 06:05")))
        .await
        .unwrap();
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: utc("2026-12-01 07:00"),
        end_location: None,
        worked_minutes: 60,
        pay_minor: RATE,
        needs_review: false,
    };
    store.close_shift(first.id, &end).await.unwrap();
    let again = store
        .insert_shift(&new_shift(b.e1.id, b.s2.id, utc("2026-12-01 08:00")))
        .await
        .unwrap();
    assert_eq!(store.active_shift(b.e1.id).await.unwrap(), Some(again));
}

pub async fn concurrent_shift_inserts_give_one(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        let shift = new_shift(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 06:00") + Duration::seconds(i),
        );
        tasks.spawn(async move { store.insert_shift(&shift).await });
    }
    let results = tasks.join_all().await;
    let ok: Vec<&Shift> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::ActiveShiftExists)),
        "{results:?}"
    );
    assert_eq!(store.active_shifts().await.unwrap(), vec![ok[0].clone()]);
}

pub async fn close_shift_only_once(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let shift = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    let end = ShiftEnd {
        status: ShiftStatus::Closed,
        ended_at: utc("2026-12-01 13:58"),
        end_location: Some(location((55.7498, 37.6203), None, 23.5)),
        worked_minutes: 478,
        pay_minor: 278_833,
        needs_review: false,
    };
    let closed = store.close_shift(shift.id, &end).await.unwrap();
    assert_eq!(
        closed,
        Shift {
            status: ShiftStatus::Closed,
            ended_at: Some(end.ended_at),
            end_location: end.end_location,
            worked_minutes: Some(478),
            pay_minor: Some(278_833),
            ..shift.clone()
        }
    );
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(closed.clone()));
    assert_eq!(store.active_shift(b.e1.id).await.unwrap(), None);
    // A second close (the auto-close run racing the employee) changes nothing.
    let auto = ShiftEnd {
        status: ShiftStatus::AutoClosed,
        ended_at: utc("2026-12-01 19:00"),
        end_location: None,
        worked_minutes: 780,
        pay_minor: 455_000,
        needs_review: true,
    };
    assert!(matches!(
        store.close_shift(shift.id, &auto).await,
        Err(StoreError::NotFound("active shift"))
    ));
    assert_eq!(store.shift(shift.id).await.unwrap(), Some(closed));
    assert!(matches!(
        store.close_shift(ShiftId(shift.id.0 + 1000), &auto).await,
        Err(StoreError::NotFound("active shift"))
    ));

    // Closed automatically: no end location, flagged for review.
    let other = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 06:00")))
        .await
        .unwrap();
    let auto_closed = store.close_shift(other.id, &auto).await.unwrap();
    assert_eq!(auto_closed.status, ShiftStatus::AutoClosed);
    assert_eq!(auto_closed.end_location, None);
    assert!(auto_closed.needs_review);
    assert_eq!(auto_closed.ended_at, Some(utc("2026-12-01 19:00")));
    assert_eq!(auto_closed.worked_minutes, Some(780));
    assert_eq!(auto_closed.pay_minor, Some(455_000));
    assert_eq!(store.shift(other.id).await.unwrap(), Some(auto_closed));
}

pub async fn active_shifts_oldest_first(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let e3 = person(&store, 2003, "Третий").await;
    let e4 = person(&store, 2004, "Четвёртый").await;
    let late = store
        .insert_shift(&new_shift(b.e1.id, b.s1.id, utc("2026-12-01 09:00")))
        .await
        .unwrap();
    let early = store
        .insert_shift(&new_shift(b.e2.id, b.s3.id, utc("2026-12-01 05:00")))
        .await
        .unwrap();
    let middle = store
        .insert_shift(&new_shift(e3.id, b.s2.id, utc("2026-12-01 07:00")))
        .await
        .unwrap();
    let gone = store
        .insert_shift(&new_shift(e4.id, b.s1.id, utc("2026-12-01 04:00")))
        .await
        .unwrap();
    store
        .close_shift(
            gone.id,
            &ShiftEnd {
                status: ShiftStatus::Closed,
                ended_at: utc("2026-12-01 05:00"),
                end_location: None,
                worked_minutes: 60,
                pay_minor: RATE,
                needs_review: false,
            },
        )
        .await
        .unwrap();
    let starts: Vec<app::ShiftStart> = [&early, &middle, &late]
        .iter()
        .map(|s| app::ShiftStart {
            id: s.id,
            site_id: s.site_id,
            started_at: s.started_at,
        })
        .collect();
    assert_eq!(
        store.active_shifts().await.unwrap(),
        vec![early, middle, late]
    );
    assert_eq!(store.running_shift_starts().await.unwrap(), starts);
}

pub async fn insert_shift_links_plan(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 07:00"),
            utc("2026-12-01 15:00"),
        ))
        .await
        .unwrap();
    let shift = store
        .insert_shift(&NewShift {
            planned_shift_id: Some(plan.id),
            ..new_shift(b.e1.id, b.s1.id, utc("2026-12-01 06:30"))
        })
        .await
        .unwrap();
    assert_eq!(shift.planned_shift_id, Some(plan.id));
    let done = store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(shift.id));
    assert_eq!(done.starts_at, plan.starts_at);

    // When the open fails, the plan stays as it was.
    let plan2 = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s2.id,
            utc("2026-12-02 07:00"),
            utc("2026-12-02 15:00"),
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_shift(&NewShift {
                planned_shift_id: Some(plan2.id),
                ..new_shift(b.e1.id, b.s2.id, utc("2026-12-02 06:30"))
            })
            .await,
        Err(StoreError::ActiveShiftExists)
    );
    assert_eq!(store.planned_shift(plan2.id).await.unwrap(), Some(plan2));
}

pub async fn list_shifts_filters_and_paging(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let t0 = utc("2026-12-01 06:00");
    let at = |h: i64| t0 + Duration::hours(h);
    // (employee, site, start offset in hours, status)
    let rows = [
        (b.e1.id, b.s1.id, 0, ShiftStatus::Closed),
        (b.e2.id, b.s1.id, 0, ShiftStatus::Closed),
        (b.e1.id, b.s2.id, 24, ShiftStatus::AutoClosed),
        (b.e2.id, b.s2.id, 25, ShiftStatus::Closed),
        (b.e1.id, b.s1.id, 48, ShiftStatus::Closed),
        (b.e1.id, b.s3.id, 49, ShiftStatus::Closed),
    ];
    let batch: Vec<FinishedShift> = rows
        .iter()
        .map(|(e, s, h, st)| finished(*e, *s, at(*h), 60, *st))
        .collect();
    assert_eq!(store.import_finished_shifts(&batch).await.unwrap(), 6);
    let active = store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, at(72)))
        .await
        .unwrap();

    let all = store
        .list_shifts(&shift_filter(vec![b.s1.id, b.s2.id]))
        .await
        .unwrap();
    assert_eq!(all.len(), 6, "s3 is outside the scope");
    assert!(all.iter().all(|s| s.site_id != b.s3.id));
    // Newest first; equal starts newest id first.
    for pair in all.windows(2) {
        assert!(
            (pair[0].started_at, pair[0].id) > (pair[1].started_at, pair[1].id),
            "{:?} before {:?}",
            (pair[0].started_at, pair[0].id),
            (pair[1].started_at, pair[1].id)
        );
    }
    assert_eq!(all[0], active);
    // Imported shifts come back whole.
    let imported_s2 = all
        .iter()
        .find(|s| s.site_id == b.s2.id && s.status == ShiftStatus::AutoClosed)
        .unwrap();
    assert_eq!(imported_s2, &expected_finished(imported_s2.id, &batch[2]));

    assert!(
        store
            .list_shifts(&shift_filter(vec![]))
            .await
            .unwrap()
            .is_empty()
    );

    let by_employee = store
        .list_shifts(&ShiftFilter {
            employee_id: Some(b.e1.id),
            ..shift_filter(vec![b.s1.id, b.s2.id, b.s3.id])
        })
        .await
        .unwrap();
    assert_eq!(by_employee.len(), 4);
    assert!(by_employee.iter().all(|s| s.employee_id == b.e1.id));

    let auto = store
        .list_shifts(&ShiftFilter {
            status: Some(ShiftStatus::AutoClosed),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(auto.len(), 1);
    assert_eq!(auto[0].started_at, at(24));
    let actives = store
        .list_shifts(&ShiftFilter {
            status: Some(ShiftStatus::Active),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(shift_ids(&actives), vec![active.id]);

    // started_from is inclusive, started_before exclusive.
    let window = store
        .list_shifts(&ShiftFilter {
            started_from: Some(at(24)),
            started_before: Some(at(48)),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    let starts: Vec<DateTime<Utc>> = window.iter().map(|s| s.started_at).collect();
    assert_eq!(starts, vec![at(25), at(24)]);

    // Pages after a cursor cut the same order, ties at one instant included (two shifts start
    // at t0), each row on exactly one page.
    let mut paged = Vec::new();
    let mut after = None;
    for _ in 0..4 {
        let part = store
            .list_shifts(&ShiftFilter {
                limit: 2,
                after,
                ..shift_filter(vec![b.s1.id, b.s2.id])
            })
            .await
            .unwrap();
        assert!(part.len() <= 2);
        after = part.last().map(|s| Cursor::new(s.started_at, s.id.0));
        paged.extend(part);
    }
    assert_eq!(shift_ids(&paged), shift_ids(&all));
    // After the last row there is nothing; after the first of a tie, the other.
    let last = all.last().unwrap();
    assert!(
        store
            .list_shifts(&ShiftFilter {
                after: Some(Cursor::new(last.started_at, last.id.0)),
                ..shift_filter(vec![b.s1.id, b.s2.id])
            })
            .await
            .unwrap()
            .is_empty()
    );
    let tie = &all[all.len() - 2];
    assert_eq!(tie.started_at, last.started_at);
    let rest = store
        .list_shifts(&ShiftFilter {
            after: Some(Cursor::new(tie.started_at, tie.id.0)),
            ..shift_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(shift_ids(&rest), vec![last.id]);
}

pub async fn import_finished_shifts_round_trip(store: Arc<dyn Store>) {
    let b = base(&store).await;
    assert_eq!(store.import_finished_shifts(&[]).await.unwrap(), 0);
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e2.id,
            b.s2.id,
            utc("2026-11-03 06:00"),
            utc("2026-11-03 14:00"),
        ))
        .await
        .unwrap();
    let mut with_accuracy = finished(
        b.e1.id,
        b.s1.id,
        utc("2026-11-01 06:00"),
        478,
        ShiftStatus::Closed,
    );
    with_accuracy.end.end_location = Some(location((55.7503, 37.6197), Some(7.5), 30.0));
    let auto = finished(
        b.e1.id,
        b.s1.id,
        utc("2026-11-02 06:00"),
        780,
        ShiftStatus::AutoClosed,
    );
    let mut planned = finished(
        b.e2.id,
        b.s2.id,
        utc("2026-11-03 05:50"),
        490,
        ShiftStatus::Closed,
    );
    planned.shift.planned_shift_id = Some(plan.id);
    planned.shift.start_location.accuracy_m = None;
    let batch = vec![with_accuracy, auto, planned];
    assert_eq!(store.import_finished_shifts(&batch).await.unwrap(), 3);

    let mut stored = store
        .list_shifts(&shift_filter(vec![b.s1.id, b.s2.id]))
        .await
        .unwrap();
    stored.reverse();
    assert_eq!(stored.len(), 3);
    for (got, want) in stored.iter().zip(&batch) {
        assert_eq!(got, &expected_finished(got.id, want));
    }
    // Nothing is left active.
    assert!(store.active_shifts().await.unwrap().is_empty());
    // The plan an imported shift fulfils is marked done, as when the shift opens live.
    let done = store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(stored[2].id));
}

pub async fn import_many_finished_shifts(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let t0 = utc("2026-01-01 06:00");
    let count = 12_345i64;
    let batch: Vec<FinishedShift> = (0..count)
        .map(|i| {
            let employee = if i % 2 == 0 { b.e1.id } else { b.e2.id };
            let site = if i % 3 == 0 { b.s1.id } else { b.s2.id };
            let status = if i % 5 == 0 {
                ShiftStatus::AutoClosed
            } else {
                ShiftStatus::Closed
            };
            finished(
                employee,
                site,
                t0 + Duration::minutes(i * 37),
                60 + i % 7,
                status,
            )
        })
        .collect();
    assert_eq!(
        store.import_finished_shifts(&batch).await.unwrap(),
        count as u64
    );
    let ranges = [b.s1.id, b.s2.id].map(|site_id| SiteRange {
        site_id,
        from: t0,
        to: t0 + Duration::days(3650),
    });
    let totals = store.shift_totals(&ranges, None).await.unwrap();
    let shifts: i64 = totals.iter().map(|t| t.shifts).sum();
    let minutes: i64 = totals.iter().map(|t| t.worked_minutes).sum();
    let pay: i64 = totals.iter().map(|t| t.pay_minor).sum();
    assert_eq!(shifts, count);
    assert_eq!(
        minutes,
        batch.iter().map(|f| f.end.worked_minutes).sum::<i64>()
    );
    assert_eq!(pay, batch.iter().map(|f| f.end.pay_minor).sum::<i64>());
    assert_eq!(totals.len(), 4, "two sites × two employees: {totals:?}");
}

pub async fn shift_totals_per_site_and_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    // s1 counts [Dec 1, Dec 2), s2 counts [Dec 2, Dec 3).
    let r1 = SiteRange {
        site_id: b.s1.id,
        from: utc("2026-12-01 00:00"),
        to: utc("2026-12-02 00:00"),
    };
    let r2 = SiteRange {
        site_id: b.s2.id,
        from: utc("2026-12-02 00:00"),
        to: utc("2026-12-03 00:00"),
    };
    let f = |e: &User, s: &Site, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, utc(at), minutes, st)
    };
    use ShiftStatus::{AutoClosed, Closed};
    let batch = vec![
        f(&b.e1, &b.s1, "2026-12-01 00:00", 1, Closed), // at `from`: counts
        f(&b.e1, &b.s1, "2026-12-01 10:00", 2, Closed),
        f(&b.e1, &b.s1, "2026-12-01 23:59", 4, AutoClosed),
        f(&b.e2, &b.s1, "2026-12-01 12:00", 8, Closed),
        f(&b.e1, &b.s1, "2026-12-02 00:00", 16, Closed), // at `to`: does not count
        f(&b.e1, &b.s1, "2026-11-30 23:59", 32, Closed),
        f(&b.e1, &b.s2, "2026-12-02 08:00", 64, Closed),
        f(&b.e1, &b.s2, "2026-12-01 08:00", 128, Closed), // s1's day, not s2's
        f(&b.e1, &b.s3, "2026-12-01 08:00", 256, Closed), // no range for s3
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    // A running shift is not finished and does not count.
    store
        .insert_shift(&new_shift(b.e2.id, b.s1.id, utc("2026-12-01 13:00")))
        .await
        .unwrap();

    let mut totals = store.shift_totals(&[r2, r1], None).await.unwrap();
    totals.sort_by_key(|t| (t.site_id, t.employee_id));
    // Each shift is paid minutes × 350.00 / 60, rounded half up, then summed:
    // 1 min 583 (583.33), 2 min 1 167 (1 166.67), 4 min 2 333 (2 333.33), 8 min 4 667, 64 min
    // 37 333 (37 333.33).
    let mut expected = vec![
        ShiftTotals {
            site_id: b.s1.id,
            employee_id: b.e1.id,
            currency: Currency::RUB,
            shifts: 3,
            worked_minutes: 1 + 2 + 4,
            pay_minor: 4_083, // 583 + 1 167 + 2 333
        },
        ShiftTotals {
            site_id: b.s1.id,
            employee_id: b.e2.id,
            currency: Currency::RUB,
            shifts: 1,
            worked_minutes: 8,
            pay_minor: 4_667,
        },
        ShiftTotals {
            site_id: b.s2.id,
            employee_id: b.e1.id,
            currency: Currency::RUB,
            shifts: 1,
            worked_minutes: 64,
            pay_minor: 37_333,
        },
    ];
    expected.sort_by_key(|t| (t.site_id, t.employee_id));
    assert_eq!(totals, expected);
    assert!(store.shift_totals(&[], None).await.unwrap().is_empty());
}

// ---- planned shifts ------------------------------------------------------------------------

pub async fn planned_shift_round_trip(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let before = Utc::now() - Duration::minutes(5);
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 06:00"),
            utc("2026-12-01 14:30"),
        ))
        .await
        .unwrap();
    assert_eq!(
        plan,
        PlannedShift {
            id: plan.id,
            employee_id: b.e1.id,
            site_id: b.s1.id,
            starts_at: utc("2026-12-01 06:00"),
            ends_at: utc("2026-12-01 14:30"),
            status: PlanStatus::Planned,
            shift_id: None,
            created_at: plan.created_at,
        }
    );
    assert!(plan.created_at > before && plan.created_at < Utc::now() + Duration::minutes(5));
    assert_eq!(
        store.planned_shift(plan.id).await.unwrap(),
        Some(plan.clone())
    );
    assert_eq!(
        store
            .planned_shift(PlannedShiftId(plan.id.0 + 1000))
            .await
            .unwrap(),
        None
    );
}

pub async fn plan_overlap_rules(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let h = |hour: u32| utc("2026-12-01 00:00") + Duration::hours(i64::from(hour));
    let plan = |e: &User, s: &Site, from: u32, to: u32| new_plan(e.id, s.id, h(from), h(to));
    let first = store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 10, 14))
        .await
        .unwrap();
    for (from, to) in [(13, 15), (11, 12), (9, 11), (8, 16), (10, 14)] {
        assert_eq!(
            store
                .insert_planned_shift(&plan(&b.e1, &b.s1, from, to))
                .await,
            Err(StoreError::PlanOverlap),
            "{from}-{to} overlaps 10-14"
        );
    }
    // An employee cannot be at two sites at once either.
    assert_eq!(
        store
            .insert_planned_shift(&plan(&b.e1, &b.s2, 12, 16))
            .await,
        Err(StoreError::PlanOverlap)
    );
    // Touching ends do not overlap; another employee is independent.
    store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 14, 18))
        .await
        .unwrap();
    store
        .insert_planned_shift(&plan(&b.e1, &b.s2, 6, 10))
        .await
        .unwrap();
    store
        .insert_planned_shift(&plan(&b.e2, &b.s1, 10, 14))
        .await
        .unwrap();

    // A cancelled plan frees its slot.
    store
        .set_plan_status(first.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let replacement = store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 11, 13))
        .await
        .unwrap();
    // A missed plan frees it too; a done one keeps it.
    store
        .set_plan_status(replacement.id, PlanStatus::Planned, PlanStatus::Missed)
        .await
        .unwrap();
    let third = store
        .insert_planned_shift(&plan(&b.e1, &b.s1, 10, 14))
        .await
        .unwrap();
    store
        .set_plan_status(third.id, PlanStatus::Planned, PlanStatus::Done)
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_planned_shift(&plan(&b.e1, &b.s1, 12, 13))
            .await,
        Err(StoreError::PlanOverlap)
    );
}

pub async fn concurrent_overlapping_plans_give_one(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let start = utc("2026-12-01 06:00");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        // Every pair of these windows overlaps.
        let plan = new_plan(
            b.e1.id,
            b.s1.id,
            start + Duration::minutes(10 * i),
            start + Duration::minutes(10 * i + 120),
        );
        tasks.spawn(async move { store.insert_planned_shift(&plan).await });
    }
    let results = tasks.join_all().await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::PlanOverlap)),
        "{results:?}"
    );
    let stored = store
        .list_planned(&plan_filter(vec![b.s1.id]))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
}

pub async fn set_plan_status_is_conditional(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let plan = store
        .insert_planned_shift(&new_plan(
            b.e1.id,
            b.s1.id,
            utc("2026-12-01 06:00"),
            utc("2026-12-01 14:00"),
        ))
        .await
        .unwrap();
    let cancelled = store
        .set_plan_status(plan.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(
        cancelled,
        PlannedShift {
            status: PlanStatus::Cancelled,
            ..plan.clone()
        }
    );
    // Not in `from` any more: nothing changes.
    assert!(matches!(
        store
            .set_plan_status(plan.id, PlanStatus::Planned, PlanStatus::Done)
            .await,
        Err(StoreError::NotFound("planned shift"))
    ));
    assert_eq!(store.planned_shift(plan.id).await.unwrap(), Some(cancelled));
    assert!(matches!(
        store
            .set_plan_status(
                PlannedShiftId(plan.id.0 + 1000),
                PlanStatus::Planned,
                PlanStatus::Cancelled
            )
            .await,
        Err(StoreError::NotFound("planned shift"))
    ));
}

pub async fn list_planned_filters_and_paging(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let d =
        |day: i64, hour: i64| utc("2026-12-01 00:00") + Duration::days(day) + Duration::hours(hour);
    let mut made = Vec::new();
    // (employee, site, day, start hour, length hours)
    for (e, s, day, hour, len) in [
        (&b.e1, &b.s1, 0, 6, 8),
        (&b.e2, &b.s1, 0, 6, 4),
        (&b.e1, &b.s2, 1, 6, 8),
        (&b.e2, &b.s2, 1, 12, 8),
        (&b.e1, &b.s1, 2, 6, 8),
        (&b.e1, &b.s3, 3, 6, 8),
    ] {
        made.push(
            store
                .insert_planned_shift(&new_plan(e.id, s.id, d(day, hour), d(day, hour + len)))
                .await
                .unwrap(),
        );
    }
    store
        .set_plan_status(made[2].id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();

    let all = store
        .list_planned(&plan_filter(vec![b.s2.id, b.s1.id]))
        .await
        .unwrap();
    // Earliest start first; equal starts by id.
    let (first, second) = if made[0].id < made[1].id {
        (made[0].id, made[1].id)
    } else {
        (made[1].id, made[0].id)
    };
    assert_eq!(
        plan_ids(&all),
        vec![first, second, made[2].id, made[3].id, made[4].id]
    );
    assert!(
        store
            .list_planned(&plan_filter(vec![]))
            .await
            .unwrap()
            .is_empty()
    );

    let mine = store
        .list_planned(&PlanFilter {
            employee_id: Some(b.e1.id),
            ..plan_filter(vec![b.s1.id, b.s2.id, b.s3.id])
        })
        .await
        .unwrap();
    assert_eq!(
        plan_ids(&mine),
        vec![made[0].id, made[2].id, made[4].id, made[5].id]
    );

    let planned = store
        .list_planned(&PlanFilter {
            status: Some(PlanStatus::Planned),
            ..plan_filter(vec![b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&planned), vec![made[3].id]);

    // starts_from inclusive, starts_before exclusive.
    let days = store
        .list_planned(&PlanFilter {
            starts_from: Some(d(1, 6)),
            starts_before: Some(d(2, 6)),
            ..plan_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&days), vec![made[2].id, made[3].id]);

    // ends_after is exclusive: a plan ending exactly then is over.
    let running = store
        .list_planned(&PlanFilter {
            ends_after: Some(d(0, 10)),
            ..plan_filter(vec![b.s1.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&running), vec![made[0].id, made[4].id]);

    // Pages after a cursor, ties at one instant included (two plans start at d(0, 6)).
    let mut paged = Vec::new();
    let mut after = None;
    for _ in 0..3 {
        let part = store
            .list_planned(&PlanFilter {
                limit: 2,
                after,
                ..plan_filter(vec![b.s1.id, b.s2.id])
            })
            .await
            .unwrap();
        assert!(part.len() <= 2);
        after = part.last().map(|p| Cursor::new(p.starts_at, p.id.0));
        paged.extend(part);
    }
    assert_eq!(plan_ids(&paged), plan_ids(&all));
    let rest = store
        .list_planned(&PlanFilter {
            after: Some(Cursor::new(all[0].starts_at, all[0].id.0)),
            ..plan_filter(vec![b.s1.id, b.s2.id])
        })
        .await
        .unwrap();
    assert_eq!(plan_ids(&rest), plan_ids(&all[1..]));
}

pub async fn mark_missed_plans_marks_only_ended_planned(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let cutoff = utc("2026-12-02 00:00");
    let ins = |e: UserId, from: &str, to: &str| new_plan(e, b.s1.id, utc(from), utc(to));
    let ended = store
        .insert_planned_shift(&ins(b.e1.id, "2026-12-01 06:00", "2026-12-01 14:00"))
        .await
        .unwrap();
    let at_cutoff = store
        .insert_planned_shift(&ins(b.e1.id, "2026-12-01 16:00", "2026-12-02 00:00"))
        .await
        .unwrap();
    let cancelled = store
        .insert_planned_shift(&ins(b.e2.id, "2026-12-01 06:00", "2026-12-01 14:00"))
        .await
        .unwrap();
    store
        .set_plan_status(cancelled.id, PlanStatus::Planned, PlanStatus::Cancelled)
        .await
        .unwrap();
    let done = store
        .insert_planned_shift(&ins(b.e2.id, "2026-12-01 15:00", "2026-12-01 20:00"))
        .await
        .unwrap();
    store
        .set_plan_status(done.id, PlanStatus::Planned, PlanStatus::Done)
        .await
        .unwrap();
    let running = store
        .insert_planned_shift(&ins(b.e2.id, "2026-12-01 22:00", "2026-12-02 06:00"))
        .await
        .unwrap();
    // Inserted last but starts first: the answer is ordered by start.
    let earlier = store
        .insert_planned_shift(&ins(b.e2.id, "2026-11-30 10:00", "2026-11-30 12:00"))
        .await
        .unwrap();

    let missed = store.mark_missed_plans(cutoff).await.unwrap();
    let as_missed = |p: &PlannedShift| PlannedShift {
        status: PlanStatus::Missed,
        ..p.clone()
    };
    assert_eq!(missed, vec![as_missed(&earlier), as_missed(&ended)]);
    let status = |p: PlannedShiftId| {
        let store = store.clone();
        async move { store.planned_shift(p).await.unwrap().unwrap().status }
    };
    assert_eq!(status(ended.id).await, PlanStatus::Missed);
    assert_eq!(status(at_cutoff.id).await, PlanStatus::Planned);
    assert_eq!(status(cancelled.id).await, PlanStatus::Cancelled);
    assert_eq!(status(done.id).await, PlanStatus::Done);
    assert_eq!(status(running.id).await, PlanStatus::Planned);
    assert_eq!(store.mark_missed_plans(cutoff).await.unwrap(), vec![]);
}

// ---- people: language and reachability ---------------------------------------------------------

pub async fn user_language_and_reachable_flag(store: Arc<dyn Store>) {
    let anna = person(&store, 5001, "Анна").await;
    let boris = person(&store, 5002, "Борис").await;
    assert!(
        anna.reachable && boris.reachable,
        "new people can be written to"
    );

    store.set_user_reachable(anna.id, false).await.unwrap();
    let blocked = User {
        reachable: false,
        ..anna.clone()
    };
    assert_eq!(store.user(anna.id).await.unwrap(), Some(blocked.clone()));
    assert_eq!(
        store.user_by_telegram_id(5001).await.unwrap(),
        Some(blocked.clone())
    );
    let mut both: Vec<(UserId, bool)> = store
        .users(&[anna.id, boris.id])
        .await
        .unwrap()
        .iter()
        .map(|u| (u.id, u.reachable))
        .collect();
    both.sort();
    let mut expected = vec![(anna.id, false), (boris.id, true)];
    expected.sort();
    assert_eq!(both, expected, "only Anna blocked the bot");
    // Saying it twice is no error.
    store.set_user_reachable(anna.id, false).await.unwrap();
    // A refresh of name and language leaves the flag as it is, like the owner flag.
    let refreshed = store
        .upsert_user(&NewUser {
            telegram_id: 5001,
            name: PersonName::new("Анна К.").unwrap(),
            language: Language::En,
        })
        .await
        .unwrap();
    assert!(!refreshed.reachable);
    store.set_user_reachable(anna.id, true).await.unwrap();
    assert_eq!(
        store.user(anna.id).await.unwrap(),
        Some(User {
            reachable: true,
            ..refreshed.clone()
        })
    );

    store
        .set_user_language(boris.id, Language::En)
        .await
        .unwrap();
    assert_eq!(
        store.user(boris.id).await.unwrap(),
        Some(User {
            language: Language::En,
            ..boris.clone()
        })
    );
    store
        .set_user_language(boris.id, Language::Ru)
        .await
        .unwrap();
    assert_eq!(store.user(boris.id).await.unwrap(), Some(boris.clone()));
    assert_eq!(
        store.user(anna.id).await.unwrap().unwrap().language,
        Language::En,
        "someone else's language is untouched"
    );

    let missing = UserId(anna.id.0.max(boris.id.0) + 1000);
    assert!(matches!(
        store.set_user_language(missing, Language::En).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.set_user_reachable(missing, false).await,
        Err(StoreError::NotFound("user"))
    ));
}

// ---- join codes and join requests --------------------------------------------------------------

pub async fn join_code_round_trip_and_lookup(store: Arc<dyn Store>) {
    let owner = person(&store, 1001, "Ольга").await;
    let rival = person(&store, 1002, "Пётр").await;
    let s = store
        .insert_site(
            owner.id,
            &settings("Склад", MSK, "09:00", "21:00"),
            "k7m2x_pq9a",
        )
        .await
        .unwrap();
    assert_eq!(s.join_code, "k7m2x_pq9a");
    assert_eq!(store.site(s.id).await.unwrap(), Some(s.clone()));
    assert_eq!(
        store.site_by_join_code("k7m2x_pq9a").await.unwrap(),
        Some(s.clone())
    );
    let other = store
        .insert_site(
            owner.id,
            &settings("Кафе", MSK, "08:00", "23:00"),
            "abcdefghjk",
        )
        .await
        .unwrap();
    assert_eq!(
        store.site_by_join_code("abcdefghjk").await.unwrap(),
        Some(other.clone())
    );
    // Only the exact code finds a site: not another case, a prefix or a neighbour.
    for miss in ["K7M2X_PQ9A", "k7m2x_pq9", "k7m2x_pq9b", "k7m2x_pq9a ", ""] {
        assert_eq!(
            store.site_by_join_code(miss).await.unwrap(),
            None,
            "{miss:?}"
        );
    }

    // The code stays with the site through an update and comes with it in every listing.
    let changed = settings("Склад (новый)", VVO, "10:00", "22:00");
    let updated = store
        .update_site(s.id, &changed, false, false)
        .await
        .unwrap();
    assert_eq!(
        updated,
        Site {
            settings: changed,
            active: false,
            notify_owner: false,
            ..s.clone()
        }
    );
    assert_eq!(
        store.site_by_join_code("k7m2x_pq9a").await.unwrap(),
        Some(updated.clone())
    );
    assert_eq!(
        store.sites_managed_by(owner.id).await.unwrap(),
        vec![updated.clone(), other.clone()]
    );
    store.grant_access(other.id, rival.id).await.unwrap();
    assert_eq!(
        store.sites_of_employee(rival.id).await.unwrap(),
        vec![other.clone()]
    );

    // Codes are unique among all sites, whoever owns them; the refused site is not stored.
    assert_eq!(
        store
            .insert_site(
                rival.id,
                &settings("Копия", MSK, "09:00", "21:00"),
                "abcdefghjk"
            )
            .await,
        Err(StoreError::Duplicate("join code"))
    );
    assert!(store.sites_managed_by(rival.id).await.unwrap().is_empty());
    assert_eq!(
        store.site_by_join_code("abcdefghjk").await.unwrap(),
        Some(other)
    );
}

pub async fn join_requests_pending_and_duplicate(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let at = utc("2026-12-01 08:30");
    let r = store
        .insert_join_request(b.s1.id, b.e1.id, at)
        .await
        .unwrap();
    assert_eq!(
        r,
        JoinRequest {
            id: r.id,
            site_id: b.s1.id,
            user_id: b.e1.id,
            status: JoinStatus::Pending,
            created_at: at,
            decided_at: None,
        }
    );
    assert_eq!(store.join_request(r.id).await.unwrap(), Some(r.clone()));

    // One waiting request per person and site.
    assert_eq!(
        store
            .insert_join_request(b.s1.id, b.e1.id, at + Duration::minutes(1))
            .await,
        Err(StoreError::Duplicate("join request"))
    );
    assert_eq!(store.join_request(r.id).await.unwrap(), Some(r.clone()));
    // Other pairs are other requests.
    let r2 = store
        .insert_join_request(b.s1.id, b.e2.id, at)
        .await
        .unwrap();
    let r3 = store
        .insert_join_request(b.s2.id, b.e1.id, at)
        .await
        .unwrap();
    assert!(r.id != r2.id && r2.id != r3.id && r.id != r3.id);
    assert_eq!((r2.site_id, r2.user_id), (b.s1.id, b.e2.id));
    assert_eq!((r3.site_id, r3.user_id), (b.s2.id, b.e1.id));

    // Ten at once for a new pair: exactly one is stored, the others are duplicates.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        let (site, user) = (b.s3.id, b.e2.id);
        tasks.spawn(async move {
            store
                .insert_join_request(site, user, at + Duration::seconds(i))
                .await
        });
    }
    let results = tasks.join_all().await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::Duplicate("join request"))),
        "{results:?}"
    );

    let last = results.iter().flatten().map(|r| r.id).max().unwrap();
    let missing = JoinRequestId(last.0.max(r3.id.0) + 1000);
    assert_eq!(store.join_request(missing).await.unwrap(), None);
    assert!(matches!(
        store
            .insert_join_request(SiteId(b.s3.id.0 + 1000), b.e1.id, at)
            .await,
        Err(StoreError::NotFound("site"))
    ));
    assert!(matches!(
        store
            .insert_join_request(b.s1.id, UserId(b.e2.id.0 + 1000), at)
            .await,
        Err(StoreError::NotFound("user"))
    ));
    // Asking grants nothing.
    assert!(store.sites_of_employee(b.e1.id).await.unwrap().is_empty());
    assert!(store.sites_of_employee(b.e2.id).await.unwrap().is_empty());
}

pub async fn decide_join_request_approve_grants_access(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let asked = utc("2026-12-01 08:30");
    let decided = utc("2026-12-01 09:15");
    let later = utc("2026-12-01 12:00");
    let r = store
        .insert_join_request(b.s1.id, b.e1.id, asked)
        .await
        .unwrap();
    let approved = store
        .decide_join_request(r.id, true, decided)
        .await
        .unwrap();
    assert_eq!(
        approved,
        JoinRequest {
            status: JoinStatus::Approved,
            decided_at: Some(decided),
            ..r.clone()
        }
    );
    assert_eq!(
        store.join_request(r.id).await.unwrap(),
        Some(approved.clone())
    );
    assert!(store.has_access(b.s1.id, b.e1.id).await.unwrap());
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s1.clone()]
    );

    // Decided once: a second decision either way is refused and changes nothing.
    for approve in [false, true] {
        assert_eq!(
            store.decide_join_request(r.id, approve, later).await,
            Err(StoreError::NotFound("join request"))
        );
    }
    assert_eq!(store.join_request(r.id).await.unwrap(), Some(approved));
    assert!(store.has_access(b.s1.id, b.e1.id).await.unwrap());

    // A decided request no longer blocks a new one for the pair; approving a person who has
    // access already keeps one grant.
    let again = store
        .insert_join_request(b.s1.id, b.e1.id, later)
        .await
        .unwrap();
    assert_ne!(again.id, r.id);
    assert_eq!(again.status, JoinStatus::Pending);
    let approved_again = store
        .decide_join_request(again.id, true, later)
        .await
        .unwrap();
    assert_eq!(approved_again.status, JoinStatus::Approved);
    assert_eq!(
        store.sites_of_employee(b.e1.id).await.unwrap(),
        vec![b.s1.clone()]
    );

    // Declining grants nothing, and is final too.
    let d = store
        .insert_join_request(b.s2.id, b.e2.id, asked)
        .await
        .unwrap();
    let declined = store
        .decide_join_request(d.id, false, decided)
        .await
        .unwrap();
    assert_eq!(
        declined,
        JoinRequest {
            status: JoinStatus::Declined,
            decided_at: Some(decided),
            ..d.clone()
        }
    );
    assert!(!store.has_access(b.s2.id, b.e2.id).await.unwrap());
    assert_eq!(
        store.decide_join_request(d.id, true, later).await,
        Err(StoreError::NotFound("join request"))
    );
    assert!(!store.has_access(b.s2.id, b.e2.id).await.unwrap());
    assert!(store.sites_of_employee(b.e2.id).await.unwrap().is_empty());
    assert_eq!(store.join_request(d.id).await.unwrap(), Some(declined));

    assert_eq!(
        store
            .decide_join_request(JoinRequestId(d.id.0.max(again.id.0) + 1000), true, later)
            .await,
        Err(StoreError::NotFound("join request"))
    );
}

/// Racing decisions on one request (some approving, some declining): exactly one wins, and the
/// access grant agrees with the decision that won.
pub async fn concurrent_join_decisions_give_one(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let asked = utc("2026-12-01 08:30");
    let r = store
        .insert_join_request(b.s1.id, b.e1.id, asked)
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .decide_join_request(r.id, i % 2 == 0, asked + Duration::minutes(i))
                .await
        });
    }
    let results = tasks.join_all().await;
    let won: Vec<&JoinRequest> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| r == &Err(StoreError::NotFound("join request"))),
        "{results:?}"
    );
    let winner = won[0].clone();
    assert_ne!(winner.status, JoinStatus::Pending);
    assert_eq!(
        store.join_request(r.id).await.unwrap(),
        Some(winner.clone())
    );
    assert_eq!(
        store.has_access(b.s1.id, b.e1.id).await.unwrap(),
        winner.status == JoinStatus::Approved
    );
}

pub async fn shift_totals_of_one_employee(store: Arc<dyn Store>) {
    let b = base(&store).await;
    let r1 = SiteRange {
        site_id: b.s1.id,
        from: utc("2026-12-01 00:00"),
        to: utc("2026-12-02 00:00"),
    };
    let r2 = SiteRange {
        site_id: b.s2.id,
        from: utc("2026-12-01 00:00"),
        to: utc("2026-12-03 00:00"),
    };
    let f = |e: &User, s: &Site, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, utc(at), minutes, st)
    };
    use ShiftStatus::{AutoClosed, Closed};
    let batch = vec![
        f(&b.e1, &b.s1, "2026-12-01 10:00", 2, Closed),
        f(&b.e1, &b.s1, "2026-12-01 12:00", 4, AutoClosed),
        f(&b.e2, &b.s1, "2026-12-01 11:00", 8, Closed),
        f(&b.e1, &b.s2, "2026-12-02 09:00", 16, Closed),
        f(&b.e2, &b.s2, "2026-12-02 10:00", 32, Closed),
        f(&b.e1, &b.s1, "2026-12-02 10:00", 64, Closed), // outside s1's range
        f(&b.e1, &b.s3, "2026-12-01 10:00", 128, Closed), // no range for s3
    ];
    store.import_finished_shifts(&batch).await.unwrap();
    let totals = |employee: Option<UserId>| {
        let store = store.clone();
        async move {
            let mut t = store.shift_totals(&[r1, r2], employee).await.unwrap();
            t.sort_by_key(|t| (t.site_id, t.employee_id));
            t
        }
    };
    let row = |site: &Site, e: &User, shifts: i64, minutes: &[i64], pay_minor: i64| ShiftTotals {
        site_id: site.id,
        employee_id: e.id,
        currency: Currency::RUB,
        shifts,
        worked_minutes: minutes.iter().sum(),
        pay_minor,
    };
    let sorted = |mut v: Vec<ShiftTotals>| {
        v.sort_by_key(|t| (t.site_id, t.employee_id));
        v
    };
    assert_eq!(
        totals(Some(b.e1.id)).await,
        sorted(vec![
            // 2 min 1 167 + 4 min 2 333 at 350.00 per hour.
            row(&b.s1, &b.e1, 2, &[2, 4], 3_500),
            row(&b.s2, &b.e1, 1, &[16], 9_333) // 16 × 35 000 / 60 = 9 333.33
        ])
    );
    assert_eq!(
        totals(Some(b.e2.id)).await,
        sorted(vec![
            row(&b.s1, &b.e2, 1, &[8], 4_667),   // 4 666.67
            row(&b.s2, &b.e2, 1, &[32], 18_667)  // 18 666.67
        ])
    );
    assert_eq!(totals(None).await.len(), 4, "everyone without a filter");
    assert!(totals(Some(b.owner.id)).await.is_empty());
    assert!(totals(Some(UserId(b.e2.id.0 + 1000))).await.is_empty());
    assert!(
        store
            .shift_totals(&[], Some(b.e1.id))
            .await
            .unwrap()
            .is_empty()
    );
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

pub async fn open_shift_records_location_and_rate(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 09:00")).await;
    let fix = w.near();
    let shift = w.app.open_shift(&w.employee, w.site.id, fix).await.unwrap();
    let expected_distance = point(NEAR.0, NEAR.1).distance_m(&point(SITE_POINT.0, SITE_POINT.1));
    assert_eq!(shift.status, ShiftStatus::Active);
    assert_eq!(shift.employee_id, w.employee.id);
    assert_eq!(shift.site_id, w.site.id);
    assert_eq!(shift.started_at, local(MSK, "2026-12-01 09:00"));
    assert_eq!(shift.start_location.coordinates, fix.coordinates);
    assert_eq!(shift.start_location.accuracy_m, Some(15.0));
    assert!((shift.start_location.distance_m - expected_distance).abs() < 0.01);
    assert!(shift.start_location.distance_m > 15.0 && shift.start_location.distance_m < 30.0);
    assert_eq!(shift.hourly_rate, Money::new(RATE, Currency::RUB));
    assert_eq!(
        w.store.active_shift(w.employee.id).await.unwrap(),
        Some(shift.clone())
    );

    // A later rate change does not touch a shift already opened.
    w.app
        .update_site(
            &w.owner,
            w.site.id,
            SitePatch {
                hourly_rate_minor: Some(50_000),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        w.store.shift(shift.id).await.unwrap().unwrap().hourly_rate,
        Money::new(RATE, Currency::RUB)
    );
}

pub async fn open_shift_refusals(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let stranger = w
        .app
        .register_user(2999, "Посторонний", Language::Ru)
        .await
        .unwrap();
    let open = |who: User, site: SiteId, fix: LocationFix| {
        let app = w.app.clone();
        async move { app.open_shift(&who, site, fix).await }
    };

    assert_eq!(
        open(stranger.clone(), w.site.id, w.near()).await,
        Err(OpenShiftError::NoAccess)
    );
    assert_eq!(
        open(w.employee.clone(), SiteId(w.site.id.0 + 1000), w.near()).await,
        Err(OpenShiftError::SiteNotFound)
    );
    match open(w.employee.clone(), w.site.id, w.fix(FAR, Some(10.0))).await {
        Err(OpenShiftError::Location(LocationRejection::OutsideGeofence {
            distance_m,
            radius_m,
        })) => {
            assert_eq!(radius_m, 100);
            assert!(distance_m > 1000.0 && distance_m < 1200.0, "{distance_m}");
        }
        other => panic!("expected OutsideGeofence, got {other:?}"),
    }
    assert_eq!(
        open(w.employee.clone(), w.site.id, w.fix(NEAR, Some(150.0))).await,
        Err(OpenShiftError::Location(LocationRejection::PoorAccuracy {
            accuracy_m: 150.0,
            max_accuracy_m: 100.0
        }))
    );
    let stale = LocationFix {
        taken_at: w.clock.now() - Duration::seconds(121),
        ..w.near()
    };
    assert_eq!(
        open(w.employee.clone(), w.site.id, stale).await,
        Err(OpenShiftError::Location(LocationRejection::Stale {
            age_s: 121,
            max_age_s: 120
        }))
    );
    let forwarded = LocationFix {
        forwarded: true,
        ..w.near()
    };
    assert_eq!(
        open(w.employee.clone(), w.site.id, forwarded).await,
        Err(OpenShiftError::Location(LocationRejection::Forwarded))
    );
    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    assert_eq!(
        open(w.employee.clone(), w.site.id, w.near()).await,
        Err(OpenShiftError::SiteInactive)
    );
    // None of the refusals left a shift behind.
    assert_eq!(w.store.active_shift(w.employee.id).await.unwrap(), None);
    assert!(w.store.active_shifts().await.unwrap().is_empty());

    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), Some(true), None)
        .await
        .unwrap();
    let shift = open(w.employee.clone(), w.site.id, w.near()).await.unwrap();
    assert_eq!(
        open(w.employee.clone(), w.site.id, w.near()).await,
        Err(OpenShiftError::AlreadyActive {
            shift_id: shift.id,
            site_id: w.site.id
        })
    );
}

pub async fn concurrent_opens_give_one_shift(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let app = w.app.clone();
        let employee = w.employee.clone();
        let site = w.site.id;
        let fix = w.near();
        tasks.spawn(async move { app.open_shift(&employee, site, fix).await });
    }
    let results = tasks.join_all().await;
    let opened: Vec<&Shift> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(opened.len(), 1, "{results:?}");
    let winner = opened[0].id;
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(
            r,
            &Err(OpenShiftError::AlreadyActive {
                shift_id: winner,
                site_id: w.site.id
            })
        );
    }
    let all = w
        .store
        .list_shifts(&shift_filter(vec![w.site.id]))
        .await
        .unwrap();
    assert_eq!(shift_ids(&all), vec![winner]);
}

pub async fn close_shift_settles_pay(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    // 7 h 58 min 40 s: seconds are cut, not rounded.
    w.set(local(MSK, "2026-12-01 16:58") + Duration::seconds(40));
    assert!(matches!(
        w.app.close_shift(&w.employee, w.fix(FAR, Some(10.0))).await,
        Err(CloseShiftError::Location(
            LocationRejection::OutsideGeofence { distance_m, radius_m: 100 }
        )) if (1000.0..1200.0).contains(&distance_m)
    ));
    assert_eq!(
        w.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );
    let end_fix = w.fix((55.7501, 37.6201), None);
    let closed = w.app.close_shift(&w.employee, end_fix).await.unwrap();
    assert_eq!(closed.id, shift.id);
    assert_eq!(closed.status, ShiftStatus::Closed);
    assert_eq!(closed.worked_minutes, Some(478));
    assert_eq!(closed.pay_minor, Some(278_833));
    assert_eq!(closed.ended_at, Some(w.clock.now()));
    assert!(!closed.needs_review);
    let end = closed.end_location.unwrap();
    assert_eq!(end.coordinates, end_fix.coordinates);
    assert_eq!(end.accuracy_m, None);
    assert!(
        end.distance_m > 5.0 && end.distance_m < 20.0,
        "{}",
        end.distance_m
    );
    assert_eq!(w.store.shift(shift.id).await.unwrap(), Some(closed));
    assert_eq!(
        w.app.close_shift(&w.employee, w.near()).await,
        Err(CloseShiftError::NoActiveShift)
    );
}

pub async fn open_links_plan_within_two_hours(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-30 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (12, 0), (18, 0)))
        .await
        .unwrap();
    // 2 h 1 min before the start: too early to count as this plan.
    w.set(local(MSK, "2026-12-01 09:59"));
    let early = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(early.planned_shift_id, None);
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );
    w.set(local(MSK, "2026-12-01 10:00") + Duration::seconds(30));
    w.app.close_shift(&w.employee, w.near()).await.unwrap();
    // Within two hours of the start: the shift fulfils the plan.
    let linked = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(linked.planned_shift_id, Some(plan.id));
    let done = w.store.planned_shift(plan.id).await.unwrap().unwrap();
    assert_eq!(done.status, PlanStatus::Done);
    assert_eq!(done.shift_id, Some(linked.id));
    // A done plan is no longer the employee's upcoming plan.
    assert!(w.app.my_plans(&w.employee).await.unwrap().is_empty());
}

pub async fn auto_close_at_closing_plus_grace(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 09:00")).await;
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    // A second employee closes by hand at noon: the run must leave that shift alone.
    let maria = w.hire(2002, "Мария Сидорова", w.site.id).await;
    w.set(local(MSK, "2026-12-01 09:05"));
    w.app.open_shift(&maria, w.site.id, w.near()).await.unwrap();
    w.set(local(MSK, "2026-12-01 12:00"));
    let by_hand = w.app.close_shift(&maria, w.near()).await.unwrap();

    // The site closes at 21:00 Moscow time; the grace is 60 minutes.
    w.set(local(MSK, "2026-12-01 21:59") + Duration::seconds(59));
    assert!(w.app.auto_close_due().await.unwrap().is_empty());
    assert_eq!(
        w.store.shift(shift.id).await.unwrap().unwrap().status,
        ShiftStatus::Active
    );

    // Run late (23:30): pay still counts only to 22:00.
    w.set(local(MSK, "2026-12-01 23:30"));
    let closed = w.app.auto_close_due().await.unwrap();
    assert_eq!(shift_ids(&closed), vec![shift.id]);
    let c = &closed[0];
    assert_eq!(c.status, ShiftStatus::AutoClosed);
    assert_eq!(c.ended_at, Some(local(MSK, "2026-12-01 22:00")));
    assert_eq!(c.ended_at, Some(utc("2026-12-01 19:00")));
    assert_eq!(c.worked_minutes, Some(13 * 60));
    assert_eq!(c.pay_minor, Some(455_000));
    assert!(c.needs_review);
    assert_eq!(c.end_location, None);
    assert_eq!(w.store.shift(shift.id).await.unwrap().as_ref(), Some(c));

    assert!(w.app.auto_close_due().await.unwrap().is_empty());
    assert_eq!(w.store.shift(by_hand.id).await.unwrap(), Some(by_hand));
}

pub async fn auto_close_overnight_site_in_its_zone(store: Arc<dyn Store>) {
    let w = World::new(store, local(VVO, "2026-12-01 20:00")).await;
    let night = w
        .app
        .create_site(
            &w.owner,
            SitePatch {
                hourly_rate_minor: Some(60_000),
                ..site_patch("Ночной склад", VVO, "20:00", "06:00")
            },
        )
        .await
        .unwrap();
    let guard = w.hire(2003, "Сторож Семён", night.id).await;
    let shift = w.app.open_shift(&guard, night.id, w.near()).await.unwrap();

    // Closes at 06:00 Vladivostok time the next morning, plus an hour of grace.
    w.set(local(VVO, "2026-12-02 06:59"));
    assert!(w.app.auto_close_due().await.unwrap().is_empty());
    w.set(local(VVO, "2026-12-02 07:00"));
    let closed = w.app.auto_close_due().await.unwrap();
    assert_eq!(shift_ids(&closed), vec![shift.id]);
    assert_eq!(closed[0].ended_at, Some(utc("2026-12-01 21:00")));
    assert_eq!(closed[0].worked_minutes, Some(11 * 60));
    assert_eq!(closed[0].pay_minor, Some(660_000));
    assert!(closed[0].needs_review);
}

pub async fn plan_rules_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let first = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    assert_eq!(first.starts_at, local(MSK, "2026-12-01 10:00"));
    assert_eq!(first.ends_at, local(MSK, "2026-12-01 14:00"));
    assert_eq!(first.status, PlanStatus::Planned);
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-12-01", (13, 0), (15, 0)))
            .await,
        Err(PlanShiftError::Overlap)
    );
    // Touching plans are fine; the employee may plan for themselves.
    w.app
        .plan_shift(&w.employee, w.plan("2026-12-01", (14, 0), (18, 0)))
        .await
        .unwrap();
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-12-02", (8, 0), (12, 0)))
            .await,
        Err(PlanShiftError::Rule(PlanRuleError::OutsideOpeningHours {
            opens: "09:00".into(),
            closes: "21:00".into()
        }))
    );
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-12-02", (9, 0), (9, 30)))
            .await,
        Err(PlanShiftError::Rule(PlanRuleError::TooShort {
            minutes: 30
        }))
    );
    assert_eq!(
        w.app
            .plan_shift(&w.owner, w.plan("2026-11-25", (10, 0), (14, 0)))
            .await,
        Err(PlanShiftError::Rule(PlanRuleError::InThePast))
    );
    // A cancelled plan frees its slot.
    w.app.cancel_plan(&w.owner, first.id).await.unwrap();
    let again = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (11, 0), (13, 0)))
        .await
        .unwrap();
    let listed = w
        .app
        .plans_for(
            &w.owner,
            &PlanQuery {
                status: Some(PlanStatus::Planned),
                ..PlanQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(listed.items[0].id, again.id);
}

pub async fn concurrent_overlapping_plans_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let a = {
        let app = w.app.clone();
        let owner = w.owner.clone();
        let req = w.plan("2026-12-01", (10, 0), (14, 0));
        tokio::spawn(async move { app.plan_shift(&owner, req).await })
    };
    let b = {
        let app = w.app.clone();
        let employee = w.employee.clone();
        let req = w.plan("2026-12-01", (12, 0), (16, 0));
        tokio::spawn(async move { app.plan_shift(&employee, req).await })
    };
    let results = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().any(|r| r == &Err(PlanShiftError::Overlap)),
        "{results:?}"
    );
}

pub async fn employee_cancel_cutoff(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    let later = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-02", (10, 0), (14, 0)))
        .await
        .unwrap();
    let stranger = w
        .app
        .register_user(2999, "Посторонний", Language::Ru)
        .await
        .unwrap();
    assert_eq!(
        w.app.cancel_plan(&stranger, plan.id).await,
        Err(PlanShiftError::PlanNotFound)
    );

    // 59 minutes before the start: too late for the employee, not for the owner.
    w.set(local(MSK, "2026-12-01 09:01"));
    assert_eq!(
        w.app.cancel_plan(&w.employee, plan.id).await,
        Err(PlanShiftError::Rule(PlanRuleError::CancelTooLate {
            minutes_left: 59,
            cutoff_minutes: 60
        }))
    );
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );
    let cancelled = w.app.cancel_plan(&w.owner, plan.id).await.unwrap();
    assert_eq!(cancelled.status, PlanStatus::Cancelled);
    assert_eq!(
        w.app.cancel_plan(&w.owner, plan.id).await,
        Err(PlanShiftError::Rule(PlanRuleError::NotCancellable {
            status: "cancelled"
        }))
    );

    // Exactly an hour before: the employee may still cancel.
    w.set(local(MSK, "2026-12-02 09:00"));
    let mine = w.app.cancel_plan(&w.employee, later.id).await.unwrap();
    assert_eq!(mine.status, PlanStatus::Cancelled);
}

pub async fn mark_missed_plans_through_staffpro(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    assert_eq!(
        plan_ids(&w.app.my_plans(&w.employee).await.unwrap()),
        vec![plan.id]
    );
    w.set(local(MSK, "2026-12-01 14:00"));
    assert_eq!(
        w.app.mark_missed_plans().await.unwrap(),
        vec![],
        "ends_at is not before now"
    );
    w.set(local(MSK, "2026-12-01 14:01"));
    assert_eq!(
        plan_ids(&w.app.mark_missed_plans().await.unwrap()),
        vec![plan.id]
    );
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Missed
    );
    assert!(w.app.my_plans(&w.employee).await.unwrap().is_empty());
    assert_eq!(w.app.mark_missed_plans().await.unwrap(), vec![]);
}

pub async fn summary_counts_days_in_site_time_zone(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2027-01-05 12:00")).await;
    let far_east = w
        .app
        .create_site(&w.owner, site_patch("Порт", VVO, "00:00", "00:00"))
        .await
        .unwrap();
    let maria = w.hire(2002, "Анна Морская", w.site.id).await;
    let f = |e: &User, s: &Site, zone: &str, at: &str, minutes: i64, st: ShiftStatus| {
        finished(e.id, s.id, local(zone, at), minutes, st)
    };
    use ShiftStatus::{AutoClosed, Closed};
    let (ivan, msk_site) = (&w.employee, &w.site);
    // Counted shifts have minutes 64, 128, 256, 512, 1024; uncounted ones 1, 2, 4, 8, so every
    // total says exactly which shifts were counted.
    let batch = vec![
        f(ivan, msk_site, MSK, "2026-12-31 23:30", 64, Closed),
        f(ivan, msk_site, MSK, "2027-01-01 00:30", 1, Closed), // still Dec 31 in UTC
        f(ivan, msk_site, MSK, "2026-12-01 00:30", 128, Closed), // Nov 30 in UTC
        f(ivan, msk_site, MSK, "2026-11-30 23:30", 2, Closed),
        f(&maria, msk_site, MSK, "2026-12-15 10:00", 256, AutoClosed),
        f(ivan, &far_east, VVO, "2026-12-31 23:30", 512, Closed),
        f(ivan, &far_east, VVO, "2027-01-01 00:30", 4, Closed),
        f(ivan, &far_east, VVO, "2026-12-01 00:30", 1024, Closed), // Nov 30 in UTC
        f(ivan, &far_east, VVO, "2026-11-30 23:59", 8, Closed),
    ];
    w.store.import_finished_shifts(&batch).await.unwrap();
    // Running shifts are not in the report.
    w.store
        .insert_shift(&new_shift(
            maria.id,
            msk_site.id,
            local(MSK, "2026-12-20 10:00"),
        ))
        .await
        .unwrap();

    // Pay per shift at 350.00 per hour (minutes × 35 000 / 60, rounded half up): 64 min 37 333,
    // 128 min 74 667, 256 min 149 333, 512 min 298 667, 1 024 min 597 333.
    let rub = |minor: i64| Money::new(minor, Currency::RUB);
    let s = w
        .app
        .summary(&w.owner, date("2026-12-01"), date("2026-12-31"), None)
        .await
        .unwrap();
    let sites: Vec<(SiteId, i64, i64, Vec<Money>)> = s
        .sites
        .iter()
        .map(|x| (x.site_id, x.shifts, x.worked_minutes, x.pay.clone()))
        .collect();
    assert_eq!(
        sites,
        vec![
            // 37 333 + 74 667 + 149 333
            (msk_site.id, 3, 64 + 128 + 256, vec![rub(261_333)]),
            // 298 667 + 597 333
            (far_east.id, 2, 512 + 1024, vec![rub(896_000)]),
        ]
    );
    assert_eq!(s.sites[0].name, "Склад №1");
    let employees: Vec<(UserId, &str, i64, i64, Vec<Money>)> = s
        .employees
        .iter()
        .map(|e| {
            (
                e.employee_id,
                e.name.as_str(),
                e.shifts,
                e.worked_minutes,
                e.pay.clone(),
            )
        })
        .collect();
    assert_eq!(
        employees,
        vec![
            (maria.id, "Анна Морская", 1, 256, vec![rub(149_333)]),
            (
                ivan.id,
                "Иван Петров",
                4,
                64 + 128 + 512 + 1024,
                // 37 333 + 74 667 + 298 667 + 597 333
                vec![rub(1_008_000)]
            ),
        ]
    );
    assert_eq!(s.shifts, 5);
    assert_eq!(s.worked_minutes, 64 + 128 + 256 + 512 + 1024);
    assert_eq!(s.pay, vec![rub(1_157_333)], "261 333 + 896 000");

    // One site only.
    let one = w
        .app
        .summary(
            &w.owner,
            date("2026-12-31"),
            date("2026-12-31"),
            Some(far_east.id),
        )
        .await
        .unwrap();
    assert_eq!(one.sites.len(), 1);
    assert_eq!(one.shifts, 1);
    assert_eq!(one.worked_minutes, 512);

    // Listings read dates in each site's zone too.
    let dec31 = w
        .app
        .shifts_for(
            &w.owner,
            &ShiftQuery {
                from: Some(date("2026-12-31")),
                to: Some(date("2026-12-31")),
                ..ShiftQuery::default()
            },
        )
        .await
        .unwrap();
    let minutes: Vec<Option<i64>> = dec31.items.iter().map(|s| s.worked_minutes).collect();
    assert_eq!(minutes, vec![Some(64), Some(512)]);
}

pub async fn other_owners_things_are_not_found(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let plan = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (14, 0)))
        .await
        .unwrap();
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    let rival = w
        .app
        .add_owner(1002, "Пётр Конкурент", Language::Ru)
        .await
        .unwrap();
    let own = w
        .app
        .create_site(&rival, site_patch("Свой склад", MSK, "09:00", "21:00"))
        .await
        .unwrap();

    let not_found = |r: Result<(), AppError>| {
        assert_eq!(r, Err(AppError::NotFound("site")));
    };
    not_found(w.app.managed_site(&rival, w.site.id).await.map(drop));
    not_found(
        w.app
            .update_site(
                &rival,
                w.site.id,
                SitePatch {
                    name: Some("Захвачено".into()),
                    ..SitePatch::default()
                },
                None,
                None,
            )
            .await
            .map(drop),
    );
    not_found(w.app.employees_for(&rival, Some(w.site.id)).await.map(drop));
    not_found(
        w.app
            .add_employee(&rival, w.site.id, 2001, None)
            .await
            .map(drop),
    );
    not_found(
        w.app
            .shifts_for(
                &rival,
                &ShiftQuery {
                    site_id: Some(w.site.id),
                    ..ShiftQuery::default()
                },
            )
            .await
            .map(drop),
    );
    not_found(
        w.app
            .plans_for(
                &rival,
                &PlanQuery {
                    site_id: Some(w.site.id),
                    ..PlanQuery::default()
                },
            )
            .await
            .map(drop),
    );
    not_found(
        w.app
            .summary(
                &rival,
                date("2026-12-01"),
                date("2026-12-31"),
                Some(w.site.id),
            )
            .await
            .map(drop),
    );
    assert_eq!(
        w.app.cancel_plan(&rival, plan.id).await,
        Err(PlanShiftError::PlanNotFound)
    );
    assert_eq!(
        w.app
            .plan_shift(&rival, w.plan("2026-12-02", (10, 0), (14, 0)))
            .await,
        Err(PlanShiftError::SiteNotFound)
    );
    // The rival's own views do not include the other owner's things.
    let theirs = w.app.sites_for(&rival).await.unwrap();
    assert_eq!(
        theirs.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![own.id]
    );
    assert!(
        w.app
            .shifts_for(&rival, &ShiftQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.app
            .plans_for(&rival, &PlanQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(w.app.employees_for(&rival, None).await.unwrap().is_empty());
    // Nothing of the owner's changed.
    assert_eq!(w.store.site(w.site.id).await.unwrap().unwrap(), w.site);
    assert_eq!(
        w.store
            .planned_shift(plan.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PlanStatus::Planned
    );
    assert_eq!(w.store.shift(shift.id).await.unwrap(), Some(shift));
    // And the owner still sees everything.
    let owner_shifts = w
        .app
        .shifts_for(&w.owner, &ShiftQuery::default())
        .await
        .unwrap();
    assert_eq!(owner_shifts.items.len(), 1);
}

pub async fn api_tokens_issue_authenticate_revoke(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-25 12:00")).await;
    let (holder, token) = w.app.issue_api_token(1001, "ci").await.unwrap();
    assert_eq!(holder.id, w.owner.id);
    assert!(app::tokens::looks_valid(&token));
    let authed = w.app.authenticate(&token).await.unwrap().unwrap();
    assert_eq!(authed.id, w.owner.id);
    assert!(authed.is_owner);
    assert_eq!(w.app.authenticate("garbage").await.unwrap(), None);
    let unknown = app::tokens::generate().unwrap();
    assert_eq!(w.app.authenticate(&unknown).await.unwrap(), None);

    let (_, second) = w.app.issue_api_token(1001, "laptop").await.unwrap();
    assert_ne!(second, token);
    let (_, employees) = w.app.issue_api_token(2001, "phone").await.unwrap();
    assert_eq!(w.app.revoke_api_tokens(1001).await.unwrap(), 2);
    assert_eq!(w.app.authenticate(&token).await.unwrap(), None);
    assert_eq!(w.app.authenticate(&second).await.unwrap(), None);
    assert_eq!(
        w.app.authenticate(&employees).await.unwrap().map(|u| u.id),
        Some(w.employee.id)
    );
    assert_eq!(
        w.app.issue_api_token(9_999_999, "nobody").await,
        Err(AppError::NotFound("user"))
    );
}

// ---- joining, status and earnings through the use-cases ----------------------------------------

/// A valid join code neither of `taken` uses.
fn unused_code(taken: &[&str]) -> String {
    (0..)
        .map(code)
        .find(|c| !taken.contains(&c.as_str()))
        .unwrap()
}

pub async fn request_join_refusals(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    // `create_site` draws a proper code, a different one per site.
    assert_eq!(
        JoinCode::parse(&w.site.join_code).map(|c| c.as_str().to_owned()),
        Some(w.site.join_code.clone())
    );
    let cafe = w
        .app
        .create_site(&w.owner, site_patch("Кафе", MSK, "08:00", "23:00"))
        .await
        .unwrap();
    assert_ne!(cafe.join_code, w.site.join_code);
    assert_eq!(
        w.store.site_by_join_code(&cafe.join_code).await.unwrap(),
        Some(cafe.clone())
    );
    let newcomer = w
        .app
        .ensure_user(3001, "Новенький", Some("ru"))
        .await
        .unwrap();

    let unused = unused_code(&[&w.site.join_code, &cafe.join_code]);
    for bad in ["", "short", "ABCDEFGHJK", "abcdefghj0", unused.as_str()] {
        assert_eq!(
            w.app.request_join(&newcomer, bad).await,
            Err(JoinError::UnknownCode),
            "{bad:?}"
        );
    }

    // The code as a deep link carries it (spaces around it do not matter).
    let asked = w
        .app
        .request_join(&newcomer, &format!(" {} ", w.site.join_code))
        .await
        .unwrap();
    assert_eq!(asked.site, w.site);
    assert_eq!(asked.owner, w.owner);
    assert_eq!(
        asked.request,
        JoinRequest {
            id: asked.request.id,
            site_id: w.site.id,
            user_id: newcomer.id,
            status: JoinStatus::Pending,
            created_at: local(MSK, "2026-12-01 10:00"),
            decided_at: None,
        }
    );
    assert_eq!(
        w.store.join_request(asked.request.id).await.unwrap(),
        Some(asked.request.clone())
    );
    assert_eq!(
        w.app.request_join(&newcomer, &w.site.join_code).await,
        Err(JoinError::AlreadyRequested {
            site: Box::new(w.site.clone())
        })
    );
    assert_eq!(
        w.app.request_join(&w.employee, &w.site.join_code).await,
        Err(JoinError::AlreadyMember {
            site: Box::new(w.site.clone())
        })
    );
    // Another site of the same owner is another request.
    let to_cafe = w
        .app
        .request_join(&newcomer, &cafe.join_code)
        .await
        .unwrap();
    assert_eq!(to_cafe.request.site_id, cafe.id);
    assert_ne!(to_cafe.request.id, asked.request.id);

    // An inactive site takes no requests.
    w.app
        .update_site(&w.owner, w.site.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    let late = w.app.ensure_user(3002, "Опоздавший", None).await.unwrap();
    assert_eq!(
        w.app.request_join(&late, &w.site.join_code).await,
        Err(JoinError::SiteInactive)
    );
    // Asking granted nothing.
    assert!(!w.store.has_access(w.site.id, newcomer.id).await.unwrap());
    assert!(!w.store.has_access(cafe.id, newcomer.id).await.unwrap());
}

pub async fn decide_join_by_owner_or_manager_only(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let rival = w
        .app
        .add_owner(1002, "Пётр Конкурент", Language::Ru)
        .await
        .unwrap();
    w.app
        .create_site(&rival, site_patch("Свой склад", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    let newcomer = w.app.ensure_user(3001, "Новенький", None).await.unwrap();
    let asked = w
        .app
        .request_join(&newcomer, &w.site.join_code)
        .await
        .unwrap();
    let id = asked.request.id;

    // Another owner, or the person who asked, cannot even see the request.
    for outsider in [&rival, &newcomer, &w.employee] {
        assert_eq!(
            w.app.decide_join(outsider, id, true).await,
            Err(JoinError::NotFound),
            "{}",
            outsider.name.as_str()
        );
    }
    assert_eq!(
        w.store.join_request(id).await.unwrap(),
        Some(asked.request.clone())
    );
    assert!(!w.store.has_access(w.site.id, newcomer.id).await.unwrap());

    w.set(local(MSK, "2026-12-01 10:05"));
    let decided = w.app.decide_join(&w.owner, id, true).await.unwrap();
    assert_eq!(
        decided.request,
        JoinRequest {
            status: JoinStatus::Approved,
            decided_at: Some(local(MSK, "2026-12-01 10:05")),
            ..asked.request.clone()
        }
    );
    assert_eq!(decided.site, w.site);
    assert_eq!(decided.employee, newcomer);
    assert!(w.store.has_access(w.site.id, newcomer.id).await.unwrap());
    assert_eq!(
        w.app.workplaces(&newcomer).await.unwrap(),
        vec![w.site.clone()]
    );
    assert_eq!(
        w.app.decide_join(&w.owner, id, false).await,
        Err(JoinError::AlreadyDecided)
    );
    assert!(w.store.has_access(w.site.id, newcomer.id).await.unwrap());
    assert_eq!(
        w.app.request_join(&newcomer, &w.site.join_code).await,
        Err(JoinError::AlreadyMember {
            site: Box::new(w.site.clone())
        })
    );

    // A manager of the site decides too; declining grants nothing.
    let manager = w
        .app
        .register_user(4001, "Менеджер", Language::Ru)
        .await
        .unwrap();
    w.app
        .grant_manager(&w.owner, w.site.id, 4001)
        .await
        .unwrap();
    let other = w.app.ensure_user(3002, "Другой", None).await.unwrap();
    let asked2 = w.app.request_join(&other, &w.site.join_code).await.unwrap();
    let declined = w
        .app
        .decide_join(&manager, asked2.request.id, false)
        .await
        .unwrap();
    assert_eq!(declined.request.status, JoinStatus::Declined);
    assert_eq!(
        declined.request.decided_at,
        Some(local(MSK, "2026-12-01 10:05"))
    );
    assert_eq!(declined.employee, other);
    assert!(!w.store.has_access(w.site.id, other.id).await.unwrap());
    assert!(w.app.workplaces(&other).await.unwrap().is_empty());

    assert_eq!(
        w.app
            .decide_join(&w.owner, JoinRequestId(asked2.request.id.0 + 1000), true)
            .await,
        Err(JoinError::NotFound)
    );
}

pub async fn ensure_user_keeps_the_chosen_language(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    let anna = w
        .app
        .ensure_user(5001, "Anna", Some("en-US"))
        .await
        .unwrap();
    assert_eq!(anna.language, Language::En, "Telegram's language at first");
    assert_eq!(anna.name.as_str(), "Anna");
    assert!(anna.reachable);
    assert!(!anna.is_owner);
    assert_eq!(
        w.store.user_by_telegram_id(5001).await.unwrap(),
        Some(anna.clone())
    );

    let russian = w.app.set_language(&anna, Language::Ru).await.unwrap();
    assert_eq!(
        russian,
        User {
            language: Language::Ru,
            ..anna.clone()
        }
    );
    assert_eq!(w.store.user(anna.id).await.unwrap(), Some(russian.clone()));
    // Coming back from an English Telegram keeps the choice (and the stored name).
    assert_eq!(
        w.app
            .ensure_user(5001, "Anna K.", Some("en"))
            .await
            .unwrap(),
        russian
    );
    assert_eq!(
        w.app.ensure_user(1001, "Кто-то", Some("en")).await.unwrap(),
        w.owner,
        "a known owner stays as they are"
    );

    // No usable name or language from Telegram: a name from the id, Russian.
    let nameless = w.app.ensure_user(5002, "   ", None).await.unwrap();
    assert_eq!(nameless.name.as_str(), "id5002");
    assert_eq!(nameless.language, Language::Ru);

    // Blocked, then writing again.
    w.app.set_reachable(&russian, false).await.unwrap();
    let blocked = w.app.ensure_user(5001, "Anna", Some("en")).await.unwrap();
    assert!(!blocked.reachable);
    assert_eq!(blocked.language, Language::Ru);
    w.app.set_reachable(&blocked, true).await.unwrap();
    assert!(w.store.user(anna.id).await.unwrap().unwrap().reachable);
}

pub async fn earnings_count_days_in_each_site_zone(store: Arc<dyn Store>) {
    // Monday 4 January 2027, 18:30 in Moscow, already Tuesday 01:30 in Vladivostok.
    let w = World::new(store, utc("2027-01-04 15:30")).await;
    let port = w
        .app
        .create_site(&w.owner, site_patch("Порт", VVO, "00:00", "00:00"))
        .await
        .unwrap();
    w.app
        .add_employee(&w.owner, port.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    let maria = w.hire(2002, "Мария", w.site.id).await;
    let (ivan, msk) = (&w.employee, &w.site);
    let f = |e: &User, s: &Site, zone: &str, at: &str, minutes: i64| {
        finished(e.id, s.id, local(zone, at), minutes, ShiftStatus::Closed)
    };
    let batch = vec![
        f(ivan, msk, MSK, "2027-01-04 09:00", 64), // today in Moscow
        f(ivan, msk, MSK, "2027-01-01 00:30", 128), // this month (Dec 31 in UTC)
        f(ivan, msk, MSK, "2026-12-31 23:30", 1),  // last month
        f(ivan, &port, VVO, "2027-01-05 00:05", 16), // today in Vladivostok
        f(ivan, &port, VVO, "2027-01-04 20:00", 512), // yesterday there, today in Moscow
        f(ivan, &port, VVO, "2027-01-01 00:30", 1024), // this month there, Dec 31 in Moscow
        f(ivan, &port, VVO, "2026-12-31 23:30", 4), // last month
        f(&maria, msk, MSK, "2027-01-04 10:00", 8), // someone else's
    ];
    w.store.import_finished_shifts(&batch).await.unwrap();
    // A running shift has not earned anything yet.
    w.store
        .insert_shift(&new_shift(ivan.id, msk.id, local(MSK, "2027-01-04 18:00")))
        .await
        .unwrap();

    // Pay per shift at 350.00 per hour (minutes × 35 000 / 60, rounded half up): 1 min 583,
    // 4 min 2 333, 8 min 4 667, 16 min 9 333, 64 min 37 333, 128 min 74 667, 512 min 298 667,
    // 1 024 min 597 333. `expected` is (site, minutes of its shifts, its pay); `total` the sum.
    let rub = |minor: i64| Money::new(minor, Currency::RUB);
    let check = |e: Earnings, expected: &[(&Site, &[i64], i64)], total: i64| {
        let got: Vec<(SiteId, i64, i64, Vec<Money>)> = e
            .per_site
            .iter()
            .map(|s| (s.site.id, s.shifts, s.worked_minutes, s.pay.clone()))
            .collect();
        let want: Vec<(SiteId, i64, i64, Vec<Money>)> = expected
            .iter()
            .map(|(site, m, pay)| {
                let shifts = m.len() as i64;
                (site.id, shifts, m.iter().sum::<i64>(), vec![rub(*pay)])
            })
            .collect();
        assert_eq!(got, want);
        let all: Vec<i64> = expected
            .iter()
            .flat_map(|(_, m, _)| m.iter().copied())
            .collect();
        assert_eq!(e.shifts, all.len() as i64);
        assert_eq!(e.worked_minutes, all.iter().sum::<i64>());
        assert_eq!(e.totals, vec![rub(total)]);
        for s in &e.per_site {
            assert_eq!(
                Some(&s.site),
                [msk, &port].into_iter().find(|x| x.id == s.site.id),
                "the full site comes back"
            );
        }
    };
    check(
        w.app.earnings(ivan, Period::Today).await.unwrap(),
        &[(msk, &[64], 37_333), (&port, &[16], 9_333)],
        46_666,
    );
    check(
        w.app.earnings(ivan, Period::ThisWeek).await.unwrap(),
        // 9 333 + 298 667
        &[(msk, &[64], 37_333), (&port, &[16, 512], 308_000)],
        345_333,
    );
    check(
        w.app.earnings(ivan, Period::ThisMonth).await.unwrap(),
        // 37 333 + 74 667; 9 333 + 298 667 + 597 333
        &[
            (msk, &[64, 128], 112_000),
            (&port, &[16, 512, 1024], 905_333),
        ],
        1_017_333,
    );
    check(
        w.app
            .earnings(
                ivan,
                Period::Custom {
                    from: date("2026-12-31"),
                    to: date("2026-12-31"),
                },
            )
            .await
            .unwrap(),
        &[(msk, &[1], 583), (&port, &[4], 2_333)],
        2_916,
    );
    check(
        w.app.earnings(&maria, Period::Today).await.unwrap(),
        &[(msk, &[8], 4_667)],
        4_667,
    );
    // Nothing worked, nothing listed.
    let newcomer = w.hire(2003, "Новенький", port.id).await;
    let none = w.app.earnings(&newcomer, Period::ThisMonth).await.unwrap();
    assert!(none.per_site.is_empty());
    assert_eq!((none.shifts, none.worked_minutes), (0, 0));
    assert!(none.totals.is_empty());

    // Access taken away: what was earned there this month still counts.
    w.app
        .revoke_employee(&w.owner, port.id, ivan.id)
        .await
        .unwrap();
    check(
        w.app.earnings(ivan, Period::ThisMonth).await.unwrap(),
        // 37 333 + 74 667; 9 333 + 298 667 + 597 333
        &[
            (msk, &[64, 128], 112_000),
            (&port, &[16, 512, 1024], 905_333),
        ],
        1_017_333,
    );
    // The store lists the sites worked at since a moment, with or without access.
    let since = |at: &str| utc(at);
    let ids = |sites: Vec<Site>| sites.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let mut both = vec![msk.id, port.id];
    both.sort();
    assert_eq!(
        ids(w
            .store
            .sites_worked_at(ivan.id, since("2026-12-01 00:00"))
            .await
            .unwrap()),
        both
    );
    assert_eq!(
        ids(w
            .store
            .sites_worked_at(ivan.id, since("2027-01-04 14:30"))
            .await
            .unwrap()),
        vec![msk.id],
        "only the running shift at the Moscow site started after that"
    );
    assert!(
        w.store
            .sites_worked_at(newcomer.id, since("2026-01-01 00:00"))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn live_status_shows_who_is_on_shift_and_who_is_late(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-30 12:00")).await;
    let cafe = w
        .app
        .create_site(&w.owner, site_patch("Кафе", MSK, "08:00", "23:00"))
        .await
        .unwrap();
    let maria = w.hire(2002, "Мария", w.site.id).await;
    let petr = w.hire(2003, "Пётр", w.site.id).await;
    let sergey = w.hire(2004, "Сергей", cafe.id).await;
    let olga = w.hire(2005, "Ольга", w.site.id).await;
    w.app
        .add_employee(&w.owner, cafe.id, olga.telegram_id, None)
        .await
        .unwrap();
    let rival = w
        .app
        .add_owner(1002, "Пётр Конкурент", Language::Ru)
        .await
        .unwrap();
    let rivals_site = w
        .app
        .create_site(&rival, site_patch("Чужой", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    let viktor = w
        .app
        .register_user(2006, "Виктор", Language::Ru)
        .await
        .unwrap();
    w.app
        .add_employee(&rival, rivals_site.id, viktor.telegram_id, None)
        .await
        .unwrap();

    let plan = |who: &User, site: &Site, from: (u32, u32), to: (u32, u32)| PlanRequest {
        employee_id: who.id,
        site_id: site.id,
        date: date("2026-12-01"),
        start: hm(from.0, from.1),
        end: hm(to.0, to.1),
    };
    let planned = |actor: &User, req: PlanRequest| {
        let app = w.app.clone();
        let actor = actor.clone();
        async move { app.plan_shift(&actor, req).await.unwrap() }
    };
    // Ivan's plan is fulfilled by the shift he opens; Maria's started 30 min ago; Petr's exactly
    // 10 min ago (not late yet); Sergey's is over; Olga's first plan was cancelled and her other
    // one, at the cafe, started 90 min ago; Viktor is late at the rival's site.
    let ivan_plan = planned(&w.owner, plan(&w.employee, &w.site, (9, 0), (18, 0))).await;
    let maria_plan = planned(&w.owner, plan(&maria, &w.site, (9, 30), (13, 0))).await;
    planned(&w.owner, plan(&petr, &w.site, (9, 50), (13, 0))).await;
    planned(&w.owner, plan(&sergey, &cafe, (8, 0), (9, 45))).await;
    let cancelled = planned(&w.owner, plan(&olga, &w.site, (9, 0), (12, 0))).await;
    w.app.cancel_plan(&w.owner, cancelled.id).await.unwrap();
    let olga_plan = planned(&w.owner, plan(&olga, &cafe, (8, 30), (12, 0))).await;
    let viktor_plan = planned(&rival, plan(&viktor, &rivals_site, (9, 0), (12, 0))).await;

    w.set(local(MSK, "2026-12-01 10:00"));
    let ivan_shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(ivan_shift.planned_shift_id, Some(ivan_plan.id));
    let sergey_shift = w.app.open_shift(&sergey, cafe.id, w.near()).await.unwrap();

    let live = w.app.live_status(&w.owner).await.unwrap();
    assert_eq!(
        live,
        vec![
            SiteLive {
                site: w.site.clone(),
                on_shift: vec![(w.employee.clone(), ivan_shift.clone())],
                late: vec![(maria.clone(), maria_plan.clone())],
            },
            SiteLive {
                site: cafe.clone(),
                on_shift: vec![(sergey.clone(), sergey_shift.clone())],
                late: vec![(olga.clone(), olga_plan.clone())],
            },
        ]
    );
    assert_eq!(
        w.app.live_status(&rival).await.unwrap(),
        vec![SiteLive {
            site: rivals_site.clone(),
            on_shift: vec![],
            late: vec![(viktor.clone(), viktor_plan)],
        }]
    );
    // A manager sees the sites they manage; an employee sees none.
    w.app
        .grant_manager(&w.owner, cafe.id, petr.telegram_id)
        .await
        .unwrap();
    let managed = w.app.live_status(&petr).await.unwrap();
    assert_eq!(
        managed.iter().map(|l| l.site.id).collect::<Vec<_>>(),
        vec![cafe.id]
    );
    assert!(w.app.live_status(&maria).await.unwrap().is_empty());

    // A minute later Petr is late too; once Maria's plan is over she is not listed any more.
    w.set(local(MSK, "2026-12-01 10:01"));
    let late: Vec<UserId> = w.app.live_status(&w.owner).await.unwrap()[0]
        .late
        .iter()
        .map(|(u, _)| u.id)
        .collect();
    assert_eq!(late, vec![maria.id, petr.id]);
    w.set(local(MSK, "2026-12-01 13:00"));
    let live = w.app.live_status(&w.owner).await.unwrap();
    assert!(live[0].late.is_empty(), "{:?}", live[0].late);
    assert_eq!(live[0].on_shift.len(), 1);
}

pub async fn employee_status_shows_running_pay_and_next_plan(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-11-30 12:00")).await;
    let cancelled = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (10, 0), (11, 0)))
        .await
        .unwrap();
    w.app.cancel_plan(&w.owner, cancelled.id).await.unwrap();
    let first = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-01", (12, 0), (18, 0)))
        .await
        .unwrap();
    let second = w
        .app
        .plan_shift(&w.owner, w.plan("2026-12-02", (10, 0), (14, 0)))
        .await
        .unwrap();

    w.set(local(MSK, "2026-12-01 09:00"));
    assert_eq!(
        w.app.employee_status(&w.employee).await.unwrap(),
        EmployeeStatus {
            active: None,
            next_plan: Some((first.clone(), w.site.clone())),
        }
    );
    // Three hours before the first plan: too early to fulfil it.
    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    assert_eq!(shift.planned_shift_id, None);

    // 2 h 30 min 40 s later: pay for whole minutes so far.
    w.set(local(MSK, "2026-12-01 11:30") + Duration::seconds(40));
    assert_eq!(
        w.app.employee_status(&w.employee).await.unwrap(),
        EmployeeStatus {
            active: Some(RunningShift {
                shift: shift.clone(),
                site: w.site.clone(),
                worked_minutes: 150,
                earned_minor: 87_500, // 150 × 35 000 / 60
            }),
            next_plan: Some((first.clone(), w.site.clone())),
        }
    );
    // Once the first plan has started, the next one is the one after it.
    w.set(local(MSK, "2026-12-01 12:30"));
    let status = w.app.employee_status(&w.employee).await.unwrap();
    assert_eq!(status.next_plan, Some((second, w.site.clone())));
    let running = status.active.unwrap();
    assert_eq!(
        (running.worked_minutes, running.earned_minor),
        (210, 122_500) // 210 × 35 000 / 60
    );

    // Someone with neither a shift nor a plan.
    let maria = w.hire(2002, "Мария", w.site.id).await;
    assert_eq!(
        w.app.employee_status(&maria).await.unwrap(),
        EmployeeStatus {
            active: None,
            next_plan: None,
        }
    );
}

pub async fn a_bare_location_opens_at_the_nearest_site_or_closes(store: Arc<dyn Store>) {
    let w = World::new(store, local(MSK, "2026-12-01 10:00")).await;
    // A second site 5 km north; the employee works at both.
    let far = w
        .app
        .create_site(&w.owner, site_patch("Склад №2", MSK, "09:00", "21:00"))
        .await
        .unwrap();
    let far = w
        .app
        .update_site(
            &w.owner,
            far.id,
            SitePatch {
                latitude: Some(55.80),
                ..SitePatch::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    w.app
        .add_employee(&w.owner, far.id, w.employee.telegram_id, None)
        .await
        .unwrap();
    let intent = |fix: LocationFix| {
        let app = w.app.clone();
        let employee = w.employee.clone();
        async move { app.intent_of_location(&employee, &fix).await.unwrap() }
    };
    assert_eq!(
        intent(w.near()).await,
        LocationIntent::Open { site_id: w.site.id }
    );
    assert_eq!(
        intent(w.fix((55.7999, 37.62), Some(10.0))).await,
        LocationIntent::Open { site_id: far.id }
    );

    let shift = w
        .app
        .open_shift(&w.employee, w.site.id, w.near())
        .await
        .unwrap();
    // Moments later the same tap again: not a request to close.
    w.set(local(MSK, "2026-12-01 10:01"));
    assert_eq!(
        intent(w.near()).await,
        LocationIntent::AlreadyOpen {
            shift: Box::new(shift.clone()),
            site: Box::new(w.site.clone())
        }
    );
    w.set(local(MSK, "2026-12-01 10:02"));
    assert_eq!(intent(w.near()).await, LocationIntent::Close);

    // Someone with no workplace.
    let loner = w
        .app
        .register_user(4242, "Никто", Language::Ru)
        .await
        .unwrap();
    assert_eq!(
        w.app.intent_of_location(&loner, &w.near()).await.unwrap(),
        LocationIntent::NoWorkplace
    );
    // An inactive site is not a workplace.
    w.app
        .update_site(&w.owner, far.id, SitePatch::default(), Some(false), None)
        .await
        .unwrap();
    w.app.close_shift(&w.employee, w.near()).await.unwrap();
    assert_eq!(
        intent(w.fix((55.7999, 37.62), Some(10.0))).await,
        LocationIntent::Open { site_id: w.site.id }
    );
}
