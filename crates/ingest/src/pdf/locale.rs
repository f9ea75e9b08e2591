//! One number format per report: a decimal comma (`1.234,56`, `1 234,56`) or a decimal point
//! (`1,234.56`), decided from all the report's numbers, never number by number.
//!
//! Why per document: `512.300` impressions and `7.812` clicks beside `€8.450,20` are thousands,
//! and only the report's other numbers say so. Reading each number on its own (the earlier rule)
//! took them as decimals and refused every count of a euro report. A number only one format
//! reads (`8.450,20`, `12,5`, `1,234.56`, `2.35%`) decides; the majority wins, and a report whose
//! numbers all read both ways (`512.300` alone) is taken to group thousands with its one separator,
//! since reports write three decimals far less often than thousands. The user can always name the
//! format instead ([`NumberLocale`] in [`crate::ImportOptions::pdf_locale`]).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::number::{DecimalSeparator, parse_plain};

/// How a report writes its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberLocale {
    /// `1.234,56` or `1 234,56`: a comma before the decimals, dots or spaces between thousands.
    DecimalComma,
    /// `1,234.56`: a point before the decimals, commas between thousands.
    DecimalPoint,
}

impl NumberLocale {
    /// Both formats, in the order the choices list them.
    pub const ALL: [NumberLocale; 2] = [NumberLocale::DecimalComma, NumberLocale::DecimalPoint];

    /// The name the API field `pdf_locale`, `spendlens import --pdf-locale` and the upload page
    /// take: `comma` or `point`.
    pub const fn as_str(self) -> &'static str {
        match self {
            NumberLocale::DecimalComma => "comma",
            NumberLocale::DecimalPoint => "point",
        }
    }

    /// A name for people, with an example.
    pub const fn label(self) -> &'static str {
        match self {
            NumberLocale::DecimalComma => "decimal comma (1.234,56 or 1 234,56)",
            NumberLocale::DecimalPoint => "decimal point (1,234.56)",
        }
    }

    /// The other format.
    pub const fn other(self) -> NumberLocale {
        match self {
            NumberLocale::DecimalComma => NumberLocale::DecimalPoint,
            NumberLocale::DecimalPoint => NumberLocale::DecimalComma,
        }
    }

    fn separator(self) -> DecimalSeparator {
        match self {
            NumberLocale::DecimalComma => DecimalSeparator::Comma,
            NumberLocale::DecimalPoint => DecimalSeparator::Dot,
        }
    }

    /// The value of `digits` (digits and separators only, no sign or currency) in this format,
    /// `None` when this format cannot have written it: thousands grouped by three after a first
    /// group of one to three digits that is not a zero (`0.123` is never 123), one decimal
    /// separator.
    pub(super) fn read(self, digits: &str) -> Option<Decimal> {
        let t = digits.replace(['\u{a0}', '\u{202f}'], " ");
        let decimal = match self {
            NumberLocale::DecimalComma => ',',
            NumberLocale::DecimalPoint => '.',
        };
        let whole = t.split(decimal).next().unwrap_or_default();
        let groups: Vec<&str> = whole.split([',', '.', ' ', '\'']).collect();
        if let [first, _, ..] = groups.as_slice()
            && (first.is_empty() || first.len() > 3 || first.starts_with('0'))
        {
            return None;
        }
        parse_plain(&t, self.separator())
    }
}

impl fmt::Display for NumberLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is no number format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown number format \"{0}\": expected comma (1.234,56) or point (1,234.56)")]
pub struct UnknownLocale(pub String);

impl FromStr for NumberLocale {
    type Err = UnknownLocale;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NumberLocale::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLocale(s.to_owned()))
    }
}

/// What decided a report's number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocaleBasis {
    /// The user named it.
    Chosen,
    /// `numbers` of the report's numbers are written so that only this format reads them
    /// (`8.450,20`, `2.35%`); `against` only in the other (a report mixing both).
    Decided { numbers: usize, against: usize },
    /// No number shows its decimals; `numbers` have three digits after their one separator
    /// (`512.300`), read as thousands.
    Grouping { numbers: usize },
    /// No number tells either way: a decimal point.
    Default,
}

/// The number format a report was read with, and why: stated in every preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocaleNote {
    pub locale: NumberLocale,
    pub basis: LocaleBasis,
    /// The first number that decided it, as written.
    pub example: Option<String>,
    /// The first number only the other format reads, as written.
    pub contrary: Option<String>,
}

impl LocaleNote {
    /// The format in a sentence: which, and why.
    pub fn describe(&self) -> String {
        let head = format!("Numbers are read with a {}", self.locale.label());
        let such = |e: &Option<String>| e.as_ref().map(|e| format!(" (such as {e})"));
        match self.basis {
            LocaleBasis::Chosen => format!("{head}, as chosen"),
            LocaleBasis::Decided { numbers, against } => {
                let mut s = format!(
                    "{head}: {numbers} number(s) of the report are written that way{}",
                    such(&self.example).unwrap_or_default()
                );
                if against > 0 {
                    s.push_str(&format!(
                        "; {against} are written with a {}{}, and are refused where they are figures",
                        self.locale.other().label(),
                        such(&self.contrary).unwrap_or_default()
                    ));
                }
                s
            }
            LocaleBasis::Grouping { numbers } => format!(
                "{head}: no number shows its decimals, and {numbers} group thousands that way{}",
                such(&self.example).unwrap_or_default()
            ),
            LocaleBasis::Default => {
                format!("{head}: no number in the report shows which separator it uses")
            }
        }
    }
}

/// The digits of a word that is a number as reports write it (`€8.450,20`, `+12.4%`, `1.2M`,
/// `(1,200)`), without sign, currency, percent or multiplier; `None` for any other word, and for
/// the day-month abbreviations of dates (`03.06.`, `06.2024`).
pub(super) fn number_core(word: &str) -> Option<&str> {
    let w = word.trim_end_matches([';', ':', ')', ']']);
    let date_like = w.ends_with('.') && w.trim_end_matches('.').contains('.');
    let mut t = w.trim_end_matches(['.', ',']);
    t = t.trim_start_matches(['+', '-', '−', '–', '(', '[']);
    for prefix in ["US$", "R$", "$", "€", "£", "¥", "₹"] {
        t = t.strip_prefix(prefix).unwrap_or(t);
    }
    t = t.trim_end_matches(['%', '€', '$', '£', 'x', '×', 'K', 'M', 'B', 'k']);
    let starts = t.chars().next().is_some_and(|c| c.is_ascii_digit());
    let ends = t.chars().last().is_some_and(|c| c.is_ascii_digit());
    let only = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\''));
    let leading_zero = t.len() > 1 && t.starts_with('0') && !t[1..].starts_with(['.', ',']);
    (starts && ends && only && !date_like && !leading_zero).then_some(t)
}

/// Decides the format from the words of a report (or takes `chosen`).
pub(super) fn decide<'a>(
    words: impl Iterator<Item = &'a str>,
    chosen: Option<NumberLocale>,
) -> LocaleNote {
    // [decimal point, decimal comma]: numbers only that format reads, and the first of them.
    let mut strong = [0usize; 2];
    let mut weak = [0usize; 2];
    let mut strong_example: [Option<&str>; 2] = [None, None];
    let mut weak_example: [Option<&str>; 2] = [None, None];
    for word in words {
        let Some(core) = number_core(word) else {
            continue;
        };
        let point = NumberLocale::DecimalPoint.read(core);
        let comma = NumberLocale::DecimalComma.read(core);
        let (counts, examples, i) = match (point, comma) {
            (Some(_), None) => (&mut strong, &mut strong_example, 0),
            (None, Some(_)) => (&mut strong, &mut strong_example, 1),
            // `512.300`: a dot grouping thousands is a decimal comma's, a comma a point's.
            (Some(a), Some(b)) if a != b => (
                &mut weak,
                &mut weak_example,
                usize::from(core.contains('.')),
            ),
            _ => continue,
        };
        counts[i] += 1;
        examples[i].get_or_insert(word);
    }
    let index = |l: NumberLocale| usize::from(l == NumberLocale::DecimalComma);
    let owned = |e: Option<&str>| e.map(str::to_owned);
    if let Some(locale) = chosen {
        return LocaleNote {
            locale,
            basis: LocaleBasis::Chosen,
            example: owned(strong_example[index(locale)]),
            contrary: owned(strong_example[index(locale.other())]),
        };
    }
    let pick = |counts: [usize; 2]| {
        if counts[1] > counts[0] {
            NumberLocale::DecimalComma
        } else {
            NumberLocale::DecimalPoint
        }
    };
    if strong != [0, 0] && strong[0] != strong[1] {
        let locale = pick(strong);
        return LocaleNote {
            locale,
            basis: LocaleBasis::Decided {
                numbers: strong[index(locale)],
                against: strong[index(locale.other())],
            },
            example: owned(strong_example[index(locale)]),
            contrary: owned(strong_example[index(locale.other())]),
        };
    }
    if weak != [0, 0] && weak[0] != weak[1] {
        let locale = pick(weak);
        return LocaleNote {
            locale,
            basis: LocaleBasis::Grouping {
                numbers: weak[index(locale)],
            },
            example: owned(weak_example[index(locale)]),
            contrary: owned(strong_example[index(locale.other())]),
        };
    }
    LocaleNote {
        locale: NumberLocale::DecimalPoint,
        basis: LocaleBasis::Default,
        example: None,
        contrary: owned(strong_example[1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    use NumberLocale::{DecimalComma as Comma, DecimalPoint as Point};

    fn note(text: &str) -> LocaleNote {
        decide(text.split_whitespace(), None)
    }

    #[test]
    fn each_format_reads_only_its_own_numbers() {
        assert_eq!(Comma.read("8.450,20"), Some(dec!(8450.20)));
        assert_eq!(Comma.read("512.300"), Some(dec!(512300)));
        assert_eq!(Comma.read("1 234 567,5"), Some(dec!(1234567.5)));
        assert_eq!(Comma.read("1\u{a0}234,5"), Some(dec!(1234.5)));
        assert_eq!(Comma.read("12,5"), Some(dec!(12.5)));
        assert_eq!(Comma.read("1,234.56"), None);
        assert_eq!(Comma.read("0.123"), None);
        assert_eq!(Point.read("1,234,567.89"), Some(dec!(1234567.89)));
        assert_eq!(Point.read("512.300"), Some(dec!(512.3)));
        assert_eq!(Point.read("8.450,20"), None);
        assert_eq!(Point.read("12,5"), None);
        assert_eq!(Point.read("1234,567"), None);
        assert_eq!("Comma".parse::<NumberLocale>(), Ok(Comma));
        assert!("de".parse::<NumberLocale>().is_err());
    }

    #[test]
    fn the_majority_of_telling_numbers_decides() {
        let n = note("Spend €8.450,20 Impressions 512.300 Clicks 7.812 CTR 1,52% 03.06. 2024");
        assert_eq!(n.locale, Comma);
        assert_eq!(
            n.basis,
            LocaleBasis::Decided {
                numbers: 2,
                against: 0
            }
        );
        assert_eq!(n.example.as_deref(), Some("€8.450,20"));
        let n = note("Spend $12,345.67 Impressions 1,234,567 CTR 2.35% 1.2M");
        assert_eq!(n.locale, Point);
        assert!(n.describe().contains("decimal point"), "{}", n.describe());
        let n = note("Spend: EUR 1.200,50 Sessions 12,345 Pageviews 31.2K €84,50 2.5% 1.180,00");
        assert_eq!(
            (n.locale, n.basis),
            (
                Comma,
                LocaleBasis::Decided {
                    numbers: 3,
                    against: 2
                }
            )
        );
        assert!(n.describe().contains("31.2K"), "{}", n.describe());
    }

    #[test]
    fn thousands_decide_when_nothing_else_does() {
        let n = note("Impressions 512.300 Clicks 7.812 Week 23");
        assert_eq!(
            (n.locale, n.basis),
            (Comma, LocaleBasis::Grouping { numbers: 2 })
        );
        let n = note("Impressions 512,300 Clicks 7,812");
        assert_eq!(n.locale, Point);
        let n = note("Clicks 12 Conversions 4 01.06.2024");
        assert_eq!((n.locale, n.basis), (Point, LocaleBasis::Default));
        let n = decide("€8.450,20".split_whitespace(), Some(Point));
        assert_eq!(n.basis, LocaleBasis::Chosen);
        assert_eq!(n.contrary.as_deref(), Some("€8.450,20"));
    }
}
