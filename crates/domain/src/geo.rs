//! Coordinates, the geofence and the rules a reported location must pass before it can open or
//! close a shift.

use crate::ValueError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point on Earth; latitude in [-90, 90], longitude in [-180, 180], both finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    latitude: f64,
    longitude: f64,
}

impl Coordinates {
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, ValueError> {
        if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
            return Err(ValueError::Latitude { value: latitude });
        }
        if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
            return Err(ValueError::Longitude { value: longitude });
        }
        Ok(Self {
            latitude,
            longitude,
        })
    }

    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    pub fn longitude(&self) -> f64 {
        self.longitude
    }

    /// Great-circle distance in metres (haversine formula).
    pub fn distance_m(&self, other: &Coordinates) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        // Rounding can push `a` a hair above 1 for antipodal points.
        2.0 * EARTH_RADIUS_M * a.clamp(0.0, 1.0).sqrt().asin()
    }
}

/// The allowed distance from a site's point, in whole metres: 10 to 5000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeofenceRadius(u32);

impl GeofenceRadius {
    pub const MIN: i64 = 10;
    pub const MAX: i64 = 5000;
    pub const DEFAULT: GeofenceRadius = GeofenceRadius(100);

    pub fn new(metres: i64) -> Result<Self, ValueError> {
        if !(Self::MIN..=Self::MAX).contains(&metres) {
            return Err(ValueError::GeofenceRadius { value: metres });
        }
        Ok(Self(metres as u32))
    }

    pub fn metres(&self) -> u32 {
        self.0
    }

    pub fn contains(&self, distance_m: f64) -> bool {
        distance_m <= f64::from(self.0)
    }
}

/// A location as the employee's phone reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocationFix {
    pub coordinates: Coordinates,
    /// Radius of uncertainty in metres, when the client reports one.
    pub accuracy_m: Option<f64>,
    /// When the location was taken (the message date for Telegram).
    pub taken_at: DateTime<Utc>,
    /// A forwarded location is someone else's (or an old) position: never accepted.
    pub forwarded: bool,
}

/// Limits a location must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocationPolicy {
    pub max_accuracy_m: f64,
    pub max_age: Duration,
}

impl Default for LocationPolicy {
    fn default() -> Self {
        Self {
            max_accuracy_m: 100.0,
            max_age: Duration::seconds(120),
        }
    }
}

/// Why a location was refused; each carries the numbers to show the person.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum LocationRejection {
    #[error("a forwarded location cannot be used; send your own current location")]
    Forwarded,
    #[error("the location is {age_s} s old; at most {max_age_s} s is accepted")]
    Stale { age_s: i64, max_age_s: i64 },
    #[error(
        "the location is accurate only to {accuracy_m:.0} m; at most {max_accuracy_m:.0} m is accepted"
    )]
    PoorAccuracy {
        accuracy_m: f64,
        max_accuracy_m: f64,
    },
    #[error("you are {distance_m:.0} m from the site; the allowed radius is {radius_m} m")]
    OutsideGeofence { distance_m: f64, radius_m: u32 },
}

impl LocationPolicy {
    /// Checks a fix against a site's point and radius; on success returns the distance in metres.
    pub fn check(
        &self,
        fix: &LocationFix,
        site: &Coordinates,
        radius: GeofenceRadius,
        now: DateTime<Utc>,
    ) -> Result<f64, LocationRejection> {
        if fix.forwarded {
            return Err(LocationRejection::Forwarded);
        }
        let age = now - fix.taken_at;
        if age > self.max_age {
            return Err(LocationRejection::Stale {
                age_s: age.num_seconds(),
                max_age_s: self.max_age.num_seconds(),
            });
        }
        if let Some(accuracy_m) = fix.accuracy_m
            && (!accuracy_m.is_finite() || accuracy_m > self.max_accuracy_m)
        {
            return Err(LocationRejection::PoorAccuracy {
                accuracy_m,
                max_accuracy_m: self.max_accuracy_m,
            });
        }
        let distance_m = fix.coordinates.distance_m(site);
        if !radius.contains(distance_m) {
            return Err(LocationRejection::OutsideGeofence {
                distance_m,
                radius_m: radius.metres(),
            });
        }
        Ok(distance_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn point(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn rejects_out_of_range_coordinates() {
        assert!(matches!(
            Coordinates::new(90.1, 0.0),
            Err(ValueError::Latitude { .. })
        ));
        assert!(matches!(
            Coordinates::new(0.0, -180.5),
            Err(ValueError::Longitude { .. })
        ));
        assert!(matches!(
            Coordinates::new(f64::NAN, 0.0),
            Err(ValueError::Latitude { .. })
        ));
        assert!(Coordinates::new(-90.0, 180.0).is_ok());
    }

    #[test]
    fn known_distance_moscow_to_saint_petersburg() {
        // Red Square to Palace Square: about 634 km.
        let d = point(55.7539, 37.6208).distance_m(&point(59.9390, 30.3158));
        assert!((d - 634_000.0).abs() < 3_000.0, "got {d}");
    }

    #[test]
    fn radius_bounds() {
        assert!(GeofenceRadius::new(9).is_err());
        assert!(GeofenceRadius::new(5001).is_err());
        assert_eq!(GeofenceRadius::new(10).map(|r| r.metres()), Ok(10));
        assert_eq!(GeofenceRadius::new(5000).map(|r| r.metres()), Ok(5000));
    }

    fn fix_at(c: Coordinates, now: DateTime<Utc>) -> LocationFix {
        LocationFix {
            coordinates: c,
            accuracy_m: Some(10.0),
            taken_at: now,
            forwarded: false,
        }
    }

    #[test]
    fn each_rejection_has_its_reason() {
        let policy = LocationPolicy::default();
        let site = point(55.75, 37.62);
        let radius = GeofenceRadius::DEFAULT;
        let now = Utc::now();
        let ok = fix_at(point(55.7505, 37.62), now);
        let d = policy.check(&ok, &site, radius, now);
        assert!(matches!(d, Ok(d) if d > 50.0 && d < 60.0));

        let far = fix_at(point(55.76, 37.62), now);
        assert!(matches!(
            policy.check(&far, &site, radius, now),
            Err(LocationRejection::OutsideGeofence { radius_m: 100, distance_m }) if distance_m > 1000.0
        ));
        let fwd = LocationFix {
            forwarded: true,
            ..ok
        };
        assert_eq!(
            policy.check(&fwd, &site, radius, now),
            Err(LocationRejection::Forwarded)
        );
        let old = LocationFix {
            taken_at: now - Duration::seconds(121),
            ..ok
        };
        assert_eq!(
            policy.check(&old, &site, radius, now),
            Err(LocationRejection::Stale {
                age_s: 121,
                max_age_s: 120
            })
        );
        let vague = LocationFix {
            accuracy_m: Some(150.0),
            ..ok
        };
        assert!(matches!(
            policy.check(&vague, &site, radius, now),
            Err(LocationRejection::PoorAccuracy { .. })
        ));
        let unknown_accuracy = LocationFix {
            accuracy_m: None,
            ..ok
        };
        assert!(policy.check(&unknown_accuracy, &site, radius, now).is_ok());
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_bounded(
            a in -90.0f64..=90.0, b in -180.0f64..=180.0, c in -90.0f64..=90.0, d in -180.0f64..=180.0
        ) {
            let p = point(a, b);
            let q = point(c, d);
            let pq = p.distance_m(&q);
            prop_assert!((pq - q.distance_m(&p)).abs() < 1e-6);
            prop_assert!(pq >= 0.0);
            prop_assert!(pq <= std::f64::consts::PI * EARTH_RADIUS_M + 1.0);
            prop_assert!(p.distance_m(&p) < 1e-6);
        }

        #[test]
        fn a_point_one_metre_inside_the_radius_passes(radius in 10i64..=5000, bearing in 0.0f64..360.0) {
            // Move (radius - 1) metres from the site along a bearing; must be inside.
            let site = point(55.75, 37.62);
            let r = GeofenceRadius::new(radius).unwrap_or(GeofenceRadius::DEFAULT);
            let dist = r.metres() as f64 - 1.0;
            let delta = dist / EARTH_RADIUS_M;
            let (lat1, lon1, brg) = (site.latitude().to_radians(), site.longitude().to_radians(), bearing.to_radians());
            let lat2 = (lat1.sin() * delta.cos() + lat1.cos() * delta.sin() * brg.cos()).asin();
            let lon2 = lon1 + (brg.sin() * delta.sin() * lat1.cos()).atan2(delta.cos() - lat1.sin() * lat2.sin());
            let there = point(lat2.to_degrees(), lon2.to_degrees());
            prop_assert!(r.contains(site.distance_m(&there)));
            let now = Utc::now();
            prop_assert!(LocationPolicy::default().check(&fix_at(there, now), &site, r, now).is_ok());
        }
    }
}
