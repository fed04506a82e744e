//! The geolocation audit after a shift is closed: what a single location check could not see.
//! Pure rules over what the store found: an end location outside the geofence even allowing for
//! its accuracy, a location identical to many earlier ones to the last digits (a sign of a
//! location-faking app), and impossible travel from where the previous shift ended.

use crate::{Coordinates, GeofenceRadius, RecordedLocation, ReviewReason};
use chrono::{DateTime, Utc};

/// Coordinates compare equal when they agree to this many decimal places (about 0.1 m): real
/// GPS fixes differ in the last digits from one reading to the next, a faked one does not.
pub const SAME_POINT_DECIMALS: i32 = 6;

/// The audit's thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditRules {
    /// A point shared with at least this many earlier shifts (of the person or the site) is
    /// suspicious.
    pub repeated_after: u64,
    /// Faster than this between the previous shift's end and this one's start is impossible.
    pub max_speed_kmh: f64,
    /// Travel shorter than this (after taking off both accuracies) is never flagged: two
    /// neighbouring sites a minute apart are not a teleport, and GPS noise is not travel.
    pub min_travel_m: f64,
}

impl Default for AuditRules {
    fn default() -> Self {
        Self {
            repeated_after: 3,
            max_speed_kmh: 200.0,
            min_travel_m: 1_000.0,
        }
    }
}

/// Something the audit found, with the numbers an owner reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuditFinding {
    /// The end location is farther from the site than its radius plus the fix's accuracy.
    OutsideGeofence {
        distance_m: f64,
        radius_m: u32,
        accuracy_m: f64,
    },
    /// The same point, to the last digits, as this many earlier shifts.
    RepeatedLocation { earlier_shifts: u64 },
    /// From the previous shift's end to this one's start faster than anyone travels.
    ImpossibleTravel {
        distance_m: f64,
        minutes: i64,
        speed_kmh: f64,
    },
}

impl AuditFinding {
    /// The reason the shift is flagged with for this finding.
    pub fn reason(&self) -> ReviewReason {
        match self {
            AuditFinding::OutsideGeofence { .. } => ReviewReason::OutsideGeofence,
            AuditFinding::RepeatedLocation { .. } => ReviewReason::RepeatedLocation,
            AuditFinding::ImpossibleTravel { .. } => ReviewReason::ImpossibleTravel,
        }
    }
}

/// Where and when the person's previous shift ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviousEnd {
    pub location: RecordedLocation,
    pub ended_at: DateTime<Utc>,
}

/// What the audit of one closed shift looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditFacts {
    pub site_point: Coordinates,
    pub radius: GeofenceRadius,
    pub started_at: DateTime<Utc>,
    pub start: RecordedLocation,
    pub end: RecordedLocation,
    /// The most earlier shifts (of the person or the site) sharing the start or the end point.
    pub identical_earlier: u64,
    /// The person's previous shift, when it ended with a known location.
    pub previous: Option<PreviousEnd>,
}

/// Whether two points agree to [`SAME_POINT_DECIMALS`] decimal places (the stores compare the
/// same rounded values in SQL).
pub fn same_point(a: &Coordinates, b: &Coordinates) -> bool {
    point_key(a) == point_key(b)
}

/// The point rounded to [`SAME_POINT_DECIMALS`] places, as whole millionths of a degree.
pub fn point_key(p: &Coordinates) -> (i64, i64) {
    let scale = 10f64.powi(SAME_POINT_DECIMALS);
    // Latitudes and longitudes are within ±180, so the products fit an i64 exactly.
    (
        (p.latitude() * scale).round() as i64,
        (p.longitude() * scale).round() as i64,
    )
}

/// (a): the end is outside the geofence even if the phone erred by its whole accuracy.
pub fn outside_geofence(
    end: &RecordedLocation,
    site: &Coordinates,
    radius: GeofenceRadius,
) -> Option<AuditFinding> {
    let distance_m = end.coordinates.distance_m(site);
    let accuracy_m = end
        .accuracy_m
        .filter(|a| a.is_finite() && *a > 0.0)
        .unwrap_or(0.0);
    (distance_m > f64::from(radius.metres()) + accuracy_m).then_some(
        AuditFinding::OutsideGeofence {
            distance_m,
            radius_m: radius.metres(),
            accuracy_m,
        },
    )
}

/// (b): the point was seen, to the last digits, on at least `rules.repeated_after` earlier
/// shifts.
pub fn repeated_location(identical_earlier: u64, rules: &AuditRules) -> Option<AuditFinding> {
    (rules.repeated_after > 0 && identical_earlier >= rules.repeated_after).then_some(
        AuditFinding::RepeatedLocation {
            earlier_shifts: identical_earlier,
        },
    )
}

/// (c): from the previous shift's end to this start faster than `rules.max_speed_kmh`. The
/// distance is taken short by both fixes' accuracies, so only travel that is impossible however
/// the phones erred is flagged.
pub fn impossible_travel(
    previous: &PreviousEnd,
    start: &RecordedLocation,
    started_at: DateTime<Utc>,
    rules: &AuditRules,
) -> Option<AuditFinding> {
    let margin = |a: Option<f64>| a.filter(|a| a.is_finite() && *a > 0.0).unwrap_or(0.0);
    let distance_m = previous.location.coordinates.distance_m(&start.coordinates);
    let sure_m = distance_m - margin(previous.location.accuracy_m) - margin(start.accuracy_m);
    if sure_m <= rules.min_travel_m {
        return None;
    }
    let seconds = (started_at - previous.ended_at).num_seconds().max(0);
    // No time at all between them: any real distance is impossible.
    let speed_kmh = if seconds == 0 {
        f64::INFINITY
    } else {
        sure_m / 1000.0 / (seconds as f64 / 3600.0)
    };
    (speed_kmh > rules.max_speed_kmh).then_some(AuditFinding::ImpossibleTravel {
        distance_m,
        minutes: seconds / 60,
        speed_kmh,
    })
}

/// Every finding, the strongest first (the shift is flagged with the first one's reason): the
/// geofence, then travel, then a repeated point.
pub fn audit(facts: &AuditFacts, rules: &AuditRules) -> Vec<AuditFinding> {
    let mut found = Vec::new();
    found.extend(outside_geofence(
        &facts.end,
        &facts.site_point,
        facts.radius,
    ));
    if let Some(previous) = &facts.previous {
        found.extend(impossible_travel(
            previous,
            &facts.start,
            facts.started_at,
            rules,
        ));
    }
    found.extend(repeated_location(facts.identical_earlier, rules));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn point(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap()
    }

    fn at(p: Coordinates, accuracy_m: Option<f64>) -> RecordedLocation {
        RecordedLocation {
            coordinates: p,
            accuracy_m,
            distance_m: 0.0,
        }
    }

    /// `metres` north of `p`.
    fn north(p: Coordinates, metres: f64) -> Coordinates {
        point(p.latitude() + metres / 111_195.0, p.longitude())
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap()
    }

    const RED_SQUARE: (f64, f64) = (55.7539, 37.6208);

    #[test]
    fn outside_means_beyond_radius_plus_accuracy() {
        let site = point(RED_SQUARE.0, RED_SQUARE.1);
        let r = GeofenceRadius::new(100).unwrap();
        assert_eq!(
            outside_geofence(&at(north(site, 90.0), None), &site, r),
            None
        );
        assert_eq!(
            outside_geofence(&at(north(site, 140.0), Some(50.0)), &site, r),
            None,
            "within the radius once the accuracy is allowed for"
        );
        let Some(AuditFinding::OutsideGeofence {
            distance_m,
            radius_m,
            accuracy_m,
        }) = outside_geofence(&at(north(site, 2_000.0), Some(20.0)), &site, r)
        else {
            panic!("2 km away is outside");
        };
        assert!((distance_m - 2_000.0).abs() < 5.0);
        assert_eq!((radius_m, accuracy_m), (100, 20.0));
    }

    #[test]
    fn a_point_repeated_on_enough_earlier_shifts_is_found() {
        let rules = AuditRules::default();
        assert_eq!(repeated_location(2, &rules), None);
        assert_eq!(
            repeated_location(3, &rules),
            Some(AuditFinding::RepeatedLocation { earlier_shifts: 3 })
        );
        let off = AuditRules {
            repeated_after: 0,
            ..rules
        };
        assert_eq!(repeated_location(100, &off), None, "0 turns the rule off");
    }

    #[test]
    fn same_point_is_six_decimals() {
        let a = point(55.753_912_3, 37.620_801_1);
        assert!(same_point(&a, &point(55.753_912_4, 37.620_800_9)));
        assert!(!same_point(&a, &point(55.753_913_3, 37.620_801_1)));
    }

    #[test]
    fn moscow_to_saint_petersburg_in_an_hour_is_impossible() {
        let rules = AuditRules::default();
        let prev = PreviousEnd {
            location: at(point(59.9390, 30.3158), Some(10.0)),
            ended_at: t0(),
        };
        let start = at(point(RED_SQUARE.0, RED_SQUARE.1), Some(10.0));
        let found = impossible_travel(&prev, &start, t0() + Duration::hours(1), &rules);
        let Some(AuditFinding::ImpossibleTravel {
            minutes, speed_kmh, ..
        }) = found
        else {
            panic!("{found:?}");
        };
        assert_eq!(minutes, 60);
        assert!(speed_kmh > 600.0);
        // By train overnight it is fine.
        assert_eq!(
            impossible_travel(&prev, &start, t0() + Duration::hours(8), &rules),
            None
        );
    }

    #[test]
    fn short_hops_and_noise_are_not_travel() {
        let rules = AuditRules::default();
        let site = point(RED_SQUARE.0, RED_SQUARE.1);
        let prev = PreviousEnd {
            location: at(site, Some(50.0)),
            ended_at: t0(),
        };
        // 900 m in no time at all: a neighbouring site, not a teleport.
        assert_eq!(
            impossible_travel(&prev, &at(north(site, 900.0), None), t0(), &rules),
            None
        );
        // 1.1 km, but the accuracies eat 150 m of it.
        assert_eq!(
            impossible_travel(&prev, &at(north(site, 1_100.0), Some(100.0)), t0(), &rules),
            None
        );
        assert!(impossible_travel(&prev, &at(north(site, 5_000.0), None), t0(), &rules).is_some());
    }

    #[test]
    fn findings_come_strongest_first() {
        let site = point(RED_SQUARE.0, RED_SQUARE.1);
        let facts = AuditFacts {
            site_point: site,
            radius: GeofenceRadius::new(100).unwrap(),
            started_at: t0(),
            start: at(site, None),
            end: at(north(site, 3_000.0), None),
            identical_earlier: 5,
            previous: Some(PreviousEnd {
                location: at(north(site, 50_000.0), None),
                ended_at: t0() - Duration::minutes(5),
            }),
        };
        let reasons: Vec<ReviewReason> = audit(&facts, &AuditRules::default())
            .iter()
            .map(AuditFinding::reason)
            .collect();
        assert_eq!(
            reasons,
            [
                ReviewReason::OutsideGeofence,
                ReviewReason::ImpossibleTravel,
                ReviewReason::RepeatedLocation
            ]
        );
        let clean = AuditFacts {
            end: at(site, Some(5.0)),
            identical_earlier: 0,
            previous: None,
            ..facts
        };
        assert!(audit(&clean, &AuditRules::default()).is_empty());
    }

    proptest! {
        #[test]
        fn an_end_within_the_radius_is_never_outside(
            metres in 0.0f64..5_000.0,
            radius in 10i64..=5_000,
            accuracy in prop::option::of(0.0f64..100.0),
            lat in -60.0f64..60.0, lon in -170.0f64..170.0,
        ) {
            let site = point(lat, lon);
            let r = GeofenceRadius::new(radius).unwrap();
            let end = at(north(site, metres), accuracy);
            let found = outside_geofence(&end, &site, r);
            let distance = end.coordinates.distance_m(&site);
            // Exactly the ends beyond radius + accuracy are found.
            prop_assert_eq!(
                found.is_some(),
                distance > radius as f64 + accuracy.unwrap_or(0.0)
            );
        }

        #[test]
        fn travel_is_flagged_only_above_the_speed_and_the_distance(
            km in 0.0f64..2_000.0,
            minutes in 0i64..(48 * 60),
            lat in -60.0f64..60.0, lon in -170.0f64..170.0,
        ) {
            let rules = AuditRules::default();
            let from = point(lat, lon);
            let to = north(from, km * 1000.0);
            let prev = PreviousEnd { location: at(from, None), ended_at: t0() };
            let found = impossible_travel(&prev, &at(to, None), t0() + Duration::minutes(minutes), &rules);
            if let Some(AuditFinding::ImpossibleTravel { distance_m, speed_kmh, .. }) = found {
                prop_assert!(distance_m > rules.min_travel_m);
                prop_assert!(speed_kmh > rules.max_speed_kmh);
            } else {
                let d = from.distance_m(&to);
                let hours = minutes as f64 / 60.0;
                prop_assert!(d <= rules.min_travel_m || (hours > 0.0 && d / 1000.0 / hours <= rules.max_speed_kmh));
            }
        }

        #[test]
        fn the_same_point_is_the_same_whatever_the_noise_below_the_sixth_decimal(
            lat in -89.0f64..89.0, lon in -179.0f64..179.0,
            noise in -4.0e-8f64..4.0e-8,
        ) {
            let a = point((lat * 1e6).round() / 1e6, (lon * 1e6).round() / 1e6);
            let b = point(a.latitude() + noise, a.longitude() - noise);
            prop_assert!(same_point(&a, &b));
            let c = point(a.latitude() + 2e-6, a.longitude());
            prop_assert!(!same_point(&a, &c));
        }

        #[test]
        fn a_repeat_is_found_exactly_from_the_threshold(count in 0u64..20, n in 1u64..10) {
            let rules = AuditRules { repeated_after: n, ..AuditRules::default() };
            prop_assert_eq!(repeated_location(count, &rules).is_some(), count >= n);
        }
    }
}
