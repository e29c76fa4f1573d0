//! Unicode folding: NFKC, lower case, accents removed, look-alike punctuation unified.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text so that "Ｋeytruda", "KEYTRUDA" and "keytrúda" read the same.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// `fold` into a buffer that is cleared first, so that bulk reading reuses one allocation.
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    // Plain ASCII (most messages and all of the FAQ) needs no Unicode tables.
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
        if out.bytes().any(|b| b == b'`' || b.is_ascii_control()) {
            *out = out.replace('`', "'").replace(|c: char| c.is_ascii_control(), " ");
        }
        return;
    }
    // NFKC first (compatibility forms, full-width letters), then NFD to split accents off their letters.
    for c in text.nfkc().flat_map(char::to_lowercase).nfd() {
        if is_combining_mark(c) {
            continue;
        }
        out.push(match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{0060}' | '\u{00B4}' => '\'',
            c if c.is_control() => ' ',
            c => c,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_width_and_accents_fold_away() {
        assert_eq!(fold("ＫEYTRÚDA"), "keytruda");
        assert_eq!(fold("Thérapie"), "therapie");
    }

    #[test]
    fn curly_apostrophes_become_straight() {
        assert_eq!(fold("can’t"), "can't");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(fold("a\u{0}b\tc"), "a b c");
    }
}
