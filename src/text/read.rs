//! Bulk reading for indexing: the same tokens as `Analyzer::analyze` gives a corpus text (which is never
//! spell-corrected), with every word and term interned, so that reading millions of phrasings costs about one
//! hash look-up per word instead of stemming, set look-ups and string copies.

use super::{Analyzer, MAX_TOKENS, TermKind, fold, tokenize::for_each_word};
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
}

fn intern(terms: &mut HashMap<String, TermId>, term: &str) -> TermId {
    if let Some(&id) = terms.get(term) {
        return id;
    }
    let id = terms.len() as TermId;
    terms.insert(term.to_string(), id);
    id
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
        BulkReader {
            analyzer,
            terms,
            words: HashMap::default(),
            info: Vec::new(),
            counts: Vec::new(),
            pairs: HashMap::default(),
            lexicon,
            concepts,
            folded: String::new(),
            stems: Vec::new(),
        }
    }

    fn word(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.words.get(word) {
            return id;
        }
        let lang = self.analyzer.lang;
        let stem = intern(&mut self.terms, &self.analyzer.stem(word));
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

    /// Reads `text` into `out` (cleared first).
    pub fn read(&mut self, text: &str, out: &mut Reading) {
        out.tokens.clear();
        out.words.clear();
        let mut folded = std::mem::take(&mut self.folded);
        fold::fold_into(text, &mut folded);
        let lang = self.analyzer.lang;
        for_each_word(&folded, lang, |w| {
            if out.words.len() < MAX_TOKENS {
                let id = self.word(w);
                out.words.push(id);
            }
        });
        self.folded = folded;
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

    /// The stems of `text`, in order: two phrasings with the same stems read the same.
    pub fn stems(&mut self, text: &str, out: &mut Vec<TermId>) {
        out.clear();
        let mut folded = std::mem::take(&mut self.folded);
        fold::fold_into(text, &mut folded);
        for_each_word(&folded, self.analyzer.lang, |w| {
            let id = self.word(w);
            out.push(self.info[id as usize].stem);
        });
        self.folded = folded;
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
            let texts = part.entries.iter().flat_map(|e| {
                (0..1 + e.alternates.len() + e.keywords.len())
                    .map(move |k| e.phrasing(k).unwrap_or_default().into_owned())
                    .chain(std::iter::once(e.answer.clone()))
            });
            for text in texts {
                reader.read(&text, &mut reading);
                let names: HashMap<TermId, &str> = reader.terms.iter().map(|(t, &id)| (id, t.as_str())).collect();
                let read: Vec<(&str, TermKind, bool)> =
                    reading.tokens.iter().map(|t| (names[&t.term], t.kind, t.stop)).collect();
                let analysis = analyzer.analyze(&text);
                let analyzed: Vec<(&str, TermKind, bool)> =
                    analysis.tokens.iter().map(|t| (t.term.as_str(), t.kind, t.stop)).collect();
                assert_eq!(read, analyzed, "{text}");
            }
        }
    }
}
