//! The cached shapes of domain values: plain fields that serialise the same way in both codecs,
//! converted back through the domain's own constructors, so a value that no longer passes them
//! (garbage, or a rule tightened since it was cached) is a miss, never a panic or a bad value.
//! Instants are microseconds since the epoch (compact, and exact for what the stores keep).

use crate::Cacheable;
use app::ShiftTotals;
use chrono::{DateTime, NaiveTime, Timelike, Utc};
use domain::{
    Address, Coordinates, Currency, GeofenceRadius, Language, Money, OpeningHours, PersonName,
    PlannedShiftId, RecordedLocation, ReviewReason, Shift, ShiftId, ShiftStatus, Site, SiteId,
    SiteName, SiteSettings, SiteTimeZone, User, UserId,
};
use serde::{Deserialize, Serialize};

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn instant(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

fn seconds_of_day(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight()
}

fn time_of_day(s: u32) -> Option<NaiveTime> {
    NaiveTime::from_num_seconds_from_midnight_opt(s, 0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    id: i64,
    telegram_id: i64,
    name: String,
    language: String,
    is_owner: bool,
    reachable: bool,
    created_at_us: i64,
}

impl Cacheable for UserRecord {
    const SCHEMA: u16 = 1;
}

impl From<&User> for UserRecord {
    fn from(u: &User) -> Self {
        UserRecord {
            id: u.id.0,
            telegram_id: u.telegram_id,
            name: u.name.as_str().to_owned(),
            language: u.language.as_str().to_owned(),
            is_owner: u.is_owner,
            reachable: u.reachable,
            created_at_us: micros(u.created_at),
        }
    }
}

impl UserRecord {
    pub fn to_user(&self) -> Option<User> {
        Some(User {
            id: UserId(self.id),
            telegram_id: self.telegram_id,
            name: PersonName::new(&self.name).ok()?,
            language: Language::parse(&self.language).ok()?,
            is_owner: self.is_owner,
            reachable: self.reachable,
            created_at: instant(self.created_at_us)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRecord {
    id: i64,
    owner_id: i64,
    name: String,
    address: String,
    latitude: f64,
    longitude: f64,
    radius_m: u32,
    opens_s: u32,
    closes_s: u32,
    time_zone: String,
    rate_minor: i64,
    currency: String,
    active: bool,
    notify_owner: bool,
    join_code: String,
    created_at_us: i64,
}

impl Cacheable for SiteRecord {
    const SCHEMA: u16 = 1;
}

impl From<&Site> for SiteRecord {
    fn from(s: &Site) -> Self {
        let c = &s.settings;
        SiteRecord {
            id: s.id.0,
            owner_id: s.owner_id.0,
            name: c.name.as_str().to_owned(),
            address: c.address.as_str().to_owned(),
            latitude: c.location.latitude(),
            longitude: c.location.longitude(),
            radius_m: c.radius.metres(),
            opens_s: seconds_of_day(c.hours.opens_at()),
            closes_s: seconds_of_day(c.hours.closes_at()),
            time_zone: c.time_zone.name().to_owned(),
            rate_minor: c.hourly_rate.minor,
            currency: c.hourly_rate.currency.code().to_owned(),
            active: s.active,
            notify_owner: s.notify_owner,
            join_code: s.join_code.clone(),
            created_at_us: micros(s.created_at),
        }
    }
}

impl SiteRecord {
    pub fn to_site(&self) -> Option<Site> {
        let currency = Currency::from_stored(&self.currency).ok()?;
        let settings = SiteSettings {
            name: SiteName::new(&self.name).ok()?,
            address: Address::new(&self.address).ok()?,
            location: Coordinates::new(self.latitude, self.longitude).ok()?,
            radius: GeofenceRadius::new(i64::from(self.radius_m)).ok()?,
            hours: OpeningHours::new(time_of_day(self.opens_s)?, time_of_day(self.closes_s)?),
            time_zone: SiteTimeZone::parse(&self.time_zone).ok()?,
            hourly_rate: Money::hourly_rate(self.rate_minor, currency).ok()?,
        };
        Some(Site {
            id: SiteId(self.id),
            owner_id: UserId(self.owner_id),
            settings,
            active: self.active,
            notify_owner: self.notify_owner,
            join_code: self.join_code.clone(),
            created_at: instant(self.created_at_us)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LocationRecord {
    latitude: f64,
    longitude: f64,
    accuracy_m: Option<f64>,
    distance_m: f64,
}

impl From<&RecordedLocation> for LocationRecord {
    fn from(l: &RecordedLocation) -> Self {
        LocationRecord {
            latitude: l.coordinates.latitude(),
            longitude: l.coordinates.longitude(),
            accuracy_m: l.accuracy_m,
            distance_m: l.distance_m,
        }
    }
}

impl LocationRecord {
    fn to_location(&self) -> Option<RecordedLocation> {
        Some(RecordedLocation {
            coordinates: Coordinates::new(self.latitude, self.longitude).ok()?,
            accuracy_m: self.accuracy_m,
            distance_m: self.distance_m,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftRecord {
    id: i64,
    employee_id: i64,
    site_id: i64,
    status: String,
    started_at_us: i64,
    start: LocationRecord,
    ended_at_us: Option<i64>,
    end: Option<LocationRecord>,
    rate_minor: i64,
    currency: String,
    worked_minutes: Option<i64>,
    pay_minor: Option<i64>,
    needs_review: bool,
    planned_shift_id: Option<i64>,
    closed_by: Option<i64>,
    review_reason: Option<String>,
}

impl Cacheable for ShiftRecord {
    const SCHEMA: u16 = 1;
}

impl From<&Shift> for ShiftRecord {
    fn from(s: &Shift) -> Self {
        ShiftRecord {
            id: s.id.0,
            employee_id: s.employee_id.0,
            site_id: s.site_id.0,
            status: s.status.as_str().to_owned(),
            started_at_us: micros(s.started_at),
            start: LocationRecord::from(&s.start_location),
            ended_at_us: s.ended_at.map(micros),
            end: s.end_location.as_ref().map(LocationRecord::from),
            rate_minor: s.hourly_rate.minor,
            currency: s.hourly_rate.currency.code().to_owned(),
            worked_minutes: s.worked_minutes,
            pay_minor: s.pay_minor,
            needs_review: s.needs_review,
            planned_shift_id: s.planned_shift_id.map(|p| p.0),
            closed_by: s.closed_by.map(|u| u.0),
            review_reason: s.review_reason.map(|r| r.as_str().to_owned()),
        }
    }
}

impl ShiftRecord {
    pub fn to_shift(&self) -> Option<Shift> {
        let ended_at = match self.ended_at_us {
            Some(us) => Some(instant(us)?),
            None => None,
        };
        let end_location = match &self.end {
            Some(l) => Some(l.to_location()?),
            None => None,
        };
        let review_reason = match &self.review_reason {
            Some(r) => Some(ReviewReason::parse(r)?),
            None => None,
        };
        Some(Shift {
            id: ShiftId(self.id),
            employee_id: UserId(self.employee_id),
            site_id: SiteId(self.site_id),
            status: ShiftStatus::parse(&self.status)?,
            started_at: instant(self.started_at_us)?,
            start_location: self.start.to_location()?,
            ended_at,
            end_location,
            hourly_rate: Money::new(self.rate_minor, Currency::from_stored(&self.currency).ok()?),
            worked_minutes: self.worked_minutes,
            pay_minor: self.pay_minor,
            needs_review: self.needs_review,
            planned_shift_id: self.planned_shift_id.map(PlannedShiftId),
            closed_by: self.closed_by.map(UserId),
            review_reason,
        })
    }
}

/// An employee's running shift, or the fact that there is none (a normal answer, cached like a
/// value rather than as a short-lived "not found").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveShiftRecord(pub Option<ShiftRecord>);

impl Cacheable for ActiveShiftRecord {
    const SCHEMA: u16 = 1;
}

/// The running shifts of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftList(pub Vec<ShiftRecord>);

impl Cacheable for ShiftList {
    const SCHEMA: u16 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalsRecord {
    site_id: i64,
    employee_id: i64,
    currency: String,
    shifts: i64,
    worked_minutes: i64,
    pay_minor: i64,
}

/// The answer of one `shift_totals` call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalsList(pub Vec<TotalsRecord>);

impl Cacheable for TotalsList {
    const SCHEMA: u16 = 1;
}

impl From<&ShiftTotals> for TotalsRecord {
    fn from(t: &ShiftTotals) -> Self {
        TotalsRecord {
            site_id: t.site_id.0,
            employee_id: t.employee_id.0,
            currency: t.currency.code().to_owned(),
            shifts: t.shifts,
            worked_minutes: t.worked_minutes,
            pay_minor: t.pay_minor,
        }
    }
}

impl TotalsRecord {
    pub fn to_totals(&self) -> Option<ShiftTotals> {
        Some(ShiftTotals {
            site_id: SiteId(self.site_id),
            employee_id: UserId(self.employee_id),
            currency: Currency::from_stored(&self.currency).ok()?,
            shifts: self.shifts,
            worked_minutes: self.worked_minutes,
            pay_minor: self.pay_minor,
        })
    }
}

/// Converts every record, or none: one bad record makes the whole list a miss.
pub fn all<R, T>(records: &[R], convert: impl Fn(&R) -> Option<T>) -> Option<Vec<T>> {
    records.iter().map(convert).collect()
}

#[cfg(test)]
mod tests;
