//! Periods people ask reports for ("today", "this week", "this month", or from–to), as local
//! dates; each site turns them into instants in its own time zone.

use chrono::{Datelike, Duration, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Today,
    /// Monday to today.
    ThisWeek,
    /// The 1st to today.
    ThisMonth,
    /// Both days included.
    Custom {
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl Period {
    /// The first and last local date of the period, given the local `today`.
    pub fn dates(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        match *self {
            Period::Today => (today, today),
            Period::ThisWeek => (
                today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
                today,
            ),
            Period::ThisMonth => (today.with_day(1).unwrap_or(today), today),
            Period::Custom { from, to } => (from.min(to), from.max(to)),
        }
    }
}

/// Parses "DD.MM.YYYY-DD.MM.YYYY", "YYYY-MM-DD..YYYY-MM-DD" style ranges people type (also a
/// single date). Separators between the two dates: "-", "–", "—", "..", " ".
pub fn parse_date_range(raw: &str) -> Option<(NaiveDate, NaiveDate)> {
    let s = raw.trim();
    if let Some(d) = parse_date(s) {
        return Some((d, d));
    }
    for sep in ["..", " - ", " – ", " — ", "–", "—", " "] {
        if let Some((a, b)) = s.split_once(sep)
            && let (Some(a), Some(b)) = (parse_date(a), parse_date(b))
        {
            return Some((a.min(b), a.max(b)));
        }
    }
    // "01.11.2026-15.11.2026": a plain hyphen separates only dotted dates.
    if let Some((a, b)) = s.split_once('-')
        && a.contains('.')
        && let (Some(a), Some(b)) = (parse_date(a), parse_date(b))
    {
        return Some((a.min(b), a.max(b)));
    }
    None
}

/// "DD.MM.YYYY" or "YYYY-MM-DD".
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    NaiveDate::parse_from_str(s, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn periods() {
        let wed = d("2026-11-25");
        assert_eq!(Period::Today.dates(wed), (wed, wed));
        assert_eq!(Period::ThisWeek.dates(wed), (d("2026-11-23"), wed));
        assert_eq!(Period::ThisMonth.dates(wed), (d("2026-11-01"), wed));
        let mon = d("2026-11-23");
        assert_eq!(Period::ThisWeek.dates(mon), (mon, mon));
        assert_eq!(Period::Custom { from: wed, to: mon }.dates(wed), (mon, wed));
    }

    #[test]
    fn typed_ranges() {
        assert_eq!(
            parse_date_range("01.11.2026-15.11.2026"),
            Some((d("2026-11-01"), d("2026-11-15")))
        );
        assert_eq!(
            parse_date_range("2026-11-01..2026-11-15"),
            Some((d("2026-11-01"), d("2026-11-15")))
        );
        assert_eq!(
            parse_date_range("15.11.2026 – 01.11.2026"),
            Some((d("2026-11-01"), d("2026-11-15")))
        );
        assert_eq!(
            parse_date_range("05.11.2026"),
            Some((d("2026-11-05"), d("2026-11-05")))
        );
        assert_eq!(
            parse_date_range("2026-11-05"),
            Some((d("2026-11-05"), d("2026-11-05")))
        );
        assert_eq!(parse_date_range("вчера"), None);
        assert_eq!(parse_date_range("32.11.2026-01.12.2026"), None);
    }
}
