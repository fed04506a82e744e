//! Rows as PostgreSQL returns them and their checked conversion into domain values: a row that
//! cannot become a valid value is reported as `StoreError::Other`, never a panic.

use crate::error::bad_row;
use app::StoreError;
use chrono::{DateTime, NaiveTime, Utc};
use domain::join::{JoinRequest, JoinRequestId, JoinStatus};
use domain::{
    Address, Coordinates, Currency, GeofenceRadius, Language, Money, OpeningHours, PersonName,
    PlanStatus, PlannedShift, PlannedShiftId, RecordedLocation, ReviewReason, Shift, ShiftChange,
    ShiftChangeKind, ShiftId, ShiftStatus, Site, SiteId, SiteName, SiteSettings, SiteTimeZone,
    User, UserId,
};

// The column lists are macros expanding to string literals, so queries can be assembled with
// `concat!` into `&'static str` (sqlx accepts those without an `AssertSqlSafe` and caches them as
// prepared statements).

/// Columns of `users` that `UserRow` reads.
macro_rules! user_columns {
    () => {
        "id, telegram_id, name, language, is_owner, reachable, created_at"
    };
}
pub(crate) use user_columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    telegram_id: i64,
    name: String,
    language: String,
    is_owner: bool,
    reachable: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(r.id),
            telegram_id: r.telegram_id,
            name: PersonName::new(&r.name).map_err(|e| bad_row("user name", e))?,
            language: Language::parse(&r.language).map_err(|e| bad_row("user language", e))?,
            is_owner: r.is_owner,
            reachable: r.reachable,
            created_at: r.created_at,
        })
    }
}

/// Columns of `sites` that `SiteRow` reads.
macro_rules! site_columns {
    () => {
        "id, owner_id, name, address, latitude, longitude, geofence_radius_m, opens_at, \
         closes_at, time_zone, hourly_rate_minor, currency, active, notify_owner, join_code, \
         created_at"
    };
}
pub(crate) use site_columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SiteRow {
    id: i64,
    owner_id: i64,
    name: String,
    address: String,
    latitude: f64,
    longitude: f64,
    geofence_radius_m: i32,
    opens_at: NaiveTime,
    closes_at: NaiveTime,
    time_zone: String,
    hourly_rate_minor: i64,
    currency: String,
    active: bool,
    notify_owner: bool,
    join_code: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;

    fn try_from(r: SiteRow) -> Result<Self, StoreError> {
        let settings = SiteSettings {
            name: SiteName::new(&r.name).map_err(|e| bad_row("site name", e))?,
            address: Address::new(&r.address).map_err(|e| bad_row("site address", e))?,
            location: Coordinates::new(r.latitude, r.longitude)
                .map_err(|e| bad_row("site location", e))?,
            radius: GeofenceRadius::new(i64::from(r.geofence_radius_m))
                .map_err(|e| bad_row("site geofence radius", e))?,
            hours: OpeningHours::new(r.opens_at, r.closes_at),
            time_zone: SiteTimeZone::parse(&r.time_zone)
                .map_err(|e| bad_row("site time zone", e))?,
            hourly_rate: Money::hourly_rate(r.hourly_rate_minor, currency(&r.currency)?)
                .map_err(|e| bad_row("site hourly rate", e))?,
        };
        Ok(Site {
            id: SiteId(r.id),
            owner_id: UserId(r.owner_id),
            settings,
            active: r.active,
            notify_owner: r.notify_owner,
            join_code: r.join_code,
            created_at: r.created_at,
        })
    }
}

/// Columns of `shifts` that `ShiftRow` reads.
macro_rules! shift_columns {
    () => {
        "id, employee_id, site_id, status, started_at, start_latitude, start_longitude, \
         start_accuracy_m, start_distance_m, ended_at, end_latitude, end_longitude, \
         end_accuracy_m, end_distance_m, hourly_rate_minor, currency, worked_minutes, pay_minor, \
         needs_review, planned_shift_id, closed_by, review_reason"
    };
}
pub(crate) use shift_columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ShiftRow {
    id: i64,
    employee_id: i64,
    site_id: i64,
    status: String,
    started_at: DateTime<Utc>,
    start_latitude: f64,
    start_longitude: f64,
    start_accuracy_m: Option<f64>,
    start_distance_m: f64,
    ended_at: Option<DateTime<Utc>>,
    end_latitude: Option<f64>,
    end_longitude: Option<f64>,
    end_accuracy_m: Option<f64>,
    end_distance_m: Option<f64>,
    hourly_rate_minor: i64,
    currency: String,
    worked_minutes: Option<i64>,
    pay_minor: Option<i64>,
    needs_review: bool,
    planned_shift_id: Option<i64>,
    closed_by: Option<i64>,
    review_reason: Option<String>,
}

impl ShiftRow {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

impl TryFrom<ShiftRow> for Shift {
    type Error = StoreError;

    fn try_from(r: ShiftRow) -> Result<Self, StoreError> {
        let start_location = RecordedLocation {
            coordinates: Coordinates::new(r.start_latitude, r.start_longitude)
                .map_err(|e| bad_row("shift start location", e))?,
            accuracy_m: r.start_accuracy_m,
            distance_m: r.start_distance_m,
        };
        let end_location = match (r.end_latitude, r.end_longitude, r.end_distance_m) {
            (None, None, None) => None,
            (Some(lat), Some(lon), Some(distance_m)) => Some(RecordedLocation {
                coordinates: Coordinates::new(lat, lon)
                    .map_err(|e| bad_row("shift end location", e))?,
                accuracy_m: r.end_accuracy_m,
                distance_m,
            }),
            _ => {
                return Err(bad_row(
                    "shift end location",
                    format!("shift {} has a partial end location", r.id),
                ));
            }
        };
        Ok(Shift {
            id: ShiftId(r.id),
            employee_id: UserId(r.employee_id),
            site_id: SiteId(r.site_id),
            status: ShiftStatus::parse(&r.status)
                .ok_or_else(|| bad_row("shift status", &r.status))?,
            started_at: r.started_at,
            start_location,
            ended_at: r.ended_at,
            end_location,
            hourly_rate: Money::new(r.hourly_rate_minor, currency(&r.currency)?),
            worked_minutes: r.worked_minutes,
            pay_minor: r.pay_minor,
            needs_review: r.needs_review,
            planned_shift_id: r.planned_shift_id.map(PlannedShiftId),
            closed_by: r.closed_by.map(UserId),
            review_reason: review_reason(r.needs_review, r.review_reason.as_deref())?,
        })
    }
}

/// Why a shift waits for review: nothing unless flagged; a flagged shift without a stored reason
/// was closed automatically (see migration `shift_history`).
fn review_reason(
    needs_review: bool,
    stored: Option<&str>,
) -> Result<Option<ReviewReason>, StoreError> {
    match (needs_review, stored) {
        (false, _) => Ok(None),
        (true, None) => Ok(Some(ReviewReason::AutoClosed)),
        (true, Some(s)) => ReviewReason::parse(s)
            .map(Some)
            .ok_or_else(|| bad_row("shift review reason", s)),
    }
}

/// Columns of `shift_changes` that `ShiftChangeRow` reads.
macro_rules! shift_change_columns {
    () => {
        "id, shift_id, kind, old_ended_at, new_ended_at, changed_by, changed_at"
    };
}
pub(crate) use shift_change_columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ShiftChangeRow {
    id: i64,
    shift_id: i64,
    kind: String,
    old_ended_at: Option<DateTime<Utc>>,
    new_ended_at: Option<DateTime<Utc>>,
    changed_by: i64,
    changed_at: DateTime<Utc>,
}

impl TryFrom<ShiftChangeRow> for ShiftChange {
    type Error = StoreError;

    fn try_from(r: ShiftChangeRow) -> Result<Self, StoreError> {
        Ok(ShiftChange {
            id: r.id,
            shift_id: ShiftId(r.shift_id),
            kind: ShiftChangeKind::parse(&r.kind)
                .ok_or_else(|| bad_row("shift change kind", &r.kind))?,
            old_ended_at: r.old_ended_at,
            new_ended_at: r.new_ended_at,
            changed_by: UserId(r.changed_by),
            changed_at: r.changed_at,
        })
    }
}

/// Columns of `planned_shifts` that `PlanRow` reads.
macro_rules! plan_columns {
    () => {
        "id, employee_id, site_id, starts_at, ends_at, status, shift_id, created_at"
    };
}
pub(crate) use plan_columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PlanRow {
    id: i64,
    employee_id: i64,
    site_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    status: String,
    shift_id: Option<i64>,
    created_at: DateTime<Utc>,
}

/// A person with the sites (of the asked scope) they may work at.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EmployeeRow {
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) site_ids: Vec<i64>,
}

/// One row of `shift_totals`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TotalsRow {
    pub(crate) site_id: i64,
    pub(crate) employee_id: i64,
    pub(crate) currency: String,
    pub(crate) shifts: i64,
    pub(crate) worked_minutes: i64,
    pub(crate) pay_minor: i64,
}

impl TryFrom<PlanRow> for PlannedShift {
    type Error = StoreError;

    fn try_from(r: PlanRow) -> Result<Self, StoreError> {
        Ok(PlannedShift {
            id: PlannedShiftId(r.id),
            employee_id: UserId(r.employee_id),
            site_id: SiteId(r.site_id),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            status: PlanStatus::parse(&r.status)
                .ok_or_else(|| bad_row("plan status", &r.status))?,
            shift_id: r.shift_id.map(ShiftId),
            created_at: r.created_at,
        })
    }
}

/// Columns of `join_requests` that `JoinRequestRow` reads.
macro_rules! join_request_columns {
    () => {
        "id, site_id, user_id, status, created_at, decided_at"
    };
}
pub(crate) use join_request_columns;

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct JoinRequestRow {
    id: i64,
    site_id: i64,
    user_id: i64,
    status: String,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
}

impl TryFrom<JoinRequestRow> for JoinRequest {
    type Error = StoreError;

    fn try_from(r: JoinRequestRow) -> Result<Self, StoreError> {
        Ok(JoinRequest {
            id: JoinRequestId(r.id),
            site_id: SiteId(r.site_id),
            user_id: UserId(r.user_id),
            status: JoinStatus::parse(&r.status)
                .ok_or_else(|| bad_row("join request status", &r.status))?,
            created_at: r.created_at,
            decided_at: r.decided_at,
        })
    }
}

pub(crate) fn currency(code: &str) -> Result<Currency, StoreError> {
    Currency::from_stored(code).map_err(|e| bad_row("currency", e))
}

/// Converts every row, stopping at the first bad one.
pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}
