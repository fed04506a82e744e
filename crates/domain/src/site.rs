//! Work sites ("objects"): their validated settings, opening hours and the patch rules used by
//! every entry point that creates or edits a site.

use crate::{
    Coordinates, Currency, GeofenceRadius, Money, SiteId, SiteTimeZone, UserId, ValueError, text,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::Deserialize;

/// A site's name: at most 100 characters as given, not blank, without control characters;
/// surrounding whitespace is removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteName(String);

impl SiteName {
    pub const MAX_CHARS: usize = 100;

    pub fn new(raw: &str) -> Result<Self, ValueError> {
        text::check("name", raw)?;
        let trimmed = raw.trim();
        // The limit applies to the text as sent, so that it means the same to every client.
        let len = raw.chars().count();
        if trimmed.is_empty() || len > Self::MAX_CHARS {
            let len = if trimmed.is_empty() { 0 } else { len };
            return Err(ValueError::SiteNameLength { len });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address: at most 300 characters as given (may be empty), without control characters
/// (one line); surrounding whitespace is removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address(String);

impl Address {
    pub const MAX_CHARS: usize = 300;

    pub fn new(raw: &str) -> Result<Self, ValueError> {
        text::check("address", raw)?;
        let len = raw.chars().count();
        if len > Self::MAX_CHARS {
            return Err(ValueError::AddressTooLong { len });
        }
        Ok(Self(raw.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When a site is open, in its local wall-clock time. A closing time earlier than the opening
/// time means the site closes after midnight; equal times mean it never closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpeningHours {
    AroundTheClock,
    Daily { opens: NaiveTime, closes: NaiveTime },
}

/// The times of day `parse_time_of_day` accepts, as a regular expression (for the OpenAPI
/// document).
pub const TIME_OF_DAY_PATTERN: &str = "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$";

/// Parses "HH:MM" (also "H:MM"): ASCII digits only, no signs or spaces; "24:00" is accepted as
/// midnight.
pub fn parse_time_of_day(field: &'static str, raw: &str) -> Result<NaiveTime, ValueError> {
    let err = || ValueError::TimeOfDay {
        field,
        value: raw.to_owned(),
    };
    if raw == "24:00" {
        return Ok(NaiveTime::MIN);
    }
    let (h, m) = raw.split_once(':').ok_or_else(err)?;
    let h = ascii_number(h, 1, 2).ok_or_else(err)?;
    let m = ascii_number(m, 2, 2).ok_or_else(err)?;
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(err)
}

/// A number written with `min` to `max` ASCII digits and nothing else (no sign, no spaces).
pub(crate) fn ascii_number(s: &str, min: usize, max: usize) -> Option<u32> {
    if !(min..=max).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Formats a time of day as "HH:MM".
pub fn format_time_of_day(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl OpeningHours {
    pub fn new(opens: NaiveTime, closes: NaiveTime) -> Self {
        if opens == closes {
            OpeningHours::AroundTheClock
        } else {
            OpeningHours::Daily { opens, closes }
        }
    }

    pub fn parse(opens: &str, closes: &str) -> Result<Self, ValueError> {
        Ok(Self::new(
            parse_time_of_day("opens_at", opens)?,
            parse_time_of_day("closes_at", closes)?,
        ))
    }

    pub fn opens_at(&self) -> NaiveTime {
        match self {
            OpeningHours::AroundTheClock => NaiveTime::MIN,
            OpeningHours::Daily { opens, .. } => *opens,
        }
    }

    pub fn closes_at(&self) -> NaiveTime {
        match self {
            OpeningHours::AroundTheClock => NaiveTime::MIN,
            OpeningHours::Daily { closes, .. } => *closes,
        }
    }

    pub fn is_overnight(&self) -> bool {
        matches!(self, OpeningHours::Daily { opens, closes } if closes < opens)
    }

    /// The opening window that starts on local date `day`, as local wall-clock times; `None`
    /// for a site open around the clock.
    pub fn window_on(&self, day: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        match *self {
            OpeningHours::AroundTheClock => None,
            OpeningHours::Daily { opens, closes } => {
                let start = day.and_time(opens);
                let end_day = if closes <= opens {
                    day + Duration::days(1)
                } else {
                    day
                };
                Some((start, end_day.and_time(closes)))
            }
        }
    }

    /// Whether the local interval [start, end] lies within one opening window.
    pub fn contains(&self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        if matches!(self, OpeningHours::AroundTheClock) {
            return true;
        }
        // A window containing `start` began on start's date or the day before (overnight).
        [start.date() - Duration::days(1), start.date()]
            .into_iter()
            .filter_map(|d| self.window_on(d))
            .any(|(open, close)| open <= start && end <= close)
    }

    /// The local closing times of the windows that start on `day - 1`, `day` and `day + 1`.
    pub fn closings_around(&self, day: NaiveDate) -> Vec<NaiveDateTime> {
        (-1..=1)
            .filter_map(|off| self.window_on(day + Duration::days(off)))
            .map(|(_, close)| close)
            .collect()
    }
}

/// Everything an owner sets on a site, all validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteSettings {
    pub name: SiteName,
    pub address: Address,
    pub location: Coordinates,
    pub radius: GeofenceRadius,
    pub hours: OpeningHours,
    pub time_zone: SiteTimeZone,
    pub hourly_rate: Money,
}

/// A stored site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: SiteId,
    pub owner_id: UserId,
    pub settings: SiteSettings,
    pub active: bool,
    /// Whether the owner is told when an employee opens or closes a shift here.
    pub notify_owner: bool,
    /// The code in the site's join link and QR code (see `join::JoinCode`).
    pub join_code: String,
    pub created_at: DateTime<Utc>,
}

/// Raw values for creating or editing a site, as they arrive from the API or the bot. `None`
/// keeps the current value (edit) or takes the default (create).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SitePatch {
    pub name: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub geofence_radius_m: Option<i64>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub time_zone: Option<String>,
    pub hourly_rate_minor: Option<i64>,
    pub currency: Option<String>,
}

impl SitePatch {
    /// Settings for a new site. Required: name, latitude, longitude, opens_at, closes_at,
    /// hourly_rate_minor. Defaults: empty address, radius 100 m, Europe/Moscow, RUB.
    pub fn create(self) -> Result<SiteSettings, ValueError> {
        fn required<T>(v: Option<T>, field: &'static str) -> Result<T, ValueError> {
            v.ok_or(ValueError::Missing { field })
        }
        let name = SiteName::new(&required(self.name, "name")?)?;
        let address = Address::new(self.address.as_deref().unwrap_or(""))?;
        let location = Coordinates::new(
            required(self.latitude, "latitude")?,
            required(self.longitude, "longitude")?,
        )?;
        let radius = match self.geofence_radius_m {
            Some(r) => GeofenceRadius::new(r)?,
            None => GeofenceRadius::DEFAULT,
        };
        let hours = OpeningHours::parse(
            &required(self.opens_at, "opens_at")?,
            &required(self.closes_at, "closes_at")?,
        )?;
        let time_zone = match self.time_zone {
            Some(tz) => SiteTimeZone::parse(&tz)?,
            None => SiteTimeZone::default(),
        };
        let currency = match self.currency {
            Some(c) => Currency::parse(&c)?,
            None => Currency::RUB,
        };
        let hourly_rate = Money::hourly_rate(
            required(self.hourly_rate_minor, "hourly_rate_minor")?,
            currency,
        )?;
        Ok(SiteSettings {
            name,
            address,
            location,
            radius,
            hours,
            time_zone,
            hourly_rate,
        })
    }

    /// The settings after applying this patch to `base`; the first invalid value is reported.
    pub fn apply(self, base: &SiteSettings) -> Result<SiteSettings, ValueError> {
        let mut s = base.clone();
        if let Some(name) = self.name {
            s.name = SiteName::new(&name)?;
        }
        if let Some(address) = self.address {
            s.address = Address::new(&address)?;
        }
        if self.latitude.is_some() || self.longitude.is_some() {
            s.location = Coordinates::new(
                self.latitude.unwrap_or(base.location.latitude()),
                self.longitude.unwrap_or(base.location.longitude()),
            )?;
        }
        if let Some(r) = self.geofence_radius_m {
            s.radius = GeofenceRadius::new(r)?;
        }
        if self.opens_at.is_some() || self.closes_at.is_some() {
            let opens = match self.opens_at {
                Some(o) => parse_time_of_day("opens_at", &o)?,
                None => base.hours.opens_at(),
            };
            let closes = match self.closes_at {
                Some(c) => parse_time_of_day("closes_at", &c)?,
                None => base.hours.closes_at(),
            };
            s.hours = OpeningHours::new(opens, closes);
        }
        if let Some(tz) = self.time_zone {
            s.time_zone = SiteTimeZone::parse(&tz)?;
        }
        if self.hourly_rate_minor.is_some() || self.currency.is_some() {
            let currency = match self.currency {
                Some(c) => Currency::parse(&c)?,
                None => base.hourly_rate.currency,
            };
            s.hourly_rate = Money::hourly_rate(
                self.hourly_rate_minor.unwrap_or(base.hourly_rate.minor),
                currency,
            )?;
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        parse_time_of_day("t", s).unwrap()
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn valid_patch() -> SitePatch {
        SitePatch {
            name: Some("  Кафе «Ромашка»  ".into()),
            latitude: Some(55.75),
            longitude: Some(37.62),
            opens_at: Some("09:00".into()),
            closes_at: Some("21:00".into()),
            hourly_rate_minor: Some(35_000),
            ..SitePatch::default()
        }
    }

    #[test]
    fn names_and_addresses() {
        assert_eq!(SiteName::new("  Склад  ").unwrap().as_str(), "Склад");
        assert_eq!(
            SiteName::new("   "),
            Err(ValueError::SiteNameLength { len: 0 })
        );
        assert!(SiteName::new(&"я".repeat(100)).is_ok());
        assert_eq!(
            SiteName::new(&"я".repeat(101)),
            Err(ValueError::SiteNameLength { len: 101 })
        );
        assert!(Address::new(&"д".repeat(300)).is_ok());
        assert!(Address::new(&"д".repeat(301)).is_err());
        // The limit counts what was sent, spaces included.
        assert_eq!(
            SiteName::new(&format!("{} ", "я".repeat(100))),
            Err(ValueError::SiteNameLength { len: 101 })
        );
        assert_eq!(Address::new(""), Ok(Address::default()));
        for (field, bad) in [("name", "Склад\0"), ("name", "Склад\n2")] {
            assert_eq!(
                SiteName::new(bad),
                Err(ValueError::ControlCharacter { field })
            );
        }
        assert_eq!(
            Address::new("ул. Ленина,\n1"),
            Err(ValueError::ControlCharacter { field: "address" })
        );
    }

    #[test]
    fn times_of_day() {
        assert_eq!(t("9:05"), NaiveTime::from_hms_opt(9, 5, 0).unwrap());
        assert_eq!(t("24:00"), NaiveTime::MIN);
        for bad in [
            "25:00", "12:60", "1200", "12:5", "ab:cd", "", "12:00:00", "-1:00", "+9:00", "21:+5",
            "+09:00", " 9:00", "9:00 ", "09:0٣", "24:01", "123:00", ":30",
        ] {
            assert!(parse_time_of_day("opens_at", bad).is_err(), "{bad}");
        }
        assert_eq!(format_time_of_day(t("7:30")), "07:30");
    }

    #[test]
    fn opening_windows() {
        let day = OpeningHours::parse("09:00", "21:00").unwrap();
        assert!(day.contains(dt("2026-12-01 09:00"), dt("2026-12-01 21:00")));
        assert!(!day.contains(dt("2026-12-01 08:59"), dt("2026-12-01 12:00")));
        assert!(!day.contains(dt("2026-12-01 20:00"), dt("2026-12-01 21:01")));

        let night = OpeningHours::parse("20:00", "06:00").unwrap();
        assert!(night.is_overnight());
        assert!(night.contains(dt("2026-12-01 22:00"), dt("2026-12-02 05:00")));
        assert!(night.contains(dt("2026-12-02 01:00"), dt("2026-12-02 06:00")));
        assert!(!night.contains(dt("2026-12-02 05:00"), dt("2026-12-02 07:00")));
        assert!(!night.contains(dt("2026-12-02 12:00"), dt("2026-12-02 14:00")));

        let always = OpeningHours::parse("00:00", "24:00").unwrap();
        assert_eq!(always, OpeningHours::AroundTheClock);
        assert!(always.contains(dt("2026-12-01 03:00"), dt("2026-12-02 03:00")));
    }

    #[test]
    fn create_requires_and_defaults() {
        let s = valid_patch().create().unwrap();
        assert_eq!(s.name.as_str(), "Кафе «Ромашка»");
        assert_eq!(s.radius.metres(), 100);
        assert_eq!(s.time_zone.name(), "Europe/Moscow");
        assert_eq!(s.hourly_rate, Money::new(35_000, Currency::RUB));
        let missing = SitePatch {
            latitude: None,
            ..valid_patch()
        }
        .create();
        assert_eq!(missing, Err(ValueError::Missing { field: "latitude" }));
        let bad_tz = SitePatch {
            time_zone: Some("Moscow".into()),
            ..valid_patch()
        }
        .create();
        assert_eq!(bad_tz.map_err(|e| e.field()), Err("time_zone"));
    }

    #[test]
    fn apply_keeps_unpatched_values() {
        let base = valid_patch().create().unwrap();
        let patched = SitePatch {
            closes_at: Some("02:00".into()),
            hourly_rate_minor: Some(40_000),
            ..SitePatch::default()
        }
        .apply(&base)
        .unwrap();
        assert_eq!(patched.name, base.name);
        assert!(patched.hours.is_overnight());
        assert_eq!(patched.hours.opens_at(), t("09:00"));
        assert_eq!(patched.hourly_rate.minor, 40_000);
        let bad = SitePatch {
            geofence_radius_m: Some(5),
            ..SitePatch::default()
        }
        .apply(&base);
        assert_eq!(bad.map_err(|e| e.field()), Err("geofence_radius_m"));
    }
}
