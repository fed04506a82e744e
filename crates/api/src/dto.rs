//! The JSON shapes of the API: request bodies and query strings (strict, unknown fields refused)
//! and the resources answered, each built from the domain value it shows.

use chrono::{DateTime, NaiveDate, Utc};
use domain::site::format_time_of_day;
use domain::{Currency, ValueError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- small shared pieces -------------------------------------------------------------------

/// `{"status":"ok"}` from the health and readiness probes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// An amount in minor units (kopecks for RUB) of a currency.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Money {
    #[schema(example = 278_833)]
    pub minor: i64,
    #[schema(value_type = String, example = "RUB")]
    pub currency: Currency,
}

impl From<domain::Money> for Money {
    fn from(m: domain::Money) -> Self {
        Self {
            minor: m.minor,
            currency: m.currency,
        }
    }
}

/// Parses a `YYYY-MM-DD` date of the request field `field`.
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, ValueError> {
    let err = || ValueError::Date {
        field,
        value: raw.to_owned(),
    };
    if raw.len() != 10 {
        return Err(err());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| err())
}

/// Parses an optional date parameter.
pub fn parse_opt_date(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<NaiveDate>, ValueError> {
    raw.map(|r| parse_date(field, r)).transpose()
}

// ---- sites -----------------------------------------------------------------------------------

/// A work site.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Site {
    pub id: i64,
    #[schema(example = "Кафе «Ромашка»")]
    pub name: String,
    pub address: String,
    #[schema(example = 55.7539)]
    pub latitude: f64,
    #[schema(example = 37.6208)]
    pub longitude: f64,
    /// Allowed distance from the site's point, metres (10 to 5000).
    #[schema(example = 100)]
    pub geofence_radius_m: u32,
    /// Local opening time, HH:MM. Equal `opens_at` and `closes_at` = open around the clock.
    #[schema(example = "09:00")]
    pub opens_at: String,
    /// Local closing time, HH:MM; earlier than `opens_at` = closes after midnight.
    #[schema(example = "21:00")]
    pub closes_at: String,
    /// IANA time zone.
    #[schema(value_type = String, example = "Europe/Moscow")]
    pub time_zone: &'static str,
    #[schema(example = 35_000)]
    pub hourly_rate_minor: i64,
    #[schema(value_type = String, example = "RUB")]
    pub currency: Currency,
    pub active: bool,
    /// Whether the owner is told when shifts open and close here.
    pub notify_owner: bool,
    /// The code in the site's join link and QR code (the bot's `/start j<code>`): whoever
    /// follows it asks to work here, and the owner or a manager decides. Drawn by the server
    /// when the site is created; it cannot be set or changed here.
    #[schema(example = "k7m2x_pq9a", read_only)]
    pub join_code: String,
    pub created_at: DateTime<Utc>,
}

impl From<domain::Site> for Site {
    fn from(s: domain::Site) -> Self {
        let st = s.settings;
        Self {
            id: s.id.0,
            name: st.name.as_str().to_owned(),
            address: st.address.as_str().to_owned(),
            latitude: st.location.latitude(),
            longitude: st.location.longitude(),
            geofence_radius_m: st.radius.metres(),
            opens_at: format_time_of_day(st.hours.opens_at()),
            closes_at: format_time_of_day(st.hours.closes_at()),
            time_zone: st.time_zone.name(),
            hourly_rate_minor: st.hourly_rate.minor,
            currency: st.hourly_rate.currency,
            active: s.active,
            notify_owner: s.notify_owner,
            join_code: s.join_code,
            created_at: s.created_at,
        }
    }
}

/// A new site. Defaults: empty address, radius 100 m, Europe/Moscow, RUB.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    #[schema(example = "Кафе «Ромашка»")]
    pub name: String,
    pub address: Option<String>,
    #[schema(example = 55.7539)]
    pub latitude: f64,
    #[schema(example = 37.6208)]
    pub longitude: f64,
    #[schema(example = 100)]
    pub geofence_radius_m: Option<i64>,
    #[schema(example = "09:00")]
    pub opens_at: String,
    #[schema(example = "21:00")]
    pub closes_at: String,
    #[schema(example = "Europe/Moscow")]
    pub time_zone: Option<String>,
    #[schema(example = 35_000)]
    pub hourly_rate_minor: i64,
    #[schema(example = "RUB")]
    pub currency: Option<String>,
}

impl From<CreateSite> for domain::SitePatch {
    fn from(c: CreateSite) -> Self {
        Self {
            name: Some(c.name),
            address: c.address,
            latitude: Some(c.latitude),
            longitude: Some(c.longitude),
            geofence_radius_m: c.geofence_radius_m,
            opens_at: Some(c.opens_at),
            closes_at: Some(c.closes_at),
            time_zone: c.time_zone,
            hourly_rate_minor: Some(c.hourly_rate_minor),
            currency: c.currency,
        }
    }
}

/// A partial update: absent (or null) fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    pub name: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geofence_radius_m: Option<i64>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub time_zone: Option<String>,
    /// The new hourly rate, in minor units of the site's currency (the new one when `currency`
    /// changes too). Applies to shifts opened from now on; running and past shifts keep theirs.
    pub hourly_rate_minor: Option<i64>,
    /// ISO 4217 code. A new currency applies to shifts opened from now on only: running and
    /// past shifts keep the rate and currency they were opened with, and reports and earnings
    /// show their pay in it (a separate amount per currency). Send `hourly_rate_minor` with it,
    /// since the rate is read in minor units of the currency.
    pub currency: Option<String>,
    pub active: Option<bool>,
    pub notify_owner: Option<bool>,
}

impl UpdateSite {
    /// The settings patch and the two flags, as `StaffPro::update_site` takes them.
    pub fn into_parts(self) -> (domain::SitePatch, Option<bool>, Option<bool>) {
        let patch = domain::SitePatch {
            name: self.name,
            address: self.address,
            latitude: self.latitude,
            longitude: self.longitude,
            geofence_radius_m: self.geofence_radius_m,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            time_zone: self.time_zone,
            hourly_rate_minor: self.hourly_rate_minor,
            currency: self.currency,
        };
        (patch, self.active, self.notify_owner)
    }
}

// ---- people ----------------------------------------------------------------------------------

/// A person known to StaffProBot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    #[schema(example = 123_456_789)]
    pub telegram_id: i64,
    #[schema(example = "Иван Петров")]
    pub name: String,
    /// `ru` or `en`.
    #[schema(value_type = String, example = "ru")]
    pub language: &'static str,
}

impl From<domain::User> for Person {
    fn from(u: domain::User) -> Self {
        Self {
            id: u.id.0,
            telegram_id: u.telegram_id,
            name: u.name.as_str().to_owned(),
            language: u.language.as_str(),
        }
    }
}

/// An employee and the sites (of the caller's) they may work at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Employee {
    pub id: i64,
    #[schema(example = 123_456_789)]
    pub telegram_id: i64,
    #[schema(example = "Иван Петров")]
    pub name: String,
    #[schema(value_type = String, example = "ru")]
    pub language: &'static str,
    pub site_ids: Vec<i64>,
}

impl From<app::Employee> for Employee {
    fn from(e: app::Employee) -> Self {
        let person = Person::from(e.user);
        Self {
            id: person.id,
            telegram_id: person.telegram_id,
            name: person.name,
            language: person.language,
            site_ids: e.site_ids.into_iter().map(|s| s.0).collect(),
        }
    }
}

/// Makes a person (known to the bot by Telegram id) a manager of the site.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantManager {
    #[schema(example = 123_456_789)]
    pub telegram_id: i64,
}

/// Gives a person access to the site. `name` is needed only for someone the bot has not met.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddEmployee {
    #[schema(example = 123_456_789)]
    pub telegram_id: i64,
    #[schema(example = "Иван Петров")]
    pub name: Option<String>,
}

/// Filters of the employee list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EmployeeParams {
    /// Only employees of this site.
    pub site_id: Option<i64>,
}

// ---- shifts ----------------------------------------------------------------------------------

/// The state of a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShiftStatus {
    Active,
    Closed,
    AutoClosed,
}

impl From<domain::ShiftStatus> for ShiftStatus {
    fn from(s: domain::ShiftStatus) -> Self {
        match s {
            domain::ShiftStatus::Active => Self::Active,
            domain::ShiftStatus::Closed => Self::Closed,
            domain::ShiftStatus::AutoClosed => Self::AutoClosed,
        }
    }
}

impl From<ShiftStatus> for domain::ShiftStatus {
    fn from(s: ShiftStatus) -> Self {
        match s {
            ShiftStatus::Active => Self::Active,
            ShiftStatus::Closed => Self::Closed,
            ShiftStatus::AutoClosed => Self::AutoClosed,
        }
    }
}

/// Where a shift was opened or closed.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    /// Reported accuracy radius, metres (when the phone gave one).
    #[schema(required = true)]
    pub accuracy_m: Option<f64>,
    /// Distance from the site's point, metres.
    pub distance_m: f64,
}

impl From<domain::RecordedLocation> for Location {
    fn from(l: domain::RecordedLocation) -> Self {
        Self {
            latitude: l.coordinates.latitude(),
            longitude: l.coordinates.longitude(),
            accuracy_m: l.accuracy_m,
            distance_m: l.distance_m,
        }
    }
}

/// A worked (or running) shift. Times are RFC 3339 in UTC.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shift {
    pub id: i64,
    pub employee_id: i64,
    pub site_id: i64,
    pub status: ShiftStatus,
    pub started_at: DateTime<Utc>,
    #[schema(required = true)]
    pub ended_at: Option<DateTime<Utc>>,
    pub start_location: Location,
    /// Absent for a shift closed automatically.
    #[schema(required = true)]
    pub end_location: Option<Location>,
    /// The site's rate when the shift opened.
    pub hourly_rate_minor: i64,
    #[schema(value_type = String, example = "RUB")]
    pub currency: Currency,
    /// Null while the shift runs.
    #[schema(required = true)]
    pub worked_minutes: Option<i64>,
    /// Null while the shift runs.
    #[schema(required = true)]
    pub pay_minor: Option<i64>,
    /// Set for shifts closed automatically.
    pub needs_review: bool,
    #[schema(required = true)]
    pub planned_shift_id: Option<i64>,
}

impl From<domain::Shift> for Shift {
    fn from(s: domain::Shift) -> Self {
        Self {
            id: s.id.0,
            employee_id: s.employee_id.0,
            site_id: s.site_id.0,
            status: s.status.into(),
            started_at: s.started_at,
            ended_at: s.ended_at,
            start_location: s.start_location.into(),
            end_location: s.end_location.map(Into::into),
            hourly_rate_minor: s.hourly_rate.minor,
            currency: s.hourly_rate.currency,
            worked_minutes: s.worked_minutes,
            pay_minor: s.pay_minor,
            needs_review: s.needs_review,
            planned_shift_id: s.planned_shift_id.map(|p| p.0),
        }
    }
}

/// Filters of the shift list. Dates are each site's local dates, both inclusive.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShiftParams {
    pub site_id: Option<i64>,
    pub employee_id: Option<i64>,
    /// `active` lists who is on shift now.
    #[param(inline)]
    pub status: Option<ShiftStatus>,
    /// First local date (YYYY-MM-DD) a shift started on.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last local date (YYYY-MM-DD) a shift started on.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Page size, 1 to 500 (default 100); 0 or more than 500 is refused (422 naming `limit`).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Where the page starts: the cursor after the previous page's last row, taken from that
    /// page's `Link: <…>; rel="next"` header (following the link as a whole gives the next page
    /// with the same filters). Opaque; an unreadable one is refused (422 naming `after`).
    #[param(example = "1793516400000000_42")]
    pub after: Option<String>,
    /// Retired: lists page with `after`. A request with `offset` is refused (422 naming it).
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

impl ShiftParams {
    pub fn into_query(self) -> Result<app::service::ShiftQuery, crate::ApiError> {
        let (limit, after) =
            crate::paging::read(self.limit, self.after.as_deref(), self.offset.as_deref())?;
        Ok(app::service::ShiftQuery {
            site_id: self.site_id.map(domain::SiteId),
            employee_id: self.employee_id.map(domain::UserId),
            status: self.status.map(Into::into),
            from: parse_opt_date("from", self.from.as_deref())?,
            to: parse_opt_date("to", self.to.as_deref())?,
            limit,
            after,
        })
    }
}

// ---- planned shifts --------------------------------------------------------------------------

/// The state of a planned shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Planned,
    Cancelled,
    Done,
    Missed,
}

impl From<domain::PlanStatus> for PlanStatus {
    fn from(s: domain::PlanStatus) -> Self {
        match s {
            domain::PlanStatus::Planned => Self::Planned,
            domain::PlanStatus::Cancelled => Self::Cancelled,
            domain::PlanStatus::Done => Self::Done,
            domain::PlanStatus::Missed => Self::Missed,
        }
    }
}

impl From<PlanStatus> for domain::PlanStatus {
    fn from(s: PlanStatus) -> Self {
        match s {
            PlanStatus::Planned => Self::Planned,
            PlanStatus::Cancelled => Self::Cancelled,
            PlanStatus::Done => Self::Done,
            PlanStatus::Missed => Self::Missed,
        }
    }
}

/// A shift planned in advance. Times are RFC 3339 in UTC.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedShift {
    pub id: i64,
    pub employee_id: i64,
    pub site_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: PlanStatus,
    /// The shift that fulfilled the plan.
    #[schema(required = true)]
    pub shift_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<domain::PlannedShift> for PlannedShift {
    fn from(p: domain::PlannedShift) -> Self {
        Self {
            id: p.id.0,
            employee_id: p.employee_id.0,
            site_id: p.site_id.0,
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            status: p.status.into(),
            shift_id: p.shift_id.map(|s| s.0),
            created_at: p.created_at,
        }
    }
}

/// A new plan in the site's local time; an `end` at or before `start` is on the next day.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlannedShift {
    pub employee_id: i64,
    pub site_id: i64,
    /// The site's local date, YYYY-MM-DD.
    #[schema(example = "2026-12-01")]
    pub date: String,
    /// Local start, HH:MM.
    #[schema(example = "09:00")]
    pub start: String,
    /// Local end, HH:MM.
    #[schema(example = "17:00")]
    pub end: String,
}

impl CreatePlannedShift {
    pub fn into_request(self) -> Result<app::service::PlanRequest, ValueError> {
        use domain::site::parse_time_of_day;
        Ok(app::service::PlanRequest {
            employee_id: domain::UserId(self.employee_id),
            site_id: domain::SiteId(self.site_id),
            date: parse_date("date", &self.date)?,
            start: parse_time_of_day("start", &self.start)?,
            end: parse_time_of_day("end", &self.end)?,
        })
    }
}

/// Filters of the plan list. Dates are each site's local dates, both inclusive.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    pub site_id: Option<i64>,
    pub employee_id: Option<i64>,
    #[param(inline)]
    pub status: Option<PlanStatus>,
    /// First local date (YYYY-MM-DD) a plan starts on.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last local date (YYYY-MM-DD) a plan starts on.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Page size, 1 to 500 (default 100); 0 or more than 500 is refused (422 naming `limit`).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Where the page starts: the cursor after the previous page's last row, taken from that
    /// page's `Link: <…>; rel="next"` header (following the link as a whole gives the next page
    /// with the same filters). Opaque; an unreadable one is refused (422 naming `after`).
    #[param(example = "1793516400000000_42")]
    pub after: Option<String>,
    /// Retired: lists page with `after`. A request with `offset` is refused (422 naming it).
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

impl PlanParams {
    pub fn into_query(self) -> Result<app::service::PlanQuery, crate::ApiError> {
        let (limit, after) =
            crate::paging::read(self.limit, self.after.as_deref(), self.offset.as_deref())?;
        Ok(app::service::PlanQuery {
            site_id: self.site_id.map(domain::SiteId),
            employee_id: self.employee_id.map(domain::UserId),
            status: self.status.map(Into::into),
            from: parse_opt_date("from", self.from.as_deref())?,
            to: parse_opt_date("to", self.to.as_deref())?,
            limit,
            after,
        })
    }
}

// ---- reports ---------------------------------------------------------------------------------

/// The period (local dates, inclusive; at most 366 days) and optionally one site and/or one
/// employee.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    #[param(value_type = NaiveDate)]
    pub from: String,
    #[param(value_type = NaiveDate)]
    pub to: String,
    pub site_id: Option<i64>,
    /// Only this employee's shifts.
    pub employee_id: Option<i64>,
}

/// Finished shifts, time and pay over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Totals,
    pub sites: Vec<SiteSummary>,
    pub employees: Vec<EmployeeSummary>,
}

/// Everything in the report together; pay is one amount per currency (by currency code), each
/// shift counted in the currency it was paid in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Totals {
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay: Vec<Money>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteSummary {
    pub site_id: i64,
    pub name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency the site's shifts were paid in, by currency code: each shift
    /// keeps the currency it was opened in, so a site whose currency changed within the period
    /// has two amounts (never added together); empty without shifts.
    pub pay: Vec<Money>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployeeSummary {
    pub employee_id: i64,
    pub name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    /// One amount per currency the employee was paid in, by currency code.
    pub pay: Vec<Money>,
}

impl From<app::reports::Summary> for Summary {
    fn from(s: app::reports::Summary) -> Self {
        Self {
            from: s.from,
            to: s.to,
            totals: Totals {
                shifts: s.shifts,
                worked_minutes: s.worked_minutes,
                pay: s.pay.into_iter().map(Into::into).collect(),
            },
            sites: s
                .sites
                .into_iter()
                .map(|x| SiteSummary {
                    site_id: x.site_id.0,
                    name: x.name,
                    shifts: x.shifts,
                    worked_minutes: x.worked_minutes,
                    pay: x.pay.into_iter().map(Into::into).collect(),
                })
                .collect(),
            employees: s
                .employees
                .into_iter()
                .map(|e| EmployeeSummary {
                    employee_id: e.employee_id.0,
                    name: e.name,
                    shifts: e.shifts,
                    worked_minutes: e.worked_minutes,
                    pay: e.pay.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("from", "2026-11-05").is_ok());
        for bad in ["2026-11-5", "2026-13-01", "05.11.2026", "", "2026-02-30"] {
            assert_eq!(
                parse_date("from", bad).map_err(|e| e.field()),
                Err("from"),
                "{bad}"
            );
        }
    }
}
