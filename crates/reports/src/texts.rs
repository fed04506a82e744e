//! The report files' texts (column headers, titles, flags) from Fluent files in Russian and
//! English, embedded in the binary, and the one way the files write dates, times and durations.

use chrono::{NaiveDate, NaiveDateTime};
use domain::{Language, ReviewReason};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::OnceLock;

const RU: &str = include_str!("../locales/ru/reports.ftl");
const EN: &str = include_str!("../locales/en/reports.ftl");

/// Both languages' bundles.
pub struct Texts {
    ru: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Texts")
    }
}

fn bundle(lang: &str, src: &str) -> Result<FluentBundle<FluentResource>, String> {
    let id: unic_langid::LanguageIdentifier = lang.parse().map_err(|e| format!("{lang}: {e}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: they would end up in cells and PDF text.
    bundle.set_use_isolating(false);
    let res = FluentResource::try_new(src.to_owned())
        .map_err(|(_, errs)| format!("{lang}/reports.ftl: {errs:?}"))?;
    bundle
        .add_resource(res)
        .map_err(|errs| format!("{lang}/reports.ftl: {errs:?}"))?;
    Ok(bundle)
}

impl Texts {
    /// Parses the embedded files once; a syntax error is a build mistake caught by the tests.
    pub fn get() -> &'static Texts {
        static TEXTS: OnceLock<Texts> = OnceLock::new();
        TEXTS.get_or_init(|| match (bundle("ru", RU), bundle("en", EN)) {
            (Ok(ru), Ok(en)) => Texts { ru, en },
            // A broken embedded file shows its ids instead of texts; the unit test below catches
            // it before any release.
            _ => Texts {
                ru: FluentBundle::new_concurrent(Vec::new()),
                en: FluentBundle::new_concurrent(Vec::new()),
            },
        })
    }

    /// The text `id` in `lang`, with arguments; the id itself when it is missing (a test
    /// checks every id exists in both languages).
    pub fn format(&self, lang: Language, id: &str, args: &[(&str, String)]) -> String {
        let bundle = match lang {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            fluent_args.set(*k, v.clone());
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// A text without arguments.
    pub fn text(&self, lang: Language, id: &str) -> String {
        self.format(lang, id, &[])
    }

    /// Every message id of a language, for the tests.
    #[cfg(test)]
    fn ids(src: &str) -> Vec<String> {
        src.lines()
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.trim().to_owned()))
            .filter(|id| !id.starts_with('#') && !id.is_empty())
            .collect()
    }
}

/// Shorthand for `Texts::get().text`.
pub fn t(lang: Language, id: &str) -> String {
    Texts::get().text(lang, id)
}

/// Shorthand for `Texts::get().format`.
pub fn tf(lang: Language, id: &str, args: &[(&str, String)]) -> String {
    Texts::get().format(lang, id, args)
}

/// A date in the reader's language: "30.11.2026" / "30 Nov 2026" (as the bot writes it).
pub fn date(lang: Language, d: NaiveDate) -> String {
    match lang {
        Language::Ru => d.format("%d.%m.%Y").to_string(),
        Language::En => d.format("%-d %b %Y").to_string(),
    }
}

/// A worked time as hours and minutes: "7:58", "25:00", "0:05".
pub fn hours_minutes(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let abs = minutes.unsigned_abs();
    format!("{sign}{}:{:02}", abs / 60, abs % 60)
}

/// A local date and time for machines: "2026-11-30 09:02".
pub fn iso_local(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// Why a shift waits for review, in the reader's language.
pub fn review_reason(lang: Language, reason: ReviewReason) -> String {
    t(lang, &format!("reason-{}", reason.as_str()))
}

/// The flags of a timesheet row as one text: "closed automatically; waiting for review: …".
pub fn flags(lang: Language, auto_closed: bool, reason: Option<ReviewReason>) -> String {
    let mut parts = Vec::new();
    if auto_closed {
        parts.push(t(lang, "flag-auto-closed"));
    }
    if let Some(r) = reason {
        parts.push(tf(
            lang,
            "flag-review",
            &[("reason", review_reason(lang, r))],
        ));
    }
    parts.join("; ")
}

/// The flags in a narrow column: as `flags`, but a shift closed automatically and waiting for
/// review for that reason says so once: "closed automatically; waiting for review".
pub fn short_flags(lang: Language, auto_closed: bool, reason: Option<ReviewReason>) -> String {
    match reason {
        Some(ReviewReason::AutoClosed) if auto_closed => format!(
            "{}; {}",
            t(lang, "flag-auto-closed"),
            t(lang, "flag-review-short")
        ),
        _ => flags(lang, auto_closed, reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_text() {
        let (ru, en) = (Texts::ids(RU), Texts::ids(EN));
        assert_eq!(ru, en, "the same ids in the same order");
        for id in &ru {
            assert_ne!(t(Language::Ru, id), *id, "ru {id}");
            assert_ne!(t(Language::En, id), *id, "en {id}");
        }
        for r in ReviewReason::ALL {
            assert!(!review_reason(Language::Ru, r).starts_with("reason-"));
        }
    }

    #[test]
    fn formats() {
        assert_eq!(hours_minutes(478), "7:58");
        assert_eq!(hours_minutes(5), "0:05");
        assert_eq!(hours_minutes(1500), "25:00");
        let d = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        assert_eq!(date(Language::Ru, d), "28.03.2027");
        assert_eq!(date(Language::En, d), "28 Mar 2027");
        assert_eq!(
            tf(
                Language::Ru,
                "period",
                &[("from", "1".into()), ("to", "2".into())]
            ),
            "Период: 1 – 2"
        );
        assert_eq!(
            flags(Language::En, true, Some(ReviewReason::AutoClosed)),
            "closed automatically; waiting for review: closed automatically"
        );
        assert_eq!(
            short_flags(Language::Ru, true, Some(ReviewReason::AutoClosed)),
            "закрыта автоматически; ждёт проверки"
        );
        assert_eq!(
            short_flags(Language::En, false, Some(ReviewReason::OutsideGeofence)),
            "waiting for review: end outside the geofence"
        );
    }
}
