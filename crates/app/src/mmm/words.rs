//! Rewording the model's sentences for where they are read: whole words only, so that a channel
//! named `meta_2` or a word like "metadata" is left alone when `meta` or "ROI" is replaced. The
//! web pages call the model's revenue per unit of spend the *incremental ROAS*, the CLI's text
//! the *return per unit of spend*; neither calls it ROI, which spendlens keeps for profit over
//! cost.

/// `text` with every whole-word `word` (not inside a longer word or code) replaced by `with`.
pub fn whole_words(text: &str, word: &str, with: &str) -> String {
    let inside = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (i, _) in text.match_indices(word) {
        let end = i + word.len();
        let bounded = !inside(text[..i].chars().next_back()) && !inside(text[end..].chars().next());
        out.push_str(&text[at..i]);
        out.push_str(if bounded { with } else { word });
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// `sentence` with each `(model's word, reader's word)` of `words` replaced, whole words only,
/// in the order given (longest first, so "marginal ROI" goes before "ROI").
pub fn reworded(sentence: &str, words: &[(&str, &str)]) -> String {
    words
        .iter()
        .fold(sentence.to_owned(), |out, (model, reader)| {
            whole_words(&out, model, reader)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_words_are_replaced() {
        assert_eq!(
            whole_words("metadata meta meta_ads meta.", "meta", "M"),
            "metadata M meta_ads M."
        );
        assert_eq!(whole_words("ROI ROIs XROI", "ROI", "r"), "r ROIs XROI");
        assert_eq!(whole_words("", "ROI", "r"), "");
        assert_eq!(whole_words("ROI", "ROI", "r"), "r");
    }

    #[test]
    fn words_are_replaced_longest_first() {
        let words = [
            ("marginal ROI", "marginal return"),
            ("ROIs", "returns"),
            ("ROI", "return"),
        ];
        assert_eq!(
            reworded("x's ROI and marginal ROI; the ROIs, XROI.", &words),
            "x's return and marginal return; the returns, XROI."
        );
    }
}
