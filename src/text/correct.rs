//! Correcting a message's words before stemming: slipped spaces first, then each word the corpus does not know
//! is brought back to the corpus word it most likely misspells.

use super::spell::Near;
use super::{Analyzer, Speller};
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Reverse;

/// How well a piece of a mended space reads (see `Reader::points`), and what moving the space costs: as much
/// as correcting one letter does, so that neither reading of "fron the" ("from the", "front he") wins on cost.
const CORPUS_WORD: u32 = 6;
const CORPUS_FORM: u32 = 5;
const REAL_WORD: u32 = 4;
const NEAR_SLIP: u32 = REAL_WORD - 1;
const SPACE_MOVE: u32 = CORPUS_WORD - NEAR_SLIP;

/// Corrects `words` in place; returns (what was typed, what it was read as) for each change. `ids` ends with
/// the `Speller::word_id` of each word as read.
pub(super) fn correct(
    analyzer: &Analyzer,
    speller: &Speller,
    words: &mut Vec<String>,
    ids: &mut Vec<Option<u32>>,
) -> Vec<(String, String)> {
    let reader = Reader { analyzer, speller, near: RefCell::default() };
    let mut corrections = Vec::new();
    ids.clear();
    ids.extend(words.iter().map(|w| speller.word_id(w)));
    reader.mend_slipped_spaces(words, ids, &mut corrections);
    for i in 0..words.len() {
        if let Some(fixed) = reader.read_in_context(words, ids, i) {
            corrections.push((words[i].clone(), fixed.to_string()));
            words[i] = fixed.to_string();
            ids[i] = speller.word_id(fixed);
        }
    }
    corrections
}

/// The speller's view of one message; the corpus words near each word are looked up once, as mending and
/// reading in context ask for the same words.
struct Reader<'a> {
    analyzer: &'a Analyzer,
    speller: &'a Speller,
    near: RefCell<HashMap<String, Vec<Near<'a>>>>,
}

impl<'a> Reader<'a> {
    fn known(&self, word: &str) -> bool {
        self.speller.uses(word) || self.known_unused(word)
    }

    /// `known` of a word the corpus does not use as written: most words are corpus words, found by their
    /// `word_id` with no need to stem them.
    fn known_unused(&self, word: &str) -> bool {
        self.speller.knows_unused(word, &self.analyzer.stem(word))
    }

    /// `known` of the word at `i`, with its `word_id`.
    fn known_at(&self, words: &[String], ids: &[Option<u32>], i: usize) -> bool {
        ids[i].is_some() || self.known_unused(&words[i])
    }

    /// `f` of the corpus words near `word` (`Speller::nearby`).
    fn with_nearby<R>(&self, word: &str, f: impl FnOnce(&[Near<'a>]) -> R) -> R {
        if let Some(near) = self.near.borrow().get(word) {
            return f(near);
        }
        let near = self.speller.nearby(word);
        let result = f(&near);
        self.near.borrow_mut().insert(word.to_string(), near);
        result
    }

    fn correction(&self, word: &str) -> Option<(&'a str, usize)> {
        self.with_nearby(word, |near| self.speller.best(near))
    }

    /// The stem of a word, as the speller kept it when the word is a corpus word (numbered `id`), which spares
    /// stemming it.
    fn stem(&self, word: &str, id: Option<u32>) -> Cow<'a, str> {
        match id.and_then(|id| self.speller.stem_of(id)) {
            Some((stem, _)) => Cow::Borrowed(stem),
            None => Cow::Owned(self.analyzer.stem(word)),
        }
    }

    /// What the word at `i` most likely misspells, read with its neighbours (the one before already read).
    /// Among the nearest corpus words, the one the corpus uses beside these neighbours wins, then the more
    /// common one. A real word the corpus does not use is only rewritten when that makes a lexicon term of it
    /// ("clinical trails"), since "prime minister" must stay; and a short word only when its neighbours
    /// vouch for the reading ("sde effects", "cr t"), since "flu" must stay.
    fn read_in_context(&self, words: &[String], ids: &[Option<u32>], i: usize) -> Option<&'a str> {
        const REACH: usize = 4;
        let word = words[i].as_str();
        if ids[i].is_some() {
            return None;
        }
        let real_word = self.known_unused(word);
        if real_word && (self.speller.knows_form(&self.analyzer.stem(word)) || word.chars().any(char::is_numeric)) {
            return None;
        }
        // A term of two words or more can only be completed beside another of its words, which most words never
        // are: the stems around the word (its own standing in for each candidate in turn) are then not needed.
        let typed_stem = |j: usize| self.stem(&words[j], ids[j]);
        let left_stem = i.checked_sub(1).map(typed_stem);
        let may_complete = self
            .analyzer
            .lexicon
            .may_join(left_stem.as_deref(), (i + 1 < words.len()).then(|| typed_stem(i + 1)).as_deref());
        if real_word && !may_complete {
            return None;
        }
        let candidates = self.with_nearby(word, <[Near]>::to_vec);
        if candidates.is_empty() {
            return None;
        }
        let from = i.saturating_sub(REACH);
        let mut window: Vec<String> = match may_complete {
            true => (from..(i + REACH + 1).min(words.len())).map(|j| typed_stem(j).into_owned()).collect(),
            false => Vec::new(),
        };
        let lang = self.analyzer.lang;
        let left = i.checked_sub(1).map(|j| words[j].as_str());
        let right = words.get(i + 1).map(|w| match self.known_at(words, ids, i + 1) {
            true => w.as_str(),
            false => self.correction(w).map_or(w.as_str(), |(c, _)| c),
        });
        let right_stem = right.map(|w| self.stem(w, self.speller.word_id(w)));
        let topical = |w: Option<&str>| w.is_some_and(|w| !lang.is_stop_word(w));
        candidates
            .into_iter()
            .filter(|n| !real_word || n.distance == 1)
            .filter_map(|n| {
                let stem = self.stem(n.word, self.speller.word_id(n.word));
                let before = left_stem.as_deref().map_or(0, |l| self.speller.pair(l, &stem));
                let after = right_stem.as_deref().map_or(0, |r| self.speller.pair(&stem, r));
                let term = may_complete && self.completes_term(&mut window, i - from, stem.into_owned());
                // Function words go with everything: only a topical neighbour vouches for a reading.
                let vouched = term || (topical(left) && before > 0) || (topical(right) && after > 0);
                let allowed = if real_word { term } else { vouched || !n.needs_context };
                allowed.then(|| {
                    let rank =
                        (n.distance, Reverse(term), Reverse(before + after), Reverse(self.speller.frequency(n.word)));
                    (rank, n.word)
                })
            })
            .min()
            .map(|(_, w)| w)
    }

    /// Whether the word at `at` of the window's stems, read as a candidate with this stem, becomes part of a
    /// multi-word lexicon term.
    fn completes_term(&self, window: &mut [String], at: usize, stem: String) -> bool {
        window[at] = stem;
        (0..=at)
            .any(|s| self.analyzer.lexicon.longest_match(&window[s..]).is_some_and(|(len, _)| len >= 2 && s + len > at))
    }

    /// A space typed one letter off ("melanom atreatment"), or one missing or extra ("immunoth erapy"), leaves
    /// words the corpus does not know. Each way of placing that space is weighed by how well its words read
    /// (corpus words best, then real words and near slips), less one edit for moving the space; the typed
    /// words win ties, so "fron the" is read "from the", not "front he".
    fn mend_slipped_spaces(
        &self,
        words: &mut Vec<String>,
        ids: &mut Vec<Option<u32>>,
        corrections: &mut Vec<(String, String)>,
    ) {
        let mut i = 0;
        // Whether the word at `i` is known, when it was looked up as the second of the pair before.
        let mut known_next = None;
        while i + 1 < words.len() {
            let (a, b) = (words[i].as_str(), words[i + 1].as_str());
            let known_b = known_next
                .take()
                .unwrap_or_else(|| self.known_at(words, ids, i))
                .then(|| self.known_at(words, ids, i + 1));
            // Digits stand apart from letters in the tokens anyway ("PD-L1" is "pd l 1").
            if known_b == Some(true) || a.chars().chain(b.chars()).any(char::is_numeric) {
                known_next = known_b;
                i += 1;
                continue;
            }
            match self.best_mend(a, b) {
                Some(parts) => {
                    corrections.push((format!("{a} {b}"), parts.join(" ")));
                    ids.splice(i..i + 2, parts.iter().map(|p| self.speller.word_id(p)));
                    words.splice(i..i + 2, parts);
                }
                None => {
                    known_next = known_b;
                    i += 1;
                }
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
        // A typed real word is only given up for real words, as good as it is up to a form of a corpus word:
        // "mouth ot" is not "mout hot", nor "cancers jan" "cancer sjan", nor "car-t wat" "car twat". Otherwise
        // a split needs a real word among its pieces, not only slips, and no piece may read as nothing ("cra t"
        // is not "cr at").
        let floor = [a, b]
            .iter()
            .filter(|w| self.known(w))
            .map(|w| self.points(w).clamp(REAL_WORD, CORPUS_FORM))
            .max()
            .unwrap_or(1);
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

#[cfg(test)]
mod tests {
    use crate::corpus::{Concept, Origin, Scope};
    use crate::text::{Analyzer, Language};

    fn analyzer() -> Analyzer {
        let concept = |id: &str, terms: &[&str]| Concept {
            id: id.to_string(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
            broader: Vec::new(),
            scope: Scope::In,
            origin: Origin { file: std::path::Path::new("").into(), line: 0 },
        };
        let concepts = [concept("car-t", &["car t"]), concept("clinical-trial", &["clinical trial"])];
        let texts = [
            "what are the side effects of immuno",
            "side effects if it works",
            "how long does a car t infusion take",
            "clinical trials for melanoma",
            "the price of keytruda",
            "tests show how it works",
            "does it help from the start",
            "the front desk",
            "immunomodulators",
        ];
        Analyzer::new(Language::En, &concepts).with_speller(std::iter::empty(), Default::default(), texts)
    }

    /// What the speller keeps per corpus word at build time is what the analyzer would work out per message. A
    /// stop word whose stem the corpus lacks ("was" → "wa") keeps none, and is stemmed when met.
    #[test]
    fn the_speller_keeps_each_words_stem_and_standing_as_the_analyzer_reads_them() {
        let analyzer = analyzer();
        let speller = analyzer.speller.as_ref().expect("a speller");
        let content =
            crate::text::tokenize("side effects immuno car t infusion clinical trials melanoma", Language::En);
        let mut kept = 0;
        for word in content.iter().map(String::as_str).chain(Language::En.stop_words().iter().copied()) {
            let id = speller.word_id(word).expect("a corpus word");
            assert_eq!(speller.is_stop_word(id), Language::En.is_stop_word(word), "{word}");
            let Some((stem, starts)) = speller.stem_of(id) else {
                assert!(Language::En.is_stop_word(word), "{word} has its stem kept");
                continue;
            };
            assert_eq!(stem, analyzer.stem(word), "{word}");
            assert_eq!(starts, analyzer.lexicon.starts_term(stem), "{word}");
            kept += 1;
        }
        assert!(kept > content.len());
        assert!(speller.word_id("zzzq").is_none());
    }

    fn read(text: &str) -> String {
        analyzer().analyze(text).words.join(" ")
    }

    #[test]
    fn a_slipped_space_is_mended_when_that_reads_better() {
        assert_eq!(read("side effect sif it works"), "side effects if it works");
        assert_eq!(read("doe simmuno help"), "does immuno help");
    }

    #[test]
    fn a_slip_next_to_a_real_word_is_corrected_rather_than_mended() {
        assert_eq!(read("fron the start"), "from the start");
        // Not "car twat": the lone letter is a word of its own.
        assert_eq!(read("car t wat"), "car t wat");
    }

    #[test]
    fn short_slips_are_read_only_when_their_neighbours_vouch_for_it() {
        assert_eq!(read("sde effects"), "side effects");
        assert_eq!(read("cr t infusion"), "car t infusion");
        assert_eq!(read("hsow long"), "how long");
        assert_eq!(read("sde"), "sde");
        assert_eq!(read("flu jab"), "flu jab");
    }

    #[test]
    fn a_real_word_is_rewritten_only_into_a_lexicon_term() {
        assert_eq!(read("clinical trails"), "clinical trials");
        assert_eq!(read("hiking trails"), "hiking trails");
        assert_eq!(read("prime minister"), "prime minister");
    }

    #[test]
    fn long_words_may_be_three_edits_off() {
        assert_eq!(read("immunomodjalters"), "immunomodulators");
    }
}
