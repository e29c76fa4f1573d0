//! Correcting a message's words before stemming: slipped spaces first, then each word the corpus does not know
//! is brought back to the corpus word it most likely misspells.

use super::{Analyzer, Speller};
use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;

/// How well a piece of a mended space reads (see `Reader::points`), and what moving the space costs.
const CORPUS_WORD: u32 = 6;
const CORPUS_FORM: u32 = 5;
const REAL_WORD: u32 = 4;
const NEAR_SLIP: u32 = REAL_WORD - 1;
const SPACE_MOVE: u32 = 2;

/// Corrects `words` in place; returns (what was typed, what it was read as) for each change.
pub(super) fn correct(analyzer: &Analyzer, speller: &Speller, words: &mut Vec<String>) -> Vec<(String, String)> {
    let reader = Reader { analyzer, speller, found: RefCell::default() };
    let mut corrections = Vec::new();
    reader.mend_slipped_spaces(words, &mut corrections);
    for word in words.iter_mut() {
        if !reader.known(word)
            && let Some((fixed, _)) = reader.correction(word)
        {
            corrections.push((word.clone(), fixed.to_string()));
            *word = fixed.to_string();
        }
    }
    corrections
}

/// The speller's view of one message; corrections are looked up once, as mending asks for the same words again.
struct Reader<'a> {
    analyzer: &'a Analyzer,
    speller: &'a Speller,
    found: RefCell<HashMap<String, Option<(&'a str, usize)>>>,
}

impl<'a> Reader<'a> {
    fn known(&self, word: &str) -> bool {
        self.speller.knows(word, &self.analyzer.stem(word))
    }

    fn correction(&self, word: &str) -> Option<(&'a str, usize)> {
        if let Some(found) = self.found.borrow().get(word) {
            return *found;
        }
        let found = self.speller.correction(word);
        self.found.borrow_mut().insert(word.to_string(), found);
        found
    }

    /// A space typed one letter off ("melanom atreatment"), or one missing or extra ("immunoth erapy"), leaves
    /// words the corpus does not know. Each way of placing that space is weighed by how well its words read
    /// (corpus words best, then real words and near slips), less one edit for moving the space; the typed
    /// words win ties, so "fron the" is read "from the", not "front he".
    fn mend_slipped_spaces(&self, words: &mut Vec<String>, corrections: &mut Vec<(String, String)>) {
        let mut i = 0;
        while i + 1 < words.len() {
            let (a, b) = (words[i].as_str(), words[i + 1].as_str());
            // Digits stand apart from letters in the tokens anyway ("PD-L1" is "pd l 1").
            if (self.known(a) && self.known(b)) || a.chars().chain(b.chars()).any(char::is_numeric) {
                i += 1;
                continue;
            }
            match self.best_mend(a, b) {
                Some(parts) => {
                    corrections.push((format!("{a} {b}"), parts.join(" ")));
                    words.splice(i..i + 2, parts);
                }
                None => i += 1,
            }
        }
    }

    /// The way of placing the space between `a` and `b` that reads better than the words as typed, if any.
    fn best_mend(&self, a: &str, b: &str) -> Option<Vec<String>> {
        let mut options: Vec<Vec<String>> = vec![vec![format!("{a}{b}")]];
        if a.chars().count() > 1 {
            let cut = a.char_indices().last().map_or(0, |(k, _)| k);
            options.push(vec![a[..cut].to_string(), format!("{}{b}", &a[cut..])]);
        }
        if b.chars().count() > 1 {
            let cut = b.char_indices().nth(1).map_or(b.len(), |(k, _)| k);
            options.push(vec![format!("{a}{}", &b[..cut]), b[cut..].to_string()]);
        }
        // A typed real word is only given up for pieces as good as it is: "mouth ot" is not "mout hot", nor
        // "cancers jan" "cancer sjan". Otherwise a split needs a real word among its pieces, not only slips.
        let floor = [a, b].iter().filter(|w| self.known(w)).map(|w| self.points(w).min(CORPUS_FORM)).max().unwrap_or(1);
        let mut best = self.points(a) + self.points(b);
        let mut fix = None;
        for parts in options {
            // Correction lookups are the costly part: first see whether the option could win at all, counting
            // every slip as a near one.
            let at_most = |p: &String| self.cheap_points(p).unwrap_or(NEAR_SLIP);
            let value = |points: &dyn Fn(&String) -> u32| match parts.as_slice() {
                [joined] if joined.chars().count() < self.analyzer.lang.min_correctable_len() => 0,
                // A joined real word stands for both typed words.
                [joined] if points(joined) >= REAL_WORD => 2 * points(joined),
                [joined] => points(joined),
                _ if parts.iter().all(|p| points(p) < REAL_WORD) => 0,
                _ => parts.iter().map(points).sum(),
            };
            let sound = |points: &dyn Fn(&String) -> u32| parts.iter().all(|p| points(p) >= floor);
            if !sound(&at_most) || value(&at_most).saturating_sub(SPACE_MOVE) <= best {
                continue;
            }
            let exact = |p: &String| self.points(p);
            let v = value(&exact).saturating_sub(SPACE_MOVE);
            if sound(&exact) && v > best {
                best = v;
                fix = Some(parts);
            }
        }
        fix
    }

    /// How well a word reads, for weighing where a slipped space belongs: a corpus word best, then another
    /// form of one, then a real word of the language, then slips of corpus words by how far they are. A lone
    /// letter that is not a word ("car dt" is not "card t") and two-letter dictionary oddities ("xi") count
    /// nothing.
    fn points(&self, word: &str) -> u32 {
        self.cheap_points(word).unwrap_or_else(|| match self.correction(word) {
            Some((_, distance)) => NEAR_SLIP.saturating_sub(2 * (distance as u32 - 1)),
            None => 0,
        })
    }

    /// `points` for every word but a slip, which needs a correction lookup (`None`).
    fn cheap_points(&self, word: &str) -> Option<u32> {
        let len = word.chars().count();
        let lang = self.analyzer.lang;
        if len == 1 {
            return Some(if lang.is_stop_word(word) { CORPUS_WORD } else { 0 });
        }
        if self.speller.uses(word) {
            return Some(CORPUS_WORD);
        }
        let stem = self.analyzer.stem(word);
        // Short pieces are often another form of a corpus word by chance ("ins" for "in").
        if self.speller.knows_form(&stem) {
            return Some(CORPUS_FORM);
        }
        if self.speller.knows(word, &stem) {
            return Some(if len >= 3 { REAL_WORD } else { 0 });
        }
        if len < lang.min_correctable_len() {
            return Some(0);
        }
        None
    }
}
