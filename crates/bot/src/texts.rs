//! User-facing texts from Fluent files (Russian and English), embedded in the binary and checked
//! at start. Russian plurals (1 смена, 2 смены, 5 смен) come from Fluent's plural rules.

use domain::Language;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;

/// The Fluent sources: one file per area, so flows can grow without touching each other.
const SOURCES: [(&str, &str, &str); 14] = [
    ("ru", "common", include_str!("../locales/ru/common.ftl")),
    ("ru", "employee", include_str!("../locales/ru/employee.ftl")),
    ("ru", "owner", include_str!("../locales/ru/owner.ftl")),
    (
        "ru",
        "forgotten",
        include_str!("../locales/ru/forgotten.ftl"),
    ),
    (
        "ru",
        "broadcast",
        include_str!("../locales/ru/broadcast.ftl"),
    ),
    (
        "ru",
        "background",
        include_str!("../locales/ru/background.ftl"),
    ),
    (
        "ru",
        "report-files",
        include_str!("../locales/ru/report-files.ftl"),
    ),
    ("en", "common", include_str!("../locales/en/common.ftl")),
    ("en", "employee", include_str!("../locales/en/employee.ftl")),
    ("en", "owner", include_str!("../locales/en/owner.ftl")),
    (
        "en",
        "forgotten",
        include_str!("../locales/en/forgotten.ftl"),
    ),
    (
        "en",
        "broadcast",
        include_str!("../locales/en/broadcast.ftl"),
    ),
    (
        "en",
        "background",
        include_str!("../locales/en/background.ftl"),
    ),
    (
        "en",
        "report-files",
        include_str!("../locales/en/report-files.ftl"),
    ),
];

#[derive(Debug, thiserror::Error)]
#[error("texts: {0}")]
pub struct TextsError(String);

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

impl Texts {
    /// Parses the embedded files; any syntax error or duplicate id is an error at start.
    pub fn load() -> Result<Self, TextsError> {
        let mut ru = bundle("ru")?;
        let mut en = bundle("en")?;
        for (lang, area, src) in SOURCES {
            let res = FluentResource::try_new(src.to_owned())
                .map_err(|(_, errs)| TextsError(format!("{lang}/{area}.ftl: {errs:?}")))?;
            let target = if lang == "ru" { &mut ru } else { &mut en };
            target
                .add_resource(res)
                .map_err(|errs| TextsError(format!("{lang}/{area}.ftl: {errs:?}")))?;
        }
        Ok(Self { ru, en })
    }

    fn bundle(&self, lang: Language) -> &FluentBundle<FluentResource> {
        match lang {
            Language::Ru => &self.ru,
            Language::En => &self.en,
        }
    }

    /// The text of message `id`, formatted with `args`. A missing id yields the id itself (and a
    /// log line), never a panic; a test checks both languages define the same ids.
    pub fn format(&self, lang: Language, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, lang = lang.as_str(), "missing text");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(id, ?errors, "text formatting errors");
        }
        text.into_owned()
    }

    pub fn get(&self, lang: Language, id: &str) -> String {
        self.format(lang, id, None)
    }

    /// Whether a message id exists in the language.
    pub fn has(&self, lang: Language, id: &str) -> bool {
        self.bundle(lang).has_message(id)
    }
}

fn bundle(lang: &str) -> Result<FluentBundle<FluentResource>, TextsError> {
    let id: unic_langid::LanguageIdentifier = lang
        .parse()
        .map_err(|e| TextsError(format!("{lang}: {e}")))?;
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Telegram shows the Unicode isolation marks Fluent adds around arguments as junk.
    b.set_use_isolating(false);
    Ok(b)
}

/// Arguments for a text: `args!["name" => value, …]`.
#[macro_export]
macro_rules! args {
    ($($k:literal => $v:expr),* $(,)?) => {{
        let mut a = fluent_bundle::FluentArgs::new();
        $( a.set($k, $crate::texts::arg($v)); )*
        a
    }};
}

/// Turns a Rust value into a Fluent argument (numbers select plurals, text is shown as is).
pub fn arg<'a, T: IntoArg<'a>>(v: T) -> FluentValue<'a> {
    v.into_arg()
}

pub trait IntoArg<'a> {
    fn into_arg(self) -> FluentValue<'a>;
}

impl<'a> IntoArg<'a> for i64 {
    fn into_arg(self) -> FluentValue<'a> {
        FluentValue::from(self)
    }
}

impl<'a> IntoArg<'a> for u32 {
    fn into_arg(self) -> FluentValue<'a> {
        FluentValue::from(self)
    }
}

impl<'a> IntoArg<'a> for usize {
    fn into_arg(self) -> FluentValue<'a> {
        FluentValue::from(self as i64)
    }
}

impl<'a> IntoArg<'a> for String {
    fn into_arg(self) -> FluentValue<'a> {
        FluentValue::String(Cow::Owned(self))
    }
}

impl<'a> IntoArg<'a> for &'a str {
    fn into_arg(self) -> FluentValue<'a> {
        FluentValue::String(Cow::Borrowed(self))
    }
}

impl<'a> IntoArg<'a> for &'a String {
    fn into_arg(self) -> FluentValue<'a> {
        FluentValue::String(Cow::Borrowed(self.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_bundle::FluentResource;
    use std::collections::BTreeSet;

    fn ids(lang: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (l, _, src) in SOURCES {
            if l != lang {
                continue;
            }
            let res = FluentResource::try_new(src.to_owned()).unwrap();
            for entry in res.entries() {
                if let fluent_syntax::ast::Entry::Message(m) = entry {
                    out.insert(m.id.name.to_owned());
                }
            }
        }
        out
    }

    #[test]
    fn both_languages_load_and_define_the_same_ids() {
        Texts::load().unwrap();
        let ru = ids("ru");
        let en = ids("en");
        assert!(!ru.is_empty());
        let only_ru: Vec<_> = ru.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ru).collect();
        assert!(
            only_ru.is_empty() && only_en.is_empty(),
            "only in ru: {only_ru:?}; only in en: {only_en:?}"
        );
    }

    #[test]
    fn russian_plurals() {
        let t = Texts::load().unwrap();
        let shifts = |n: i64| t.format(Language::Ru, "earn-shifts", Some(&crate::args!["n" => n]));
        assert_eq!(shifts(1), "1 смена");
        assert_eq!(shifts(2), "2 смены");
        assert_eq!(shifts(5), "5 смен");
        assert_eq!(shifts(11), "11 смен");
        assert_eq!(shifts(21), "21 смена");
        assert_eq!(shifts(22), "22 смены");
        let en = |n: i64| t.format(Language::En, "earn-shifts", Some(&crate::args!["n" => n]));
        assert_eq!(en(1), "1 shift");
        assert_eq!(en(5), "5 shifts");
    }

    #[test]
    fn a_missing_id_yields_the_id() {
        let t = Texts::load().unwrap();
        assert_eq!(t.get(Language::En, "no-such-text"), "no-such-text");
    }
}
