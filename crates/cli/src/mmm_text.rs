//! `spendlens mmm --format text`: the model's answer for reading at a terminal, written from the
//! same document `--format json` prints, so every figure is the JSON's (rounded as there, then
//! grouped in thousands).
//!
//! The contract's `roi` is the KPI each unit of spend caused. `spendlens roi` calls profit over
//! cost "ROI", so here it is the *return per unit of spend* (for a revenue KPI, the incremental
//! ROAS the web pages show), and the marginal one beside it.

use serde_json::Value;

/// `1234567.891` as `1,234,567.89` (two decimals, as the reports write amounts).
fn grouped(x: f64) -> String {
    rust_decimal::Decimal::from_f64_retain(x).map_or_else(
        || "n/a".to_owned(),
        |d| spendlens_report::currency::grouped(d, 2),
    )
}

/// A figure with its 90 % interval: `5,000.00 (4,000.00 to 6,000.00)`; `fmt` writes each.
fn estimate(v: &Value, fmt: fn(f64) -> String) -> String {
    match (v["mean"].as_f64(), v["low"].as_f64(), v["high"].as_f64()) {
        (Some(m), Some(l), Some(h)) => format!("{} ({} to {})", fmt(m), fmt(l), fmt(h)),
        _ => "n/a".to_owned(),
    }
}

/// A return per unit of spend: grouped with two decimals as amounts are, or with two significant
/// digits below 0.1 (a KPI in conversions brings about 0.004 per unit of spend).
fn per_unit(x: f64) -> String {
    if x.abs() >= 0.1 || x == 0.0 {
        grouped(x)
    } else {
        spendlens_mmm::codec::ratio_text(x)
    }
}

fn ratio(x: f64) -> String {
    format!("{x:.2}")
}

/// The model's words for its return, and this text's (see the module's docs). Longest first.
const RETURN_WORDS: [(&str, &str); 3] = [
    ("marginal ROI", "marginal return"),
    ("ROIs", "returns per unit of spend"),
    ("ROI", "return per unit of spend"),
];

fn percent(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "n/a".to_owned(), |x| format!("{:.1} %", x * 100.0))
}

/// Rows of cells as columns: the first left-aligned, the others right-aligned, two spaces apart.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let w = widths[c];
            if c == 0 {
                line.push_str(&format!("{cell:<w$}"));
            } else {
                line.push_str(&format!("  {cell:>w$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The model's answer (`spendlens_mmm::codec::encode`'s document) as text.
pub fn text(doc: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut out = format!(
        "Marketing-mix model of {}: {}, {} to {} ({} periods)\n",
        s(&doc["kpi"]),
        s(&doc["granularity"]),
        s(&doc["from"]),
        s(&doc["to"]),
        doc["periods"]
    );
    let fit = &doc["fit"];
    out.push_str(&format!(
        "fit: R² {}, error (MAPE) {}, error on the held-out last 10 % {}, Durbin–Watson {}\n\n",
        fit["r2"].as_f64().map_or_else(|| "n/a".to_owned(), ratio),
        percent(&fit["mape"]),
        percent(&fit["holdout_mape"]),
        fit["durbin_watson"]
            .as_f64()
            .map_or_else(|| "n/a".to_owned(), ratio),
    ));
    let mut rows = vec![vec![
        "channel".to_owned(),
        "spend".to_owned(),
        "contribution (90 % interval)".to_owned(),
        "share".to_owned(),
        "return per unit of spend".to_owned(),
        "marginal return".to_owned(),
        "half-life".to_owned(),
    ]];
    for c in doc["channels"].as_array().into_iter().flatten() {
        // No effect at the best fit: the draws' figures are only what the data cannot rule out.
        let undetected = c["best_fit_contribution"].as_f64() == Some(0.0);
        rows.push(vec![
            if undetected {
                format!("{} (not detected)", s(&c["channel"]))
            } else {
                s(&c["channel"])
            },
            c["spend"]
                .as_str()
                .and_then(|x| x.parse::<f64>().ok())
                .map_or_else(|| "n/a".to_owned(), grouped),
            estimate(&c["contribution"], grouped),
            percent(&c["share_of_kpi"]),
            estimate(&c["roi"], per_unit),
            estimate(&c["marginal_roi"], per_unit),
            c["adstock"]["half_life_periods"]
                .as_f64()
                .map_or_else(|| "n/a".to_owned(), |h| format!("{h:.2} periods")),
        ]);
    }
    rows.push(vec![
        "baseline".to_owned(),
        String::new(),
        estimate(&doc["baseline"]["contribution"], grouped),
    ]);
    out.push_str(&table(&rows));
    out.push_str(
        "\nreturn per unit of spend: the KPI each unit of spend caused over the input (the JSON's\n\
         roi; for a revenue KPI, the incremental ROAS). marginal return: what one more unit of\n\
         spend per period would bring at the recent spend.\n",
    );
    let tests = doc["calibration"].as_array().map_or(&[][..], Vec::as_slice);
    if !tests.is_empty() {
        out.push_str("\nlift tests:\n");
        for t in tests {
            out.push_str(&format!(
                "- {} {} to {}: measured {} ± {}; the model {} without it, {} with it; {}\n",
                s(&t["channel"]),
                s(&t["from"]),
                s(&t["to"]),
                t["lift"].as_f64().map_or_else(|| "n/a".to_owned(), grouped),
                t["lift_se"]
                    .as_f64()
                    .map_or_else(|| "n/a".to_owned(), grouped),
                estimate(&t["uncalibrated"], grouped),
                estimate(&t["calibrated"], grouped),
                if t["agrees"] == true {
                    "they agree"
                } else {
                    "they disagree"
                },
            ));
        }
    }
    let warnings = doc["warnings"].as_array().map_or(&[][..], Vec::as_slice);
    if !warnings.is_empty() {
        out.push_str("\nread these before trusting the figures:\n");
        for w in warnings {
            out.push_str(&format!(
                "- {}\n",
                spendlens_app::mmm::words::reworded(&s(w), &RETURN_WORDS)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{grouped, table};

    #[test]
    fn money_is_grouped_with_its_cents() {
        assert_eq!(grouped(1_234_567.891), "1,234,567.89");
        assert_eq!(grouped(999.999), "1,000.00");
        assert_eq!(grouped(0.0), "0.00");
        assert_eq!(grouped(-1234.5), "-1,234.50");
        assert_eq!(grouped(-0.001), "0.00");
    }

    #[test]
    fn columns_line_up() {
        let rows = vec![
            vec!["a".to_owned(), "1".to_owned()],
            vec!["long".to_owned(), "1,000".to_owned()],
        ];
        assert_eq!(table(&rows), "a         1\nlong  1,000\n");
    }
}
