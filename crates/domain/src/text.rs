//! The rule for text people name things with (site names, addresses, person names, token
//! labels): no control characters. They cannot be shown or typed, break lines in messages and
//! reports, and NUL cannot be stored by PostgreSQL at all; refusing them here keeps both stores
//! and every entry point equal.

use crate::ValueError;

/// Whether `c` may not appear in a name: the C0 and C1 controls (NUL, tab, line breaks, DEL…),
/// the line and paragraph separators, and the bidirectional embeddings, overrides and isolates
/// (which can make a name display as something else).
pub fn is_refused(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The same rule as a regular expression (ECMA-262, for the OpenAPI document).
pub const ALLOWED_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$";

/// A name: allowed characters, at least one of them not whitespace (Unicode White_Space, which
/// is what trimming removes), as a regular expression without look-ahead.
pub const NAME_PATTERN: &str = concat!(
    r"^[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*",
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000]",
    r"[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
);

/// A message (a broadcast): like a name, but line breaks and tabs belong in it (U+0009, U+000A
/// left out of the refused ranges of the outer classes).
pub const MESSAGE_PATTERN: &str = concat!(
    r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*",
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000]",
    r"[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]*$"
);

/// Refuses `raw` when it holds a character `is_refused` names.
pub fn check(field: &'static str, raw: &str) -> Result<(), ValueError> {
    if raw.chars().any(is_refused) {
        return Err(ValueError::ControlCharacter { field });
    }
    Ok(())
}

/// `raw` without the refused characters, for text that must be taken whatever it holds (a name
/// Telegram reports).
pub fn without_refused(raw: &str) -> String {
    raw.chars().filter(|c| !is_refused(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_separators_and_bidi_overrides_are_refused() {
        for bad in [
            "a\0b",
            "a\tb",
            "a\nb",
            "a\rb",
            "a\u{7f}",
            "\u{85}",
            "\u{9f}",
            "a\u{2028}b",
            "\u{2029}",
            "\u{202E}evil",
            "\u{2066}x\u{2069}",
        ] {
            assert_eq!(
                check("name", bad),
                Err(ValueError::ControlCharacter { field: "name" }),
                "{bad:?}"
            );
        }
        // Letters of any script, emoji with joiners, marks and spaces are fine.
        for ok in [
            "Кафе «Ромашка»",
            "מסעדה",
            "👩\u{200D}🍳 Kitchen",
            "e\u{301}",
            "a\u{00A0}b",
            "",
        ] {
            assert_eq!(check("name", ok), Ok(()), "{ok:?}");
        }
        assert_eq!(without_refused("Ива\0н\n"), "Иван");
    }

    #[test]
    fn the_pattern_names_the_same_ranges() {
        // Every refused character in the BMP falls in one of the pattern's ranges.
        let ranges = [
            (0x0000, 0x001F),
            (0x007F, 0x009F),
            (0x2028, 0x202E),
            (0x2066, 0x2069),
        ];
        for cp in 0..=0xFFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let in_pattern = ranges.iter().any(|(a, b)| (*a..=*b).contains(&cp));
            assert_eq!(is_refused(c), in_pattern, "U+{cp:04X}");
        }
        for (a, b) in ranges {
            assert!(ALLOWED_PATTERN.contains(&format!("\\u{a:04X}-\\u{b:04X}")));
        }
    }

    #[test]
    fn the_message_pattern_is_the_name_pattern_with_line_breaks_and_tabs() {
        let allowing = |p: &str| p.replace("\\u0000-\\u0008\\u000B-\\u001F", "\\u0000-\\u001F");
        assert_eq!(allowing(MESSAGE_PATTERN), NAME_PATTERN);
        assert_eq!(
            MESSAGE_PATTERN
                .matches("\\u0000-\\u0008\\u000B-\\u001F")
                .count(),
            2
        );
    }

    #[test]
    fn the_name_pattern_needs_one_visible_character() {
        // The middle class of NAME_PATTERN: allowed and not whitespace.
        let visible = [
            (0x0000, 0x0020),
            (0x007F, 0x00A0),
            (0x1680, 0x1680),
            (0x2000, 0x200A),
            (0x2028, 0x202F),
            (0x205F, 0x205F),
            (0x2066, 0x2069),
            (0x3000, 0x3000),
        ];
        for cp in 0..=0xFFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let excluded = visible.iter().any(|(a, b)| (*a..=*b).contains(&cp));
            assert_eq!(excluded, is_refused(c) || c.is_whitespace(), "U+{cp:04X}");
        }
        for (a, b) in visible {
            let range = if a == b {
                format!("\\u{a:04X}")
            } else {
                format!("\\u{a:04X}-\\u{b:04X}")
            };
            assert!(NAME_PATTERN.contains(&range), "{range}");
        }
        assert!(NAME_PATTERN.starts_with(&ALLOWED_PATTERN[..ALLOWED_PATTERN.len() - 1]));
    }
}
