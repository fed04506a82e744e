//! A site's settings as people see them: the question asked for each field (with the buttons
//! that fit and the suggested time zone), an answer read back, a site's card, and the zone
//! suggested for a longitude. Reading the answers is in `fields`.

use super::OwnerCb;
use super::fields::{Field, Value, ZONES};
use crate::args;
use crate::callback::button;
use crate::ctx::{BotError, Ctx};
use crate::format::{html, money};
use crate::keyboards::{cancel_row, inline, location_request};
use crate::state::Dialogue;
use crate::texts::Texts;
use chrono::{DateTime, Offset, Utc};
use domain::site::format_time_of_day;
use domain::{Currency, Language, Money, OpeningHours, SiteSettings, SiteTimeZone};
use teloxide::types::{InlineKeyboardButton, ReplyMarkup};

impl Value {
    /// The answer as the person would read it back ("100 m", "24/7", "Vladivostok (UTC+10)").
    pub fn display(&self, ctx: &Ctx<'_>) -> String {
        match self {
            Value::Name(n) => html(n),
            Value::Address(a) if a.is_empty() => ctx.t("site-address-none"),
            Value::Address(a) => html(a),
            Value::Location {
                latitude,
                longitude,
            } => coordinates_text(*latitude, *longitude),
            Value::Radius(r) => ctx.tf("site-metres", args!["n" => *r]),
            Value::Hours { opens, closes } => match OpeningHours::parse(opens, closes) {
                Ok(h) => hours_text(ctx, &h),
                Err(_) => format!("{opens}–{closes}"),
            },
            Value::Zone(z) => zone_label(&ctx.deps.texts, ctx.lang(), z, ctx.app().now()),
            Value::Rate(minor) => money(ctx.lang(), Money::new(*minor, Currency::RUB)),
        }
    }
}

/// "✔️ Radius: 100 m": an answer read back (a tapped question turns into it).
pub fn answered(ctx: &Ctx<'_>, field: Field, value: &Value) -> String {
    ctx.tf(
        "site-answered",
        args!["field" => ctx.t(field.label_id()), "value" => value.display(ctx)],
    )
}

/// The Russian zone most likely at this longitude. Zone borders follow regions, not meridians,
/// so this is a suggestion the owner confirms; the bands are placed so regional capitals fall
/// into their own zone (Kazan and Kirov on Moscow time, Samara and Izhevsk on Samara time…).
/// West of Kaliningrad maps to Kaliningrad; Chukotka, across the antimeridian, to Kamchatka.
pub fn suggest_zone(longitude: f64) -> &'static str {
    const BANDS: [(f64, &str); 12] = [
        (-168.0, "Asia/Kamchatka"),
        (23.0, "Europe/Kaliningrad"),
        (49.9, "Europe/Moscow"),
        (54.8, "Europe/Samara"),
        (70.0, "Asia/Yekaterinburg"),
        (77.0, "Asia/Omsk"),
        (88.0, "Asia/Novosibirsk"),
        (99.0, "Asia/Krasnoyarsk"),
        (113.0, "Asia/Irkutsk"),
        (130.5, "Asia/Yakutsk"),
        (147.0, "Asia/Vladivostok"),
        (157.0, "Asia/Magadan"),
    ];
    BANDS
        .iter()
        .find(|(upper, _)| longitude < *upper)
        .map(|(_, zone)| *zone)
        .unwrap_or("Asia/Kamchatka")
}

/// "Vladivostok (UTC+10)" for a listed zone, "America/Chicago (UTC-6)" for any other; the
/// offset is the one in force at `at`.
pub fn zone_label(texts: &Texts, lang: Language, name: &str, at: DateTime<Utc>) -> String {
    let city = ZONES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| texts.get(lang, id))
        .unwrap_or_else(|| name.to_owned());
    match SiteTimeZone::parse(name) {
        Ok(tz) => format!("{city} ({})", utc_offset(&tz, at)),
        Err(_) => city,
    }
}

/// The zone's offset at `at`, as "UTC+3" or "UTC+5:30".
fn utc_offset(tz: &SiteTimeZone, at: DateTime<Utc>) -> String {
    let secs = at.with_timezone(&tz.tz()).offset().fix().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

pub fn coordinates_text(latitude: f64, longitude: f64) -> String {
    format!("{latitude:.5}, {longitude:.5}")
}

pub fn hours_text(ctx: &Ctx<'_>, h: &OpeningHours) -> String {
    match h {
        OpeningHours::AroundTheClock => ctx.t("site-hours-24-7"),
        OpeningHours::Daily { opens, closes } => {
            let args = args![
                "opens" => format_time_of_day(*opens),
                "closes" => format_time_of_day(*closes),
            ];
            if h.is_overnight() {
                ctx.tf("site-hours-overnight", args)
            } else {
                ctx.tf("site-hours-daily", args)
            }
        }
    }
}

/// The current value of a field of a site, for "Now: …".
pub fn current_value(ctx: &Ctx<'_>, s: &SiteSettings, field: Field) -> String {
    match field {
        Field::Name => html(s.name.as_str()),
        Field::Address if s.address.as_str().is_empty() => ctx.t("site-address-none"),
        Field::Address => html(s.address.as_str()),
        Field::Location => coordinates_text(s.location.latitude(), s.location.longitude()),
        Field::Radius => ctx.tf("site-metres", args!["n" => s.radius.metres()]),
        Field::Hours => hours_text(ctx, &s.hours),
        Field::Zone => zone_label(
            &ctx.deps.texts,
            ctx.lang(),
            s.time_zone.name(),
            ctx.app().now(),
        ),
        Field::Rate => money(ctx.lang(), s.hourly_rate),
    }
}

/// The settings as a block of lines (the site card and the summary before creating).
pub fn settings_text(ctx: &Ctx<'_>, s: &SiteSettings) -> String {
    ctx.tf(
        "site-card",
        args![
            "name" => html(s.name.as_str()),
            "address" => current_value(ctx, s, Field::Address),
            "coords" => current_value(ctx, s, Field::Location),
            "radius" => current_value(ctx, s, Field::Radius),
            "hours" => current_value(ctx, s, Field::Hours),
            "zone" => current_value(ctx, s, Field::Zone),
            "rate" => current_value(ctx, s, Field::Rate),
        ],
    )
}

/// Asks for `field`: the reason the last answer was refused (if any), a header line (the step
/// of the dialogue), the question, the current value when editing, and the buttons that fit.
/// `longitude` picks the suggested time zone.
pub async fn ask(
    ctx: &Ctx<'_>,
    dialogue: Dialogue,
    field: Field,
    header: &str,
    current: Option<String>,
    longitude: Option<f64>,
    reason: Option<String>,
) -> Result<(), BotError> {
    let suggested = longitude.map(suggest_zone).unwrap_or("Europe/Moscow");
    let mut text = String::new();
    if let Some(r) = reason {
        text.push_str(&ctx.tf("site-invalid", args!["reason" => r]));
        text.push_str("\n\n");
    }
    text.push_str(header);
    text.push('\n');
    let question = match field {
        Field::Zone => ctx.tf(
            field.question_id(),
            args!["zone" => zone_label(&ctx.deps.texts, ctx.lang(), suggested, ctx.app().now())],
        ),
        _ => ctx.t(field.question_id()),
    };
    text.push_str(&question);
    if let Some(c) = current {
        text.push_str("\n\n");
        text.push_str(&ctx.tf("site-edit-current", args!["value" => c]));
    }
    if field == Field::Location {
        ctx.send(&text, Some(location_request(ctx, "site-button-location")))
            .await?;
        return Ok(());
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    match field {
        Field::Address => rows.push(vec![button(ctx.t("site-button-no-address"), OwnerCb::Skip)]),
        Field::Radius => rows.push(
            [50u32, 100, 200, 500]
                .into_iter()
                .map(|m| button(ctx.tf("site-metres", args!["n" => m]), OwnerCb::Radius(m)))
                .collect(),
        ),
        Field::Hours => rows.push(vec![button(
            ctx.t("site-button-24-7"),
            OwnerCb::AroundTheClock,
        )]),
        Field::Zone => {
            let (texts, now) = (&ctx.deps.texts, ctx.app().now());
            if let Some(i) = ZONES.iter().position(|(n, _)| *n == suggested) {
                rows.push(vec![button(
                    format!("⭐ {}", zone_label(texts, ctx.lang(), suggested, now)),
                    OwnerCb::Zone(i as u8),
                )]);
            }
            for (chunk_no, chunk) in ZONES.chunks(2).enumerate() {
                rows.push(
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(j, (name, _))| {
                            let i = (chunk_no * 2 + j) as u8;
                            button(zone_label(texts, ctx.lang(), name, now), OwnerCb::Zone(i))
                        })
                        .collect(),
                );
            }
        }
        Field::Name | Field::Location | Field::Rate => {}
    }
    rows.push(cancel_row(ctx, dialogue));
    ctx.send(&text, Some(ReplyMarkup::InlineKeyboard(inline(rows))))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_bands_put_cities_in_their_zones() {
        for (lon, zone) in [
            (20.51, "Europe/Kaliningrad"),
            (37.62, "Europe/Moscow"),
            (49.12, "Europe/Moscow"),      // Kazan
            (49.67, "Europe/Moscow"),      // Kirov
            (50.10, "Europe/Samara"),      // Samara
            (53.20, "Europe/Samara"),      // Izhevsk
            (55.96, "Asia/Yekaterinburg"), // Ufa
            (60.61, "Asia/Yekaterinburg"),
            (65.53, "Asia/Yekaterinburg"), // Tyumen
            (73.37, "Asia/Omsk"),
            (82.92, "Asia/Novosibirsk"),
            (84.95, "Asia/Novosibirsk"), // Tomsk
            (92.87, "Asia/Krasnoyarsk"),
            (104.28, "Asia/Irkutsk"),
            (107.58, "Asia/Irkutsk"), // Ulan-Ude
            (113.50, "Asia/Yakutsk"), // Chita
            (129.73, "Asia/Yakutsk"),
            (131.89, "Asia/Vladivostok"),
            (135.07, "Asia/Vladivostok"), // Khabarovsk
            (150.80, "Asia/Magadan"),
            (158.65, "Asia/Kamchatka"),
            (177.51, "Asia/Kamchatka"), // Anadyr
            (-175.0, "Asia/Kamchatka"),
            (-0.12, "Europe/Kaliningrad"),
        ] {
            assert_eq!(suggest_zone(lon), zone, "{lon}");
        }
        // Every suggestion is a listed, valid zone.
        for lon in (-180..=180).map(f64::from) {
            let z = suggest_zone(lon);
            assert!(ZONES.iter().any(|(n, _)| *n == z));
            assert!(SiteTimeZone::parse(z).is_ok());
        }
    }

    #[test]
    fn zone_labels_use_the_offset_at_the_moment_given() {
        let texts = Texts::load().unwrap();
        let at = |s: &str| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
                .unwrap()
                .and_utc()
        };
        let label = |name, when| zone_label(&texts, Language::En, name, at(when));
        assert_eq!(
            label("Asia/Vladivostok", "2026-12-01 00:00"),
            "Vladivostok (UTC+10)"
        );
        assert_eq!(
            label("Europe/Berlin", "2026-12-01 00:00"),
            "Europe/Berlin (UTC+1)"
        );
        assert_eq!(
            label("Europe/Berlin", "2027-07-01 00:00"),
            "Europe/Berlin (UTC+2)"
        );
        assert_eq!(
            label("Asia/Kolkata", "2027-07-01 00:00"),
            "Asia/Kolkata (UTC+5:30)"
        );
    }
}
