//! Message formatting as Telegram applies it: the visible text of an HTML / MarkdownV2 / Markdown
//! message, and the "can't parse entities" errors a real server gives for malformed markup (the
//! classic bug of putting user input into HTML unescaped must fail in tests, as in production).

/// Error texts follow Telegram's ("Bad Request: can't parse entities: ..." is prepended by the
/// caller).
pub(crate) fn visible_text(text: &str, parse_mode: Option<&str>) -> Result<String, String> {
    match parse_mode {
        None | Some("") => Ok(text.to_owned()),
        Some(mode) if mode.eq_ignore_ascii_case("html") => parse_html(text),
        Some(mode) if mode.eq_ignore_ascii_case("markdownv2") => parse_markdown_v2(text),
        Some(mode) if mode.eq_ignore_ascii_case("markdown") => Ok(parse_markdown_legacy(text)),
        Some(_) => Err("unsupported parse_mode".to_owned()),
    }
}

const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

fn parse_html(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with('<') {
            let Some(end) = rest.find('>') else {
                return Err(format!(
                    "Can't find end of the tag starting at byte offset {i}"
                ));
            };
            let inner = &rest[1..end];
            if let Some(name) = inner.strip_prefix('/') {
                let name = name.trim().to_ascii_lowercase();
                match open.pop() {
                    Some((expected, _)) if expected == name || name.is_empty() => {}
                    Some((expected, _)) => {
                        return Err(format!(
                            "Unmatched end tag at byte offset {i}, expected \"</{expected}>\", found \"</{name}>\""
                        ));
                    }
                    None => {
                        return Err(format!("Unexpected end tag at byte offset {i}"));
                    }
                }
            } else {
                let name: String = inner
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/')
                    .collect::<String>()
                    .to_ascii_lowercase();
                if !HTML_TAGS.contains(&name.as_str()) {
                    return Err(format!(
                        "Unsupported start tag \"{name}\" at byte offset {i}"
                    ));
                }
                let attrs = &inner[name.len()..];
                if name == "span" && !attrs.contains("tg-spoiler") {
                    return Err(format!(
                        "Tag \"span\" must have class \"tg-spoiler\" at byte offset {i}"
                    ));
                }
                open.push((name, i));
            }
            i += end + 1;
        } else if rest.starts_with('&') {
            let (decoded, used) = decode_entity(rest);
            out.push_str(&decoded);
            i += used;
        } else {
            // `rest` is non-empty here, so there is a next char.
            let ch = rest.chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    if let Some((name, _)) = open.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{name}\""
        ));
    }
    Ok(out)
}

/// Decodes one HTML entity at the start of `s`; unknown ones stay as written, as Telegram does.
fn decode_entity(s: &str) -> (String, usize) {
    let Some(semi) = s.find(';').filter(|&p| p <= 10) else {
        return ("&".to_owned(), 1);
    };
    let name = &s[1..semi];
    let decoded = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            code.and_then(char::from_u32)
        }
    };
    match decoded {
        Some(c) => (c.to_string(), semi + 1),
        None => ("&".to_owned(), 1),
    }
}

const MDV2_RESERVED: &[char] = &[
    '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!',
];

fn entity_name(marker: &str) -> &'static str {
    match marker {
        "*" => "Bold",
        "_" => "Italic",
        "__" => "Underline",
        "~" => "Strikethrough",
        "||" => "Spoiler",
        _ => "Unknown",
    }
}

/// MarkdownV2 as Telegram documents it: every reserved character outside markup must be escaped.
fn parse_markdown_v2(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<(&'static str, usize)> = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    let at_line_start =
        |k: usize| k == 0 || chars.get(k.wrapping_sub(1)).map(|c| c.1) == Some('\n');
    while k < chars.len() {
        let (offset, c) = chars[k];
        let next = chars.get(k + 1).map(|c| c.1);
        match c {
            '\\' => {
                match next {
                    Some(n) => out.push(n),
                    None => {
                        return Err(reserved('\\'));
                    }
                }
                k += 2;
            }
            '`' => {
                let fence = text[offset..].starts_with("```");
                let open_len = if fence { 3 } else { 1 };
                let body_start = offset + open_len;
                let closing = if fence { "```" } else { "`" };
                let Some(rel) = find_unescaped(&text[body_start..], closing) else {
                    let kind = if fence { "Pre" } else { "Code" };
                    return Err(format!(
                        "Can't find end of {kind} entity at byte offset {offset}"
                    ));
                };
                let mut body = &text[body_start..body_start + rel];
                if fence {
                    // The first line of a ``` block names the language and is not shown.
                    if let Some(nl) = body.find('\n')
                        && !body[..nl].contains(' ')
                    {
                        body = &body[nl + 1..];
                    }
                }
                out.push_str(&unescape_code(body));
                let end_byte = body_start + rel + closing.len();
                while k < chars.len() && chars[k].0 < end_byte {
                    k += 1;
                }
            }
            '*' | '~' => {
                let marker = if c == '*' { "*" } else { "~" };
                toggle(&mut open, marker, offset);
                k += 1;
            }
            '_' => {
                if next == Some('_') {
                    toggle(&mut open, "__", offset);
                    k += 2;
                } else {
                    toggle(&mut open, "_", offset);
                    k += 1;
                }
            }
            '|' if next == Some('|') => {
                toggle(&mut open, "||", offset);
                k += 2;
            }
            '[' => {
                let Some(close_rel) = find_unescaped(&text[offset + 1..], "](") else {
                    return Err(reserved(c));
                };
                let label_end = offset + 1 + close_rel;
                let url_start = label_end + 2;
                let Some(paren_rel) = find_unescaped(&text[url_start..], ")") else {
                    return Err(format!(
                        "Can't find end of a url at byte offset {url_start}"
                    ));
                };
                out.push_str(&parse_markdown_v2(&text[offset + 1..label_end])?);
                let end_byte = url_start + paren_rel + 1;
                while k < chars.len() && chars[k].0 < end_byte {
                    k += 1;
                }
            }
            '>' if at_line_start(k) => {
                // Block quotation marker.
                k += 1;
            }
            c if MDV2_RESERVED.contains(&c) => return Err(reserved(c)),
            c => {
                out.push(c);
                k += 1;
            }
        }
    }
    if let Some((marker, offset)) = open.pop() {
        return Err(format!(
            "Can't find end of {} entity at byte offset {offset}",
            entity_name(marker)
        ));
    }
    Ok(out)
}

fn reserved(c: char) -> String {
    format!("Character '{c}' is reserved and must be escaped with the preceding '\\'")
}

fn toggle(open: &mut Vec<(&'static str, usize)>, marker: &'static str, offset: usize) {
    if let Some(pos) = open.iter().rposition(|(m, _)| *m == marker) {
        open.remove(pos);
    } else {
        open.push((marker, offset));
    }
}

fn find_unescaped(s: &str, needle: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        if s[i..].starts_with(needle) {
            return Some(i);
        }
    }
    None
}

fn unescape_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Legacy Markdown is lenient: Telegram only strips the markers.
fn parse_markdown_legacy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '_' | '`' => {}
            '[' => {
                let mut label = String::new();
                for l in chars.by_ref() {
                    if l == ']' {
                        break;
                    }
                    label.push(l);
                }
                if chars.peek() == Some(&'(') {
                    for u in chars.by_ref() {
                        if u == ')' {
                            break;
                        }
                    }
                }
                out.push_str(&label);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn html_visible_text_drops_tags_and_decodes_entities() {
        let text = visible_text(
            "<b>Shift opened</b> at 09:02 &amp; <a href=\"https://x\">site</a> &lt;3 &#8381;",
            Some("HTML"),
        )
        .unwrap();
        assert_eq!(text, "Shift opened at 09:02 & site <3 ₽");
    }

    #[test]
    fn html_rejects_unescaped_user_input() {
        let err = visible_text("Site <Bar & Grill>", Some("HTML")).unwrap_err();
        assert!(err.starts_with("Unsupported start tag \"bar\""), "{err}");
        let err = visible_text("<b>bold", Some("HTML")).unwrap_err();
        assert_eq!(err, "Can't find end tag corresponding to start tag \"b\"");
        let err = visible_text("<b>x</i>", Some("HTML")).unwrap_err();
        assert!(err.starts_with("Unmatched end tag"), "{err}");
    }

    #[test]
    fn markdown_v2_requires_escaping() {
        assert_eq!(
            visible_text("*Total:* 2 788\\.33 ₽", Some("MarkdownV2")).unwrap(),
            "Total: 2 788.33 ₽"
        );
        let err = visible_text("Total: 2 788.33", Some("MarkdownV2")).unwrap_err();
        assert_eq!(
            err,
            "Character '.' is reserved and must be escaped with the preceding '\\'"
        );
        assert_eq!(
            visible_text(
                "[site](https://t.me/x) `a.b` __u__ ||s||",
                Some("MarkdownV2")
            )
            .unwrap(),
            "site a.b u s"
        );
        assert!(visible_text("*open", Some("MarkdownV2")).is_err());
    }

    #[test]
    fn unknown_parse_mode_is_refused() {
        assert!(visible_text("x", Some("XML")).is_err());
        assert_eq!(visible_text("*x*", None).unwrap(), "*x*");
    }
}
