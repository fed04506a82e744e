//! Time zones of sites and the conversion of local wall-clock times to instants, with DST gaps
//! and overlaps resolved one documented way.

use crate::ValueError;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

/// An IANA time zone (Europe/Moscow by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteTimeZone(Tz);

impl Default for SiteTimeZone {
    fn default() -> Self {
        Self(chrono_tz::Europe::Moscow)
    }
}

impl SiteTimeZone {
    /// A zone by its exact IANA name (one of `names`).
    pub fn parse(name: &str) -> Result<Self, ValueError> {
        name.parse::<Tz>()
            .map(Self)
            .map_err(|_| ValueError::TimeZone {
                value: name.to_owned(),
            })
    }

    /// Every name `parse` accepts.
    pub fn names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The local wall-clock time of an instant.
    pub fn local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.0).naive_local()
    }

    /// The local date of an instant.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        self.local(instant).date()
    }

    /// The instant of a local wall-clock time, if it exists. In an autumn overlap the earlier
    /// instant is taken; a time inside a spring-forward gap does not exist (None).
    pub fn instant_exact(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(earliest, _) => Some(earliest.with_timezone(&Utc)),
            LocalResult::None => None,
        }
    }

    /// Like `instant_exact`, but a time inside a spring-forward gap becomes the first instant
    /// after the gap (02:30 on a night when 02:00 jumps to 03:00 becomes 03:00).
    pub fn instant_lenient(&self, local: NaiveDateTime) -> DateTime<Utc> {
        if let Some(t) = self.instant_exact(local) {
            return t;
        }
        // Gaps are at most a few hours; walk forward a minute at a time at most one day.
        let mut probe = local;
        for _ in 0..(24 * 60) {
            probe += Duration::minutes(1);
            if let Some(t) = self.instant_exact(probe) {
                return t;
            }
        }
        // Unreachable for real zones; fall back to reading the wall time as UTC.
        Utc.from_utc_datetime(&local)
    }

    /// The instant local midnight starts `date` (lenient: some zones skip midnight on DST days).
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.instant_lenient(date.and_time(NaiveTime::MIN))
    }
}

impl fmt::Display for SiteTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn parse_zones() {
        assert_eq!(SiteTimeZone::default().name(), "Europe/Moscow");
        assert!(SiteTimeZone::parse("Asia/Vladivostok").is_ok());
        for bad in ["Mars/Olympus", " Europe/Moscow", "europe/moscow", ""] {
            assert!(
                matches!(SiteTimeZone::parse(bad), Err(ValueError::TimeZone { .. })),
                "{bad:?}"
            );
        }
        assert!(SiteTimeZone::names().all(|n| SiteTimeZone::parse(n).is_ok()));
        assert!(SiteTimeZone::names().any(|n| n == "Asia/Vladivostok"));
    }

    #[test]
    fn gaps_and_overlaps() {
        let berlin = SiteTimeZone::parse("Europe/Berlin").unwrap();
        // 2026-03-29 02:30 does not exist in Berlin.
        assert_eq!(berlin.instant_exact(dt("2026-03-29 02:30")), None);
        let lenient = berlin.instant_lenient(dt("2026-03-29 02:30"));
        assert_eq!(berlin.local(lenient), dt("2026-03-29 03:00"));
        // 2026-10-25 02:30 happens twice; the earlier (CEST, UTC+2) is taken.
        let t = berlin.instant_exact(dt("2026-10-25 02:30")).unwrap();
        assert_eq!(t.naive_utc(), dt("2026-10-25 00:30"));
    }
}
