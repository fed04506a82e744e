//! Formatting for people, one function per kind of value: money ("2 788,33 ₽" / "2,788.33 ₽"),
//! durations ("1 ч 05 мин" / "1 h 05 min"), dates in the reader's language ("30.11.2026" /
//! "30 Nov 2026"), local times of a site.

use crate::args;
use crate::texts::Texts;
use chrono::{DateTime, NaiveDate, Utc};
use domain::{Currency, Language, Money, SiteTimeZone};

/// The one money formatter lives in the domain (the report files use it too).
pub use domain::money_text::{currency_symbol, money};

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

/// The one way the bot writes a length of time: "1 ч 05 мин" / "1 h 05 min", under an hour
/// "45 мин" / "45 min", nothing at all "0 мин" / "0 min".
pub fn duration(texts: &Texts, lang: Language, minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let abs = minutes.unsigned_abs();
    let (h, m) = (abs / 60, abs % 60);
    let text = if h == 0 {
        texts.format(lang, "duration-m", Some(&args!["m" => m.to_string()]))
    } else {
        texts.format(
            lang,
            "duration-hm",
            Some(&args!["h" => h.to_string(), "m" => format!("{m:02}")]),
        )
    };
    format!("{sign}{text}")
}

/// "09:02" in the site's zone.
pub fn local_time(tz: &SiteTimeZone, at: DateTime<Utc>) -> String {
    tz.local(at).format("%H:%M").to_string()
}

/// The date and time in the site's zone, the date as `date` writes it: "25.11.2026 09:02" /
/// "25 Nov 2026 09:02".
pub fn local_date_time(lang: Language, tz: &SiteTimeZone, at: DateTime<Utc>) -> String {
    let local = tz.local(at);
    format!("{} {}", date(lang, local.date()), local.format("%H:%M"))
}

/// The one way the bot writes a date, in the reader's language: "30.11.2026" / "30 Nov 2026".
pub fn date(lang: Language, d: NaiveDate) -> String {
    match lang {
        Language::Ru => d.format("%d.%m.%Y").to_string(),
        Language::En => d.format("%-d %b %Y").to_string(),
    }
}

/// A date in the form people type it (what `domain::period::parse_date` reads), for examples
/// in questions: "30.11.2026" in both languages.
pub fn typed_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A count grouped by thousands, as people read it: "1,000" / "1 000" (a no-break space).
pub fn count(lang: Language, n: u64) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Language::Ru => '\u{a0}',
        Language::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
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

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(Language::En, 0), "0");
        assert_eq!(count(Language::En, 340), "340");
        assert_eq!(count(Language::En, 1000), "1,000");
        assert_eq!(count(Language::En, 1_234_567), "1,234,567");
        assert_eq!(count(Language::Ru, 10_000), "10\u{a0}000");
    }

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
        for (minutes, ru, en) in [
            (0, "0 мин", "0 min"),
            (5, "5 мин", "5 min"),
            (45, "45 мин", "45 min"),
            (60, "1 ч 00 мин", "1 h 00 min"),
            (65, "1 ч 05 мин", "1 h 05 min"),
            (478, "7 ч 58 мин", "7 h 58 min"),
            (1500, "25 ч 00 мин", "25 h 00 min"),
            (-5, "-5 мин", "-5 min"),
        ] {
            assert_eq!(duration(&t, Language::Ru, minutes), ru, "{minutes}");
            assert_eq!(duration(&t, Language::En, minutes), en, "{minutes}");
        }
    }

    #[test]
    fn dates_in_the_readers_language() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(date(Language::Ru, d), "30.11.2026");
        assert_eq!(date(Language::En, d), "30 Nov 2026");
        let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(date(Language::Ru, first), "01.01.2027");
        assert_eq!(date(Language::En, first), "1 Jan 2027");
        assert_eq!(typed_date(first), "01.01.2027");
        let tz = SiteTimeZone::parse("Europe/Moscow").unwrap();
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 6, 2, 0).unwrap();
        assert_eq!(local_date_time(Language::Ru, &tz, at), "30.11.2026 09:02");
        assert_eq!(local_date_time(Language::En, &tz, at), "30 Nov 2026 09:02");
    }

    #[test]
    fn html_escaping() {
        assert_eq!(
            html("<b>Tom & Jerry</b>"),
            "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
        );
    }
}
