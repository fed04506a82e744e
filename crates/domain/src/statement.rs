//! Pay statements: a fixed record, per employee and site and pay period, of the finished shifts,
//! minutes and pay (per currency) — stored once per version, never edited. The pay period is the
//! calendar month in the site's time zone; the rules here say which periods have ended and when a
//! statement needs a new version.

use crate::{Currency, SiteId, UserId};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

/// A pay period: local dates of the site, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl PayPeriod {
    /// The calendar month holding `day`.
    pub fn month_of(day: NaiveDate) -> PayPeriod {
        let from = day.with_day(1).unwrap_or(day);
        let to = from
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(from);
        PayPeriod { from, to }
    }

    /// The month before this one.
    pub fn previous(&self) -> PayPeriod {
        PayPeriod::month_of(self.from.pred_opt().unwrap_or(self.from))
    }

    /// The `count` latest months that ended before the local `today`, latest first.
    pub fn ended_before(today: NaiveDate, count: u32) -> Vec<PayPeriod> {
        let mut periods = Vec::new();
        let mut p = PayPeriod::month_of(today);
        for _ in 0..count {
            p = p.previous();
            periods.push(p);
        }
        periods
    }

    /// "2026-11": the period's part of a statement's idempotency key.
    pub fn key(&self) -> String {
        format!("{:04}-{:02}", self.from.year(), self.from.month())
    }
}

/// One currency's part of a statement (each shift keeps the currency it was paid in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementLine {
    pub currency: Currency,
    pub shifts: i64,
    pub worked_minutes: i64,
    pub pay_minor: i64,
}

/// A stored pay statement (one version of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayStatement {
    pub site_id: SiteId,
    pub employee_id: UserId,
    pub period: PayPeriod,
    /// 1 for the first statement, then one more for each correction.
    pub version: u32,
    /// Ordered by currency code; empty only for a correction that left nothing to pay.
    pub lines: Vec<StatementLine>,
    pub created_at: DateTime<Utc>,
}

impl PayStatement {
    pub fn shifts(&self) -> i64 {
        self.lines.iter().map(|l| l.shifts).sum()
    }

    pub fn worked_minutes(&self) -> i64 {
        self.lines.iter().map(|l| l.worked_minutes).sum()
    }

    /// The idempotency key of sending this version: `statement:{site}:{employee}:{period}:v{n}`.
    pub fn key(&self) -> String {
        format!(
            "statement:{}:{}:{}:v{}",
            self.site_id.0,
            self.employee_id.0,
            self.period.key(),
            self.version
        )
    }

    pub fn is_correction(&self) -> bool {
        self.version > 1
    }
}

/// The version to store for what the period's shifts add up to now (`lines`, ordered by
/// currency), given the latest stored version and its lines: None when nothing changed, or
/// when there is nothing to state and nothing was stated.
pub fn next_version(
    latest: Option<(u32, &[StatementLine])>,
    lines: &[StatementLine],
) -> Option<u32> {
    match latest {
        None if lines.is_empty() => None,
        None => Some(1),
        Some((_, stated)) if stated == lines => None,
        Some((version, _)) => Some(version.saturating_add(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line(minor: i64) -> StatementLine {
        StatementLine {
            currency: Currency::RUB,
            shifts: 1,
            worked_minutes: 60,
            pay_minor: minor,
        }
    }

    #[test]
    fn months_and_their_ends() {
        assert_eq!(
            PayPeriod::month_of(d(2028, 2, 17)),
            PayPeriod {
                from: d(2028, 2, 1),
                to: d(2028, 2, 29)
            }
        );
        assert_eq!(PayPeriod::month_of(d(2026, 12, 31)).to, d(2026, 12, 31));
        assert_eq!(
            PayPeriod::ended_before(d(2027, 1, 1), 2),
            [
                PayPeriod::month_of(d(2026, 12, 1)),
                PayPeriod::month_of(d(2026, 11, 1))
            ]
        );
        assert_eq!(PayPeriod::month_of(d(2026, 11, 30)).key(), "2026-11");
    }

    #[test]
    fn a_version_only_for_a_change() {
        assert_eq!(next_version(None, &[]), None);
        assert_eq!(next_version(None, &[line(100)]), Some(1));
        assert_eq!(next_version(Some((1, &[line(100)])), &[line(100)]), None);
        assert_eq!(next_version(Some((1, &[line(100)])), &[line(150)]), Some(2));
        assert_eq!(next_version(Some((2, &[line(100)])), &[]), Some(3));
    }

    #[test]
    fn keys_name_site_employee_period_and_version() {
        let s = PayStatement {
            site_id: SiteId(3),
            employee_id: UserId(7),
            period: PayPeriod::month_of(d(2026, 11, 5)),
            version: 2,
            lines: vec![line(1)],
            created_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
        };
        assert_eq!(s.key(), "statement:3:7:2026-11:v2");
        assert!(s.is_correction());
    }

    proptest! {
        #[test]
        fn a_month_holds_its_day_and_the_months_tile(days in 0i64..(60 * 365)) {
            let day = d(2000, 1, 1) + chrono::Duration::days(days);
            let p = PayPeriod::month_of(day);
            prop_assert!(p.from <= day && day <= p.to);
            prop_assert_eq!(p.from.day(), 1);
            prop_assert_eq!(p.to.succ_opt().unwrap().day(), 1);
            let prev = p.previous();
            prop_assert_eq!(prev.to.succ_opt().unwrap(), p.from);
            // Ended months are before today's, newest first, each right before the next.
            let ended = PayPeriod::ended_before(day, 3);
            prop_assert_eq!(ended.len(), 3);
            prop_assert!(ended[0].to < day);
            prop_assert_eq!(ended[0].to.succ_opt().unwrap(), p.from);
            prop_assert!(ended.windows(2).all(|w| w[1].to.succ_opt().unwrap() == w[0].from));
        }

        #[test]
        fn versions_grow_by_one_and_only_on_change(v in 1u32..100, a in 0i64..1000, b in 0i64..1000) {
            let next = next_version(Some((v, &[line(a)])), &[line(b)]);
            prop_assert_eq!(next, (a != b).then_some(v + 1));
        }
    }
}
