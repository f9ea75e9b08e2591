//! Bounded decoding of PDF streams: what a stream decodes to through the filters the PDF library
//! implements (Flate, LZW, ASCII85, chained), counted and dropped, stopping at
//! [`MAX_PDF_STREAM_BYTES`], so that a bomb is measured rather than expanded.

use std::io::{Read, Write};

use pdf_extract::{Dictionary, Object, Stream};

use crate::limits::{MAX_PDF_STREAM_BYTES, bytes as size};

/// A writer that counts and drops, failing past the stream limit.
struct Meter {
    count: u64,
}

impl Write for Meter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.count += buf.len() as u64;
        if self.count > MAX_PDF_STREAM_BYTES {
            return Err(std::io::Error::other("too large"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size a stream decodes to through the filters lopdf implements (Flate, LZW, ASCII85, each
/// possibly chained), or why it is refused. Other filters are not decoded by the extractor.
pub(super) fn decoded_size(stream: &Stream) -> Result<u64, String> {
    let Ok(filters) = stream.filters() else {
        return Ok(stream.content.len() as u64);
    };
    let params = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .ok();
    check_predictor(params)?;
    let mut data: Option<Vec<u8>> = None;
    let last = filters.len().saturating_sub(1);
    for (i, filter) in filters.iter().enumerate() {
        let input = data.as_deref().unwrap_or(&stream.content);
        // The last stage is only counted; earlier ones are kept (within the limit) to feed the next.
        let keep = i < last;
        let out = match *filter {
            b"FlateDecode" => inflate(input, keep)?,
            b"LZWDecode" => lzw(input, params, keep)?,
            b"ASCII85Decode" => ascii85(input)?,
            _ => return Ok(input.len() as u64),
        };
        if out.size > MAX_PDF_STREAM_BYTES {
            return Err(format!(
                "decodes to more than {}",
                size(MAX_PDF_STREAM_BYTES)
            ));
        }
        if !keep {
            return Ok(out.size);
        }
        data = out.kept;
    }
    Ok(data.map_or(stream.content.len(), |d| d.len()) as u64)
}

/// ASCII85 as lopdf decodes it: at most 4 bytes per input byte (`z`), so the bound is checked
/// on the input before decoding.
pub(super) fn ascii85(input: &[u8]) -> Result<Measured, String> {
    let upper = input.iter().fold(0u64, |n, &b| {
        n + match b {
            b'z' => 4,
            b'!'..=b'u' => 1,
            _ => 0,
        }
    });
    if upper > MAX_PDF_STREAM_BYTES {
        return Err(format!("may decode to {}", size(upper)));
    }
    let mut dict = Dictionary::new();
    dict.set("Filter", "ASCII85Decode");
    let out = Stream::new(dict, input.to_vec())
        .decompressed_content()
        .unwrap_or_default();
    Ok(Measured {
        size: out.len() as u64,
        kept: Some(out),
    })
}

/// A predictor's row buffer is `Columns × Colors × BitsPerComponent / 8` bytes, allocated up
/// front whatever the data: refused when larger than a stream may be.
fn check_predictor(params: Option<&Dictionary>) -> Result<(), String> {
    let Some(params) = params else {
        return Ok(());
    };
    let get =
        |key: &[u8], default: i64| params.get(key).and_then(Object::as_i64).unwrap_or(default);
    if !(10..=15).contains(&get(b"Predictor", 1)) {
        return Ok(());
    }
    let row = [
        get(b"Columns", 1).max(1),
        get(b"Colors", 1).max(1),
        get(b"BitsPerComponent", 8).max(8) / 8,
    ]
    .into_iter()
    .try_fold(1u64, |acc, n| acc.checked_mul(u64::try_from(n).ok()?));
    match row {
        Some(n) if n <= MAX_PDF_STREAM_BYTES => Ok(()),
        _ => Err("declares predictor rows larger than a stream may be".to_owned()),
    }
}

pub(super) struct Measured {
    pub(super) size: u64,
    pub(super) kept: Option<Vec<u8>>,
}

fn read_bounded(reader: impl Read, keep: bool) -> std::io::Result<Measured> {
    if keep {
        let mut out = Vec::new();
        reader
            .take(MAX_PDF_STREAM_BYTES + 1)
            .read_to_end(&mut out)?;
        return Ok(Measured {
            size: out.len() as u64,
            kept: Some(out),
        });
    }
    let mut meter = Meter { count: 0 };
    let copied = std::io::copy(&mut reader.take(MAX_PDF_STREAM_BYTES + 1), &mut meter);
    match copied {
        Ok(n) => Ok(Measured {
            size: n,
            kept: None,
        }),
        Err(_) if meter.count > MAX_PDF_STREAM_BYTES => Ok(Measured {
            size: meter.count,
            kept: None,
        }),
        Err(e) => Err(e),
    }
}

/// Inflates as lopdf does (zlib, else raw deflate after the 2-byte header), counting. A damaged
/// stream counts what it gave before the damage, as lopdf keeps that much.
pub(super) fn inflate(input: &[u8], keep: bool) -> Result<Measured, String> {
    let zlib = read_bounded(flate2::read::ZlibDecoder::new(input), keep);
    match zlib {
        Ok(m) => Ok(m),
        Err(_) if input.len() > 2 => {
            let raw = flate2::read::DeflateDecoder::new(input.get(2..).unwrap_or_default());
            Ok(read_bounded(raw, keep).unwrap_or(Measured {
                size: 0,
                kept: keep.then(Vec::new),
            }))
        }
        Err(_) => Ok(Measured {
            size: 0,
            kept: keep.then(Vec::new),
        }),
    }
}

/// LZW as lopdf decodes it (MSB first, early change unless `EarlyChange 0`), counting.
pub(super) fn lzw(
    input: &[u8],
    params: Option<&Dictionary>,
    keep: bool,
) -> Result<Measured, String> {
    use weezl::{BitOrder, decode::Decoder};
    let early = params
        .and_then(|p| p.get(b"EarlyChange").ok())
        .and_then(|p| Object::as_i64(p).ok())
        .is_none_or(|v| v != 0);
    let mut decoder = if early {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = Vec::new();
    let mut meter = Meter { count: 0 };
    let status = if keep {
        let mut limited = LimitedVec(&mut out);
        decoder.into_stream(&mut limited).decode_all(input).status
    } else {
        decoder.into_stream(&mut meter).decode_all(input).status
    };
    let produced = if keep { out.len() as u64 } else { meter.count };
    if produced > MAX_PDF_STREAM_BYTES {
        return Err(format!(
            "decodes to more than {}",
            size(MAX_PDF_STREAM_BYTES)
        ));
    }
    // A decoding error after some output is what lopdf keeps too (it only warns).
    let _ = status;
    Ok(Measured {
        size: produced,
        kept: keep.then_some(out),
    })
}

/// A vector that refuses to grow past the stream limit.
struct LimitedVec<'a>(&'a mut Vec<u8>);

impl Write for LimitedVec<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.0.len() + buf.len()) as u64 > MAX_PDF_STREAM_BYTES {
            let room = usize::try_from(MAX_PDF_STREAM_BYTES)
                .unwrap_or(usize::MAX)
                .saturating_sub(self.0.len())
                + 1;
            self.0
                .extend_from_slice(buf.get(..room.min(buf.len())).unwrap_or_default());
            return Err(std::io::Error::other("too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::ZlibEncoder;

    fn flate_stream(len: usize) -> Stream {
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1 << 20];
        let mut left = len;
        while left > 0 {
            let n = left.min(zeros.len());
            enc.write_all(&zeros[..n]).expect("in memory");
            left -= n;
        }
        let mut dict = Dictionary::new();
        dict.set("Filter", "FlateDecode");
        Stream::new(dict, enc.finish().expect("in memory"))
    }

    #[test]
    fn a_flate_bomb_is_measured_not_expanded() {
        assert_eq!(decoded_size(&flate_stream(1000)), Ok(1000));
        let big = usize::try_from(MAX_PDF_STREAM_BYTES).unwrap_or(usize::MAX) + 1;
        assert!(decoded_size(&flate_stream(big)).is_err());
    }

    #[test]
    fn huge_predictor_rows_are_refused() {
        let mut stream = flate_stream(10);
        let mut params = Dictionary::new();
        params.set("Predictor", 12);
        params.set("Columns", 1_i64 << 40);
        stream.dict.set("DecodeParms", params);
        assert!(decoded_size(&stream).is_err());
    }
}
