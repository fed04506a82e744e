//! Planned shifts: the window rules (length, opening hours, not in the past) and cancelling.

use crate::site::format_time_of_day;
use crate::{OpeningHours, PlannedShiftId, ShiftId, SiteId, SiteTimeZone, UserId};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    Planned,
    Cancelled,
    Done,
    Missed,
}

impl PlanStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::Cancelled => "cancelled",
            PlanStatus::Done => "done",
            PlanStatus::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "planned" => Some(PlanStatus::Planned),
            "cancelled" => Some(PlanStatus::Cancelled),
            "done" => Some(PlanStatus::Done),
            "missed" => Some(PlanStatus::Missed),
            _ => None,
        }
    }
}

/// A planned shift as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedShift {
    pub id: PlannedShiftId,
    pub employee_id: UserId,
    pub site_id: SiteId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: PlanStatus,
    /// The real shift that fulfilled this plan.
    pub shift_id: Option<ShiftId>,
    pub created_at: DateTime<Utc>,
}

/// Why a plan (or its cancelling) is refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanRuleError {
    #[error("{local} does not exist in {zone} (the clocks skip it)")]
    NonexistentLocalTime {
        local: NaiveDateTime,
        zone: &'static str,
    },
    #[error("a planned shift must last at least 1 hour, this one lasts {minutes} min")]
    TooShort { minutes: i64 },
    #[error("a planned shift may last at most 24 hours, this one lasts {minutes} min")]
    TooLong { minutes: i64 },
    #[error("the planned shift starts in the past")]
    InThePast,
    #[error("the site is open {opens}-{closes}; the planned shift must fit inside")]
    OutsideOpeningHours { opens: String, closes: String },
    #[error(
        "a plan can only be cancelled at least {cutoff_minutes} min before it starts; {minutes_left} min are left"
    )]
    CancelTooLate {
        minutes_left: i64,
        cutoff_minutes: i64,
    },
    #[error("the plan is {status} and can no longer be cancelled")]
    NotCancellable { status: &'static str },
}

/// The start and end of a planned shift as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedWindow {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl PlannedWindow {
    pub const MIN_LENGTH: Duration = Duration::hours(1);
    pub const MAX_LENGTH: Duration = Duration::hours(24);

    /// A window from the site's local date and wall-clock start and end; an end at or before the
    /// start means the next day (a night shift).
    pub fn from_local(
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
        tz: &SiteTimeZone,
    ) -> Result<Self, PlanRuleError> {
        let start_local = date.and_time(start);
        let end_date = if end <= start {
            date + Duration::days(1)
        } else {
            date
        };
        let end_local = end_date.and_time(end);
        let resolve = |local: NaiveDateTime| {
            tz.instant_exact(local)
                .ok_or(PlanRuleError::NonexistentLocalTime {
                    local,
                    zone: tz.name(),
                })
        };
        Ok(Self {
            starts_at: resolve(start_local)?,
            ends_at: resolve(end_local)?,
        })
    }

    pub fn length(&self) -> Duration {
        self.ends_at - self.starts_at
    }

    /// The rules every new plan must meet (overlap with other plans is the store's to check,
    /// atomically with the insert).
    pub fn validate(
        &self,
        hours: &OpeningHours,
        tz: &SiteTimeZone,
        now: DateTime<Utc>,
    ) -> Result<(), PlanRuleError> {
        let minutes = self.length().num_minutes();
        if self.length() < Self::MIN_LENGTH {
            return Err(PlanRuleError::TooShort { minutes });
        }
        if self.length() > Self::MAX_LENGTH {
            return Err(PlanRuleError::TooLong { minutes });
        }
        if self.starts_at <= now {
            return Err(PlanRuleError::InThePast);
        }
        if !hours.contains(tz.local(self.starts_at), tz.local(self.ends_at)) {
            return Err(PlanRuleError::OutsideOpeningHours {
                opens: format_time_of_day(hours.opens_at()),
                closes: format_time_of_day(hours.closes_at()),
            });
        }
        Ok(())
    }

    /// Whether two windows share any time (touching ends do not overlap).
    pub fn overlaps(&self, other: &PlannedWindow) -> bool {
        self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
}

/// Whether a plan may be cancelled at `now`, given the cut-off before its start.
pub fn check_cancel(
    plan: &PlannedShift,
    now: DateTime<Utc>,
    cutoff: Duration,
) -> Result<(), PlanRuleError> {
    if plan.status != PlanStatus::Planned {
        return Err(PlanRuleError::NotCancellable {
            status: plan.status.as_str(),
        });
    }
    let left = plan.starts_at - now;
    if left < cutoff {
        return Err(PlanRuleError::CancelTooLate {
            minutes_left: left.num_minutes().max(0),
            cutoff_minutes: cutoff.num_minutes(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn tz(name: &str) -> SiteTimeZone {
        SiteTimeZone::parse(name).unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn local_times_become_instants_in_the_site_zone() {
        let w = PlannedWindow::from_local(
            d("2026-12-01"),
            t(9, 0),
            t(17, 0),
            &tz("Asia/Yekaterinburg"),
        )
        .unwrap();
        assert_eq!(
            w.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap()
        );
        assert_eq!(w.length(), Duration::hours(8));
        // End before start: a night shift ending the next day.
        let n = PlannedWindow::from_local(d("2026-12-01"), t(22, 0), t(6, 0), &tz("Europe/Moscow"))
            .unwrap();
        assert_eq!(n.length(), Duration::hours(8));
        // The same start and end: 24 hours.
        let full =
            PlannedWindow::from_local(d("2026-12-01"), t(8, 0), t(8, 0), &tz("Europe/Moscow"))
                .unwrap();
        assert_eq!(full.length(), Duration::hours(24));
    }

    #[test]
    fn nonexistent_local_time_is_refused() {
        let r = PlannedWindow::from_local(d("2027-03-28"), t(2, 30), t(8, 0), &tz("Europe/Berlin"));
        assert!(matches!(r, Err(PlanRuleError::NonexistentLocalTime { .. })));
    }

    #[test]
    fn rules() {
        let msk = tz("Europe/Moscow");
        let hours = OpeningHours::parse("09:00", "21:00").unwrap();
        let w = |s, e| PlannedWindow::from_local(d("2026-12-01"), s, e, &msk).unwrap();
        assert_eq!(w(t(9, 0), t(21, 0)).validate(&hours, &msk, now()), Ok(()));
        assert_eq!(
            w(t(9, 0), t(9, 59)).validate(&hours, &msk, now()),
            Err(PlanRuleError::TooShort { minutes: 59 })
        );
        assert!(matches!(
            w(t(8, 0), t(12, 0)).validate(&hours, &msk, now()),
            Err(PlanRuleError::OutsideOpeningHours { .. })
        ));
        let always = OpeningHours::AroundTheClock;
        let long = PlannedWindow {
            starts_at: w(t(9, 0), t(10, 0)).starts_at,
            ends_at: w(t(9, 0), t(10, 0)).starts_at + Duration::minutes(24 * 60 + 1),
        };
        assert_eq!(
            long.validate(&always, &msk, now()),
            Err(PlanRuleError::TooLong {
                minutes: 24 * 60 + 1
            })
        );
        let past = PlannedWindow::from_local(d("2026-11-25"), t(10, 0), t(14, 0), &msk).unwrap();
        assert_eq!(
            past.validate(&always, &msk, now()),
            Err(PlanRuleError::InThePast)
        );
    }

    #[test]
    fn overnight_site_accepts_night_plans() {
        let vvo = tz("Asia/Vladivostok");
        let hours = OpeningHours::parse("20:00", "06:00").unwrap();
        let night = PlannedWindow::from_local(d("2026-12-01"), t(22, 0), t(6, 0), &vvo).unwrap();
        assert_eq!(night.validate(&hours, &vvo, now()), Ok(()));
        let day = PlannedWindow::from_local(d("2026-12-01"), t(10, 0), t(14, 0), &vvo).unwrap();
        assert!(day.validate(&hours, &vvo, now()).is_err());
    }

    #[test]
    fn cancelling() {
        let plan = PlannedShift {
            id: PlannedShiftId(1),
            employee_id: UserId(1),
            site_id: SiteId(1),
            starts_at: now() + Duration::minutes(90),
            ends_at: now() + Duration::minutes(600),
            status: PlanStatus::Planned,
            shift_id: None,
            created_at: now(),
        };
        assert_eq!(check_cancel(&plan, now(), Duration::hours(1)), Ok(()));
        assert_eq!(
            check_cancel(&plan, now() + Duration::minutes(45), Duration::hours(1)),
            Err(PlanRuleError::CancelTooLate {
                minutes_left: 45,
                cutoff_minutes: 60
            })
        );
        let done = PlannedShift {
            status: PlanStatus::Done,
            ..plan
        };
        assert_eq!(
            check_cancel(&done, now(), Duration::hours(1)),
            Err(PlanRuleError::NotCancellable { status: "done" })
        );
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric(a in 0i64..1000, la in 1i64..200, b in 0i64..1000, lb in 1i64..200) {
            let base = now();
            let x = PlannedWindow { starts_at: base + Duration::minutes(a), ends_at: base + Duration::minutes(a + la) };
            let y = PlannedWindow { starts_at: base + Duration::minutes(b), ends_at: base + Duration::minutes(b + lb) };
            prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
            prop_assert_eq!(x.overlaps(&y), a < b + lb && b < a + la);
        }

        #[test]
        fn local_window_round_trips(day in 0i64..730, sh in 0u32..24, sm in 0u32..60, len in 60i64..=(23*60),
            zone in prop::sample::select(vec!["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok", "Europe/Berlin"])) {
            let zone = tz(zone);
            let date = d("2026-01-01") + Duration::days(day);
            let start = t(sh, sm);
            let end = start + Duration::minutes(len);
            if let Ok(w) = PlannedWindow::from_local(date, start, end, &zone) {
                prop_assert_eq!(zone.local(w.starts_at), date.and_time(start));
                prop_assert_eq!(zone.local(w.ends_at).time(), end);
            }
        }
    }
}
