//! Rows to domain values and back: the column lists every query selects, instants as Unix
//! microseconds, and the checks that turn a bad stored value into a clear `StoreError`.

use crate::error::bad_row;
use app::StoreResult;
use chrono::{DateTime, Utc};
use domain::join::{JoinRequest, JoinRequestId, JoinStatus};
use domain::site::parse_time_of_day;
use domain::{
    Address, Coordinates, Currency, GeofenceRadius, Language, Money, OpeningHours, PersonName,
    PlanStatus, PlannedShift, PlannedShiftId, RecordedLocation, ReviewReason, Shift, ShiftChange,
    ShiftChangeKind, ShiftId, ShiftStatus, Site, SiteId, SiteName, SiteSettings, SiteTimeZone,
    User, UserId,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row, Sqlite, Type};

/// The columns of `users`, optionally prefixed by a table alias.
macro_rules! user_columns {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "telegram_id, ",
            $p,
            "name, ",
            $p,
            "language, ",
            $p,
            "is_owner, ",
            $p,
            "reachable, ",
            $p,
            "created_at"
        )
    };
}

macro_rules! site_columns {
    () => {
        "id, owner_id, name, address, latitude, longitude, geofence_radius_m, opens_at, \
         closes_at, time_zone, hourly_rate_minor, currency, active, notify_owner, join_code, \
         created_at"
    };
}

macro_rules! shift_columns {
    () => {
        "id, employee_id, site_id, status, started_at, start_latitude, start_longitude, \
         start_accuracy_m, start_distance_m, ended_at, end_latitude, end_longitude, \
         end_accuracy_m, end_distance_m, hourly_rate_minor, currency, worked_minutes, pay_minor, \
         needs_review, planned_shift_id, closed_by, review_reason"
    };
}

macro_rules! shift_change_columns {
    () => {
        "id, shift_id, kind, old_ended_at, new_ended_at, changed_by, changed_at"
    };
}

macro_rules! plan_columns {
    () => {
        "id, employee_id, site_id, starts_at, ends_at, status, shift_id, created_at"
    };
}

macro_rules! join_request_columns {
    () => {
        "id, site_id, user_id, status, created_at, decided_at"
    };
}

pub(crate) use {
    join_request_columns, plan_columns, shift_change_columns, shift_columns, site_columns,
    user_columns,
};

/// An instant as stored: microseconds since the Unix epoch (PostgreSQL's precision).
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Now, as the store stamps `created_at` and `revoked_at`.
pub(crate) fn now_micros() -> i64 {
    micros(Utc::now())
}

pub(crate) fn instant(table: &str, column: &str, v: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v)
        .ok_or_else(|| bad_row(table, format!("{column} = {v} is not an instant")))
}

fn get<'r, T>(row: &'r SqliteRow, table: &str, column: &str) -> StoreResult<T>
where
    T: Decode<'r, Sqlite> + Type<Sqlite>,
{
    row.try_get(column)
        .map_err(|e| bad_row(table, format!("{column}: {e}")))
}

fn time_of_day(table: &str, column: &'static str, v: &str) -> StoreResult<chrono::NaiveTime> {
    parse_time_of_day(column, v).map_err(|e| bad_row(table, e))
}

pub(crate) fn user(row: &SqliteRow) -> StoreResult<User> {
    const T: &str = "users";
    let id: i64 = get(row, T, "id")?;
    let name: String = get(row, T, "name")?;
    let language: String = get(row, T, "language")?;
    Ok(User {
        id: UserId(id),
        telegram_id: get(row, T, "telegram_id")?,
        name: PersonName::new(&name).map_err(|e| bad_row(T, format!("id {id}: {e}")))?,
        language: Language::parse(&language).map_err(|e| bad_row(T, format!("id {id}: {e}")))?,
        is_owner: get(row, T, "is_owner")?,
        reachable: get(row, T, "reachable")?,
        created_at: instant(T, "created_at", get(row, T, "created_at")?)?,
    })
}

pub(crate) fn site(row: &SqliteRow) -> StoreResult<Site> {
    const T: &str = "sites";
    let id: i64 = get(row, T, "id")?;
    let invalid = |e: domain::ValueError| bad_row(T, format!("id {id}: {e}"));
    let name: String = get(row, T, "name")?;
    let address: String = get(row, T, "address")?;
    let opens: String = get(row, T, "opens_at")?;
    let closes: String = get(row, T, "closes_at")?;
    let time_zone: String = get(row, T, "time_zone")?;
    let currency: String = get(row, T, "currency")?;
    let settings = SiteSettings {
        name: SiteName::new(&name).map_err(invalid)?,
        address: Address::new(&address).map_err(invalid)?,
        location: Coordinates::new(get(row, T, "latitude")?, get(row, T, "longitude")?)
            .map_err(invalid)?,
        radius: GeofenceRadius::new(get(row, T, "geofence_radius_m")?).map_err(invalid)?,
        hours: OpeningHours::new(
            time_of_day(T, "opens_at", &opens)?,
            time_of_day(T, "closes_at", &closes)?,
        ),
        time_zone: SiteTimeZone::parse(&time_zone).map_err(invalid)?,
        hourly_rate: Money::hourly_rate(
            get(row, T, "hourly_rate_minor")?,
            Currency::from_stored(&currency).map_err(invalid)?,
        )
        .map_err(invalid)?,
    };
    Ok(Site {
        id: SiteId(id),
        owner_id: UserId(get(row, T, "owner_id")?),
        settings,
        active: get(row, T, "active")?,
        notify_owner: get(row, T, "notify_owner")?,
        join_code: get(row, T, "join_code")?,
        created_at: instant(T, "created_at", get(row, T, "created_at")?)?,
    })
}

/// A location stored in the `<prefix>_latitude`, `_longitude`, `_accuracy_m` and `_distance_m`
/// columns; None when the latitude is NULL (a shift closed automatically).
fn location(row: &SqliteRow, prefix: &str) -> StoreResult<Option<RecordedLocation>> {
    const T: &str = "shifts";
    let lat: Option<f64> = get(row, T, &format!("{prefix}_latitude"))?;
    let lon: Option<f64> = get(row, T, &format!("{prefix}_longitude"))?;
    let distance: Option<f64> = get(row, T, &format!("{prefix}_distance_m"))?;
    match (lat, lon, distance) {
        (None, None, None) => Ok(None),
        (Some(lat), Some(lon), Some(distance_m)) => Ok(Some(RecordedLocation {
            coordinates: Coordinates::new(lat, lon).map_err(|e| bad_row(T, e))?,
            accuracy_m: get(row, T, &format!("{prefix}_accuracy_m"))?,
            distance_m,
        })),
        _ => Err(bad_row(
            T,
            format!("{prefix} location is only partly stored"),
        )),
    }
}

pub(crate) fn shift(row: &SqliteRow) -> StoreResult<Shift> {
    const T: &str = "shifts";
    let id: i64 = get(row, T, "id")?;
    let status: String = get(row, T, "status")?;
    let currency: String = get(row, T, "currency")?;
    let ended_at: Option<i64> = get(row, T, "ended_at")?;
    let planned: Option<i64> = get(row, T, "planned_shift_id")?;
    let needs_review: bool = get(row, T, "needs_review")?;
    let closed_by: Option<i64> = get(row, T, "closed_by")?;
    let reason: Option<String> = get(row, T, "review_reason")?;
    // Nothing unless flagged; a flagged shift without a stored reason was closed automatically
    // (see migration 0004).
    let review_reason = match (needs_review, reason) {
        (false, _) => None,
        (true, None) => Some(ReviewReason::AutoClosed),
        (true, Some(r)) => Some(
            ReviewReason::parse(&r)
                .ok_or_else(|| bad_row(T, format!("id {id}: unknown review reason {r:?}")))?,
        ),
    };
    Ok(Shift {
        id: ShiftId(id),
        employee_id: UserId(get(row, T, "employee_id")?),
        site_id: SiteId(get(row, T, "site_id")?),
        status: ShiftStatus::parse(&status)
            .ok_or_else(|| bad_row(T, format!("id {id}: unknown status {status:?}")))?,
        started_at: instant(T, "started_at", get(row, T, "started_at")?)?,
        start_location: location(row, "start")?
            .ok_or_else(|| bad_row(T, format!("id {id}: no start location")))?,
        ended_at: ended_at.map(|v| instant(T, "ended_at", v)).transpose()?,
        end_location: location(row, "end")?,
        hourly_rate: Money::new(
            get(row, T, "hourly_rate_minor")?,
            Currency::from_stored(&currency).map_err(|e| bad_row(T, format!("id {id}: {e}")))?,
        ),
        worked_minutes: get(row, T, "worked_minutes")?,
        pay_minor: get(row, T, "pay_minor")?,
        needs_review,
        planned_shift_id: planned.map(PlannedShiftId),
        closed_by: closed_by.map(UserId),
        review_reason,
    })
}

pub(crate) fn shift_change(row: &SqliteRow) -> StoreResult<ShiftChange> {
    const T: &str = "shift_changes";
    let id: i64 = get(row, T, "id")?;
    let kind: String = get(row, T, "kind")?;
    let old: Option<i64> = get(row, T, "old_ended_at")?;
    let new: Option<i64> = get(row, T, "new_ended_at")?;
    Ok(ShiftChange {
        id,
        shift_id: ShiftId(get(row, T, "shift_id")?),
        kind: ShiftChangeKind::parse(&kind)
            .ok_or_else(|| bad_row(T, format!("id {id}: unknown kind {kind:?}")))?,
        old_ended_at: old.map(|v| instant(T, "old_ended_at", v)).transpose()?,
        new_ended_at: new.map(|v| instant(T, "new_ended_at", v)).transpose()?,
        changed_by: UserId(get(row, T, "changed_by")?),
        changed_at: instant(T, "changed_at", get(row, T, "changed_at")?)?,
    })
}

pub(crate) fn plan(row: &SqliteRow) -> StoreResult<PlannedShift> {
    const T: &str = "planned_shifts";
    let id: i64 = get(row, T, "id")?;
    let status: String = get(row, T, "status")?;
    let shift_id: Option<i64> = get(row, T, "shift_id")?;
    Ok(PlannedShift {
        id: PlannedShiftId(id),
        employee_id: UserId(get(row, T, "employee_id")?),
        site_id: SiteId(get(row, T, "site_id")?),
        starts_at: instant(T, "starts_at", get(row, T, "starts_at")?)?,
        ends_at: instant(T, "ends_at", get(row, T, "ends_at")?)?,
        status: PlanStatus::parse(&status)
            .ok_or_else(|| bad_row(T, format!("id {id}: unknown status {status:?}")))?,
        shift_id: shift_id.map(ShiftId),
        created_at: instant(T, "created_at", get(row, T, "created_at")?)?,
    })
}

pub(crate) fn join_request(row: &SqliteRow) -> StoreResult<JoinRequest> {
    const T: &str = "join_requests";
    let id: i64 = get(row, T, "id")?;
    let status: String = get(row, T, "status")?;
    let decided_at: Option<i64> = get(row, T, "decided_at")?;
    Ok(JoinRequest {
        id: JoinRequestId(id),
        site_id: SiteId(get(row, T, "site_id")?),
        user_id: UserId(get(row, T, "user_id")?),
        status: JoinStatus::parse(&status)
            .ok_or_else(|| bad_row(T, format!("id {id}: unknown status {status:?}")))?,
        created_at: instant(T, "created_at", get(row, T, "created_at")?)?,
        decided_at: decided_at
            .map(|v| instant(T, "decided_at", v))
            .transpose()?,
    })
}

/// Ids as a JSON array, bound as one parameter and read with `json_each`: one statement text
/// for any number of ids (so it stays in the statement cache) and no bound-parameter limit.
pub(crate) fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    let mut out = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_a_json_array() {
        assert_eq!(json_ids([]), "[]");
        assert_eq!(json_ids([3, -1, 42]), "[3,-1,42]");
    }

    #[test]
    fn instants_keep_microseconds() {
        let t = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        assert_eq!(instant("t", "c", micros(t)).unwrap(), t);
        assert!(instant("t", "c", i64::MAX).is_err());
    }
}
