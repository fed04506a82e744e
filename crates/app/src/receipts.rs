//! The pay receipt an employee gets when they close a shift: the shift's day, site and times in
//! the site's zone, worked time, rate and pay, and the running total of the month the shift
//! belongs to (the month of its start day, so a shift over midnight on the 1st counts in the
//! month it began, as reports count it).

use crate::{AppError, StaffPro};
use chrono::{Datelike, NaiveDate};
use domain::period::Period;
use domain::{Money, Shift, SiteTimeZone, User};

#[derive(Debug, Clone, PartialEq)]
pub struct PayReceipt {
    pub shift: Shift,
    pub site_name: String,
    pub time_zone: SiteTimeZone,
    /// The shift's start day in the site's zone.
    pub day: NaiveDate,
    pub worked_minutes: i64,
    pub pay: Money,
    /// The first and last day of the month the running total covers.
    pub month: (NaiveDate, NaiveDate),
    /// Pay of every finished shift of that month so far, this one included, per currency.
    pub month_totals: Vec<Money>,
}

/// The first and last day of `day`'s month.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next.and_then(|n| n.pred_opt()).unwrap_or(day);
    (first, last)
}

impl StaffPro {
    /// The receipt of `employee`'s finished `shift`.
    pub async fn pay_receipt(
        &self,
        employee: &User,
        shift: &Shift,
    ) -> Result<PayReceipt, AppError> {
        if shift.employee_id != employee.id {
            return Err(AppError::NotFound("shift"));
        }
        let (Some(_), Some(worked_minutes), Some(pay_minor)) =
            (shift.ended_at, shift.worked_minutes, shift.pay_minor)
        else {
            return Err(AppError::Conflict("the shift is still running".into()));
        };
        let site = self
            .store()
            .site(shift.site_id)
            .await?
            .ok_or(AppError::NotFound("site"))?;
        let time_zone = site.settings.time_zone;
        let day = time_zone.local_date(shift.started_at);
        let month = month_of(day);
        let earnings = self
            .earnings(
                employee,
                Period::Custom {
                    from: month.0,
                    to: month.1,
                },
            )
            .await?;
        Ok(PayReceipt {
            shift: shift.clone(),
            site_name: site.settings.name.as_str().to_owned(),
            time_zone,
            day,
            worked_minutes,
            pay: Money::new(pay_minor, shift.hourly_rate.currency),
            month,
            month_totals: earnings.totals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_end_where_the_calendar_says() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(month_of(d(2026, 12, 31)), (d(2026, 12, 1), d(2026, 12, 31)));
        assert_eq!(month_of(d(2028, 2, 15)), (d(2028, 2, 1), d(2028, 2, 29)));
        assert_eq!(month_of(d(2026, 2, 1)), (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!(month_of(d(2026, 4, 30)), (d(2026, 4, 1), d(2026, 4, 30)));
    }
}
