//! The summary report and its query.

use super::*;

/// The period (local dates, inclusive; at most 366 days) and optionally one site and/or one
/// employee.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First local date, YYYY-MM-DD.
    #[param(value_type = NaiveDate, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: String,
    /// Last local date, YYYY-MM-DD.
    #[param(value_type = NaiveDate, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
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
