//! Unicode folding: NFKC, lower case, accents removed, look-alike punctuation unified.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text so that "Ｋeytruda", "KEYTRUDA" and "keytrúda" read the same.
pub fn fold(text: &str) -> String {
    // Plain ASCII (most messages and all of the FAQ) needs no Unicode tables.
    if text.is_ascii() {
        return text
            .bytes()
            .map(|b| match b {
                b'`' => '\'',
                b if b.is_ascii_control() => ' ',
                b => b.to_ascii_lowercase() as char,
            })
            .collect();
    }
    let mut out = String::with_capacity(text.len());
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
    out
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
