//! The JSON shapes of the API: request bodies and query strings (strict, unknown fields refused)
//! and the resources answered, each built from the domain value it shows. Each resource has its
//! module; everything is re-exported here, so `dto::Site` names a shape whatever its module.

mod people;
mod plans;
mod reports;
mod shifts;
mod sites;

pub use people::*;
pub use plans::*;
pub use reports::*;
pub use shifts::*;
pub use sites::*;

pub(crate) use chrono::{DateTime, NaiveDate, Utc};
pub(crate) use domain::site::format_time_of_day;
pub(crate) use domain::{Currency, ValueError};
pub(crate) use serde::{Deserialize, Serialize};
pub(crate) use utoipa::{IntoParams, ToSchema};

// ---- small shared pieces -------------------------------------------------------------------

/// `{"status":"ok"}` from the health and readiness probes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// An amount in minor units (kopecks for RUB) of a currency.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Money {
    #[schema(example = 278_833)]
    pub minor: i64,
    #[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "RUB")]
    pub currency: Currency,
}

impl From<domain::Money> for Money {
    fn from(m: domain::Money) -> Self {
        Self {
            minor: m.minor,
            currency: m.currency,
        }
    }
}

/// The currency a request may name: an active ISO 4217 code, in capitals. The schema lists them
/// from `domain::Currency`, the list the server checks.
pub struct CurrencyCode;

impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An ISO 4217 currency code in active use, in capitals (RUB, USD, EUR, …)",
            ))
            .pattern(Some("^[A-Z]{3}$"))
            .enum_values(Some(Currency::active_codes()))
            .examples(["RUB"])
            .into()
    }
}

impl ToSchema for CurrencyCode {
    fn name() -> std::borrow::Cow<'static, str> {
        "CurrencyCode".into()
    }
}

/// Parses a `YYYY-MM-DD` date of the request field `field` (see `domain::period`).
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, ValueError> {
    domain::period::parse_iso_date(field, raw)
}

/// Parses an optional date parameter.
pub fn parse_opt_date(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<NaiveDate>, ValueError> {
    raw.map(|r| parse_date(field, r)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("from", "2026-11-05").is_ok());
        for bad in [
            "2026-11-5",
            "2026-13-01",
            "05.11.2026",
            "",
            "2026-02-30",
            "+999-01-01",
            "+2026-1-01",
        ] {
            assert_eq!(
                parse_date("from", bad).map_err(|e| e.field()),
                Err("from"),
                "{bad}"
            );
        }
    }
}
