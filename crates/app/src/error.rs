//! Errors of the use-cases, in domain words; adapters map them to HTTP statuses or bot texts.

use domain::{LocationRejection, PlanRuleError, ShiftId, SiteId, ValueError};
use thiserror::Error;

/// What a store can answer besides success.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StoreError {
    #[error("the employee already has an active shift")]
    ActiveShiftExists,
    #[error("the planned shift overlaps another plan of the same employee")]
    PlanOverlap,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

/// Errors of the owner-side use-cases (sites, employees, listings, reports, tokens).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] ValueError),
    /// Also answered for things that exist but belong to someone else: never leak them.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("only an owner can {0}")]
    NotOwner(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{field}: {message}")]
    BadRequest {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            other => AppError::Store(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum OpenShiftError {
    #[error("site not found")]
    SiteNotFound,
    #[error("you have no access to this site")]
    NoAccess,
    #[error("the site is not active")]
    SiteInactive,
    #[error("you already have an active shift")]
    AlreadyActive { shift_id: ShiftId, site_id: SiteId },
    #[error(transparent)]
    Location(#[from] domain::LocationRejection),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for OpenShiftError {
    fn from(e: StoreError) -> Self {
        OpenShiftError::Store(e)
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CloseShiftError {
    #[error("you have no active shift")]
    NoActiveShift,
    #[error(transparent)]
    Location(#[from] LocationRejection),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CloseShiftError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => CloseShiftError::NoActiveShift,
            other => CloseShiftError::Store(other),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanShiftError {
    #[error("site not found")]
    SiteNotFound,
    #[error("employee not found")]
    EmployeeNotFound,
    #[error("the employee has no access to this site")]
    NoAccess,
    #[error("the site is not active")]
    SiteInactive,
    #[error("the plan overlaps another plan of the same employee")]
    Overlap,
    #[error("plan not found")]
    PlanNotFound,
    #[error(transparent)]
    Rule(#[from] PlanRuleError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for PlanShiftError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PlanOverlap => PlanShiftError::Overlap,
            StoreError::NotFound(_) => PlanShiftError::PlanNotFound,
            other => PlanShiftError::Store(other),
        }
    }
}
