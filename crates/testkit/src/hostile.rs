//! Hostile uploads, generated small and fast: the files of issue 13 that killed or swelled the
//! server, for the tests that prove they no longer do and for the fuzz corpus.
//!
//! Zip containers and PDFs are written by hand here (not with a writer library) because the point
//! is to say things a well-behaved writer never would: a central directory that understates a
//! part's size, a deflate stream of a gigabyte built from one compressed megabyte repeated.

use crc32fast::Hasher as Crc;
use flate2::{Compress, Compression, FlushCompress};

/// One part of a zip container.
#[derive(Debug, Clone)]
pub struct ZipPart {
    pub name: String,
    /// The stored bytes (deflated when `deflated`).
    pub data: Vec<u8>,
    pub deflated: bool,
    pub crc: u32,
    /// The uncompressed size the headers declare (true or not).
    pub declared_size: u32,
}

impl ZipPart {
    /// A part deflated honestly.
    pub fn deflate(name: &str, content: &[u8]) -> ZipPart {
        let mut crc = Crc::new();
        crc.update(content);
        ZipPart {
            name: name.to_owned(),
            data: deflate_raw(content),
            deflated: true,
            crc: crc.finalize(),
            declared_size: u32::try_from(content.len()).unwrap_or(u32::MAX),
        }
    }
}

fn deflate_raw(content: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(content.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
        let rest = content.get(consumed..).unwrap_or_default();
        out.reserve(64 * 1024);
        let status = c
            .compress_vec(rest, &mut out, FlushCompress::Finish)
            .unwrap_or(flate2::Status::StreamEnd);
        if status == flate2::Status::StreamEnd {
            return out;
        }
    }
}

/// A raw deflate stream of `chunk` repeated `times` times, built by compressing the chunk once
/// with a full flush (which makes its blocks self-contained) and repeating those bytes, with the
/// CRC-32 of what it inflates to. 1.5 GB of spaces take 1.5 MB and a few milliseconds.
pub fn repeated_deflate(chunk: &[u8], times: u32) -> (Vec<u8>, Crc) {
    let mut stream = repeated_blocks(chunk, times);
    // A final, empty block with fixed codes.
    stream.extend_from_slice(&[0x03, 0x00]);
    (stream, repeated_crc(chunk, times))
}

/// The self-contained deflate blocks of `chunk` (not final), repeated `times` times.
fn repeated_blocks(chunk: &[u8], times: u32) -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(chunk.len() / 100 + 1024);
    while usize::try_from(c.total_in()).unwrap_or(usize::MAX) < chunk.len() || block.is_empty() {
        let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
        block.reserve(64 * 1024);
        let _ = c.compress_vec(
            chunk.get(consumed..).unwrap_or_default(),
            &mut block,
            FlushCompress::Full,
        );
    }
    let mut stream = Vec::with_capacity(block.len() * times as usize + 2);
    for _ in 0..times {
        stream.extend_from_slice(&block);
    }
    stream
}

/// The CRC-32 of `chunk` repeated `times` times, by doubling (never materialised).
fn repeated_crc(chunk: &[u8], times: u32) -> Crc {
    let mut power = Crc::new();
    power.update(chunk);
    let mut total = Crc::new();
    let mut k = times;
    while k > 0 {
        if k & 1 == 1 {
            total.combine(&power);
        }
        let copy = power.clone();
        power.combine(&copy);
        k >>= 1;
    }
    total
}

/// A deflate stream of `head`, then `chunk` repeated `times` times, then `tail`; its CRC-32 and
/// inflated length.
pub fn padded_deflate(head: &[u8], chunk: &[u8], times: u32, tail: &[u8]) -> (Vec<u8>, u32, u64) {
    let mut data = repeated_blocks(head, 1);
    data.extend(repeated_blocks(chunk, times));
    data.extend(repeated_blocks(tail, 1));
    data.extend_from_slice(&[0x03, 0x00]);
    let mut crc = repeated_crc(head, 1);
    crc.combine(&repeated_crc(chunk, times));
    crc.combine(&repeated_crc(tail, 1));
    let len = head.len() as u64 + chunk.len() as u64 * u64::from(times) + tail.len() as u64;
    (data, crc.finalize(), len)
}

/// A zip container of `parts`, central directory and all.
pub fn zip(parts: &[ZipPart]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let method: u16 = if p.deflated { 8 } else { 0 };
        let name = p.name.as_bytes();
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        let compressed = u32::try_from(p.data.len()).unwrap_or(u32::MAX);
        // Local file header.
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0x21u16.to_le_bytes());
        out.extend_from_slice(&p.crc.to_le_bytes());
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&p.declared_size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&p.data);
        // Central directory record.
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x21u16.to_le_bytes());
        central.extend_from_slice(&p.crc.to_le_bytes());
        central.extend_from_slice(&compressed.to_le_bytes());
        central.extend_from_slice(&p.declared_size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 8]);
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
    let cd_size = u32::try_from(central.len()).unwrap_or(u32::MAX);
    let count = u16::try_from(parts.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// The opening of a worksheet part, up to `<sheetData>`.
pub const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// An XLSX workbook of one sheet whose part is `sheet` (the whole worksheet XML), plus `extra`
/// parts (shared strings, styles).
pub fn xlsx_with(sheet: ZipPart, extra: Vec<ZipPart>) -> Vec<u8> {
    let mut parts = vec![
        ZipPart::deflate("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ZipPart::deflate("_rels/.rels", ROOT_RELS.as_bytes()),
        ZipPart::deflate("xl/workbook.xml", WORKBOOK.as_bytes()),
        ZipPart::deflate("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
    ];
    parts.extend(extra);
    parts.push(sheet);
    zip(&parts)
}

/// An XLSX workbook whose one sheet is `sheet_xml`.
pub fn xlsx(sheet_xml: &str) -> Vec<u8> {
    xlsx_with(
        ZipPart::deflate("xl/worksheets/sheet1.xml", sheet_xml.as_bytes()),
        Vec::new(),
    )
}

/// 1.5 KB: cells A1 and XFD1048576, and a `<dimension>` saying so. Read as a range it asks for
/// 2³⁴ cells (512 GiB) and the process aborts.
pub fn xlsx_corner() -> Vec<u8> {
    xlsx(&format!(
        r#"{SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
    ))
}

/// The same two far-apart cells without a `<dimension>`: the extent comes from the cells alone.
pub fn xlsx_far_cells() -> Vec<u8> {
    xlsx(&format!(
        r#"{SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
    ))
}

/// A worksheet part holding `megabytes` MB of whitespace between two rows, deflated about 1,000
/// to 1. With `honest`, the headers declare the true size; otherwise they claim 1 KB.
pub fn xlsx_whitespace(megabytes: u32, honest: bool) -> Vec<u8> {
    xlsx_filled(b" ", megabytes, honest)
}

/// A worksheet part holding `megabytes` MB of `fill` repeated inside the first row (spaces, or
/// short empty elements that never make a long run of text).
pub fn xlsx_filled(fill: &[u8], megabytes: u32, honest: bool) -> Vec<u8> {
    let chunk: Vec<u8> = fill.iter().copied().cycle().take(1 << 20).collect();
    let head = format!(
        r#"{SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c>"#
    );
    let tail = "</row></sheetData></worksheet>";
    let (data, crc, size) = padded_deflate(head.as_bytes(), &chunk, megabytes, tail.as_bytes());
    let declared = if honest {
        u32::try_from(size).unwrap_or(u32::MAX)
    } else {
        1024
    };
    xlsx_with(
        ZipPart {
            name: "xl/worksheets/sheet1.xml".to_owned(),
            data,
            deflated: true,
            crc,
            declared_size: declared,
        },
        Vec::new(),
    )
}

/// A shared-strings part declaring four trillion strings: the reader reserves room for them all
/// (96 TB) and the process aborts.
pub fn xlsx_shared_strings_claim() -> Vec<u8> {
    let sst = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4000000000000"><si><t>Date</t></si></sst>"#;
    xlsx_with(
        ZipPart::deflate(
            "xl/worksheets/sheet1.xml",
            format!(r#"{SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#).as_bytes(),
        ),
        vec![ZipPart::deflate("xl/sharedStrings.xml", sst.as_bytes())],
    )
}

/// A CSV whose header has `columns` columns after `Date,Spend`, and one data row.
pub fn wide_csv(columns: usize) -> Vec<u8> {
    let mut out = String::with_capacity(columns * 8);
    out.push_str("Date,Spend");
    for i in 0..columns {
        out.push_str(&format!(",c{i}"));
    }
    out.push_str("\n2024-06-01,1");
    for _ in 0..columns {
        out.push_str(",1");
    }
    out.push('\n');
    out.into_bytes()
}

/// A PDF of the given objects (object 1 is the catalog), with a correct cross-reference table.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

fn zlib(deflated: &[u8], adler: u32) -> Vec<u8> {
    let mut z = vec![0x78, 0xDA];
    z.extend_from_slice(deflated);
    z.extend_from_slice(&adler.to_be_bytes());
    z
}

/// One page whose content stream is `content` (already encoded, with `filter`), in Helvetica.
pub fn pdf_page(content: &[u8], filter: &str) -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        stream(filter, content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ])
}

/// A report PDF saying `Spend 1234.50` (a valid file to mutate).
pub fn pdf_report() -> Vec<u8> {
    pdf_page(
        b"BT /F1 12 Tf 72 720 Td (Total Spend) Tj 0 -16 Td ($1,234.50) Tj 0 -16 Td (Clicks 321) Tj ET",
        "",
    )
}

/// A page whose content stream inflates to `megabytes` MB of spaces after a line of text.
pub fn pdf_flate_bomb(megabytes: u32) -> Vec<u8> {
    let (deflated, _, _) = padded_deflate(
        b"BT /F1 12 Tf 72 720 Td (Spend 1) Tj ET ",
        &[b' '; 1 << 20],
        megabytes,
        b"",
    );
    // The checksum is never reached by a reader that stops at its limit; a wrong one only makes an
    // unbounded reader fail after expanding everything.
    pdf_page(&zlib(&deflated, 0), "/Filter /FlateDecode")
}

/// A document whose object stream (decoded while the file loads) inflates to `megabytes` MB.
pub fn pdf_object_stream_bomb(megabytes: u32) -> Vec<u8> {
    let (deflated, _, _) = padded_deflate(b"6 0 ", &[b' '; 1 << 20], megabytes, b"<< >>");
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        stream("", b"BT ET"),
        stream(
            "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
            &zlib(&deflated, 0),
        ),
    ])
}

/// A document holding one array of `megabytes` MB of zeros (`[0 0 0 ...]`), nothing compressed:
/// the PDF library turns each two bytes into an object of forty, and a 32 MB upload into more
/// than a gigabyte. Only a memory limit on the reader holds this one.
pub fn pdf_object_flood(megabytes: usize) -> Vec<u8> {
    let mut flood = Vec::with_capacity(megabytes << 20);
    flood.push(b'[');
    while flood.len() < megabytes << 20 {
        flood.extend_from_slice(b"0 ");
    }
    flood.push(b']');
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        stream("", b"BT ET"),
        flood,
    ])
}

/// A document of `pages` empty pages.
pub fn pdf_pages(pages: usize) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages)
                .map(|i| format!("{} 0 R", i + 4))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into_bytes(),
        stream("", b"BT /F1 12 Tf 72 720 Td (Spend 1) Tj ET"),
    ];
    for _ in 0..pages {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>".to_vec(),
        );
    }
    pdf(&objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn repeated_deflate_inflates_to_the_repetition() {
        let (d, crc, len) = padded_deflate(b"<x>", b"abc ", 1000, b"</x>");
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&d[..])
            .read_to_end(&mut out)
            .expect("valid deflate");
        assert_eq!(out.len() as u64, len);
        assert_eq!(
            out,
            [b"<x>".to_vec(), b"abc ".repeat(1000), b"</x>".to_vec()].concat()
        );
        let mut c = Crc::new();
        c.update(&out);
        assert_eq!(c.finalize(), crc);
    }

    #[test]
    fn hand_written_zips_read_back() {
        let bytes = xlsx_whitespace(3, true);
        assert!(bytes.len() < 20_000, "{}", bytes.len());
        assert!(bytes.starts_with(b"PK\x03\x04"));
    }
}
