//! The JSON shapes of forgotten shifts: why a shift waits for review, its history of stated ends,
//! the shift with that history, and the body that closes someone's running shift.

use super::Shift;
use crate::error::ApiError;
use axum::http::StatusCode;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a finished shift waits for the owner's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// Nobody closed it: it was closed automatically.
    AutoClosed,
    /// Its employee reported a forgotten close and when they left.
    ForgottenClose,
    /// The geolocation audit: the end location is outside the geofence (beyond its accuracy).
    OutsideGeofence,
    /// The geolocation audit: the same point to the last digits as many earlier shifts.
    RepeatedLocation,
    /// The geolocation audit: too far from where the previous shift ended, too soon.
    ImpossibleTravel,
}

impl From<domain::ReviewReason> for ReviewReason {
    fn from(r: domain::ReviewReason) -> Self {
        match r {
            domain::ReviewReason::AutoClosed => Self::AutoClosed,
            domain::ReviewReason::ForgottenClose => Self::ForgottenClose,
            domain::ReviewReason::OutsideGeofence => Self::OutsideGeofence,
            domain::ReviewReason::RepeatedLocation => Self::RepeatedLocation,
            domain::ReviewReason::ImpossibleTravel => Self::ImpossibleTravel,
        }
    }
}

/// What a change to a shift's end was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShiftChangeKind {
    /// An owner or manager closed the running shift at a stated time.
    ClosedByManager,
    /// The employee reported a forgotten close and when they left.
    ForgottenReported,
    /// A reviewer accepted the end as it was.
    Approved,
    /// A reviewer moved the end; pay was settled again.
    EndChanged,
}

impl From<domain::ShiftChangeKind> for ShiftChangeKind {
    fn from(k: domain::ShiftChangeKind) -> Self {
        match k {
            domain::ShiftChangeKind::ClosedByManager => Self::ClosedByManager,
            domain::ShiftChangeKind::ForgottenReported => Self::ForgottenReported,
            domain::ShiftChangeKind::Approved => Self::Approved,
            domain::ShiftChangeKind::EndChanged => Self::EndChanged,
        }
    }
}

/// One entry of a shift's history: what changed, the end before and after, who and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftChange {
    pub kind: ShiftChangeKind,
    /// Null when the shift was still running.
    #[schema(required = true)]
    pub old_ended_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub new_ended_at: Option<DateTime<Utc>>,
    /// The user who made the change.
    pub changed_by: i64,
    pub changed_at: DateTime<Utc>,
}

impl From<domain::ShiftChange> for ShiftChange {
    fn from(c: domain::ShiftChange) -> Self {
        Self {
            kind: c.kind.into(),
            old_ended_at: c.old_ended_at,
            new_ended_at: c.new_ended_at,
            changed_by: c.changed_by.0,
            changed_at: c.changed_at,
        }
    }
}

/// A shift with its history of stated ends (oldest first; empty when nobody changed it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftDetail {
    #[serde(flatten)]
    pub shift: Shift,
    pub history: Vec<ShiftChange>,
}

impl From<app::review::ShiftRecord> for ShiftDetail {
    fn from(r: app::review::ShiftRecord) -> Self {
        Self {
            shift: r.shift.into(),
            history: r.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// When a running shift ended, as an RFC 3339 instant with its offset (e.g.
/// `2026-12-01T18:00:00+03:00`); from the shift's start up to now. Kept to the microsecond.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseShift {
    #[schema(example = "2026-12-01T18:00:00+03:00", format = DateTime)]
    pub ended_at: String,
}

impl CloseShift {
    pub fn ended_at(&self) -> Result<DateTime<Utc>, ApiError> {
        DateTime::parse_from_rfc3339(self.ended_at.trim())
            .map(|t| t.with_timezone(&Utc).trunc_subsecs(6))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_value",
                    format!(
                        "ended_at must be an RFC 3339 instant such as 2026-12-01T18:00:00+03:00, \
                         got {:?}",
                        self.ended_at
                    ),
                )
                .with_field("ended_at")
            })
    }
}
