//! The geolocation audit's review request: the owner and managers of the site hear once that a
//! shift was flagged, why (with the numbers), and get the Approve / Change time buttons of every
//! review request. Each in the reader's own language.

use super::Once;
use crate::args;
use app::audit::AuditNotice;
use app::notices::NoticeError;
use domain::Language;
use domain::audit::AuditFinding;
use teloxide::types::ReplyMarkup;

pub(super) async fn notify(once: &Once<'_>, n: &AuditNotice) -> Result<(), NoticeError> {
    let deps = once.deps;
    for reviewer in &n.reviewers {
        let lang = reviewer.language;
        let (mut text, markup) =
            crate::owner::review_request(deps, lang, &n.employee, &n.site, &n.shift);
        for finding in &n.findings {
            text.push('\n');
            text.push_str(&detail(deps, lang, finding));
        }
        once.send(reviewer, &text, Some(ReplyMarkup::InlineKeyboard(markup)))
            .await?;
    }
    Ok(())
}

/// One finding's line with its numbers.
fn detail(deps: &crate::ctx::Deps, lang: Language, finding: &AuditFinding) -> String {
    match *finding {
        AuditFinding::OutsideGeofence {
            distance_m,
            radius_m,
            accuracy_m,
        } => deps.texts.format(
            lang,
            "audit-outside-detail",
            Some(&args![
                "km" => km(lang, distance_m),
                "radius" => i64::from(radius_m),
                "accuracy" => accuracy_m.round() as i64,
            ]),
        ),
        AuditFinding::RepeatedLocation { earlier_shifts } => deps.texts.format(
            lang,
            "audit-repeated-detail",
            Some(&args!["count" => i64::try_from(earlier_shifts).unwrap_or(i64::MAX)]),
        ),
        AuditFinding::ImpossibleTravel {
            distance_m,
            minutes,
            speed_kmh,
        } => {
            let speed = if speed_kmh.is_finite() {
                format!("{}", speed_kmh.round() as i64)
            } else {
                "∞".to_owned()
            };
            deps.texts.format(
                lang,
                "audit-travel-detail",
                Some(&args![
                    "km" => km(lang, distance_m),
                    "minutes" => minutes,
                    "speed" => speed,
                ]),
            )
        }
    }
}

/// Metres as kilometres with one decimal, in the reader's notation (a comma in Russian).
fn km(lang: Language, metres: f64) -> String {
    let s = format!("{:.1}", metres / 1000.0);
    match lang {
        Language::Ru => s.replace('.', ","),
        Language::En => s,
    }
}
