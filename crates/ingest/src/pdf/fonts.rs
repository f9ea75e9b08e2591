//! Glyph widths the PDF library can read, so that glyphs stand where the page draws them.
//!
//! A CID font lists its glyph widths in `W` in two forms: `c [w1 w2 ...]` (widths from CID `c`
//! on) and `c_first c_last w` (one width for a range). pdf-extract 0.12 misreads the second form
//! (it takes every width of a range as 0), so every glyph of such a font stands at the start of
//! its text run, and a line's words pile up on one spot. PDF writers that use only the second form
//! exist (krilla and typst write every width that way), so before the text is read, each range
//! is rewritten in the first form, which reads the same widths. Nothing else of the document is
//! touched.

use pdf_extract::{Document, Object, ObjectId};

/// The most widths the ranges of all fonts are expanded to: far more than the subset fonts of a
/// report use (tens to hundreds of glyphs each), and a few megabytes at most.
const MAX_WIDTHS: i64 = 100_000;

/// Rewrites the `W` ranges of every CID font of `doc` in the array form.
pub(super) fn repair_widths(doc: &mut Document) {
    let fonts: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| is_cid_font(o))
        .map(|(id, _)| *id)
        .collect();
    let mut budget = MAX_WIDTHS;
    for id in fonts {
        let widths = match doc.get_object(id).and_then(Object::as_dict) {
            Ok(dict) => match dict.get(b"W") {
                Ok(Object::Reference(r)) => doc.get_object(*r).ok().cloned(),
                Ok(w) => Some(w.clone()),
                Err(_) => None,
            },
            Err(_) => None,
        };
        let Some(Object::Array(w)) = widths else {
            continue;
        };
        if let Some((fixed, expanded)) = array_form(&w, budget)
            && let Ok(dict) = doc.get_dictionary_mut(id)
        {
            budget -= expanded;
            dict.set("W", Object::Array(fixed));
        }
    }
}

fn is_cid_font(object: &Object) -> bool {
    let Ok(dict) = object.as_dict() else {
        return false;
    };
    let name = |key: &[u8]| dict.get(key).and_then(Object::as_name).ok();
    name(b"Type") == Some(b"Font".as_slice())
        && matches!(name(b"Subtype"), Some(b"CIDFontType2" | b"CIDFontType0"))
}

/// `W` in the array form with the number of widths its ranges gave, or `None` when it has no
/// range (nothing to do), is malformed, or its ranges hold more than `budget` widths (left as
/// they are).
fn array_form(w: &[Object], budget: i64) -> Option<(Vec<Object>, i64)> {
    let mut out = Vec::new();
    let mut expanded = 0i64;
    let mut ranges = false;
    let mut i = 0;
    while i < w.len() {
        let first = w[i].as_i64().ok()?;
        match w.get(i + 1)? {
            Object::Array(list) => {
                out.push(Object::Integer(first));
                out.push(Object::Array(list.clone()));
                i += 2;
            }
            last => {
                let last = last.as_i64().ok()?;
                let width = w.get(i + 2)?.clone();
                if !matches!(width, Object::Integer(_) | Object::Real(_)) || last < first {
                    return None;
                }
                expanded += last - first + 1;
                if expanded > budget {
                    return None;
                }
                ranges = true;
                let count = usize::try_from(last - first + 1).ok()?;
                out.push(Object::Integer(first));
                out.push(Object::Array(vec![width; count]));
                i += 3;
            }
        }
    }
    ranges.then_some((out, expanded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_lists_of_widths() {
        let w = vec![
            Object::Integer(0),
            Object::Integer(0),
            Object::Real(443.5),
            Object::Integer(1),
            Object::Integer(3),
            Object::Integer(600),
            Object::Integer(7),
            Object::Array(vec![Object::Integer(250), Object::Integer(300)]),
        ];
        let (fixed, expanded) = array_form(&w, MAX_WIDTHS).expect("has ranges");
        assert_eq!(expanded, 4);
        assert_eq!(
            fixed,
            vec![
                Object::Integer(0),
                Object::Array(vec![Object::Real(443.5)]),
                Object::Integer(1),
                Object::Array(vec![Object::Integer(600); 3]),
                Object::Integer(7),
                Object::Array(vec![Object::Integer(250), Object::Integer(300)]),
            ]
        );
        assert_eq!(
            array_form(&w[6..], MAX_WIDTHS),
            None,
            "the array form alone is left"
        );
        let huge = [
            Object::Integer(0),
            Object::Integer(1 << 40),
            Object::Integer(1),
        ];
        assert_eq!(array_form(&huge, MAX_WIDTHS), None);
        assert_eq!(array_form(&w, 3), None, "past the budget");
    }
}
