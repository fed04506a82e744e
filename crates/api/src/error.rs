//! The one error shape every failing request answers with, and the mapping of the use-cases'
//! typed errors onto HTTP statuses and stable machine-readable codes.

use app::review::ManualCloseError;
use app::service::PlanRequest;
use app::{AppError, PlanShiftError, StoreError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{EndTimeError, PlanRuleError, ValueError};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response: `{"error":{"code":…,"message":…,"field":…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`, `field`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code, e.g. `invalid_json`, `unknown_field`, `invalid_value`, `not_found`.
    #[schema(example = "invalid_value")]
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// The request field (body, query or path) the error is about, when there is one.
    #[schema(required = true, example = "geofence_radius_m")]
    pub field: Option<String>,
}

/// An error answer: a status and the JSON body. Handlers return `Result<_, ApiError>`; every
/// typed error of the use-cases converts into it with `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.detail.code,
            self.detail.message
        )
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            detail: ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
                field: None,
            },
        }
    }

    /// Names the request field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.detail.field = Some(field.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &str {
        &self.detail.code
    }

    pub fn field(&self) -> Option<&str> {
        self.detail.field.as_deref()
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API token is required: send `Authorization: Bearer <token>`",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// A generic 500: the detail goes to the log, never to the client.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is unavailable; try again shortly",
        )
    }

    /// A validation failure of one value (422 with the field).
    pub fn invalid(e: &ValueError) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()).with_field(e.field())
    }

    /// The JSON counterpart of a bare status produced outside our handlers (axum's own
    /// rejections, Swagger UI's 404, a layer's 413), so that no plain-text error reaches a client.
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "the request is malformed"),
            StatusCode::UNAUTHORIZED => return Self::unauthorized(),
            StatusCode::FORBIDDEN => ("forbidden", "not allowed"),
            StatusCode::NOT_FOUND => ("not_found", "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "this method is not allowed on this resource",
            ),
            StatusCode::REQUEST_TIMEOUT => return Self::request_timeout(),
            StatusCode::PAYLOAD_TOO_LARGE => return Self::payload_too_large(),
            StatusCode::URI_TOO_LONG => (
                "uri_too_long",
                "the request target (path and query) is too long",
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
                "headers_too_large",
                "the request headers are too many or too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => return Self::unsupported_media_type(),
            StatusCode::SERVICE_UNAVAILABLE => return Self::unavailable(),
            s if s.is_server_error() => return Self::internal(),
            _ => ("bad_request", "the request cannot be processed"),
        };
        Self::new(status, code, message)
    }

    /// The request body did not arrive in time.
    pub fn request_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time",
        )
    }

    /// The request was not answered in time (503: retrying later may succeed).
    pub fn timeout() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long; try again shortly",
        )
    }

    /// The JSON body of this error.
    pub fn body_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody {
            error: self.detail.clone(),
        })
        // Serializing three strings cannot fail; keep a valid body regardless.
        .unwrap_or_else(|_| {
            br#"{"error":{"code":"internal","message":"internal server error","field":null}}"#
                .to_vec()
        })
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the request body is larger than {} KiB",
                crate::MAX_BODY_BYTES / 1024
            ),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        )
    }

    /// Maps a plan error; `req` (when creating) tells which of `start`/`end` a nonexistent
    /// local time came from.
    pub fn from_plan(e: PlanShiftError, req: Option<&PlanRequest>) -> Self {
        let unprocessable = |code: &str, e: &dyn std::fmt::Display| {
            Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
        };
        match e {
            PlanShiftError::SiteNotFound => Self::not_found("site"),
            PlanShiftError::PlanNotFound => Self::not_found("planned shift"),
            PlanShiftError::EmployeeNotFound => {
                Self::not_found("employee").with_field("employee_id")
            }
            PlanShiftError::NoAccess => unprocessable("no_access", &e).with_field("employee_id"),
            PlanShiftError::SiteInactive => {
                Self::new(StatusCode::CONFLICT, "site_inactive", e.to_string())
                    .with_field("site_id")
            }
            PlanShiftError::Overlap => {
                Self::new(StatusCode::CONFLICT, "plan_overlap", e.to_string())
            }
            PlanShiftError::Rule(rule) => {
                let (code, field) = match &rule {
                    PlanRuleError::NonexistentLocalTime { local, .. } => {
                        let is_start = req.is_some_and(|r| r.date.and_time(r.start) == *local);
                        (
                            "nonexistent_local_time",
                            Some(if is_start { "start" } else { "end" }),
                        )
                    }
                    PlanRuleError::TooShort { .. } => ("too_short", Some("end")),
                    PlanRuleError::TooLong { .. } => ("too_long", Some("end")),
                    PlanRuleError::InThePast => ("in_the_past", Some("date")),
                    PlanRuleError::OutsideOpeningHours { .. } => {
                        ("outside_opening_hours", Some("start"))
                    }
                    PlanRuleError::CancelTooLate { .. } => ("cancel_too_late", None),
                    PlanRuleError::NotCancellable { .. } => ("not_cancellable", None),
                };
                let err = unprocessable(code, &rule);
                match field {
                    Some(f) => err.with_field(f),
                    None => err,
                }
            }
            PlanShiftError::Store(s) => s.into(),
        }
    }
}

impl From<ValueError> for ApiError {
    fn from(e: ValueError) -> Self {
        Self::invalid(&e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ActiveShiftExists => {
                Self::new(StatusCode::CONFLICT, "active_shift_exists", e.to_string())
            }
            StoreError::PlanOverlap => {
                Self::new(StatusCode::CONFLICT, "plan_overlap", e.to_string())
            }
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Duplicate(_) => {
                Self::new(StatusCode::CONFLICT, "already_exists", e.to_string())
            }
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                Self::unavailable()
            }
            StoreError::Other(detail) => {
                tracing::error!(error = %detail, "database error");
                Self::internal()
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(v) => Self::invalid(&v),
            AppError::NotFound(what) => Self::not_found(what),
            AppError::NotOwner(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            AppError::Conflict(message) => Self::new(StatusCode::CONFLICT, "conflict", message),
            AppError::BadRequest { field, message } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", message)
                    .with_field(field)
            }
            AppError::Store(s) => s.into(),
        }
    }
}

impl From<PlanShiftError> for ApiError {
    fn from(e: PlanShiftError) -> Self {
        Self::from_plan(e, None)
    }
}

impl From<ManualCloseError> for ApiError {
    fn from(e: ManualCloseError) -> Self {
        let conflict = |code: &str| Self::new(StatusCode::CONFLICT, code, e.to_string());
        match &e {
            ManualCloseError::NotFound => Self::not_found("shift"),
            ManualCloseError::AlreadyClosed => conflict("already_closed"),
            ManualCloseError::NotUnderReview => conflict("not_under_review"),
            ManualCloseError::NoActiveShift => conflict("no_active_shift"),
            ManualCloseError::BadTime(bad) => {
                let code = match bad {
                    EndTimeError::BeforeStart { .. } => "before_start",
                    EndTimeError::InFuture { .. } => "in_the_future",
                };
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, bad.to_string())
                    .with_field("ended_at")
            }
            ManualCloseError::Store(s) => s.clone().into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body_bytes();
        let mut resp = (self.status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_errors_are_422_with_their_field() {
        let e = ApiError::from(AppError::Invalid(ValueError::GeofenceRadius { value: 5 }));
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.code(), "invalid_value");
        assert_eq!(e.field(), Some("geofence_radius_m"));
        let missing = ApiError::from(ValueError::Missing { field: "name" });
        assert_eq!(missing.code(), "missing_field");
    }

    #[test]
    fn store_errors_hide_their_detail() {
        let e = ApiError::from(StoreError::Other("relation \"x\" does not exist".into()));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.to_string().contains("relation"));
        assert_eq!(
            ApiError::from(StoreError::Unavailable("pool timed out".into())).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::from(AppError::NotOwner("x")).status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            ApiError::from(PlanShiftError::Overlap).status(),
            StatusCode::CONFLICT
        );
    }
}
