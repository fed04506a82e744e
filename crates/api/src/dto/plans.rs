//! Planned shifts, the body that plans one and the filters of their list.

use super::*;

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
    #[serde(deserialize_with = "integer::required")]
    pub employee_id: i64,
    #[serde(deserialize_with = "integer::required")]
    pub site_id: i64,
    /// The site's local date, YYYY-MM-DD.
    #[schema(value_type = NaiveDate, example = "2026-12-01", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: String,
    /// Local start, H:MM or HH:MM (24:00 = midnight).
    #[schema(
        example = "09:00",
        pattern = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    pub start: String,
    /// Local end, H:MM or HH:MM.
    #[schema(
        example = "17:00",
        pattern = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
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
    #[param(value_type = Option<NaiveDate>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<String>,
    /// Last local date (YYYY-MM-DD) a plan starts on.
    #[param(value_type = Option<NaiveDate>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<String>,
    /// Page size, 1 to 500 (default 100); 0 or more than 500 is refused (422 naming `limit`).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Where the page starts: the cursor after the previous page's last row, taken from that
    /// page's `Link: <…>; rel="next"` header (following the link as a whole gives the next page
    /// with the same filters). Opaque; an unreadable one is refused (422 naming `after`).
    #[param(
        example = "1793516400000000_42",
        pattern = "^-?[0-9]{1,19}_[0-9]{1,19}$"
    )]
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
