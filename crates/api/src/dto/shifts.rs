//! Worked shifts and the filters of their list.

use super::*;

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
    /// Set for shifts waiting for the owner's review (see `review_reason`).
    pub needs_review: bool,
    #[schema(required = true)]
    pub planned_shift_id: Option<i64>,
    /// The user who ended the shift by a stated time instead of a location at the site: the
    /// owner or manager who closed it (`POST /api/v1/shifts/{id}/close`), or the employee who
    /// reported a forgotten close. Null when closed at the site, automatically, or running.
    #[schema(required = true)]
    pub closed_by: Option<i64>,
    /// Why the shift waits for review; null unless `needs_review`.
    #[schema(required = true)]
    pub review_reason: Option<super::review::ReviewReason>,
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
            closed_by: s.closed_by.map(|u| u.0),
            review_reason: s.review_reason.map(Into::into),
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
    #[param(value_type = Option<NaiveDate>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<String>,
    /// Last local date (YYYY-MM-DD) a shift started on.
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
