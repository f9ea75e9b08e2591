//! Column mappings (issue 14 item 5): files whose headers detection cannot place are read once
//! the user names the columns, in the text form the CLI, the API and saved mappings share; the
//! mapping form's columns; decimal commas decided by the file's own numbers.

use rust_decimal_macros::dec;
use spendlens_core::Platform;
use spendlens_ingest::{
    ColumnMapping, Field, ImportOptions, Imported, ParsedFile, Source, file_columns, import,
};

/// A Polish Google Ads report, tab separated, UTF-16 LE with BOM as "Excel CSV" downloads are:
/// no header spendlens knows, numbers with decimal commas and `.` thousands.
fn polish_report() -> Vec<u8> {
    let text = "Raport kampanii\r\n\
                1 czerwca 2024 - 2 czerwca 2024\r\n\
                Dzień\tKampania\tKod waluty\tKoszt\tWyśw.\tKliknięcia\tKonwersje\r\n\
                2024-06-01\tSommer\tEUR\t1.234,56\t12.345\t321\t4,50\r\n\
                2024-06-02\tSommer\tEUR\t7,05\t100\t3\t0\r\n\
                2024-06-02\tHerbst\tEUR\t0,99\t1.000\t10\t1\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

fn rows(bytes: &[u8], options: &ImportOptions) -> Result<ParsedFile, String> {
    match import(bytes, "raport.csv", options).map_err(|e| e.to_string())? {
        Imported::Rows(p) => Ok(p),
        Imported::Preview(_) => Err("a preview".into()),
    }
}

#[test]
fn an_unknown_header_is_refused_then_read_with_a_mapping() {
    let bytes = polish_report();
    let refused = rows(&bytes, &ImportOptions::default()).expect_err("no known header");
    assert!(refused.contains("raport.csv"), "{refused}");
    assert!(refused.contains("column mapping"), "{refused}");

    let mapping =
        ColumnMapping::parse("date=Dzień,campaign=Kampania,spend=Koszt,impressions=Wyśw.,clicks=Kliknięcia,conversions=Konwersje,currency=Kod waluty")
            .expect("mapping");
    let options = ImportOptions {
        mapping,
        ..ImportOptions::default()
    };
    let p = rows(&bytes, &options).expect("mapped");
    // Independently: 1234.56 + 7.05 + 0.99 = 1242.60; 12345 + 100 + 1000 = 13445; 321 + 3 + 10.
    let spend: rust_decimal::Decimal = p.rows.iter().map(|r| r.spend).sum();
    let impressions: u64 = p.rows.iter().map(|r| r.impressions).sum();
    let clicks: u64 = p.rows.iter().map(|r| r.clicks).sum();
    let conversions: rust_decimal::Decimal = p.rows.iter().map(|r| r.conversions).sum();
    assert_eq!(p.rows.len(), 3);
    assert_eq!(spend, dec!(1242.60));
    assert_eq!(impressions, 13_445);
    assert_eq!(clicks, 334);
    assert_eq!(conversions, dec!(5.50));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    // Nothing says which platform: the rows are the sheet's.
    assert_eq!(p.source, Source::SpreadsheetCsv);
    assert!(p.rows.iter().all(|r| r.platform == Platform::Sheets));
    assert!(
        p.notes.iter().any(|n| n.contains("decimal comma")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_mapping_by_letter_reads_a_headerless_sheet_and_a_wrong_name_is_named() {
    let text = "Datum;Betrag\n01.06.2024;10,50\n02.06.2024;0,50\n";
    let options = ImportOptions {
        mapping: ColumnMapping::new()
            .with(Field::Date, "A")
            .with(Field::Spend, "B"),
        ..ImportOptions::default()
    };
    let p = rows(text.as_bytes(), &options).expect("mapped by letter");
    assert_eq!(p.source, Source::SpreadsheetCsv);
    assert_eq!(
        p.rows
            .iter()
            .map(|r| r.spend)
            .sum::<rust_decimal::Decimal>(),
        dec!(11.00)
    );

    let options = ImportOptions {
        mapping: ColumnMapping::parse("date=Datum,spend=Kosten").expect("mapping"),
        ..ImportOptions::default()
    };
    let err = rows(text.as_bytes(), &options).expect_err("no Kosten column");
    assert!(err.contains("\"Kosten\" for spend"), "{err}");
}

#[test]
fn a_meta_export_with_a_second_spend_column_reads_the_mapped_one() {
    // Meta in INR: both the account-currency and a converted spend column.
    let text = "Reporting starts,Reporting ends,Ad set name,Amount spent (INR),Amount spent (USD)\n\
                2024-06-01,2024-06-01,Prospecting,\"1,000.50\",12.00\n\
                2024-06-02,2024-06-02,Prospecting,99.50,1.19\n";
    let refused = rows(text.as_bytes(), &ImportOptions::default()).expect_err("ambiguous");
    assert!(refused.contains("could each be the spend"), "{refused}");
    let options = ImportOptions {
        mapping: ColumnMapping::parse(r#"spend="Amount spent (INR)",campaign=Ad set name"#)
            .expect("mapping"),
        ..ImportOptions::default()
    };
    let p = rows(text.as_bytes(), &options).expect("mapped");
    assert_eq!(p.source, Source::Meta);
    assert_eq!(p.currency.as_deref(), Some("INR"));
    assert_eq!(
        p.rows
            .iter()
            .map(|r| r.spend)
            .sum::<rust_decimal::Decimal>(),
        dec!(1100.00)
    );
}

#[test]
fn the_mapping_form_sees_the_header_row_and_its_values() {
    let c =
        file_columns(&polish_report(), "raport.csv", &ImportOptions::default()).expect("columns");
    assert_eq!(c.header_row, 3);
    let headers: Vec<&str> = c.columns.iter().map(|c| c.header.as_str()).collect();
    assert_eq!(
        headers,
        [
            "Dzień",
            "Kampania",
            "Kod waluty",
            "Koszt",
            "Wyśw.",
            "Kliknięcia",
            "Konwersje"
        ]
    );
    assert_eq!(c.columns[3].samples, ["1.234,56", "7,05", "0,99"]);
    let pdf = file_columns(b"%PDF-1.4\n", "r.pdf", &ImportOptions::default())
        .expect_err("a PDF has no columns");
    assert!(pdf.to_string().contains("no columns to map"), "{pdf}");
}

/// A German Google Ads download (`;`, decimal commas): its `Währungscode` is the currency and
/// its `Conv.-Wert` the conversion value, as `Currency code` and `Conv. value` are in English.
/// A French Meta export's `Valeur de conversion des achats` is the purchases' value.
#[test]
fn localised_currency_and_value_columns_are_read() {
    let german = "Kampagnenbericht\n\
                  Tag;Kampagne;Währungscode;Kosten;Impr.;Klicks;Conversions;Conv.-Wert\n\
                  2024-06-01;Sommer;USD;1.234,56;12.345;321;4,50;612,30\n\
                  2024-06-02;Sommer;USD;7,05;100;3;1;80,00\n";
    let p = rows(german.as_bytes(), &ImportOptions::default()).expect("reads");
    assert_eq!(p.currency.as_deref(), Some("USD"));
    assert!(p.rows.iter().all(|r| r.currency.as_deref() == Some("USD")));
    let values: Vec<_> = p.rows.iter().map(|r| r.conversion_value).collect();
    assert_eq!(values, [Some(dec!(612.30)), Some(dec!(80.00))]);

    let french = "Début des rapports;Fin des rapports;Nom de la campagne;Devise;\
                  Montant dépensé;Achats;Valeur de conversion des achats\n\
                  2024-06-01;2024-06-01;Été;EUR;120,50;3;412,80\n\
                  2024-06-02;2024-06-02;Été;EUR;99,99;2;268,40\n";
    let options = ImportOptions {
        mapping: ColumnMapping::parse("date=Début des rapports").expect("mapping"),
        ..ImportOptions::default()
    };
    let p = rows(french.as_bytes(), &options).expect("reads");
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    let values: Vec<_> = p.rows.iter().map(|r| r.conversion_value).collect();
    assert_eq!(values, [Some(dec!(412.80)), Some(dec!(268.40))]);
}

/// A currency column under a name no list holds (here Italian) is found by its cells, ISO codes
/// on every row: the amounts are then known to be in that currency, not taken to be in the
/// campaign's. A column of other words is not taken for it.
#[test]
fn a_currency_column_is_found_by_its_codes() {
    let text = "date,spend,Valuta,Note\n\
                2024-06-01,10.00,USD,ok\n\
                2024-06-02,11.00,USD,USD\n\
                Total,21.00,--,\n";
    let p = rows(text.as_bytes(), &ImportOptions::default()).expect("reads");
    assert_eq!(p.currency.as_deref(), Some("USD"));
    let text = "date,spend,Note\n2024-06-01,10.00,USD\n2024-06-02,11.00,new\n";
    let p = rows(text.as_bytes(), &ImportOptions::default()).expect("reads");
    assert_eq!(p.currency, None);
}

/// A column mapping is offered for a file whose columns could not be placed, and only for it: not
/// for a bad cell, an empty file or another tool's download, which no mapping reads.
#[test]
fn a_mapping_is_suggested_only_where_the_columns_are_the_problem() {
    let suggests = |text: &[u8]| {
        import(text, "f.csv", &ImportOptions::default())
            .err()
            .map(|e| e.suggests_mapping())
    };
    // No header spendlens knows.
    assert_eq!(suggests(&polish_report()), Some(true));
    // Two columns that could each be the spend.
    assert_eq!(
        suggests(
            b"Reporting starts,Reporting ends,Ad set name,Amount spent (INR),Amount spent (USD)\n\
              2024-06-01,2024-06-01,Prospecting,99.50,1.19\n"
        ),
        Some(true)
    );
    // spendlens' own format named, one of its columns missing.
    let canonical = ImportOptions {
        source: Some(Source::Canonical),
        ..ImportOptions::default()
    };
    let missing = import(
        b"date,platform,campaign_name,spend,impressions,clicks\n2024-06-01,Meta,A,1,1,1\n",
        "f.csv",
        &canonical,
    );
    assert!(missing.is_err_and(|e| e.suggests_mapping()));
    // A bad cell in a file whose columns are known.
    assert_eq!(
        suggests(b"Day,Campaign,Cost\n2024-06-01,A,lots\n"),
        Some(false)
    );
    assert_eq!(suggests(b""), Some(false));
    let ga4 = b"# Traffic acquisition: Session primary channel group (Default Channel Group)\n\
                # Start date: 20261101\n\
                # End date: 20261130\n\
                Session primary channel group (Default Channel Group),Sessions,Total revenue\n\
                Organic Search,1500,1500.50\n";
    assert_eq!(suggests(ga4), Some(false));
}
