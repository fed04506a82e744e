//! The timesheet and payroll reports: their query (the summary's filters, the format and the
//! CSV options) and their JSON shapes.

use super::*;

/// The summary's filters, and how to answer: `format` (`json`, `csv`, `xlsx`, `pdf`; it wins
/// over the `Accept` header), CSV's `delimiter` and `bom`, and the texts' `lang`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportFileParams {
    /// First local date, YYYY-MM-DD.
    #[param(value_type = NaiveDate, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: String,
    /// Last local date, YYYY-MM-DD (at most 366 days after `from`).
    #[param(value_type = NaiveDate, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub to: String,
    pub site_id: Option<i64>,
    /// Only this employee's shifts.
    pub employee_id: Option<i64>,
    /// `json`, `csv`, `xlsx` or `pdf` (the timesheet has no PDF: 422). Without it the `Accept`
    /// header decides (JSON when it names nothing we make; 406 when it names only other types).
    #[param(value_type = Option<String>, pattern = "^(json|csv|xlsx|pdf)$")]
    pub format: Option<String>,
    /// CSV only: `,` (the default) or `;` (Excel where the decimal mark is a comma; amounts then
    /// use a decimal comma too).
    #[param(value_type = Option<String>, pattern = "^[,;]$")]
    pub delimiter: Option<String>,
    /// CSV only: start with the UTF-8 byte order mark, so Excel reads Cyrillic right.
    pub bom: Option<bool>,
    /// The language of the file's texts: `ru` or `en`; the caller's own by default.
    #[param(value_type = Option<String>, pattern = "^(ru|en)$")]
    pub lang: Option<String>,
}

/// One finished shift of the timesheet, times in the site's zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimesheetRow {
    pub shift_id: i64,
    /// The local date the shift started on (an overnight shift is on its start day).
    pub date: NaiveDate,
    pub site_id: i64,
    pub site_name: String,
    pub employee_id: i64,
    pub employee_name: String,
    /// Local start, `YYYY-MM-DDTHH:MM:SS` in the site's zone.
    #[schema(value_type = String, example = "2027-03-27T22:00:00")]
    pub started_local: chrono::NaiveDateTime,
    #[schema(value_type = String, example = "2027-03-28T09:00:00")]
    pub ended_local: chrono::NaiveDateTime,
    pub worked_minutes: i64,
    /// The hourly rate the shift was opened with.
    pub rate: Money,
    pub pay: Money,
    pub auto_closed: bool,
    pub needs_review: bool,
    /// Why it waits for review (`auto_closed`, `forgotten_close`, …), when it does.
    pub review_reason: Option<&'static str>,
}

impl From<&app::reports::TimesheetLine> for TimesheetRow {
    fn from(l: &app::reports::TimesheetLine) -> Self {
        Self {
            shift_id: l.shift_id.0,
            date: l.date,
            site_id: l.site_id.0,
            site_name: l.site_name.to_string(),
            employee_id: l.employee_id.0,
            employee_name: l.employee_name.to_string(),
            started_local: l.started,
            ended_local: l.ended,
            worked_minutes: l.worked_minutes,
            rate: l.rate.into(),
            pay: l.pay.into(),
            auto_closed: l.auto_closed,
            needs_review: l.needs_review(),
            review_reason: l.review_reason.map(|r| r.as_str()),
        }
    }
}

/// The timesheet: every finished shift of the period, in start order (streamed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Timesheet {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub shifts: Vec<TimesheetRow>,
}

/// What one employee earned at one site in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayrollLine {
    pub employee_id: i64,
    pub employee_name: String,
    pub site_id: i64,
    pub site_name: String,
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay: Money,
}

/// Everything in one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayrollTotal {
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay: Money,
}

/// The payroll: per employee and site, and totals per currency (never added across currencies).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payroll {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub lines: Vec<PayrollLine>,
    pub totals: Vec<PayrollTotal>,
}

impl From<&app::reports::Payroll> for Payroll {
    fn from(p: &app::reports::Payroll) -> Self {
        Self {
            from: p.from,
            to: p.to,
            lines: p
                .lines
                .iter()
                .map(|l| PayrollLine {
                    employee_id: l.employee_id.0,
                    employee_name: l.employee_name.clone(),
                    site_id: l.site_id.0,
                    site_name: l.site_name.clone(),
                    shifts: l.shifts,
                    worked_minutes: l.worked_minutes,
                    pay: l.pay.into(),
                })
                .collect(),
            totals: p
                .totals
                .iter()
                .map(|t| PayrollTotal {
                    shifts: t.shifts,
                    worked_minutes: t.worked_minutes,
                    pay: t.pay.into(),
                })
                .collect(),
        }
    }
}
