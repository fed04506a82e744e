//! The one error for values that fail validation; each names the field it belongs to.

use thiserror::Error;

/// A raw value that cannot become a domain value. `field()` names the input field, `code()` is a
/// stable machine-readable code for API clients.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ValueError {
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} must not contain control characters (such as NUL or line breaks)")]
    ControlCharacter { field: &'static str },
    #[error("name must be 1 to 100 characters, got {len}")]
    SiteNameLength { len: usize },
    #[error("address must be at most 300 characters, got {len}")]
    AddressTooLong { len: usize },
    #[error("latitude must be a number from -90 to 90, got {value}")]
    Latitude { value: f64 },
    #[error("longitude must be a number from -180 to 180, got {value}")]
    Longitude { value: f64 },
    #[error("geofence radius must be from 10 to 5000 metres, got {value}")]
    GeofenceRadius { value: i64 },
    #[error("{field} must be a time of day as HH:MM, got {value:?}")]
    TimeOfDay { field: &'static str, value: String },
    #[error("unknown time zone {value:?}; use an IANA name such as Europe/Moscow")]
    TimeZone { value: String },
    #[error("hourly rate must be from 0 to {max} minor units, got {value}")]
    HourlyRate { value: i64, max: i64 },
    #[error("currency must be an ISO 4217 code in use, in capitals, such as RUB, got {value:?}")]
    Currency { value: String },
    #[error("person name must be 1 to 128 characters, got {len}")]
    PersonNameLength { len: usize },
    #[error("language must be \"ru\" or \"en\", got {value:?}")]
    Language { value: String },
    #[error("{field} must be a date as YYYY-MM-DD, got {value:?}")]
    Date { field: &'static str, value: String },
    #[error("telegram_id must be a Telegram user id (a positive number), got {value}")]
    TelegramId { value: i64 },
    #[error("label must be at most 100 characters, got {len}")]
    LabelTooLong { len: usize },
}

impl ValueError {
    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            ValueError::Missing { field }
            | ValueError::ControlCharacter { field }
            | ValueError::TimeOfDay { field, .. }
            | ValueError::Date { field, .. } => field,
            ValueError::SiteNameLength { .. } => "name",
            ValueError::AddressTooLong { .. } => "address",
            ValueError::Latitude { .. } => "latitude",
            ValueError::Longitude { .. } => "longitude",
            ValueError::GeofenceRadius { .. } => "geofence_radius_m",
            ValueError::TimeZone { .. } => "time_zone",
            ValueError::HourlyRate { .. } => "hourly_rate_minor",
            ValueError::Currency { .. } => "currency",
            ValueError::PersonNameLength { .. } => "name",
            ValueError::Language { .. } => "language",
            ValueError::TelegramId { .. } => "telegram_id",
            ValueError::LabelTooLong { .. } => "label",
        }
    }

    /// A stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::Missing { .. } => "missing_field",
            _ => "invalid_value",
        }
    }
}
