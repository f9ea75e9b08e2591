//! The seeded tables of the `mmm` tests: weekly data with known ROIs in the column layouts of
//! the public example data sets, written as CSV (comma, or semicolon with decimal commas) or XLSX.

use std::path::Path;

use chrono::{Duration, NaiveDate};
use spendlens_rng::SplitMix64;

fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * rng.unit()).cos()
}

/// What a column of the generated table holds.
#[derive(Clone, Copy)]
pub enum Col<'a> {
    Date,
    Kpi,
    /// Spend of a channel.
    Spend,
    /// A media metric proportional to the named spend column (impressions, clicks).
    Metric(&'a str),
    /// A numeric control that moves the KPI.
    Control,
    /// A 0/1 event indicator that moves the KPI.
    Event,
    /// A text column of event names (`na`, `event1`, `event2`) that moves the KPI.
    TextEvent,
    /// Day of year (PyMC's `dayofyear`): no effect beyond the season.
    DayOfYear,
    /// Period index (PyMC's `t`).
    Index,
    /// A revenue-per-conversion column (Meridian's): no effect.
    Constantish,
}

pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// True ROI per spend column.
    pub roi: Vec<(String, f64)>,
}

/// Weekly data from 2021-01-04 with the given columns: flighted spend through adstock and Hill
/// curves (each channel 4–12 % of the KPI), a trend, a yearly season, controls, events, 3 % noise.
pub fn generate(seed: u64, weeks: usize, cols: &[(&str, Col)]) -> Table {
    let mut rng = SplitMix64::new(seed);
    let start = NaiveDate::from_ymd_opt(2021, 1, 4).expect("date");
    let level = 100_000.0;
    let mut kpi: Vec<f64> = (0..weeks)
        .map(|t| {
            let f = f64::from(u32::try_from(t).expect("small"));
            level * (1.0 + 0.1 * f / 52.0 + 0.08 * (std::f64::consts::TAU * f / 52.18).sin())
        })
        .collect();
    let mut columns: Vec<Vec<String>> = Vec::new();
    let mut spend_values: Vec<(String, Vec<f64>)> = Vec::new();
    let mut roi = Vec::new();
    for (name, col) in cols {
        let values: Vec<String> = match col {
            Col::Date => (0..weeks)
                .map(|t| (start + Duration::weeks(i64::try_from(t).expect("small"))).to_string())
                .collect(),
            Col::Kpi => Vec::new(),
            Col::Spend => {
                let mean = 2_000.0 + 8_000.0 * rng.unit();
                let mut x = Vec::with_capacity(weeks);
                let mut on = rng.unit() < 0.5;
                while x.len() < weeks {
                    let len = 2 + rng.index(6);
                    let lvl = if on {
                        mean * (0.4 + 1.4 * rng.unit())
                    } else {
                        0.0
                    };
                    for _ in 0..len {
                        x.push((lvl * (0.25 * normal(&mut rng)).exp() * 100.0).round() / 100.0);
                    }
                    on = !on;
                }
                x.truncate(weeks);
                let (decay, s) = (0.1 + 0.5 * rng.unit(), 0.9 + 1.2 * rng.unit());
                let k = mean * (0.6 + 0.8 * rng.unit());
                let mut a = x[0];
                let z: Vec<f64> = x
                    .iter()
                    .map(|v| {
                        a = (1.0 - decay) * v + decay * a;
                        if a > 0.0 {
                            1.0 / (1.0 + (k / a).powf(s))
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let share = 0.04 + 0.08 * rng.unit();
                let beta = share * level
                    / (z.iter().sum::<f64>() / f64::from(u32::try_from(weeks).expect("small")));
                for (y, zt) in kpi.iter_mut().zip(&z) {
                    *y += beta * zt;
                }
                roi.push((
                    (*name).to_owned(),
                    beta * z.iter().sum::<f64>() / x.iter().sum::<f64>(),
                ));
                spend_values.push(((*name).to_owned(), x.clone()));
                x.iter().map(|v| format!("{v:.2}")).collect()
            }
            Col::Metric(of) => {
                let x = &spend_values
                    .iter()
                    .find(|(n, _)| n == of)
                    .expect("spend column first")
                    .1;
                let cpm = 5.0 + 10.0 * rng.unit();
                x.iter()
                    .map(|v| format!("{:.0}", v * 1000.0 / cpm * (0.1 * normal(&mut rng)).exp()))
                    .collect()
            }
            Col::Control => {
                let effect = 0.03 * level * (rng.unit() - 0.5);
                let mut ar = 0.0;
                let v: Vec<f64> = (0..weeks)
                    .map(|_| {
                        ar = 0.8 * ar + 0.6 * normal(&mut rng);
                        ar
                    })
                    .collect();
                for (y, c) in kpi.iter_mut().zip(&v) {
                    *y += effect * c;
                }
                v.iter()
                    .map(|c| format!("{:.4}", 50.0 + 10.0 * c))
                    .collect()
            }
            Col::Event => {
                let v: Vec<bool> = (0..weeks).map(|_| rng.unit() < 0.06).collect();
                for (y, e) in kpi.iter_mut().zip(&v) {
                    if *e {
                        *y += 0.1 * level;
                    }
                }
                v.iter()
                    .map(|e| if *e { "1" } else { "0" }.to_owned())
                    .collect()
            }
            Col::TextEvent => (0..weeks)
                .map(|t| {
                    let r = rng.unit();
                    let (label, lift) = if r < 0.05 {
                        ("event1", 0.08)
                    } else if r < 0.1 {
                        ("event2", -0.05)
                    } else {
                        ("na", 0.0)
                    };
                    kpi[t] += lift * level;
                    label.to_owned()
                })
                .collect(),
            Col::DayOfYear => (0..weeks)
                .map(|t| {
                    use chrono::Datelike;
                    (start + Duration::weeks(i64::try_from(t).expect("small")))
                        .ordinal()
                        .to_string()
                })
                .collect(),
            Col::Index => (0..weeks).map(|t| t.to_string()).collect(),
            Col::Constantish => (0..weeks)
                .map(|_| format!("{:.2}", 0.9 + 0.2 * rng.unit()))
                .collect(),
        };
        columns.push(values);
    }
    for y in &mut kpi {
        *y += 0.03 * level * normal(&mut rng);
    }
    for ((_, col), values) in cols.iter().zip(&mut columns) {
        if matches!(col, Col::Kpi) {
            *values = kpi.iter().map(|v| format!("{v:.2}")).collect();
        }
    }
    Table {
        header: cols.iter().map(|(n, _)| (*n).to_owned()).collect(),
        rows: (0..weeks)
            .map(|t| columns.iter().map(|c| c[t].clone()).collect())
            .collect(),
        roi,
    }
}

pub fn write_csv(table: &Table, path: &Path, sep: char, decimal_comma: bool) {
    let mut s = table.header.join(&sep.to_string());
    s.push('\n');
    for r in &table.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                if decimal_comma && c.parse::<f64>().is_ok() {
                    c.replace('.', ",")
                } else {
                    c.clone()
                }
            })
            .collect();
        s.push_str(&cells.join(&sep.to_string()));
        s.push('\n');
    }
    std::fs::write(path, s).unwrap_or_else(|e| panic!("{e}"));
}

pub fn write_xlsx(table: &Table, path: &Path) {
    let cell = |r: usize, c: usize, v: &str| {
        let col = char::from(b'A' + u8::try_from(c).expect("few columns"));
        if v.parse::<f64>().is_ok() {
            format!(r#"<c r="{col}{r}"><v>{v}</v></c>"#)
        } else {
            format!(r#"<c r="{col}{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
        }
    };
    let mut xml = String::from(spendlens_testkit::hostile::SHEET_HEAD);
    xml.push_str("<sheetData>");
    for (i, r) in std::iter::once(&table.header)
        .chain(&table.rows)
        .enumerate()
    {
        xml.push_str(&format!(r#"<row r="{}">"#, i + 1));
        for (c, v) in r.iter().enumerate() {
            xml.push_str(&cell(i + 1, c, v));
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    std::fs::write(path, spendlens_testkit::hostile::xlsx(&xml)).unwrap_or_else(|e| panic!("{e}"));
}

/// The columns of Robyn's `dt_simulated_weekly`, in its published order.
pub const ROBYN: [&str; 12] = [
    "DATE",
    "revenue",
    "tv_S",
    "ooh_S",
    "print_S",
    "facebook_I",
    "search_clicks_P",
    "search_S",
    "competitor_sales_B",
    "facebook_S",
    "events",
    "newsletter",
];

/// The metric columns refer to spend columns generated after them in Robyn's order; generate
/// the spend first by listing them in a working order, then restore the published order.
pub fn robyn_table(seed: u64) -> Table {
    let t = generate(
        seed,
        208,
        &[
            ("DATE", Col::Date),
            ("revenue", Col::Kpi),
            ("tv_S", Col::Spend),
            ("ooh_S", Col::Spend),
            ("print_S", Col::Spend),
            ("search_S", Col::Spend),
            ("facebook_S", Col::Spend),
            ("facebook_I", Col::Metric("facebook_S")),
            ("search_clicks_P", Col::Metric("search_S")),
            ("competitor_sales_B", Col::Control),
            ("events", Col::TextEvent),
            ("newsletter", Col::Control),
        ],
    );
    let published: Vec<String> = ROBYN.iter().map(|s| (*s).to_owned()).collect();
    let order: Vec<usize> = published
        .iter()
        .map(|n| t.header.iter().position(|h| h == n).expect("column"))
        .collect();
    let spend_order = ["tv_S", "ooh_S", "print_S", "search_S", "facebook_S"];
    Table {
        header: published,
        rows: t
            .rows
            .iter()
            .map(|r| order.iter().map(|&i| r[i].clone()).collect())
            .collect(),
        roi: spend_order
            .iter()
            .map(|n| t.roi.iter().find(|(c, _)| c == n).cloned().expect("roi"))
            .collect(),
    }
}
