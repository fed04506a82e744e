//! Typed identifiers, so a site id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A person known to StaffProBot (owner, manager or employee).
    UserId
);
id_type!(
    /// A work site (an "object" in the original product).
    SiteId
);
id_type!(
    /// A worked (or running) shift.
    ShiftId
);
id_type!(
    /// A shift planned in advance.
    PlannedShiftId
);
