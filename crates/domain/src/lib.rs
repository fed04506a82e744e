//! StaffProBot domain: value types that cannot hold invalid values, entities, and the pure rules
//! (geofence, pay, auto-close, plan validation). No async and no I/O live here.

pub mod audit;
pub mod currency;
pub mod error;
pub mod geo;
pub mod ids;
pub mod join;
pub mod money;
pub mod money_text;
pub mod period;
pub mod plan;
pub mod review;
pub mod shift;
pub mod site;
pub mod statement;
pub mod text;
pub mod time;
pub mod user;

pub use currency::Currency;
pub use error::ValueError;
pub use geo::{Coordinates, GeofenceRadius, LocationFix, LocationPolicy, LocationRejection};
pub use ids::{PlannedShiftId, ShiftId, SiteId, UserId};
pub use money::Money;
pub use plan::{PlanRuleError, PlanStatus, PlannedShift, PlannedWindow};
pub use review::{EndTimeError, ReviewReason, ShiftChange, ShiftChangeKind};
pub use shift::{AutoClosePolicy, RecordedLocation, Shift, ShiftStatus};
pub use site::{Address, OpeningHours, Site, SiteName, SitePatch, SiteSettings};
pub use time::SiteTimeZone;
pub use user::{Language, PersonName, TelegramId, TokenLabel, User};
