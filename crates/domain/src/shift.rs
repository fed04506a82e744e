//! Shifts: their states, worked time and pay, and the rule that closes a forgotten shift.

use crate::money::pay_minor;
use crate::review::ReviewReason;
use crate::{
    Coordinates, Money, OpeningHours, PlannedShiftId, ShiftId, SiteId, SiteTimeZone, UserId,
};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShiftStatus {
    Active,
    Closed,
    AutoClosed,
}

impl ShiftStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ShiftStatus::Active => "active",
            ShiftStatus::Closed => "closed",
            ShiftStatus::AutoClosed => "auto_closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(ShiftStatus::Active),
            "closed" => Some(ShiftStatus::Closed),
            "auto_closed" => Some(ShiftStatus::AutoClosed),
            _ => None,
        }
    }
}

/// Where a shift was opened or closed, as accepted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordedLocation {
    pub coordinates: Coordinates,
    pub accuracy_m: Option<f64>,
    /// Distance from the site's point when accepted, metres.
    pub distance_m: f64,
}

/// A shift as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub id: ShiftId,
    pub employee_id: UserId,
    pub site_id: SiteId,
    pub status: ShiftStatus,
    pub started_at: DateTime<Utc>,
    pub start_location: RecordedLocation,
    pub ended_at: Option<DateTime<Utc>>,
    /// None for a shift closed automatically (nobody sent a location).
    pub end_location: Option<RecordedLocation>,
    /// The site's rate when the shift opened; later rate changes do not touch it.
    pub hourly_rate: Money,
    pub worked_minutes: Option<i64>,
    pub pay_minor: Option<i64>,
    /// Set when the shift was closed automatically, its employee reported a forgotten close, or
    /// the geolocation audit found something, so the owner reviews it.
    pub needs_review: bool,
    pub planned_shift_id: Option<PlannedShiftId>,
    /// Who ended the shift by a stated time instead of a location at the site: the owner or
    /// manager who closed it, or the employee who reported a forgotten close. None when it was
    /// closed from the site or automatically (and while it runs).
    pub closed_by: Option<UserId>,
    /// Why it waits for review; Some exactly while `needs_review`.
    pub review_reason: Option<ReviewReason>,
}

impl Shift {
    /// Worked minutes and pay if the shift ended at `at` (for a running shift's "earned so far").
    pub fn settle_at(&self, at: DateTime<Utc>) -> (i64, i64) {
        let minutes = worked_minutes(self.started_at, at);
        (minutes, pay_minor(minutes, self.hourly_rate.minor))
    }
}

/// Whole minutes between two instants (seconds are cut off); never negative.
pub fn worked_minutes(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    ((end - start).num_seconds() / 60).max(0)
}

/// When a forgotten shift closes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoClosePolicy {
    /// Time after the site's closing time before the shift is closed.
    pub grace: Duration,
    /// The longest a shift may run.
    pub max_length: Duration,
}

impl Default for AutoClosePolicy {
    fn default() -> Self {
        Self {
            grace: Duration::minutes(60),
            max_length: Duration::hours(16),
        }
    }
}

impl AutoClosePolicy {
    /// The instant a shift started at `started_at` closes automatically: the first closing
    /// time plus grace of the site (in its time zone) after the start, or the start plus the
    /// maximum length, whichever comes first. Sites open around the clock only have the maximum
    /// length.
    pub fn close_at(
        &self,
        started_at: DateTime<Utc>,
        hours: &OpeningHours,
        tz: &SiteTimeZone,
    ) -> DateTime<Utc> {
        let cap = started_at + self.max_length;
        let local_day = tz.local_date(started_at);
        hours
            .closings_around(local_day)
            .into_iter()
            .map(|closing| tz.instant_lenient(closing) + self.grace)
            .filter(|t| *t > started_at)
            .min()
            .map_or(cap, |t| t.min(cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeZone};
    use proptest::prelude::*;

    fn tz(name: &str) -> SiteTimeZone {
        SiteTimeZone::parse(name).unwrap()
    }

    fn local(zone: &SiteTimeZone, s: &str) -> DateTime<Utc> {
        zone.instant_exact(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
            .unwrap()
    }

    #[test]
    fn minutes_are_cut_not_rounded() {
        let a = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
        assert_eq!(worked_minutes(a, a + Duration::seconds(119)), 1);
        assert_eq!(worked_minutes(a, a - Duration::seconds(119)), 0);
    }

    #[test]
    fn closes_at_closing_plus_grace() {
        let msk = tz("Europe/Moscow");
        let hours = OpeningHours::parse("09:00", "21:00").unwrap();
        let p = AutoClosePolicy::default();
        let start = local(&msk, "2026-12-01 09:00");
        assert_eq!(
            p.close_at(start, &hours, &msk),
            local(&msk, "2026-12-01 22:00")
        );
        // Opened after closing but within grace: the same evening's closing still applies.
        let late = local(&msk, "2026-12-01 21:30");
        assert_eq!(
            p.close_at(late, &hours, &msk),
            local(&msk, "2026-12-01 22:00")
        );
        // Opened well after: the next closing is more than 16 h away, so the cap wins.
        let night = local(&msk, "2026-12-01 23:00");
        assert_eq!(p.close_at(night, &hours, &msk), night + Duration::hours(16));
    }

    #[test]
    fn overnight_site_closes_next_morning() {
        let vvo = tz("Asia/Vladivostok");
        let hours = OpeningHours::parse("20:00", "06:00").unwrap();
        let p = AutoClosePolicy::default();
        let start = local(&vvo, "2026-12-01 20:00");
        assert_eq!(
            p.close_at(start, &hours, &vvo),
            local(&vvo, "2026-12-02 07:00")
        );
        let after_midnight = local(&vvo, "2026-12-02 01:00");
        assert_eq!(
            p.close_at(after_midnight, &hours, &vvo),
            local(&vvo, "2026-12-02 07:00")
        );
    }

    #[test]
    fn around_the_clock_uses_max_length() {
        let msk = tz("Europe/Moscow");
        let p = AutoClosePolicy::default();
        let start = local(&msk, "2026-12-01 09:00");
        assert_eq!(
            p.close_at(start, &OpeningHours::AroundTheClock, &msk),
            start + Duration::hours(16)
        );
    }

    #[test]
    fn dst_night_counts_real_hours() {
        // Berlin, 2026-10-25: clocks go back at 03:00 -> 02:00, the night has 25 hours.
        let ber = tz("Europe/Berlin");
        let hours = OpeningHours::parse("20:00", "06:00").unwrap();
        let p = AutoClosePolicy {
            grace: Duration::zero(),
            max_length: Duration::hours(16),
        };
        let start = local(&ber, "2026-10-24 20:00");
        let end = p.close_at(start, &hours, &ber);
        assert_eq!(end, local(&ber, "2026-10-25 06:00"));
        assert_eq!(worked_minutes(start, end), 11 * 60);
        // Spring forward, 2026-03-29: that night has 9 hours.
        let start = local(&ber, "2026-03-28 20:00");
        assert_eq!(
            worked_minutes(start, p.close_at(start, &hours, &ber)),
            9 * 60
        );
    }

    proptest! {
        #[test]
        fn close_is_after_start_and_within_max(
            secs in 0i64..(3 * 365 * 86_400),
            opens in 0u32..24, closes in 0u32..24,
            zone in prop::sample::select(vec!["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok", "Europe/Berlin", "America/New_York"]),
        ) {
            let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(secs);
            let hours = OpeningHours::new(
                chrono::NaiveTime::from_hms_opt(opens, 0, 0).unwrap(),
                chrono::NaiveTime::from_hms_opt(closes, 0, 0).unwrap(),
            );
            let p = AutoClosePolicy::default();
            let end = p.close_at(start, &hours, &tz(zone));
            prop_assert!(end > start);
            prop_assert!(end <= start + p.max_length);
        }
    }
}
