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
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Codec;
    use crate::codec::round_trip;
    use proptest::prelude::*;

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2000-01-01 .. 2100-01-01, to the microsecond (what the stores keep).
        (946_684_800_000_000_i64..4_102_444_800_000_000)
            .prop_map(|us| DateTime::from_timestamp_micros(us).unwrap())
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(Currency::active_codes().collect::<Vec<_>>())
            .prop_map(|c| Currency::parse(c).unwrap())
    }

    fn coordinates() -> impl Strategy<Value = Coordinates> {
        (-90.0..=90.0_f64, -180.0..=180.0_f64).prop_map(|(a, b)| Coordinates::new(a, b).unwrap())
    }

    fn user() -> impl Strategy<Value = User> {
        (
            1..i64::MAX,
            any::<i64>(),
            "[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё .'-]{0,30}",
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            instant(),
        )
            .prop_filter_map(
                "a valid name",
                |(id, tg, name, en, owner, reachable, at)| {
                    Some(User {
                        id: UserId(id),
                        telegram_id: tg,
                        name: PersonName::new(&name).ok()?,
                        language: if en { Language::En } else { Language::Ru },
                        is_owner: owner,
                        reachable,
                        created_at: at,
                    })
                },
            )
    }

    fn site() -> impl Strategy<Value = Site> {
        (
            (
                1..i64::MAX,
                1..i64::MAX,
                "[A-Za-zА-Яа-я0-9][A-Za-zА-Яа-я0-9 «»№-]{0,40}",
            ),
            ("[A-Za-zА-Яа-я0-9 ,.]{0,60}", coordinates(), 1..=5_000_i64),
            (0..1440_u32, 0..1440_u32),
            prop::sample::select(vec![
                "Europe/Moscow",
                "Asia/Vladivostok",
                "UTC",
                "Europe/Kaliningrad",
            ]),
            (0..=1_000_000_i64, currency()),
            (any::<bool>(), any::<bool>(), "[a-z2-9_]{10}", instant()),
        )
            .prop_filter_map(
                "valid settings",
                |(
                    (id, owner, name),
                    (address, location, radius),
                    (opens, closes),
                    zone,
                    (rate, cur),
                    (active, notify, code, at),
                )| {
                    let time = |m: u32| NaiveTime::from_hms_opt(m / 60, m % 60, 0);
                    Some(Site {
                        id: SiteId(id),
                        owner_id: UserId(owner),
                        settings: SiteSettings {
                            name: SiteName::new(&name).ok()?,
                            address: Address::new(&address).ok()?,
                            location,
                            radius: GeofenceRadius::new(radius).ok()?,
                            hours: OpeningHours::new(time(opens)?, time(closes)?),
                            time_zone: SiteTimeZone::parse(zone).ok()?,
                            hourly_rate: Money::hourly_rate(rate, cur).ok()?,
                        },
                        active,
                        notify_owner: notify,
                        join_code: code,
                        created_at: at,
                    })
                },
            )
    }

    fn location() -> impl Strategy<Value = RecordedLocation> {
        (
            coordinates(),
            prop::option::of(0.0..500.0_f64),
            0.0..1000.0_f64,
        )
            .prop_map(|(coordinates, accuracy_m, distance_m)| RecordedLocation {
                coordinates,
                accuracy_m,
                distance_m,
            })
    }

    fn shift() -> impl Strategy<Value = Shift> {
        (
            (1..i64::MAX, 1..i64::MAX, 1..i64::MAX, 0..3_u8),
            (
                instant(),
                location(),
                prop::option::of((instant(), prop::option::of(location()))),
            ),
            (0..=1_000_000_i64, currency()),
            (
                prop::option::of(0..100_000_i64),
                prop::option::of(0..100_000_000_i64),
            ),
            (
                prop::option::of(1..i64::MAX),
                prop::option::of(1..i64::MAX),
                0..3_u8,
            ),
        )
            .prop_map(
                |(
                    (id, employee, site, status),
                    (start, start_location, end),
                    (rate, cur),
                    (minutes, pay),
                    (plan, closed_by, reason),
                )| {
                    let review_reason = match reason {
                        0 => None,
                        1 => Some(ReviewReason::AutoClosed),
                        _ => Some(ReviewReason::ForgottenClose),
                    };
                    Shift {
                        id: ShiftId(id),
                        employee_id: UserId(employee),
                        site_id: SiteId(site),
                        status: [
                            ShiftStatus::Active,
                            ShiftStatus::Closed,
                            ShiftStatus::AutoClosed,
                        ][usize::from(status)],
                        started_at: start,
                        start_location,
                        ended_at: end.map(|(t, _)| t),
                        end_location: end.and_then(|(_, l)| l),
                        hourly_rate: Money::new(rate, cur),
                        worked_minutes: minutes,
                        pay_minor: pay,
                        needs_review: review_reason.is_some(),
                        planned_shift_id: plan.map(PlannedShiftId),
                        closed_by: closed_by.map(UserId),
                        review_reason,
                    }
                },
            )
    }

    fn both<T: Cacheable + PartialEq + std::fmt::Debug>(value: &T) {
        for codec in [Codec::Json, Codec::Binary] {
            assert_eq!(&round_trip(codec, value).unwrap(), value, "{codec:?}");
        }
    }

    proptest! {
        #[test]
        fn people_come_back_as_they_went_in(u in user()) {
            let record = UserRecord::from(&u);
            both(&record);
            prop_assert_eq!(record.to_user(), Some(u));
        }

        #[test]
        fn sites_come_back_as_they_went_in(s in site()) {
            let record = SiteRecord::from(&s);
            both(&record);
            prop_assert_eq!(record.to_site(), Some(s));
        }

        #[test]
        fn shifts_come_back_as_they_went_in(shifts in prop::collection::vec(shift(), 0..4)) {
            let list = ShiftList(shifts.iter().map(ShiftRecord::from).collect());
            both(&list);
            prop_assert_eq!(all(&list.0, ShiftRecord::to_shift), Some(shifts.clone()));
            let running = ActiveShiftRecord(shifts.first().map(ShiftRecord::from));
            both(&running);
            prop_assert_eq!(running.0.and_then(|r| r.to_shift()), shifts.first().cloned());
        }

        #[test]
        fn totals_come_back_as_they_went_in(
            rows in prop::collection::vec(
                (1..i64::MAX, 1..i64::MAX, currency(), 0..1000_i64, 0..100_000_i64, 0..i64::MAX / 4),
                0..5,
            )
        ) {
            let totals: Vec<ShiftTotals> = rows
                .into_iter()
                .map(|(site, employee, currency, shifts, worked_minutes, pay_minor)| ShiftTotals {
                    site_id: SiteId(site),
                    employee_id: UserId(employee),
                    currency,
                    shifts,
                    worked_minutes,
                    pay_minor,
                })
                .collect();
            let list = TotalsList(totals.iter().map(TotalsRecord::from).collect());
            both(&list);
            prop_assert_eq!(all(&list.0, TotalsRecord::to_totals), Some(totals));
        }
    }

    #[test]
    fn a_record_the_domain_refuses_is_no_value() {
        let mut record = UserRecord::from(&User {
            id: UserId(1),
            telegram_id: 5,
            name: PersonName::new("Анна").unwrap(),
            language: Language::Ru,
            is_owner: false,
            reachable: true,
            created_at: DateTime::from_timestamp_micros(0).unwrap(),
        });
        record.language = "fr".into();
        assert_eq!(record.to_user(), None);
    }
}
