//! Values as people type them: coordinates, metres, opening hours, time zones and money,
//! read exactly (no floating point for money) before the domain checks them.

use super::fields::Invalid;
use crate::texts::Texts;
use domain::site::{format_time_of_day, parse_time_of_day};
use domain::{Language, SiteTimeZone, ValueError};

/// "55.7539, 37.6208", "55.7539 37.6208", "55,7539; 37,6208", "55,7539, 37,6208".
pub fn parse_coordinates(text: &str) -> Option<(f64, f64)> {
    let s = text.trim();
    let (a, b) = if let Some(p) = s.split_once(';') {
        p
    } else if s.matches(',').count() == 1 {
        s.split_once(',')?
    } else if let Some(p) = s.split_once(", ") {
        p
    } else {
        s.split_once(char::is_whitespace)?
    };
    let num = |x: &str| -> Option<f64> {
        let x = x.trim().trim_end_matches('°').replace(',', ".");
        if x.is_empty() || !x.chars().all(|c| c.is_ascii_digit() || "+-.".contains(c)) {
            return None;
        }
        x.parse().ok()
    };
    Some((num(a)?, num(b)?))
}

/// "150", "150 m", "150м", "150 метров".
pub(super) fn parse_metres(text: &str) -> Option<i64> {
    let s = text
        .trim()
        .trim_end_matches(|c: char| c.is_alphabetic() || c == '.' || c.is_whitespace());
    s.parse().ok()
}

/// "09:00-21:00", "9:00 – 21:00", "20:00-06:00", "24/7".
pub(super) fn parse_hours(text: &str) -> Result<(String, String), Invalid> {
    let s = text.trim().to_lowercase();
    if matches!(
        s.as_str(),
        "24/7" | "24x7" | "24х7" | "круглосуточно" | "around the clock" | "24h"
    ) {
        return Ok(("00:00".into(), "00:00".into()));
    }
    let (a, b) = s
        .split_once(['-', '–', '—'])
        .ok_or(Invalid::Format("site-fmt-hours"))?;
    let time = |field: &'static str, raw: &str| {
        let raw = raw.trim();
        // "9.00" and "9" (as in "9-21") are how people often type times.
        let raw = if raw.contains(':') {
            raw.to_owned()
        } else if !raw.is_empty() && raw.len() <= 2 && raw.chars().all(|c| c.is_ascii_digit()) {
            format!("{raw}:00")
        } else {
            raw.replace('.', ":")
        };
        parse_time_of_day(field, &raw)
            .map(format_time_of_day)
            .map_err(Invalid::Value)
    };
    Ok((time("opens_at", a)?, time("closes_at", b)?))
}

/// An IANA name, or one of the listed zones by its city name in either language.
pub(super) fn parse_zone(text: &str, texts: &Texts) -> Result<String, Invalid> {
    let t = text.trim();
    let by_city = ZONES.iter().find(|(_, id)| {
        [Language::Ru, Language::En]
            .into_iter()
            .any(|l| texts.get(l, id).to_lowercase() == t.to_lowercase())
    });
    if let Some((name, _)) = by_city {
        return Ok((*name).to_owned());
    }
    if let Ok(z) = SiteTimeZone::parse(t) {
        return Ok(z.name().to_owned());
    }
    // "asia/tokyo": IANA names are case-sensitive, people's typing is not.
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|z| z.name().eq_ignore_ascii_case(t))
        .map(|z| z.name().to_owned())
        .ok_or_else(|| {
            Invalid::Value(ValueError::TimeZone {
                value: t.to_owned(),
            })
        })
}

/// An amount in minor units of a currency with `exponent` digits after the decimal point
/// (2 for roubles, 0 for yen), exact, no floating point: in roubles "350" → 35 000, "350,5" →
/// 35 050, "1 200.75 ₽" → 120 075; in yen "1 500" → 1 500.
pub fn parse_money_in(text: &str, exponent: u32) -> Option<i64> {
    let s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let s = s.trim_end_matches(|c: char| !c.is_ascii_digit());
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = match s.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = exponent as usize;
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > digits
        || (digits == 0 && s.contains([',', '.']))
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let scale = 10i64.checked_pow(exponent)?;
    // Absurdly long numbers are "too large", which the rate check reports.
    let whole: i64 = whole.parse().unwrap_or(i64::MAX / scale);
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        // "5" after the point is 50 hundredths.
        let padded = format!("{frac:0<digits$}");
        padded.parse().ok()?
    };
    let minor = whole.saturating_mul(scale).saturating_add(frac);
    Some(if negative { -minor } else { minor })
}

/// Russia's zones, west to east, with the text id of their city.
pub const ZONES: [(&str, &str); 12] = [
    ("Europe/Kaliningrad", "site-zone-kaliningrad"),
    ("Europe/Moscow", "site-zone-moscow"),
    ("Europe/Samara", "site-zone-samara"),
    ("Asia/Yekaterinburg", "site-zone-yekaterinburg"),
    ("Asia/Omsk", "site-zone-omsk"),
    ("Asia/Novosibirsk", "site-zone-novosibirsk"),
    ("Asia/Krasnoyarsk", "site-zone-krasnoyarsk"),
    ("Asia/Irkutsk", "site-zone-irkutsk"),
    ("Asia/Yakutsk", "site-zone-yakutsk"),
    ("Asia/Vladivostok", "site-zone-vladivostok"),
    ("Asia/Magadan", "site-zone-magadan"),
    ("Asia/Kamchatka", "site-zone-kamchatka"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_in_the_forms_people_type() {
        let red_square = Some((55.7539, 37.6208));
        for s in [
            "55.7539, 37.6208",
            "55.7539,37.6208",
            " 55.7539 37.6208 ",
            "55,7539; 37,6208",
            "55,7539, 37,6208",
            "55,7539 37,6208",
            "55.7539°, 37.6208°",
        ] {
            assert_eq!(parse_coordinates(s), red_square, "{s}");
        }
        assert_eq!(
            parse_coordinates("-33.8688, 151.2093"),
            Some((-33.8688, 151.2093))
        );
        for bad in [
            "",
            "55.7539",
            "Moscow",
            "55.75, east",
            "1e3, 5",
            "inf, 3",
            "NaN 1",
        ] {
            assert_eq!(parse_coordinates(bad), None, "{bad}");
        }
        // Read, but out of range: the domain says why.
        assert_eq!(parse_coordinates("95, 37"), Some((95.0, 37.0)));
    }

    #[test]
    fn money_is_read_exactly() {
        assert_eq!(parse_money_in("350", 2), Some(35_000));
        assert_eq!(parse_money_in("350,50", 2), Some(35_050));
        assert_eq!(parse_money_in("350.5", 2), Some(35_050));
        assert_eq!(parse_money_in("1 200,75 ₽", 2), Some(120_075));
        assert_eq!(parse_money_in("0,01", 2), Some(1));
        assert_eq!(parse_money_in("350 руб.", 2), Some(35_000));
        assert_eq!(parse_money_in("-5", 2), Some(-500));
        assert_eq!(
            parse_money_in("99999999999999999999999", 2),
            Some(i64::MAX / 100 * 100)
        );
        for bad in ["", "abc", "3,505", "1,2,3", ",5", "₽", "3a5"] {
            assert_eq!(parse_money_in(bad, 2), None, "{bad}");
        }
        // Yen have no minor unit: 1 500 is 1 500, and a fraction is not an amount.
        assert_eq!(parse_money_in("1 500", 0), Some(1_500));
        assert_eq!(parse_money_in("1500 JPY", 0), Some(1_500));
        for bad in ["1500,5", "1,500", "0,1"] {
            assert_eq!(parse_money_in(bad, 0), None, "{bad}");
        }
        assert_eq!(parse_money_in("12,345", 3), Some(12_345));
        assert_eq!(parse_money_in("12,3", 3), Some(12_300));
    }

    #[test]
    fn hours_and_metres() {
        assert_eq!(
            parse_hours("09:00-21:00"),
            Ok(("09:00".into(), "21:00".into()))
        );
        assert_eq!(
            parse_hours("9:00 – 21:00"),
            Ok(("09:00".into(), "21:00".into()))
        );
        assert_eq!(
            parse_hours("20.00-6.00"),
            Ok(("20:00".into(), "06:00".into()))
        );
        assert_eq!(parse_hours("9-21"), Ok(("09:00".into(), "21:00".into())));
        assert_eq!(parse_hours("22-6"), Ok(("22:00".into(), "06:00".into())));
        assert_eq!(parse_hours("24/7"), Ok(("00:00".into(), "00:00".into())));
        assert_eq!(
            parse_hours("Круглосуточно"),
            Ok(("00:00".into(), "00:00".into()))
        );
        assert_eq!(parse_hours("09:00"), Err(Invalid::Format("site-fmt-hours")));
        assert!(matches!(
            parse_hours("25-21"),
            Err(Invalid::Value(ValueError::TimeOfDay {
                field: "opens_at",
                ..
            }))
        ));
        assert!(matches!(
            parse_hours("25:00-21:00"),
            Err(Invalid::Value(ValueError::TimeOfDay {
                field: "opens_at",
                ..
            }))
        ));
        assert_eq!(parse_metres("150"), Some(150));
        assert_eq!(parse_metres("150 м"), Some(150));
        assert_eq!(parse_metres("150m"), Some(150));
        assert_eq!(parse_metres("-5"), Some(-5));
        assert_eq!(parse_metres("many"), None);
    }
}
