//! Splits folded text into words: letters and digits apart ("pd1" = "pd-1" = "pd 1"), contractions expanded
//! ("can't" → "can not") so that negation survives.

use super::Language;

pub fn tokenize(folded: &str, lang: Language) -> Vec<String> {
    // Most words take four bytes or more with the space after them: the list is then allocated once.
    let mut words = Vec::with_capacity(folded.len() / 4 + 1);
    for_each_word(folded, lang, |w| words.push(w.to_string()));
    words
}

/// The words of folded text, in order, without allocating for the common case (bulk reading of a corpus).
pub fn for_each_word(folded: &str, lang: Language, mut f: impl FnMut(&str)) {
    each_raw_word(folded, |raw| {
        let raw = raw.trim_matches('\'');
        if raw.is_empty() {
            return;
        }
        let (stem, suffix) = match raw.find('\'') {
            Some(i) => (&raw[..i], &raw[i + 1..]),
            None => (raw, ""),
        };
        match lang.expand_contraction(stem, suffix) {
            Some(parts) => parts.iter().for_each(|p| f(p)),
            None => {
                split_letters_digits(stem, &mut f);
                // A dropped suffix ("'s", "'m", "'re") carries no meaning for matching; any other text after an
                // apostrophe ("o'clock") is kept as a word.
                if !suffix.is_empty() && !lang.is_droppable_suffix(suffix) {
                    if suffix.contains('\'') {
                        split_letters_digits(&suffix.replace('\'', ""), &mut f);
                    } else {
                        split_letters_digits(suffix, &mut f);
                    }
                }
            }
        }
    });
}

/// The runs of letters, digits and apostrophes in folded text (empty runs left out).
fn each_raw_word(folded: &str, mut f: impl FnMut(&str)) {
    if !folded.is_ascii() {
        folded.split(|c: char| !(c.is_alphanumeric() || c == '\'')).filter(|raw| !raw.is_empty()).for_each(f);
        return;
    }
    // Plain ASCII (most text) is cut by bytes: several times faster than splitting chars.
    let mut start = 0;
    for (i, b) in folded.bytes().enumerate() {
        if !(b.is_ascii_alphanumeric() || b == b'\'') {
            if start < i {
                f(&folded[start..i]);
            }
            start = i + 1;
        }
    }
    if start < folded.len() {
        f(&folded[start..]);
    }
}

/// Runs of letters and runs of digits, each a word of its own.
fn split_letters_digits(word: &str, f: &mut impl FnMut(&str)) {
    if word.bytes().all(|b| b.is_ascii_alphabetic()) {
        f(word);
        return;
    }
    let mut start = 0;
    let mut digits = None;
    for (i, c) in word.char_indices() {
        let is_digit = c.is_numeric();
        if digits.is_some_and(|d| d != is_digit) {
            f(&word[start..i]);
            start = i;
        }
        digits = Some(is_digit);
    }
    if start < word.len() {
        f(&word[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        tokenize(s, Language::En)
    }

    #[test]
    fn punctuation_splits_words() {
        assert_eq!(words("side-effects, of keytruda?"), ["side", "effects", "of", "keytruda"]);
    }

    #[test]
    fn letters_and_digits_separate_so_all_spellings_of_pd1_agree() {
        assert_eq!(words("pd1"), words("pd-1"));
        assert_eq!(words("pd 1"), ["pd", "1"]);
    }

    #[test]
    fn contractions_keep_their_negation() {
        assert_eq!(words("i can't breathe"), ["i", "can", "not", "breathe"]);
        assert_eq!(words("it won't stop"), ["it", "will", "not", "stop"]);
        assert_eq!(words("i cannot sleep"), ["i", "can", "not", "sleep"]);
        assert_eq!(words("doesn't work"), ["does", "not", "work"]);
        assert_eq!(words("it didnt work, whats next"), ["it", "did", "not", "work", "what", "next"]);
    }

    #[test]
    fn possessives_and_short_forms_drop_their_suffix() {
        assert_eq!(words("my husband's drip, i'm scared"), ["my", "husband", "drip", "i", "scared"]);
    }
}
