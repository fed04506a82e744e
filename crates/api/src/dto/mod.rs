//! The JSON shapes of the API: request bodies and query strings (strict, unknown fields refused)
//! and the resources answered, each built from the domain value it shows. Each resource has its
//! module; everything is re-exported here, so `dto::Site` names a shape whatever its module.

mod broadcasts;
mod people;
mod plans;
mod report_files;
mod reports;
pub mod review;
mod shifts;
mod sites;

pub use broadcasts::*;
pub use people::*;
pub use plans::*;
pub use report_files::*;
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

/// A time zone a request may name: an IANA name, exactly as the list spells it. The schema lists
/// them from `domain::SiteTimeZone`, the list the server checks.
pub struct TimeZoneName;

impl utoipa::PartialSchema for TimeZoneName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An IANA time zone name (Europe/Moscow, Asia/Vladivostok, …)",
            ))
            .enum_values(Some(domain::SiteTimeZone::names()))
            .examples(["Europe/Moscow"])
            .into()
    }
}

impl ToSchema for TimeZoneName {
    fn name() -> std::borrow::Cow<'static, str> {
        "TimeZoneName".into()
    }
}

/// Integer fields of request bodies. JSON Schema's `integer` is any number without a fraction,
/// so `12.0` and `1.2e1` are integers to every client that reads the document; serde's `i64`
/// takes only `12`. These take them all (and nothing with a fraction or out of range).
pub mod integer {
    use serde::Deserializer;
    use serde::de::{Error, Unexpected, Visitor};
    use std::fmt;

    struct Integer;

    impl Visitor<'_> for Integer {
        type Value = i64;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer")
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
            // 2^63 is exactly representable; every f64 below it and without a fraction fits.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if v.fract() != 0.0 || !v.is_finite() {
                return Err(E::invalid_type(Unexpected::Float(v), &self));
            }
            if !(-LIMIT..LIMIT).contains(&v) {
                return Err(E::invalid_value(Unexpected::Float(v), &self));
            }
            Ok(v as i64)
        }
    }

    /// A required integer field: `#[serde(deserialize_with = "integer::required")]`.
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_any(Integer)
    }

    /// An optional one: `#[serde(default, deserialize_with = "integer::optional")]`.
    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        struct Optional;

        impl<'de> Visitor<'de> for Optional {
            type Value = Option<i64>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or null")
            }

            fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                required(d).map(Some)
            }
        }

        d.deserialize_option(Optional)
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(deserialize_with = "integer::required")]
        id: i64,
        #[serde(default, deserialize_with = "integer::optional")]
        radius: Option<i64>,
    }

    #[test]
    fn integers_may_be_written_as_json_schema_allows() {
        let parse = |s: &str| crate::extract::parse_json::<Body>(s.as_bytes());
        for (text, id) in [
            (r#"{"id": 12}"#, 12),
            (r#"{"id": 12.0}"#, 12),
            (r#"{"id": 1.2e1}"#, 12),
            (r#"{"id": -7.0}"#, -7),
            (r#"{"id": 9223372036854775807}"#, i64::MAX),
            (r#"{"id": -9223372036854775808}"#, i64::MIN),
        ] {
            assert_eq!(parse(text).map(|b| b.id).ok(), Some(id), "{text}");
        }
        assert_eq!(
            parse(r#"{"id": 1, "radius": null}"#).map(|b| b.radius).ok(),
            Some(None)
        );
        assert_eq!(parse(r#"{"id": 1}"#).map(|b| b.radius).ok(), Some(None));
        assert_eq!(
            parse(r#"{"id": 1, "radius": 100.0}"#)
                .map(|b| b.radius)
                .ok(),
            Some(Some(100))
        );
        for bad in [
            r#"{"id": 12.5}"#,
            r#"{"id": "12"}"#,
            r#"{"id": 9223372036854775808}"#,
            r#"{"id": 1e19}"#,
            r#"{"id": null}"#,
            r#"{"id": 1, "radius": 0.5}"#,
            r#"{"id": 1, "radius": true}"#,
        ] {
            let e = parse(bad).err();
            assert_eq!(
                e.as_ref().map(|e| e.status()),
                Some(axum::http::StatusCode::BAD_REQUEST),
                "{bad}"
            );
            assert_eq!(e.as_ref().map(|e| e.code()), Some("invalid_type"), "{bad}");
        }
        assert_eq!(
            parse(r#"{"radius": 1}"#).err().map(|e| e.code().to_owned()),
            Some("missing_field".to_owned())
        );
    }

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
