//! Periods people ask reports for ("today", "this week", "this month", or from–to), as local
//! dates; each site turns them into instants in its own time zone.

use crate::ValueError;
use crate::site::ascii_number;
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

/// "DD.MM.YYYY" or "YYYY-MM-DD" as people type them (day and month may have one digit; the
/// year has four, and no part a sign).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    let parts: Vec<&str> = s.split(['.', '-']).collect();
    let (y, m, d) = match parts[..] {
        [d, m, y] if s.contains('.') && !s.contains('-') => (y, m, d),
        [y, m, d] if s.contains('-') && !s.contains('.') => (y, m, d),
        _ => return None,
    };
    ymd(
        ascii_number(y, 4, 4)?,
        ascii_number(m, 1, 2)?,
        ascii_number(d, 1, 2)?,
    )
}

/// The dates `parse_iso_date` accepts, as a regular expression (for the OpenAPI document).
pub const ISO_DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// A date exactly as `YYYY-MM-DD` (RFC 3339's full-date: four-digit year, no sign), the form
/// programs exchange; `field` names the input it came from.
pub fn parse_iso_date(field: &'static str, raw: &str) -> Result<NaiveDate, ValueError> {
    let err = || ValueError::Date {
        field,
        value: raw.to_owned(),
    };
    let mut parts = raw.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err());
    };
    let ymd_parts = (
        ascii_number(y, 4, 4),
        ascii_number(m, 2, 2),
        ascii_number(d, 2, 2),
    );
    match ymd_parts {
        (Some(y), Some(m), Some(d)) => ymd(y, m, d).ok_or_else(err),
        _ => Err(err()),
    }
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
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
        assert_eq!(parse_date("5.1.2026"), Some(d("2026-01-05")));
        for bad in [
            "+999-01-01",
            "999-01-01",
            "-2026-01-01",
            "01.01.+999",
            "01.01.26",
            "+1.01.2026",
            "2026-01-01.5",
            "2026.01.01",
            "12026-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_dates_are_exact() {
        assert_eq!(parse_iso_date("from", "2026-11-05"), Ok(d("2026-11-05")));
        assert_eq!(parse_iso_date("from", "0001-01-01"), Ok(d("0001-01-01")));
        for bad in [
            "+999-01-01",
            "+2026-11-05",
            "-026-11-05",
            "2026-11-5",
            "2026-13-01",
            "2026-02-30",
            "05.11.2026",
            "",
            " 2026-11-05",
            "2026-11-05 ",
            "2026-11-05-",
            "2026-+1-05",
            "２０２６-11-05",
        ] {
            assert_eq!(
                parse_iso_date("from", bad),
                Err(ValueError::Date {
                    field: "from",
                    value: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }
}
