//! Formatting for people: money ("2 788,33 ₽" / "2,788.33 ₽"), worked time with proper plurals,
//! local dates and times of a site.

use crate::args;
use crate::texts::Texts;
use chrono::{DateTime, Utc};
use domain::{Currency, Language, Money, SiteTimeZone};

/// Non-breaking space: keeps "2 788" and "350 ₽" on one line.
const NBSP: char = '\u{a0}';

pub fn currency_symbol(c: Currency) -> &'static str {
    match c.code() {
        "RUB" => "₽",
        "USD" => "$",
        "EUR" => "€",
        "KZT" => "₸",
        "UAH" => "₴",
        "BYN" => "Br",
        "GEL" => "₾",
        "AMD" => "֏",
        "UZS" => "сўм",
        _ => "",
    }
}

/// An amount with its currency, grouped by thousands, in the language's convention.
pub fn money(lang: Language, m: Money) -> String {
    let exp = m.currency.exponent();
    let negative = m.minor < 0;
    let abs = m.minor.unsigned_abs();
    let scale = 10u64.pow(exp);
    let (whole, frac) = (abs / scale, abs % scale);
    let (group_sep, decimal_sep) = match lang {
        Language::Ru => (NBSP, ','),
        Language::En => (',', '.'),
    };
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(group_sep);
        }
        grouped.push(ch);
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if exp > 0 {
        out.push(decimal_sep);
        out.push_str(&format!("{frac:0width$}", width = exp as usize));
    }
    match currency_symbol(m.currency) {
        "" => format!("{out}{NBSP}{}", m.currency.code()),
        sym => format!("{out}{NBSP}{sym}"),
    }
}

/// Indents the second and later amounts of a `money_list`, each on its own line.
pub const MONEY_LIST_INDENT: &str = "\n    ";

/// Several amounts (one per currency, never added together): the first where the text puts it,
/// each further one on its own indented line; "0" in the default currency when none.
pub fn money_list(lang: Language, amounts: &[Money]) -> String {
    if amounts.is_empty() {
        return money(lang, Money::new(0, Currency::RUB));
    }
    amounts
        .iter()
        .map(|m| money(lang, *m))
        .collect::<Vec<_>>()
        .join(MONEY_LIST_INDENT)
}

/// "7 ч 58 мин" / "7 h 58 min".
pub fn duration_short(texts: &Texts, lang: Language, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    texts.format(lang, "duration-short", Some(&args!["h" => h, "m" => m]))
}

/// "7 часов 58 минут" / "7 hours 58 minutes" (plural forms from Fluent).
pub fn duration_long(texts: &Texts, lang: Language, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = texts.format(lang, "unit-hours", Some(&args!["n" => h]));
    let mins = texts.format(lang, "unit-minutes", Some(&args!["n" => m]));
    match (h, m) {
        (0, _) => mins,
        (_, 0) => hours,
        _ => format!("{hours} {mins}"),
    }
}

/// "09:02" in the site's zone.
pub fn local_time(tz: &SiteTimeZone, at: DateTime<Utc>) -> String {
    tz.local(at).format("%H:%M").to_string()
}

/// "25.11.2026 09:02" in the site's zone.
pub fn local_date_time(tz: &SiteTimeZone, at: DateTime<Utc>) -> String {
    tz.local(at).format("%d.%m.%Y %H:%M").to_string()
}

/// "25.11.2026".
pub fn date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// Escapes text for Telegram's HTML parse mode (names, addresses typed by people).
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub(minor: i64) -> Money {
        Money::new(minor, Currency::RUB)
    }

    #[test]
    fn money_in_both_languages() {
        assert_eq!(money(Language::Ru, rub(278_833)), "2\u{a0}788,33\u{a0}₽");
        assert_eq!(money(Language::En, rub(278_833)), "2,788.33\u{a0}₽");
        assert_eq!(money(Language::Ru, rub(35_000)), "350,00\u{a0}₽");
        assert_eq!(money(Language::Ru, rub(5)), "0,05\u{a0}₽");
        assert_eq!(money(Language::En, rub(123_456_789)), "1,234,567.89\u{a0}₽");
        assert_eq!(money(Language::En, rub(-150)), "-1.50\u{a0}₽");
        let jpy = Money::new(1500, Currency::parse("JPY").unwrap());
        assert_eq!(money(Language::En, jpy), "1,500\u{a0}JPY");
    }

    #[test]
    fn several_currencies_go_on_separate_lines() {
        let jpy = Money::new(150_000, Currency::parse("JPY").unwrap());
        assert_eq!(
            money_list(Language::Ru, &[rub(280_000), jpy]),
            "2\u{a0}800,00\u{a0}₽\n    150\u{a0}000\u{a0}JPY"
        );
        assert_eq!(
            money_list(Language::En, &[rub(280_000), jpy]),
            "2,800.00\u{a0}₽\n    150,000\u{a0}JPY"
        );
        assert_eq!(money_list(Language::En, &[jpy]), "150,000\u{a0}JPY");
        assert_eq!(money_list(Language::Ru, &[]), "0,00\u{a0}₽");
    }

    #[test]
    fn durations() {
        let t = Texts::load().unwrap();
        assert_eq!(duration_short(&t, Language::Ru, 478), "7 ч 58 мин");
        assert_eq!(duration_short(&t, Language::En, 478), "7 h 58 min");
        assert_eq!(duration_long(&t, Language::Ru, 60), "1 час");
        assert_eq!(duration_long(&t, Language::Ru, 125), "2 часа 5 минут");
        assert_eq!(
            duration_long(&t, Language::Ru, 300 + 21),
            "5 часов 21 минута"
        );
        assert_eq!(duration_long(&t, Language::En, 61), "1 hour 1 minute");
        assert_eq!(duration_long(&t, Language::En, 0), "0 minutes");
    }

    #[test]
    fn html_escaping() {
        assert_eq!(
            html("<b>Tom & Jerry</b>"),
            "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
        );
    }
}
