//! Round trips of every cached record in both codecs, and records the domain refuses.
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
