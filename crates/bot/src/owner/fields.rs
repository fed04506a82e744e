//! The settings of a site as the bot asks for them: the fields, and reading what the person
//! answered ("55.7539, 37.6208", "09:00-21:00", "350,50", a location pin, a button) into values
//! checked with the domain's own types, so a refusal names the same limits the HTTP API does.
//! How they are asked and shown is in `questions`; the typed forms are read in `typed`.

use super::OwnerCb;
pub use super::typed::ZONES;
use super::typed::{parse_coordinates, parse_hours, parse_metres, parse_money_in, parse_zone};
use crate::ctx::{Ctx, Input};
use crate::texts::Texts;
use domain::{
    Address, Coordinates, Currency, GeofenceRadius, Money, SiteName, SitePatch, ValueError,
};
use serde::{Deserialize, Serialize};

/// One setting of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Name,
    Address,
    Location,
    Radius,
    Hours,
    Zone,
    Rate,
}

impl Field {
    /// In the order the new-site dialogue asks them.
    pub const ALL: [Field; 7] = [
        Field::Name,
        Field::Address,
        Field::Location,
        Field::Radius,
        Field::Hours,
        Field::Zone,
        Field::Rate,
    ];

    /// One letter in callback data.
    pub fn code(self) -> char {
        match self {
            Field::Name => 'n',
            Field::Address => 'a',
            Field::Location => 'l',
            Field::Radius => 'r',
            Field::Hours => 'h',
            Field::Zone => 'z',
            Field::Rate => 'p',
        }
    }

    pub fn from_code(s: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| s.len() == 1 && s.starts_with(f.code()))
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Field::Name => "site-field-name",
            Field::Address => "site-field-address",
            Field::Location => "site-field-location",
            Field::Radius => "site-field-radius",
            Field::Hours => "site-field-hours",
            Field::Zone => "site-field-zone",
            Field::Rate => "site-field-rate",
        }
    }

    pub(super) fn question_id(self) -> &'static str {
        match self {
            Field::Name => "site-ask-name",
            Field::Address => "site-ask-address",
            Field::Location => "site-ask-location",
            Field::Radius => "site-ask-radius",
            Field::Hours => "site-ask-hours",
            Field::Zone => "site-ask-zone",
            Field::Rate => "site-ask-rate",
        }
    }

    /// The hint shown when the answer could not be read at all.
    fn format_hint_id(self) -> &'static str {
        match self {
            Field::Name | Field::Address => "site-fmt-text",
            Field::Location => "site-fmt-location",
            Field::Radius => "site-fmt-radius",
            Field::Hours => "site-fmt-hours",
            Field::Zone => "site-fmt-zone",
            Field::Rate => "site-fmt-rate",
        }
    }

    /// The field an invalid value belongs to (to ask it again).
    pub fn of_error(e: &ValueError) -> Field {
        match e.field() {
            "address" => Field::Address,
            "latitude" | "longitude" => Field::Location,
            "geofence_radius_m" => Field::Radius,
            "opens_at" | "closes_at" => Field::Hours,
            "time_zone" => Field::Zone,
            "hourly_rate_minor" | "currency" => Field::Rate,
            _ => Field::Name,
        }
    }
}

/// A checked answer for one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Name(String),
    Address(String),
    Location {
        latitude: f64,
        longitude: f64,
    },
    Radius(i64),
    /// Normalised "HH:MM"; equal times mean around the clock.
    Hours {
        opens: String,
        closes: String,
    },
    Zone(String),
    /// Minor units (kopecks).
    Rate(i64),
}

impl Value {
    /// A patch that changes only this field.
    pub fn patch(&self) -> SitePatch {
        let mut p = SitePatch::default();
        match self {
            Value::Name(n) => p.name = Some(n.clone()),
            Value::Address(a) => p.address = Some(a.clone()),
            Value::Location {
                latitude,
                longitude,
            } => {
                p.latitude = Some(*latitude);
                p.longitude = Some(*longitude);
            }
            Value::Radius(r) => p.geofence_radius_m = Some(*r),
            Value::Hours { opens, closes } => {
                p.opens_at = Some(opens.clone());
                p.closes_at = Some(closes.clone());
            }
            Value::Zone(z) => p.time_zone = Some(z.clone()),
            Value::Rate(minor) => p.hourly_rate_minor = Some(*minor),
        }
        p
    }
}

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// Could not be read; the text id explains the expected form.
    Format(&'static str),
    /// Read, but refused by the domain's rules.
    Value(ValueError),
}

impl Invalid {
    pub fn text(&self, ctx: &Ctx<'_>) -> String {
        match self {
            Invalid::Format(id) => ctx.t(id),
            Invalid::Value(e) => super::value_error_text(ctx, e),
        }
    }
}

/// Reads an answer for `field`. `Ok(None)`: nothing to answer (a live location moving on).
/// A rate is read in roubles (a new site's currency); `parse_in` reads it in a site's own.
pub fn parse(field: Field, input: &Input, texts: &Texts) -> Result<Option<Value>, Invalid> {
    parse_in(field, input, texts, Currency::RUB)
}

/// Reads an answer for `field` of a site whose rate is in `currency`.
pub fn parse_in(
    field: Field,
    input: &Input,
    texts: &Texts,
    currency: Currency,
) -> Result<Option<Value>, Invalid> {
    let text = match input {
        Input::Location {
            live_update: true, ..
        } => return Ok(None),
        Input::Location { fix, .. } if field == Field::Location => {
            // A pin the owner forwards or picks on the map is fine here: it marks the site, it
            // is not someone proving where they are.
            return Ok(Some(Value::Location {
                latitude: fix.coordinates.latitude(),
                longitude: fix.coordinates.longitude(),
            }));
        }
        Input::Text(t) => t.as_str(),
        _ => return Err(Invalid::Format(field.format_hint_id())),
    };
    let value = match field {
        Field::Name => Value::Name(
            SiteName::new(text)
                .map_err(Invalid::Value)?
                .as_str()
                .to_owned(),
        ),
        Field::Address => {
            let t = text.trim();
            let t = if matches!(t, "-" | "—" | "–") {
                ""
            } else {
                t
            };
            Value::Address(Address::new(t).map_err(Invalid::Value)?.as_str().to_owned())
        }
        Field::Location => {
            let (lat, lon) = parse_coordinates(text).ok_or(Invalid::Format("site-fmt-location"))?;
            let c = Coordinates::new(lat, lon).map_err(Invalid::Value)?;
            Value::Location {
                latitude: c.latitude(),
                longitude: c.longitude(),
            }
        }
        Field::Radius => {
            let m = parse_metres(text).ok_or(Invalid::Format("site-fmt-radius"))?;
            Value::Radius(i64::from(
                GeofenceRadius::new(m).map_err(Invalid::Value)?.metres(),
            ))
        }
        Field::Hours => {
            let (opens, closes) = parse_hours(text)?;
            Value::Hours { opens, closes }
        }
        Field::Zone => Value::Zone(parse_zone(text, texts)?),
        Field::Rate => {
            let minor = parse_money_in(text, currency.exponent())
                .ok_or(Invalid::Format("site-fmt-rate"))?;
            Money::hourly_rate(minor, currency).map_err(Invalid::Value)?;
            Value::Rate(minor)
        }
    };
    Ok(Some(value))
}

/// The value a button gives for `field`, if the button belongs to it.
pub fn button_value(field: Field, cb: OwnerCb) -> Option<Value> {
    match (field, cb) {
        (Field::Radius, OwnerCb::Radius(m)) => {
            let m = GeofenceRadius::new(i64::from(m)).ok()?;
            Some(Value::Radius(i64::from(m.metres())))
        }
        (Field::Hours, OwnerCb::AroundTheClock) => Some(Value::Hours {
            opens: "00:00".into(),
            closes: "00:00".into(),
        }),
        (Field::Zone, OwnerCb::Zone(i)) => ZONES
            .get(usize::from(i))
            .map(|(name, _)| Value::Zone((*name).to_owned())),
        (Field::Address, OwnerCb::Skip) => Some(Value::Address(String::new())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_buttons() {
        for f in Field::ALL {
            assert_eq!(Field::from_code(&f.code().to_string()), Some(f));
        }
        assert_eq!(Field::from_code("nn"), None);
        assert_eq!(
            button_value(Field::Radius, OwnerCb::Radius(200)),
            Some(Value::Radius(200))
        );
        assert_eq!(button_value(Field::Radius, OwnerCb::Radius(5)), None);
        assert_eq!(button_value(Field::Hours, OwnerCb::Radius(200)), None);
        assert_eq!(
            button_value(Field::Zone, OwnerCb::Zone(9)),
            Some(Value::Zone("Asia/Vladivostok".into()))
        );
        assert_eq!(button_value(Field::Zone, OwnerCb::Zone(12)), None);
    }

    #[test]
    fn answers_are_checked_by_the_domain() {
        let t = Texts::load().unwrap();
        let text = |s: &str| Input::Text(s.into());
        assert_eq!(
            parse(Field::Name, &text("  Кофейня  "), &t),
            Ok(Some(Value::Name("Кофейня".into())))
        );
        assert_eq!(
            parse(Field::Name, &text(&"я".repeat(101)), &t),
            Err(Invalid::Value(ValueError::SiteNameLength { len: 101 }))
        );
        assert_eq!(
            parse(Field::Address, &text("-"), &t),
            Ok(Some(Value::Address(String::new())))
        );
        assert_eq!(
            parse(Field::Location, &text("95, 37"), &t),
            Err(Invalid::Value(ValueError::Latitude { value: 95.0 }))
        );
        assert_eq!(
            parse(Field::Radius, &text("5"), &t),
            Err(Invalid::Value(ValueError::GeofenceRadius { value: 5 }))
        );
        assert_eq!(
            parse(Field::Zone, &text("Владивосток"), &t),
            Ok(Some(Value::Zone("Asia/Vladivostok".into())))
        );
        assert_eq!(
            parse(Field::Zone, &text("asia/tokyo"), &t),
            Ok(Some(Value::Zone("Asia/Tokyo".into())))
        );
        assert_eq!(
            parse(Field::Zone, &text("Mars/Olympus"), &t),
            Err(Invalid::Value(ValueError::TimeZone {
                value: "Mars/Olympus".into()
            }))
        );
        assert_eq!(
            parse(Field::Zone, &text("Asia/Tokyo"), &t),
            Ok(Some(Value::Zone("Asia/Tokyo".into())))
        );
        assert!(matches!(
            parse(Field::Rate, &text("-5"), &t),
            Err(Invalid::Value(ValueError::HourlyRate { .. }))
        ));
        assert_eq!(
            parse(Field::Rate, &Input::Other, &t),
            Err(Invalid::Format("site-fmt-rate"))
        );
        let patch = Value::Hours {
            opens: "20:00".into(),
            closes: "06:00".into(),
        }
        .patch();
        assert_eq!(patch.opens_at.as_deref(), Some("20:00"));
        assert_eq!(patch.name, None);
    }
}
