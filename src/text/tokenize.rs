//! Splits folded text into words: letters and digits apart ("pd1" = "pd-1" = "pd 1"), contractions expanded
//! ("can't" → "can not") so that negation survives.

use super::Language;

pub fn tokenize(folded: &str, lang: Language) -> Vec<String> {
    let mut words = Vec::new();
    for raw in folded.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let raw = raw.trim_matches('\'');
        if raw.is_empty() {
            continue;
        }
        let (stem, suffix) = match raw.find('\'') {
            Some(i) => (&raw[..i], &raw[i + 1..]),
            None => (raw, ""),
        };
        match lang.expand_contraction(stem, suffix) {
            Some(parts) => words.extend(parts.iter().map(|p| p.to_string())),
            None => {
                split_letters_digits(stem, &mut words);
                // A dropped suffix ("'s", "'m", "'re") carries no meaning for matching; any other text after an
                // apostrophe ("o'clock") is kept as a word.
                if !suffix.is_empty() && !lang.is_droppable_suffix(suffix) {
                    split_letters_digits(suffix, &mut words);
                }
            }
        }
    }
    words
}

fn split_letters_digits(word: &str, out: &mut Vec<String>) {
    if word.chars().all(char::is_alphabetic) {
        out.push(word.to_string());
        return;
    }
    let mut current = String::new();
    let mut digits = None;
    for c in word.chars().filter(|c| *c != '\'') {
        let is_digit = c.is_numeric();
        if digits.is_some_and(|d| d != is_digit) {
            out.push(std::mem::take(&mut current));
        }
        digits = Some(is_digit);
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
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
