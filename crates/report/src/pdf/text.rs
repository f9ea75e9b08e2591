//! Measuring and wrapping text in the PDF's font (the Roboto that charts-rs embeds, so the PDF body
//! and the charts share one typeface and one set of metrics).

use charts_rs::{DEFAULT_FONT_FAMILY, measure_text_width_family};

/// The ellipsis that marks text cut to fit.
const ELLIPSIS: char = '…';

/// The advance width of `text` at `size` points.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    measure_text_width_family(DEFAULT_FONT_FAMILY, size, text)
        .map(|b| b.width())
        .unwrap_or_else(|_| size * 0.6 * count(text))
}

fn count(text: &str) -> f32 {
    // A text longer than f32 counts exactly is far off the page anyway.
    u16::try_from(text.chars().count()).map_or(f32::from(u16::MAX), f32::from)
}

/// Replaces control characters (tabs, escapes) with spaces, keeping line breaks.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// The width of the longest word of `text` (what a column needs at the least to avoid breaking
/// inside words).
pub(crate) fn longest_word(text: &str, size: f32) -> f32 {
    text.split_whitespace()
        .map(|w| width(w, size))
        .fold(0.0, f32::max)
}

/// The width of the widest line of `text` when only its own line breaks are kept.
pub(crate) fn widest_line(text: &str, size: f32) -> f32 {
    text.lines().map(|l| width(l, size)).fold(0.0, f32::max)
}

/// Wraps `text` into lines no wider than `max` (words longer than a line are broken between
/// characters), keeping at most `max_lines` lines; a cut text ends with an ellipsis.
pub(crate) fn wrap(text: &str, size: f32, max: f32, max_lines: usize) -> Vec<String> {
    let max_lines = max_lines.max(1);
    let paragraphs: Vec<&str> = text.split('\n').collect();
    let mut lines: Vec<String> = Vec::new();
    let mut truncated = false;
    'paragraphs: for (index, paragraph) in paragraphs.iter().enumerate() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                if lines.len() >= max_lines {
                    truncated = true;
                    break 'paragraphs;
                }
            }
            if width(word, size) <= max {
                line = word.to_owned();
                continue;
            }
            // A word wider than the column: break it between characters.
            for ch in word.chars() {
                let mut next = line.clone();
                next.push(ch);
                if !line.is_empty() && width(&next, size) > max {
                    lines.push(std::mem::take(&mut line));
                    if lines.len() >= max_lines {
                        truncated = true;
                        break 'paragraphs;
                    }
                    line.push(ch);
                } else {
                    line = next;
                }
            }
        }
        lines.push(line);
        if lines.len() >= max_lines {
            truncated = index + 1 < paragraphs.len();
            break;
        }
    }
    if truncated && let Some(last) = lines.last_mut() {
        *last = fit(&format!("{last}{ELLIPSIS}"), size, max);
    }
    lines
}

/// `text` cut to fit `max`, ending in an ellipsis when it was cut.
pub(crate) fn fit(text: &str, size: f32, max: f32) -> String {
    if width(text, size) <= max {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().filter(|c| *c != ELLIPSIS).collect();
    while !chars.is_empty() {
        chars.pop();
        let mut candidate: String = chars.iter().collect();
        candidate.push(ELLIPSIS);
        if width(&candidate, size) <= max {
            return candidate;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider() {
        assert!(width("WWW", 10.0) > width("iii", 10.0));
        assert!(width("abc", 20.0) > width("abc", 10.0));
        assert!(width("", 10.0).abs() < f32::EPSILON);
    }

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_word() {
        let text = "Spring brand awareness campaign for the northern region";
        let lines = wrap(text, 8.0, 60.0, 99);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(width(line, 8.0) <= 60.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn long_words_are_broken_and_cut_text_ends_with_an_ellipsis() {
        let word = "x".repeat(200);
        let lines = wrap(&word, 8.0, 40.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with(ELLIPSIS));
        for line in &lines {
            assert!(width(line, 8.0) <= 40.0);
        }
        assert_eq!(wrap("", 8.0, 40.0, 3), vec![String::new()]);
        assert_eq!(
            wrap("a\nb", 8.0, 40.0, 3),
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert_eq!(fit("abcdef", 8.0, 0.0), "");
    }
}
