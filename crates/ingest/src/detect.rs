//! Which kind of file an upload is, from its bytes (magic numbers, then the header row), with the
//! file name only as a tie-breaker. The user can always override with an explicit [`Source`].

use crate::error::{ImportError, Problems};
use crate::exports::delimited_rows;
use crate::model::{ImportOptions, Source};
use crate::pdf::PdfPreview;
use crate::table;

/// How many bytes of a text file are looked at to find its header row.
const SNIFF_BYTES: usize = 64 * 1024;

/// Detects the source of an uploaded file.
///
/// * `%PDF-` is a PDF report; a ZIP (`PK`) or OLE (`D0 CF 11 E0`) container is a workbook;
/// * text is decoded (UTF-8, UTF-16 with or without BOM), the delimiter sniffed, and the header row
///   (searched within the first rows, after title lines) classified: the canonical column set,
///   LinkedIn's `Start Date (in UTC)`/`Total Spent` or its "Campaign Performance Report" title,
///   Meta's `Amount spent`/`Reporting starts`, Google Ads' `Impr.`/`Currency code`/`Conv. value`,
///   else any header with a date and a spend column.
///
/// Content decides over the name: a Google Ads "Excel CSV" is UTF-16 text named `.csv`, and users
/// rename files. Only when the content says nothing is the extension used for the error message.
pub fn detect(bytes: &[u8], file_name: &str) -> Result<Source, ImportError> {
    let lower = file_name.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        return Ok(Source::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Source::Workbook);
    }
    if bytes.is_empty() {
        return Err(ImportError::Unrecognised {
            file: file_name.to_owned(),
            reason: "the file is empty".into(),
            columns: false,
        });
    }
    // Only the head of the file is needed; cut at a line end so the tail is not a broken record
    // (UTF-16 is cut at an even length, at a newline code unit).
    let head = text_head(bytes);
    // A line too wide or too long is refused as such, not as "not text".
    if let Ok(text) = crate::text::decode(head, file_name) {
        crate::limits::check_records(text.as_bytes(), crate::text::sniff_delimiter(&text))
            .map_err(|e| e.into_error(file_name))?;
    }
    let mut problems = Problems::new(file_name);
    let (rows, delimiter) = match delimited_rows(head, file_name, &mut problems) {
        Ok(read) => read,
        Err(_) => {
            let hint = if lower.ends_with(".pdf") {
                " (named .pdf but not a PDF: damaged or not a PDF)"
            } else if lower.ends_with(".xlsx") || lower.ends_with(".xls") {
                " (named like a workbook but not one: damaged?)"
            } else {
                ""
            };
            return Err(ImportError::Unrecognised {
                file: file_name.to_owned(),
                reason: format!("neither text (UTF-8/UTF-16), a workbook nor a PDF{hint}"),
                columns: false,
            });
        }
    };
    if let Some(reason) = analytics_download(&rows) {
        return Err(ImportError::Unrecognised {
            file: file_name.to_owned(),
            reason,
            columns: false,
        });
    }
    // spendlens' own CSV is comma separated; its columns under another separator (a
    // spreadsheet saved with `;` and decimal commas, or tabs) are read as a spreadsheet, which
    // takes every separator and decimal mark.
    let source = table::classify(&rows).map(|s| match s {
        Source::Canonical if delimiter != b',' => Source::SpreadsheetCsv,
        other => other,
    });
    source.ok_or_else(|| ImportError::Unrecognised {
        file: file_name.to_owned(),
        reason: format!(
            "no known header row in the first lines (first line: \"{}\"); name the source explicitly or \
             add a column mapping",
            rows.first().map(|r| r.cells.join(&char::from(delimiter).to_string())).unwrap_or_default().chars().take(120).collect::<String>()
        ),
        columns: true,
    })
}

/// A Google Analytics 4 report as its "Download CSV" writes it: `#` lines naming the report, the
/// property and the dates above the table. It holds sessions and revenue, no ad spend; the
/// reason says where GA4's figures go in instead.
fn analytics_download(rows: &[table::RawRow]) -> Option<String> {
    let comments: Vec<String> = rows
        .iter()
        .take(12)
        .filter_map(|r| r.cells.first())
        .map(|c| c.trim().trim_start_matches('\u{feff}').to_owned())
        .filter(|c| c.starts_with('#'))
        .collect();
    let says = |what: &str| comments.iter().any(|c| c.contains(what));
    if !(says("Property:") || (says("Start date:") && says("End date:"))) {
        return None;
    }
    let report = comments
        .iter()
        .map(|c| c.trim_start_matches('#').trim())
        .find(|c| !c.is_empty() && !c.starts_with('-') && c.contains(':'))
        .and_then(|c| c.split(':').next())
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    Some(format!(
        "this is a Google Analytics 4 report download{report}: it holds sessions and revenue, no \
         ad spend, so it is not a file of a campaign's spend; GA4's figures come in through a GA4 \
         connection (Connections), and a GA4 download of revenue by date can be the \
         marketing-mix model's KPI file (Marketing mix page)"
    ))
}

fn text_head(bytes: &[u8]) -> &[u8] {
    if bytes.len() <= SNIFF_BYTES {
        return bytes;
    }
    let utf16 = matches!(
        crate::text::sniff_encoding(bytes).0,
        crate::text::Encoding::Utf16Le | crate::text::Encoding::Utf16Be
    );
    let head = &bytes[..SNIFF_BYTES];
    if utf16 {
        // Cut after a "\n" code unit (LE: 0A 00, BE: 00 0A), keeping an even length.
        let cut = (1..=head.len() / 2)
            .rev()
            .map(|k| k * 2)
            .find(|&i| head[i - 2..i] == [0x0A, 0x00] || head[i - 2..i] == [0x00, 0x0A])
            .unwrap_or(head.len() & !1);
        &head[..cut]
    } else {
        let cut = head
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(head.len(), |i| i + 1);
        // Do not cut inside a UTF-8 character.
        let mut end = cut;
        while end > 0 && std::str::from_utf8(&head[..end]).is_err() && cut - end < 4 {
            end -= 1;
        }
        &head[..end]
    }
}

/// What an upload turned into: rows to store, or a PDF preview for the user to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Rows(crate::model::ParsedFile),
    Preview(PdfPreview),
}

/// Detects (unless [`ImportOptions::source`] names the source) and parses an upload.
pub fn import(
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    crate::exports::check_size(bytes, file_name, options)?;
    let source = match (options.source, options.mapping.is_empty()) {
        (Some(s), _) => s,
        (None, true) => detect(bytes, file_name)?,
        // A mapping names the columns itself: a text file detection does not know is a sheet,
        // and a canonical file is read by the table engine so that the mapping applies.
        (None, false) => match detect(bytes, file_name) {
            Ok(Source::Canonical) => Source::SpreadsheetCsv,
            Ok(s) => s,
            Err(ImportError::Unrecognised { .. }) if !bytes.is_empty() => Source::SpreadsheetCsv,
            Err(e) => return Err(e),
        },
    };
    let rows = match source {
        Source::Canonical => crate::canonical::parse_canonical(bytes, file_name, options)?,
        Source::LinkedIn => crate::exports::parse_linkedin(bytes, file_name, options)?,
        Source::Meta => crate::exports::parse_meta(bytes, file_name, options)?,
        Source::GoogleAds => crate::exports::parse_google_ads(bytes, file_name, options)?,
        Source::SpreadsheetCsv => crate::exports::parse_spreadsheet_csv(bytes, file_name, options)?,
        Source::Workbook => crate::workbook::parse_workbook(bytes, file_name, options)?,
        Source::Pdf => {
            return crate::pdf::preview_pdf(bytes, file_name, options).map(Imported::Preview);
        }
    };
    Ok(Imported::Rows(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_decide() {
        assert_eq!(detect(b"%PDF-1.7\n...", "x.csv").expect("pdf"), Source::Pdf);
        assert_eq!(
            detect(b"PK\x03\x04rest", "x.csv").expect("zip"),
            Source::Workbook
        );
        assert!(detect(b"", "x.csv").is_err());
        assert!(
            detect(&[0xC3, 0x28, 0xA0, 0xA1], "x.pdf")
                .expect_err("junk")
                .to_string()
                .contains("named .pdf")
        );
    }

    #[test]
    fn headers_decide_text_formats() {
        let canonical = "currency,date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n";
        assert_eq!(
            detect(canonical.as_bytes(), "a.txt").expect("canonical"),
            Source::Canonical
        );
        assert_eq!(
            detect(b"Day,Campaign name,Amount spent (USD)\n", "a").expect("meta"),
            Source::Meta
        );
        assert_eq!(
            detect(
                b"Campaign report\nJune 1, 2024 - June 2, 2024\nDay\tCampaign\tCost\tImpr.\n",
                "a"
            )
            .expect("gads"),
            Source::GoogleAds
        );
        // A Google Ads export titled "Campaign performance report": its columns decide (it was
        // read as LinkedIn's, so its spend was booked to LinkedIn).
        assert_eq!(
            detect(
                b"Campaign performance report\nNovember 1, 2026 - November 3, 2026\n\
                  Day\tCampaign\tCurrency code\tCost\tImpr.\tClicks\tConversions\n",
                "a"
            )
            .expect("gads titled"),
            Source::GoogleAds
        );
        // LinkedIn's own export still is LinkedIn's by its title over generic columns.
        assert_eq!(
            detect(
                b"Campaign Performance Report (in UTC)\nReport Start: 11/1/2026\n\
                  Start Date (in UTC),Campaign Name,Total Spent,Impressions,Clicks\n",
                "a"
            )
            .expect("linkedin"),
            Source::LinkedIn
        );
        // spendlens' own columns with some left out (no engagements, no conversion value):
        // read leniently, not refused by the strict reader; a misspelt one stays strict.
        assert_eq!(
            detect(
                b"date,platform,campaign,spend,impressions,clicks,conversions,revenue\n",
                "a"
            )
            .expect("lenient"),
            Source::SpreadsheetCsv
        );
        assert_eq!(
            detect(b"date,platform,campaign,spend,impresions,engagements,clicks,conversions,conversion_value,revenue\n", "a")
                .expect("strict"),
            Source::Canonical
        );
        let err = detect(b"Week,Notes\n", "a").expect_err("unknown");
        assert!(err.to_string().contains("Week,Notes"), "{err}");
        // The first line as the file writes it, with its own separator.
        let err = detect(b"Woche;Notizen\n", "a").expect_err("unknown");
        assert!(err.to_string().contains("\"Woche;Notizen\""), "{err}");
        assert_eq!(
            detect(b"Date,Channel,Spend\n", "a").expect("sheet"),
            Source::SpreadsheetCsv
        );
    }

    #[test]
    fn long_files_are_cut_at_a_line_end() {
        let mut text = String::from("Date,Spend\n");
        while text.len() < SNIFF_BYTES * 2 {
            text.push_str("2024-06-01,1.00\n");
        }
        assert_eq!(text_head(text.as_bytes()).last(), Some(&b'\n'));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let head = text_head(&utf16);
        assert_eq!(head.len() % 2, 0);
        assert_eq!(&head[head.len() - 2..], &[0x0A, 0x00]);
    }
}
