//! Bulk reading for indexing: the same tokens as `Analyzer::analyze` gives a corpus text (which is never
//! spell-corrected), with every word and term interned, so that reading millions of phrasings costs about one
//! hash look-up per word instead of stemming, set look-ups and string copies.

use super::{Analyzer, MAX_TOKENS, TermKind, fold, tokenize::for_each_word};
use crate::corpus::Phrasings;
use rustc_hash::FxHashMap as HashMap;

pub type TermId = u32;

/// What the reader knows of a word once it has seen it.
#[derive(Debug, Clone, Copy)]
struct WordInfo {
    stem: TermId,
    stop: bool,
    /// Long enough and not a stop word: inside a multi-word term it still counts on its own (a `Part`).
    part: bool,
    /// Some lexicon term starts with this word's stem.
    starts_term: bool,
}

/// One token of a reading: as `Token`, with the term interned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadToken {
    pub term: TermId,
    pub kind: TermKind,
    pub stop: bool,
}

/// A text as read: its tokens, and its words (as indexes into the reader's word list).
#[derive(Debug, Default)]
pub struct Reading {
    pub tokens: Vec<ReadToken>,
    pub words: Vec<u32>,
}

impl Reading {
    pub fn content(&self) -> impl Iterator<Item = &ReadToken> {
        self.tokens.iter().filter(|t| !t.stop)
    }
}

/// Reads texts with one analyzer, interning terms into `terms` and remembering every word it meets.
pub struct BulkReader<'a> {
    analyzer: &'a Analyzer,
    pub terms: HashMap<String, TermId>,
    words: HashMap<Box<str>, u32>,
    info: Vec<WordInfo>,
    /// How often each word was read.
    counts: Vec<u32>,
    /// How often each pair of neighbouring words (as stems) was read.
    pairs: HashMap<(TermId, TermId), u32>,
    /// First stem → (the term's stems, concept), longest first: the lexicon in term ids.
    lexicon: HashMap<TermId, Vec<(Vec<TermId>, usize)>>,
    /// Per concept: its own term, then its broader concepts' terms.
    concepts: Vec<(TermId, Vec<TermId>)>,
    folded: String,
    stems: Vec<WordInfo>,
    /// Per term: a hash of its text, the same in every reader whatever ids they give it.
    term_keys: Vec<u64>,
    /// Plain ASCII pieces already read whole (what lies between spaces), with their words in `piece_words`: a
    /// large FAQ repeats the same few thousand pieces in every entry, and one look-up of a piece costs far less
    /// than folding, splitting and looking up its words again.
    pieces: HashMap<Box<str>, (u32, u32)>,
    piece_words: Vec<u32>,
}

/// How many pieces a reader remembers before starting afresh: enough for a FAQ's common pieces, which come back
/// within a few entries of a fresh start, and small enough to stay in the cache. The pieces seen once (made-up
/// words, numbers) would otherwise fill it: at 2^18 pieces it saved as many instructions but no time.
const MAX_PIECES: usize = 1 << 14;

fn intern(terms: &mut HashMap<String, TermId>, term: &str) -> TermId {
    if let Some(&id) = terms.get(term) {
        return id;
    }
    let id = terms.len() as TermId;
    terms.insert(term.to_string(), id);
    id
}

fn term_key(term: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(term)
}

impl<'a> BulkReader<'a> {
    pub fn new(analyzer: &'a Analyzer) -> Self {
        let mut terms = HashMap::default();
        let lex = &analyzer.lexicon;
        let concepts = lex
            .concepts
            .iter()
            .map(|c| (intern(&mut terms, &c.term), c.broader.iter().map(|&b| lex.concepts[b].term.clone()).collect()))
            .collect::<Vec<(TermId, Vec<String>)>>()
            .into_iter()
            .map(|(t, broader)| (t, broader.iter().map(|b| intern(&mut terms, b)).collect()))
            .collect();
        let mut lexicon: HashMap<TermId, Vec<(Vec<TermId>, usize)>> = HashMap::default();
        for (stems, concept) in lex.terms() {
            let ids: Vec<TermId> = stems.iter().map(|s| intern(&mut terms, s)).collect();
            lexicon.entry(ids[0]).or_default().push((ids, concept));
        }
        for list in lexicon.values_mut() {
            list.sort_by_key(|(stems, _)| std::cmp::Reverse(stems.len()));
        }
        let mut term_keys = vec![0; terms.len()];
        for (term, &id) in &terms {
            term_keys[id as usize] = term_key(term);
        }
        BulkReader {
            analyzer,
            term_keys,
            terms,
            words: HashMap::default(),
            info: Vec::new(),
            counts: Vec::new(),
            pairs: HashMap::default(),
            lexicon,
            concepts,
            folded: String::new(),
            stems: Vec::new(),
            pieces: HashMap::default(),
            piece_words: Vec::new(),
        }
    }

    fn word(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.words.get(word) {
            return id;
        }
        let lang = self.analyzer.lang;
        let stem_text = self.analyzer.stem(word);
        let stem = intern(&mut self.terms, &stem_text);
        if stem as usize == self.term_keys.len() {
            self.term_keys.push(term_key(&stem_text));
        }
        let stop = lang.is_stop_word(word);
        let info = WordInfo {
            stem,
            stop,
            part: word.chars().count() >= 3 && !stop,
            starts_term: self.lexicon.contains_key(&stem),
        };
        let id = self.info.len() as u32;
        self.info.push(info);
        self.counts.push(0);
        self.words.insert(word.into(), id);
        id
    }

    /// Adds the words of `text` to `words`, up to `limit` words in all; false when some were left out.
    fn push_words(&mut self, text: &str, limit: usize, words: &mut Vec<u32>) -> bool {
        let mut folded = std::mem::take(&mut self.folded);
        fold::fold_into(text, &mut folded);
        let mut whole = true;
        for_each_word(&folded, self.analyzer.lang, |w| {
            if words.len() < limit {
                let id = self.word(w);
                words.push(id);
            } else {
                whole = false;
            }
        });
        self.folded = folded;
        whole
    }

    /// `push_words`, piece by piece through the pieces read before: the same words, as no word spans a space
    /// and folding plain ASCII keeps to each character.
    fn push_text(&mut self, text: &str, limit: usize, words: &mut Vec<u32>) -> bool {
        if !text.is_ascii() {
            return self.push_words(text, limit, words);
        }
        for piece in text.split(' ') {
            if !self.push_piece(piece, limit, words) {
                // No room is left for any later word.
                return false;
            }
        }
        true
    }

    /// `push_words` of one plain ASCII piece, read once and then remembered.
    fn push_piece(&mut self, piece: &str, limit: usize, words: &mut Vec<u32>) -> bool {
        if let Some(&(start, len)) = self.pieces.get(piece) {
            let known = &self.piece_words[start as usize..(start + len) as usize];
            let room = limit - words.len();
            words.extend(known.iter().take(room));
            return known.len() <= room;
        }
        let start = words.len();
        if !self.push_words(piece, limit, words) {
            return false;
        }
        if self.pieces.len() >= MAX_PIECES {
            self.pieces.clear();
            self.piece_words.clear();
        }
        let known = &words[start..];
        self.pieces.insert(piece.into(), (self.piece_words.len() as u32, known.len() as u32));
        self.piece_words.extend_from_slice(known);
        true
    }

    /// Reads `text` into `out` (cleared first).
    pub fn read(&mut self, text: &str, out: &mut Reading) {
        out.words.clear();
        self.push_text(text, MAX_TOKENS, &mut out.words);
        self.analyse(out);
    }

    /// Reads each text of `phrasings` as `read` would, handing `f` each reading in turn.
    pub fn read_phrasings(&mut self, phrasings: &Phrasings, out: &mut Reading, mut f: impl FnMut(&Reading)) {
        self.each_text(phrasings, MAX_TOKENS, out, |reader, out| {
            reader.analyse(out);
            f(out);
        });
    }

    /// The words of each text of `phrasings`, at most `limit` each, in `out.words`, handed to `f` in turn. The
    /// texts of an entry share most of their pieces (what lies between spaces, which no word spans), so a piece
    /// is folded, split and looked up once, the first time it is read whole; a text with a piece that is not
    /// plain ASCII is read whole, as Unicode folding is only known to keep to the pieces for ASCII.
    fn each_text(
        &mut self,
        phrasings: &Phrasings,
        limit: usize,
        out: &mut Reading,
        mut f: impl FnMut(&mut Self, &mut Reading),
    ) {
        let pieces: Vec<&str> = phrasings.pieces().collect();
        // Per piece: its words in `piece_words`, once read whole.
        let mut read: Vec<Option<std::ops::Range<usize>>> = vec![None; pieces.len()];
        let mut piece_words: Vec<u32> = Vec::new();
        let mut text = String::new();
        phrasings.each_text(|numbers| {
            out.tokens.clear();
            out.words.clear();
            if numbers.iter().any(|&p| !pieces[p].is_ascii()) {
                text.clear();
                for (k, &p) in numbers.iter().enumerate() {
                    text.push_str(if k == 0 { "" } else { " " });
                    text.push_str(pieces[p]);
                }
                self.push_words(&text, limit, &mut out.words);
            } else {
                for &p in numbers {
                    match &read[p] {
                        Some(range) => {
                            let room = limit - out.words.len();
                            out.words.extend(piece_words[range.clone()].iter().take(room));
                        }
                        None => {
                            let start = out.words.len();
                            if self.push_piece(pieces[p], limit, &mut out.words) {
                                read[p] = Some(piece_words.len()..piece_words.len() + out.words.len() - start);
                                piece_words.extend_from_slice(&out.words[start..]);
                            }
                        }
                    }
                }
            }
            f(self, out);
        });
    }

    /// The tokens of the words in `out.words`, counting the words and their pairs as read.
    fn analyse(&mut self, out: &mut Reading) {
        out.tokens.clear();
        self.stems.clear();
        self.stems.extend(out.words.iter().map(|&w| self.info[w as usize]));
        for &w in &out.words {
            self.counts[w as usize] += 1;
        }
        for pair in self.stems.windows(2) {
            *self.pairs.entry((pair[0].stem, pair[1].stem)).or_default() += 1;
        }
        let stems = &self.stems;
        let mut i = 0;
        while i < stems.len() {
            if stems[i].starts_term
                && let Some((term, concept)) = self.lexicon[&stems[i].stem].iter().find(|(term, _)| {
                    stems.len() - i >= term.len() && term.iter().zip(&stems[i..]).all(|(t, s)| *t == s.stem)
                })
            {
                let (own, broader) = &self.concepts[*concept];
                out.tokens.push(ReadToken { term: *own, kind: TermKind::Concept, stop: false });
                out.tokens.extend(broader.iter().map(|&b| ReadToken { term: b, kind: TermKind::Broader, stop: false }));
                if term.len() > 1 {
                    for s in stems[i..i + term.len()].iter().filter(|s| s.part) {
                        out.tokens.push(ReadToken { term: s.stem, kind: TermKind::Part, stop: false });
                    }
                }
                i += term.len();
                continue;
            }
            out.tokens.push(ReadToken { term: stems[i].stem, kind: TermKind::Word, stop: stems[i].stop });
            i += 1;
        }
    }

    /// A hash of the term's text: unlike its id, the same in every reader.
    pub fn term_key(&self, term: TermId) -> u64 {
        self.term_keys[term as usize]
    }

    /// The stems of `text`, in order: two phrasings with the same stems read the same.
    pub fn stems(&mut self, text: &str, out: &mut Vec<TermId>) {
        out.clear();
        self.push_text(text, usize::MAX, out);
        for word in out.iter_mut() {
            *word = self.info[*word as usize].stem;
        }
    }

    /// `stems` of each text of `phrasings`, handed to `f` in turn.
    pub fn phrasing_stems(&mut self, phrasings: &Phrasings, mut f: impl FnMut(&Self, &[TermId])) {
        let mut stems = Vec::new();
        self.each_text(phrasings, usize::MAX, &mut Reading::default(), |reader, words| {
            stems.clear();
            stems.extend(words.words.iter().map(|&w| reader.info[w as usize].stem));
            f(reader, &stems);
        });
    }

    /// Every pair of neighbouring words read, under its `Analyzer::word_pairs` key, with how often.
    pub fn pair_counts(&self) -> HashMap<u64, u32> {
        let mut names = vec![""; self.terms.len()];
        for (name, &id) in &self.terms {
            names[id as usize] = name;
        }
        let mut out: HashMap<u64, u32> = HashMap::default();
        for (&(a, b), &n) in &self.pairs {
            *out.entry(super::spell::pair_key(names[a as usize], names[b as usize])).or_default() += n;
        }
        out
    }

    /// Every word read, with how often.
    pub fn word_counts(&self) -> impl Iterator<Item = (&str, u32)> {
        self.words.iter().map(|(w, &id)| (&**w, self.counts[id as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Analyzer;

    /// The bulk reader must read every shipped phrasing and answer exactly as `Analyzer::analyze` does (without
    /// a speller, as corpus texts are read), or the index and the questions would disagree.
    #[test]
    fn reads_the_shipped_corpus_as_the_analyzer_does() {
        let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
        let corpus = crate::corpus::load(&faq).expect("the shipped corpus loads").corpus;
        for part in &corpus.parts {
            let analyzer = Analyzer::new(part.lang, &part.lexicon);
            let mut reader = BulkReader::new(&analyzer);
            let mut reading = Reading::default();
            // Alternates and keywords are read as the index reads them, piece by piece.
            let mut texts = Vec::new();
            for e in &part.entries {
                reader.read(&e.question, &mut reading);
                texts.push((e.question.to_string(), reading.tokens.clone()));
                for phrasings in [&e.alternates, &e.keywords] {
                    let mut read = Vec::new();
                    reader.read_phrasings(phrasings, &mut reading, |r| read.push(r.tokens.clone()));
                    texts.extend(phrasings.iter().map(|t| t.into_owned()).zip(read));
                }
                reader.read(&e.answer.text(), &mut reading);
                texts.push((e.answer.text().into_owned(), reading.tokens.clone()));
            }
            let names: HashMap<TermId, &str> = reader.terms.iter().map(|(t, &id)| (id, t.as_str())).collect();
            for (text, tokens) in texts {
                let read: Vec<(&str, TermKind, bool)> =
                    tokens.iter().map(|t| (names[&t.term], t.kind, t.stop)).collect();
                let analysis = analyzer.analyze(&text);
                let analyzed: Vec<(&str, TermKind, bool)> =
                    analysis.tokens.iter().map(|t| (t.term.as_str(), t.kind, t.stop)).collect();
                assert_eq!(read, analyzed, "{text}");
            }
        }
    }

    /// Reading texts piece by piece reads, numbers and counts exactly what reading each text whole does: with
    /// repeated and empty pieces, a text over `MAX_TOKENS` words (whose last pieces are then read again in
    /// another text), and pieces that are not plain ASCII.
    #[test]
    fn phrasings_read_piece_by_piece_as_whole_texts() {
        let long = (0..MAX_TOKENS + 5).map(|k| format!("w{k}")).collect::<Vec<_>>().join(" ");
        let tail = format!("w{} w{} again", MAX_TOKENS + 1, MAX_TOKENS - 1);
        let texts = ["what is io", "  what  is", &long, &tail, "Thérapie what is", "can't ＫEYTRUDA", "", "io io"];
        let phrasings: crate::corpus::Phrasings = texts.iter().collect();
        let analyzer = Analyzer::plain(crate::text::Language::En);
        let (mut whole, mut pieces) = (BulkReader::new(&analyzer), BulkReader::new(&analyzer));
        let mut reading = Reading::default();
        let mut expected = Vec::new();
        for text in texts {
            whole.read(text, &mut reading);
            expected.push((reading.tokens.clone(), reading.words.clone()));
        }
        let mut read = Vec::new();
        pieces.read_phrasings(&phrasings, &mut reading, |r| read.push((r.tokens.clone(), r.words.clone())));
        assert_eq!(read, expected);
        assert_eq!(pieces.terms, whole.terms);
        let counts = |r: &BulkReader| r.word_counts().map(|(w, n)| (w.to_string(), n)).collect::<HashMap<_, _>>();
        assert_eq!(counts(&pieces), counts(&whole));
        assert_eq!(pieces.pairs, whole.pairs);
        // Texts read whole (the second time from remembered pieces) give the words of one pass over the text.
        let mut unsplit = BulkReader::new(&analyzer);
        for text in texts.iter().chain(&texts) {
            let mut words = Vec::new();
            unsplit.push_words(text, MAX_TOKENS, &mut words);
            whole.read(text, &mut reading);
            let names = |r: &BulkReader, ids: &[u32]| {
                let mut all: Vec<&str> = vec![""; r.words.len()];
                r.words.iter().for_each(|(w, &id)| all[id as usize] = w);
                ids.iter().map(|&id| all[id as usize].to_string()).collect::<Vec<_>>()
            };
            assert_eq!(names(&whole, &reading.words), names(&unsplit, &words), "{text}");
        }
        let mut stems = Vec::new();
        let mut expected = Vec::new();
        for text in texts {
            whole.stems(text, &mut stems);
            expected.push(stems.clone());
        }
        let mut read = Vec::new();
        pieces.phrasing_stems(&phrasings, |_, s| read.push(s.to_vec()));
        assert_eq!(read, expected, "stems have no word limit");
    }
}
