//! The one rule for names a user types (an organisation, a campaign, an API token, a connection's
//! account, an attribution channel): no control character and no invisible formatting character.
//!
//! Such characters change how a name reads without being seen: a right-to-left override
//! (U+202E) between `Invoice` and `fdp.exe` makes them read `Invoiceexe.pdf`; isolates and marks
//! (U+2066–U+2069, U+200E/U+200F) reorder what follows them on a page or in a CSV cell; a
//! zero-width space makes two names that look alike differ; a control character (a tab, a
//! newline, an escape) breaks the lines of reports and logs. Refused: every character of the
//! Unicode categories Cc (control), Cf (format), Zl and Zp (line and paragraph separators),
//! except the zero-width non-joiner and joiner (U+200C, U+200D), which Persian and Indic scripts
//! and emoji sequences need to be written at all.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The zero-width non-joiner and joiner: format characters that real names need.
const JOINERS: [char; 2] = ['\u{200C}', '\u{200D}'];

/// The first character of `text` a name must not contain, if any.
pub fn hidden_character(text: &str) -> Option<char> {
    text.chars().find(|c| {
        !JOINERS.contains(c)
            && matches!(
                c.general_category(),
                GeneralCategory::Control
                    | GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
            )
    })
}

/// Checks a typed name: `Err` with the message to show under its field when it holds a control
/// or invisible formatting character (the message names the first, as `U+202E`).
pub fn check_name(text: &str) -> Result<(), String> {
    match hidden_character(text) {
        None => Ok(()),
        Some(c) => Err(format!(
            "must not contain control or invisible formatting characters (found U+{:04X})",
            u32::from(c)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_refused() {
        for c in [
            '\u{0}',
            '\t',
            '\n',
            '\r',
            '\u{1B}',
            '\u{7F}',
            '\u{85}',
            '\u{AD}',
            '\u{200B}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2028}',
            '\u{2029}',
            '\u{2060}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{E0041}',
        ] {
            let name = format!("Q4{c}Lead Gen");
            assert_eq!(hidden_character(&name), Some(c), "U+{:04X}", u32::from(c));
        }
        assert_eq!(
            check_name("Invoice\u{202E}fdp.exe").err().as_deref(),
            Some("must not contain control or invisible formatting characters (found U+202E)")
        );
    }

    #[test]
    fn ordinary_names_in_any_script_pass() {
        for name in [
            "Q4 Lead Gen",
            "Café & Crème — 2026",
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "\u{915}\u{94D}\u{200D}\u{937}",
            "\u{1F469}\u{200D}\u{1F467} family",
            "日本語のキャンペーン",
            "Ünïcödé ½ €",
            "",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }
}
