//! Money written for people, in their language: "2 788,33 ₽" (Russian) / "2,788.33 ₽" (English).
//! The one formatter of amounts: the bot's messages and the report files both use it.

use crate::{Currency, Language, Money};

/// Non-breaking space: keeps "2 788" and "350 ₽" on one line.
const NBSP: char = '\u{a0}';

/// The sign people know a currency by, or "" when the code itself is clearer.
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
    let out = amount(lang, m);
    match currency_symbol(m.currency) {
        "" => format!("{out}{NBSP}{}", m.currency.code()),
        sym => format!("{out}{NBSP}{sym}"),
    }
}

/// The amount alone, grouped by thousands with the currency's minor digits: "2 788,33" /
/// "2,788.33" (for tables whose column already names the currency).
pub fn amount(lang: Language, m: Money) -> String {
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
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group_sep);
        }
        out.push(ch);
    }
    if exp > 0 {
        out.push(decimal_sep);
        out.push_str(&format!("{frac:0width$}", width = exp as usize));
    }
    out
}

/// The amount as a plain decimal number for machines (CSV, spreadsheets): "2788.33", "-1.50",
/// "1500" — exact, never through floating point.
pub fn decimal(m: Money) -> String {
    let exp = m.currency.exponent();
    let abs = m.minor.unsigned_abs();
    let scale = 10u64.pow(exp);
    let sign = if m.minor < 0 { "-" } else { "" };
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
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
        assert_eq!(money(Language::En, rub(-150)), "-1.50\u{a0}₽");
        let jpy = Money::new(1500, Currency::parse("JPY").unwrap());
        assert_eq!(money(Language::En, jpy), "1,500\u{a0}JPY");
        assert_eq!(
            amount(Language::Ru, rub(123_456_789)),
            "1\u{a0}234\u{a0}567,89"
        );
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(rub(278_833)), "2788.33");
        assert_eq!(decimal(rub(-150)), "-1.50");
        assert_eq!(decimal(rub(5)), "0.05");
        assert_eq!(
            decimal(Money::new(1500, Currency::parse("JPY").unwrap())),
            "1500"
        );
        assert_eq!(
            decimal(Money::new(-1, Currency::parse("KWD").unwrap())),
            "-0.001"
        );
    }
}
