//! The report's text shaped once per document's font and script, not once per text.
//!
//! krilla's `Surface::draw_text` parses the font's tables and compiles a rustybuzz shape plan
//! for every text it draws: on the financial report of a thousand campaigns (131 pages of
//! tables) that was most of the PDF's drawing time. Here the font is parsed once and a plan
//! kept for each direction, script and language met, and each text is shaped with its plan
//! into the glyphs krilla draws (`Surface::draw_glyphs`). The glyphs are the ones `draw_text`
//! makes: the same shaping, with the same segment properties guessed from the text, and the
//! same text range for each glyph's cluster (checked by the tests against plain shaping).

use std::collections::HashMap;
use std::ops::Range;

use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, Language, Script, ShapePlan, UnicodeBuffer};

/// A font's face and the plans made for it so far.
pub(super) struct Shaper<'a> {
    face: Face<'a>,
    units_per_em: f32,
    plans: HashMap<(Direction, Script, Option<Language>), ShapePlan>,
}

impl<'a> Shaper<'a> {
    /// The shaper of the font in `data` (face 0); `None` when it cannot be read.
    pub(super) fn new(data: &'a [u8]) -> Option<Self> {
        let face = Face::from_slice(data, 0)?;
        let units_per_em = face.units_per_em() as f32;
        Some(Shaper {
            face,
            units_per_em,
            plans: HashMap::new(),
        })
    }

    /// The glyphs of `text`, in visual order, with advances and offsets in ems.
    pub(super) fn glyphs(&mut self, text: &str) -> Vec<KrillaGlyph> {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let (direction, script, language) =
            (buffer.direction(), buffer.script(), buffer.language());
        let face = &self.face;
        let plan = self
            .plans
            .entry((direction, script, language.clone()))
            .or_insert_with(|| {
                // A script of `UNKNOWN` is how the buffer answers that none was guessed.
                let script = (script != rustybuzz::script::UNKNOWN).then_some(script);
                ShapePlan::new(face, direction, script, language.as_ref(), &[])
            });
        let shaped = rustybuzz::shape_with_plan(face, plan, buffer);
        glyphs_of(&shaped, text.len(), self.units_per_em)
    }
}

/// The shaped glyphs as krilla's, each with the text of its cluster: from its cluster's start
/// to the next larger cluster start of the text, or the text's end (in either direction).
fn glyphs_of(shaped: &rustybuzz::GlyphBuffer, len: usize, units_per_em: f32) -> Vec<KrillaGlyph> {
    let infos = shaped.glyph_infos();
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let range = |start: usize| -> Range<usize> {
        let next = starts.partition_point(|&s| s <= start);
        start..starts.get(next).copied().unwrap_or(len)
    };
    let em = |v: i32| v as f32 / units_per_em;
    infos
        .iter()
        .zip(shaped.glyph_positions())
        .map(|(info, pos)| {
            KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                em(pos.x_advance),
                em(pos.x_offset),
                em(pos.y_offset),
                em(pos.y_advance),
                range(info.cluster as usize),
                None,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What krilla's `draw_text` shapes: the font parsed and a plan compiled for the text.
    fn plainly(data: &[u8], text: &str) -> Vec<KrillaGlyph> {
        let face = Face::from_slice(data, 0).unwrap_or_else(|| panic!("the font reads"));
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&face, &[], buffer);
        glyphs_of(&shaped, text.len(), face.units_per_em() as f32)
    }

    fn seen(glyphs: &[KrillaGlyph]) -> Vec<String> {
        glyphs
            .iter()
            .map(|g| {
                format!(
                    "{} {} {} {} {} {:?}",
                    g.glyph_id.to_u32(),
                    g.x_advance,
                    g.x_offset,
                    g.y_offset,
                    g.y_advance,
                    g.text_range
                )
            })
            .collect()
    }

    #[test]
    fn kept_plans_shape_as_a_fresh_plan_does() {
        let data = charts_rs::DEFAULT_FONT_DATA;
        let mut shaper = Shaper::new(data).unwrap_or_else(|| panic!("the font reads"));
        let texts = [
            "1,234,567.89",
            "Spend",
            "ROI −12.5 %",
            "Office — “fi” ffl",
            "Ελληνικά",
            "Кампания",
            "שלום עולם",
            "مرحبا بالعالم",
            "広告キャンペーン",
            "🙂 e\u{301}",
            "",
            " ",
            "Spend",
        ];
        for text in texts {
            assert_eq!(
                seen(&shaper.glyphs(text)),
                seen(&plainly(data, text)),
                "{text}"
            );
        }
        assert!(shaper.plans.len() >= 4, "one plan per script met");
    }

    #[test]
    fn each_glyph_covers_its_clusters_text() {
        let mut shaper =
            Shaper::new(charts_rs::DEFAULT_FONT_DATA).unwrap_or_else(|| panic!("the font reads"));
        let glyphs = shaper.glyphs("ab€");
        let ranges: Vec<Range<usize>> = glyphs.iter().map(|g| g.text_range.clone()).collect();
        assert_eq!(ranges, [0..1, 1..2, 2..5]);
        let rtl = shaper.glyphs("שלום");
        let mut ranges: Vec<Range<usize>> = rtl.iter().map(|g| g.text_range.clone()).collect();
        assert_eq!(
            ranges.first(),
            Some(&(6..8)),
            "right to left: the last letter first"
        );
        ranges.sort_by_key(|r| r.start);
        assert_eq!(ranges, [0..2, 2..4, 4..6, 6..8]);
    }
}
