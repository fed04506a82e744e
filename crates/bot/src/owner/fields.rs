//! The settings of a site as the bot asks for them: the fields, and reading what the person
//! answered ("55.7539, 37.6208", "09:00-21:00", "350,50", a location pin, a button) into values
//! checked with the domain's own types, so a refusal names the same limits the HTTP API does.
//! How they are asked and shown is in `questions`.

use super::OwnerCb;
use crate::ctx::{Ctx, Input};
use crate::texts::Texts;
use domain::site::{format_time_of_day, parse_time_of_day};
use domain::{
    Address, Coordinates, Currency, GeofenceRadius, Language, Money, SiteName, SitePatch,
    SiteTimeZone, ValueError,
};
use serde::{Deserialize, Serialize};

/// One setting of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Name,
    Address,
    Location,
    Radius,
    Hours,
    Zone,
    Rate,
}

impl Field {
    /// In the order the new-site dialogue asks them.
    pub const ALL: [Field; 7] = [
        Field::Name,
        Field::Address,
        Field::Location,
        Field::Radius,
        Field::Hours,
        Field::Zone,
        Field::Rate,
    ];

    /// One letter in callback data.
    pub fn code(self) -> char {
        match self {
            Field::Name => 'n',
            Field::Address => 'a',
            Field::Location => 'l',
            Field::Radius => 'r',
            Field::Hours => 'h',
            Field::Zone => 'z',
            Field::Rate => 'p',
        }
    }

    pub fn from_code(s: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| s.len() == 1 && s.starts_with(f.code()))
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Field::Name => "site-field-name",
            Field::Address => "site-field-address",
            Field::Location => "site-field-location",
            Field::Radius => "site-field-radius",
            Field::Hours => "site-field-hours",
            Field::Zone => "site-field-zone",
            Field::Rate => "site-field-rate",
        }
    }

    pub(super) fn question_id(self) -> &'static str {
        match self {
            Field::Name => "site-ask-name",
            Field::Address => "site-ask-address",
            Field::Location => "site-ask-location",
            Field::Radius => "site-ask-radius",
            Field::Hours => "site-ask-hours",
            Field::Zone => "site-ask-zone",
            Field::Rate => "site-ask-rate",
        }
    }

    /// The hint shown when the answer could not be read at all.
    fn format_hint_id(self) -> &'static str {
        match self {
            Field::Name | Field::Address => "site-fmt-text",
            Field::Location => "site-fmt-location",
            Field::Radius => "site-fmt-radius",
            Field::Hours => "site-fmt-hours",
            Field::Zone => "site-fmt-zone",
            Field::Rate => "site-fmt-rate",
        }
    }

    /// The field an invalid value belongs to (to ask it again).
    pub fn of_error(e: &ValueError) -> Field {
        match e.field() {
            "address" => Field::Address,
            "latitude" | "longitude" => Field::Location,
            "geofence_radius_m" => Field::Radius,
            "opens_at" | "closes_at" => Field::Hours,
            "time_zone" => Field::Zone,
            "hourly_rate_minor" | "currency" => Field::Rate,
            _ => Field::Name,
        }
    }
}

/// A checked answer for one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Name(String),
    Address(String),
    Location {
        latitude: f64,
        longitude: f64,
    },
    Radius(i64),
    /// Normalised "HH:MM"; equal times mean around the clock.
    Hours {
        opens: String,
        closes: String,
    },
    Zone(String),
    /// Minor units (kopecks).
    Rate(i64),
}

impl Value {
    /// A patch that changes only this field.
    pub fn patch(&self) -> SitePatch {
        let mut p = SitePatch::default();
        match self {
            Value::Name(n) => p.name = Some(n.clone()),
            Value::Address(a) => p.address = Some(a.clone()),
            Value::Location {
                latitude,
                longitude,
            } => {
                p.latitude = Some(*latitude);
                p.longitude = Some(*longitude);
            }
            Value::Radius(r) => p.geofence_radius_m = Some(*r),
            Value::Hours { opens, closes } => {
                p.opens_at = Some(opens.clone());
                p.closes_at = Some(closes.clone());
            }
            Value::Zone(z) => p.time_zone = Some(z.clone()),
            Value::Rate(minor) => p.hourly_rate_minor = Some(*minor),
        }
        p
    }
}

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// Could not be read; the text id explains the expected form.
    Format(&'static str),
    /// Read, but refused by the domain's rules.
    Value(ValueError),
}

impl Invalid {
    pub fn text(&self, ctx: &Ctx<'_>) -> String {
        match self {
            Invalid::Format(id) => ctx.t(id),
            Invalid::Value(e) => super::value_error_text(ctx, e),
        }
    }
}

/// Reads an answer for `field`. `Ok(None)`: nothing to answer (a live location moving on).
/// A rate is read in roubles (a new site's currency); `parse_in` reads it in a site's own.
pub fn parse(field: Field, input: &Input, texts: &Texts) -> Result<Option<Value>, Invalid> {
    parse_in(field, input, texts, Currency::RUB)
}

/// Reads an answer for `field` of a site whose rate is in `currency`.
pub fn parse_in(
    field: Field,
    input: &Input,
    texts: &Texts,
    currency: Currency,
) -> Result<Option<Value>, Invalid> {
    let text = match input {
        Input::Location {
            live_update: true, ..
        } => return Ok(None),
        Input::Location { fix, .. } if field == Field::Location => {
            // A pin the owner forwards or picks on the map is fine here: it marks the site, it
            // is not someone proving where they are.
            return Ok(Some(Value::Location {
                latitude: fix.coordinates.latitude(),
                longitude: fix.coordinates.longitude(),
            }));
        }
        Input::Text(t) => t.as_str(),
        _ => return Err(Invalid::Format(field.format_hint_id())),
    };
    let value = match field {
        Field::Name => Value::Name(
            SiteName::new(text)
                .map_err(Invalid::Value)?
                .as_str()
                .to_owned(),
        ),
        Field::Address => {
            let t = text.trim();
            let t = if matches!(t, "-" | "—" | "–") {
                ""
            } else {
                t
            };
            Value::Address(Address::new(t).map_err(Invalid::Value)?.as_str().to_owned())
        }
        Field::Location => {
            let (lat, lon) = parse_coordinates(text).ok_or(Invalid::Format("site-fmt-location"))?;
            let c = Coordinates::new(lat, lon).map_err(Invalid::Value)?;
            Value::Location {
                latitude: c.latitude(),
                longitude: c.longitude(),
            }
        }
        Field::Radius => {
            let m = parse_metres(text).ok_or(Invalid::Format("site-fmt-radius"))?;
            Value::Radius(i64::from(
                GeofenceRadius::new(m).map_err(Invalid::Value)?.metres(),
            ))
        }
        Field::Hours => {
            let (opens, closes) = parse_hours(text)?;
            Value::Hours { opens, closes }
        }
        Field::Zone => Value::Zone(parse_zone(text, texts)?),
        Field::Rate => {
            let minor = parse_money_in(text, currency.exponent())
                .ok_or(Invalid::Format("site-fmt-rate"))?;
            Money::hourly_rate(minor, currency).map_err(Invalid::Value)?;
            Value::Rate(minor)
        }
    };
    Ok(Some(value))
}

/// The value a button gives for `field`, if the button belongs to it.
pub fn button_value(field: Field, cb: OwnerCb) -> Option<Value> {
    match (field, cb) {
        (Field::Radius, OwnerCb::Radius(m)) => {
            let m = GeofenceRadius::new(i64::from(m)).ok()?;
            Some(Value::Radius(i64::from(m.metres())))
        }
        (Field::Hours, OwnerCb::AroundTheClock) => Some(Value::Hours {
            opens: "00:00".into(),
            closes: "00:00".into(),
        }),
        (Field::Zone, OwnerCb::Zone(i)) => ZONES
            .get(usize::from(i))
            .map(|(name, _)| Value::Zone((*name).to_owned())),
        (Field::Address, OwnerCb::Skip) => Some(Value::Address(String::new())),
        _ => None,
    }
}

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
fn parse_metres(text: &str) -> Option<i64> {
    let s = text
        .trim()
        .trim_end_matches(|c: char| c.is_alphabetic() || c == '.' || c.is_whitespace());
    s.parse().ok()
}

/// "09:00-21:00", "9:00 – 21:00", "20:00-06:00", "24/7".
fn parse_hours(text: &str) -> Result<(String, String), Invalid> {
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
fn parse_zone(text: &str, texts: &Texts) -> Result<String, Invalid> {
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

    #[test]
    fn fields_and_buttons() {
        for f in Field::ALL {
            assert_eq!(Field::from_code(&f.code().to_string()), Some(f));
        }
        assert_eq!(Field::from_code("nn"), None);
        assert_eq!(
            button_value(Field::Radius, OwnerCb::Radius(200)),
            Some(Value::Radius(200))
        );
        assert_eq!(button_value(Field::Radius, OwnerCb::Radius(5)), None);
        assert_eq!(button_value(Field::Hours, OwnerCb::Radius(200)), None);
        assert_eq!(
            button_value(Field::Zone, OwnerCb::Zone(9)),
            Some(Value::Zone("Asia/Vladivostok".into()))
        );
        assert_eq!(button_value(Field::Zone, OwnerCb::Zone(12)), None);
    }

    #[test]
    fn answers_are_checked_by_the_domain() {
        let t = Texts::load().unwrap();
        let text = |s: &str| Input::Text(s.into());
        assert_eq!(
            parse(Field::Name, &text("  Кофейня  "), &t),
            Ok(Some(Value::Name("Кофейня".into())))
        );
        assert_eq!(
            parse(Field::Name, &text(&"я".repeat(101)), &t),
            Err(Invalid::Value(ValueError::SiteNameLength { len: 101 }))
        );
        assert_eq!(
            parse(Field::Address, &text("-"), &t),
            Ok(Some(Value::Address(String::new())))
        );
        assert_eq!(
            parse(Field::Location, &text("95, 37"), &t),
            Err(Invalid::Value(ValueError::Latitude { value: 95.0 }))
        );
        assert_eq!(
            parse(Field::Radius, &text("5"), &t),
            Err(Invalid::Value(ValueError::GeofenceRadius { value: 5 }))
        );
        assert_eq!(
            parse(Field::Zone, &text("Владивосток"), &t),
            Ok(Some(Value::Zone("Asia/Vladivostok".into())))
        );
        assert_eq!(
            parse(Field::Zone, &text("asia/tokyo"), &t),
            Ok(Some(Value::Zone("Asia/Tokyo".into())))
        );
        assert_eq!(
            parse(Field::Zone, &text("Mars/Olympus"), &t),
            Err(Invalid::Value(ValueError::TimeZone {
                value: "Mars/Olympus".into()
            }))
        );
        assert_eq!(
            parse(Field::Zone, &text("Asia/Tokyo"), &t),
            Ok(Some(Value::Zone("Asia/Tokyo".into())))
        );
        assert!(matches!(
            parse(Field::Rate, &text("-5"), &t),
            Err(Invalid::Value(ValueError::HourlyRate { .. }))
        ));
        assert_eq!(
            parse(Field::Rate, &Input::Other, &t),
            Err(Invalid::Format("site-fmt-rate"))
        );
        let patch = Value::Hours {
            opens: "20:00".into(),
            closes: "06:00".into(),
        }
        .patch();
        assert_eq!(patch.opens_at.as_deref(), Some("20:00"));
        assert_eq!(patch.name, None);
    }
}
