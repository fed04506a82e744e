//! Ending a shift at a stated time (an owner or manager closing it for its employee, an employee
//! who forgot to close it), the review of such an end, and the history record every such change
//! leaves. Pure rules: which instant a stated time means, and which ends are allowed.

use crate::{ShiftId, SiteTimeZone, UserId};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use thiserror::Error;

/// Why a finished shift waits for the owner's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewReason {
    /// Nobody closed it: it was closed automatically.
    AutoClosed,
    /// Its employee said they forgot to close it, and when they left.
    ForgottenClose,
    /// The audit after the close: the end location is outside the geofence.
    OutsideGeofence,
    /// The audit after the close: the same point to the last digits as many earlier shifts.
    RepeatedLocation,
    /// The audit after the close: too far from where the previous shift ended, too soon.
    ImpossibleTravel,
}

impl ReviewReason {
    pub const ALL: [ReviewReason; 5] = [
        ReviewReason::AutoClosed,
        ReviewReason::ForgottenClose,
        ReviewReason::OutsideGeofence,
        ReviewReason::RepeatedLocation,
        ReviewReason::ImpossibleTravel,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ReviewReason::AutoClosed => "auto_closed",
            ReviewReason::ForgottenClose => "forgotten_close",
            ReviewReason::OutsideGeofence => "outside_geofence",
            ReviewReason::RepeatedLocation => "repeated_location",
            ReviewReason::ImpossibleTravel => "impossible_travel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the geolocation audit flagged the shift (rather than how it was closed).
    pub fn is_audit(&self) -> bool {
        matches!(
            self,
            ReviewReason::OutsideGeofence
                | ReviewReason::RepeatedLocation
                | ReviewReason::ImpossibleTravel
        )
    }
}

/// What a change to a shift's end was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShiftChangeKind {
    /// An owner or manager closed the running shift at a stated time.
    ClosedByManager,
    /// The employee said they forgot to close it and when they left; the shift ended then and
    /// waits for review.
    ForgottenReported,
    /// A reviewer accepted the end as it was.
    Approved,
    /// A reviewer moved the end; pay was settled again.
    EndChanged,
}

impl ShiftChangeKind {
    pub const ALL: [ShiftChangeKind; 4] = [
        ShiftChangeKind::ClosedByManager,
        ShiftChangeKind::ForgottenReported,
        ShiftChangeKind::Approved,
        ShiftChangeKind::EndChanged,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ShiftChangeKind::ClosedByManager => "closed_by_manager",
            ShiftChangeKind::ForgottenReported => "forgotten_reported",
            ShiftChangeKind::Approved => "approved",
            ShiftChangeKind::EndChanged => "end_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of a shift's history: what changed, the end before and after, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftChange {
    pub id: i64,
    pub shift_id: ShiftId,
    pub kind: ShiftChangeKind,
    /// None when the shift was still running.
    pub old_ended_at: Option<DateTime<Utc>>,
    pub new_ended_at: Option<DateTime<Utc>>,
    pub changed_by: UserId,
    pub changed_at: DateTime<Utc>,
}

/// Why a stated end time is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum EndTimeError {
    #[error("the end time is before the shift started ({started_at})")]
    BeforeStart { started_at: DateTime<Utc> },
    #[error("the end time is in the future (now is {now})")]
    InFuture { now: DateTime<Utc> },
}

/// A stated end is allowed from the shift's start up to now, both included.
pub fn check_stated_end(
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), EndTimeError> {
    if ended_at > now {
        return Err(EndTimeError::InFuture { now });
    }
    if ended_at < started_at {
        return Err(EndTimeError::BeforeStart { started_at });
    }
    Ok(())
}

/// The instant a wall-clock time of the site means as the end of a shift: the latest such
/// instant that is not in the future (today's, or yesterday's when today's has not come yet),
/// which must not be before the start. A time inside a spring-forward gap moves to the end of
/// the gap, as closing times do.
pub fn end_at_local_time(
    time: NaiveTime,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: &SiteTimeZone,
) -> Result<DateTime<Utc>, EndTimeError> {
    let today = tz.local_date(now);
    let mut end = tz.instant_lenient(today.and_time(time));
    if end > now {
        let yesterday = today - Duration::days(1);
        end = tz.instant_lenient(yesterday.and_time(time));
    }
    check_stated_end(started_at, end, now)?;
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    fn tz(name: &str) -> SiteTimeZone {
        SiteTimeZone::parse(name).unwrap()
    }

    fn local(zone: &SiteTimeZone, s: &str) -> DateTime<Utc> {
        zone.instant_exact(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
            .unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn codes_round_trip() {
        for k in ShiftChangeKind::ALL {
            assert_eq!(ShiftChangeKind::parse(k.as_str()), Some(k));
        }
        for r in ReviewReason::ALL {
            assert_eq!(ReviewReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(ShiftChangeKind::parse("closed"), None);
        assert_eq!(ReviewReason::parse(""), None);
    }

    #[test]
    fn stated_end_between_start_and_now() {
        let msk = tz("Europe/Moscow");
        let start = local(&msk, "2026-12-01 09:00");
        let now = local(&msk, "2026-12-01 18:30");
        assert_eq!(check_stated_end(start, start, now), Ok(()));
        assert_eq!(check_stated_end(start, now, now), Ok(()));
        assert_eq!(
            check_stated_end(start, start - Duration::seconds(1), now),
            Err(EndTimeError::BeforeStart { started_at: start })
        );
        assert_eq!(
            check_stated_end(start, now + Duration::seconds(1), now),
            Err(EndTimeError::InFuture { now })
        );
    }

    #[test]
    fn a_time_already_passed_today_is_today() {
        let msk = tz("Europe/Moscow");
        let start = local(&msk, "2026-12-01 09:00");
        let now = local(&msk, "2026-12-01 18:30");
        assert_eq!(
            end_at_local_time(hm(18, 0), start, now, &msk),
            Ok(local(&msk, "2026-12-01 18:00"))
        );
        assert_eq!(
            end_at_local_time(hm(18, 30), start, now, &msk),
            Ok(now),
            "the very minute of now is not the future"
        );
    }

    #[test]
    fn a_time_still_ahead_today_is_yesterday() {
        // A night shift opened at 22:00; at 07:30 the employee says they left at 23:40.
        let vvo = tz("Asia/Vladivostok");
        let start = local(&vvo, "2026-12-31 22:00");
        let now = local(&vvo, "2027-01-01 07:30");
        assert_eq!(
            end_at_local_time(hm(23, 40), start, now, &vvo),
            Ok(local(&vvo, "2026-12-31 23:40"))
        );
        // After midnight: today's 02:15 already passed.
        assert_eq!(
            end_at_local_time(hm(2, 15), start, now, &vvo),
            Ok(local(&vvo, "2027-01-01 02:15"))
        );
        // 21:00 yesterday is before the start.
        assert_eq!(
            end_at_local_time(hm(21, 0), start, now, &vvo),
            Err(EndTimeError::BeforeStart { started_at: start })
        );
    }

    #[test]
    fn a_time_in_a_spring_gap_moves_to_its_end() {
        // Berlin, 2026-03-29: 02:00 jumps to 03:00.
        let ber = tz("Europe/Berlin");
        let start = local(&ber, "2026-03-28 22:00");
        let now = local(&ber, "2026-03-29 08:00");
        assert_eq!(
            end_at_local_time(hm(2, 30), start, now, &ber),
            Ok(local(&ber, "2026-03-29 03:00"))
        );
    }

    proptest! {
        #[test]
        fn a_local_end_is_never_in_the_future_nor_before_start(
            start_secs in 0i64..(2 * 365 * 86_400),
            length_min in 0i64..(3 * 24 * 60),
            h in 0u32..24, m in 0u32..60,
            zone in prop::sample::select(vec!["Europe/Moscow", "Asia/Vladivostok", "Europe/Berlin", "America/New_York"]),
        ) {
            let zone = tz(zone);
            let start = DateTime::<Utc>::from_timestamp(1_767_225_600 + start_secs, 0).unwrap();
            let now = start + Duration::minutes(length_min);
            if let Ok(end) = end_at_local_time(hm(h, m), start, now, &zone) {
                prop_assert!(end <= now);
                prop_assert!(end >= start);
                prop_assert!(now - end < Duration::hours(49));
            }
        }
    }
}
