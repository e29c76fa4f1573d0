//! The text pipeline, one pure stage per file: fold (Unicode, case, accents) → tokenise → correct typos →
//! stem → apply the lexicon → mark stop words. Questions, FAQ phrasings and warning phrases all go through it,
//! so both sides of every comparison are treated the same way.

mod correct;
mod fold;
mod language;
mod lexicon;
mod read;
mod small_talk;
mod spell;
mod tokenize;

pub use fold::fold;
pub use language::Language;
pub use lexicon::Lexicon;
pub use read::{BulkReader, ReadToken, Reading, TermId};
pub use small_talk::SmallTalk;
pub use spell::Speller;
pub use tokenize::tokenize;

use crate::corpus::{Concept, Scope};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longer messages are cut here: no FAQ question needs more words, and it bounds the work per message.
pub const MAX_TOKENS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A word, stemmed.
    Word,
    /// A lexicon concept the message names directly ("keytruda" → `@pembrolizumab`).
    Concept,
    /// A broader concept implied by one that is named (`@pembrolizumab` → `@checkpoint-inhibitor`).
    Broader,
    /// A word inside a multi-word lexicon term ("eye" in "eye inflammation" → `@uveitis`), kept so that an entry
    /// that says "eye" still shares something with the question.
    Part,
}

/// One unit of meaning in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The matching key: a stem, or `@concept-id` for lexicon concepts.
    pub term: String,
    pub kind: TermKind,
    pub scope: Scope,
    /// Function words ("the", "is") carry no topic; intent words ("when", "not", "after") are never stop words.
    pub stop: bool,
    /// Position among the message's words, for phrase windows (broader concepts share their concept's).
    pub position: usize,
    /// Neither a corpus word nor a word of the language, and no correction found: most likely a slip.
    pub garbled: bool,
}

/// What the pipeline made of a message, kept for `--explain` and the warning-sign check.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub folded: String,
    pub tokens: Vec<Token>,
    /// (what was typed, what it was read as)
    pub corrections: Vec<(String, String)>,
    /// The words as read (after corrections), before stemming.
    pub words: Vec<String>,
    /// Their stems, in the same order.
    pub stems: Vec<String>,
}

impl Analysis {
    pub fn content(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| !t.stop)
    }

    pub fn has_scope(&self, scope: Scope) -> bool {
        self.tokens.iter().any(|t| t.scope == scope)
    }
}

/// A key for each pair of neighbouring words, given as stems ("side effects" and "side effect" are one pair).
pub fn word_pairs(stems: &[String]) -> impl Iterator<Item = u64> + '_ {
    stems.windows(2).map(|w| spell::pair_key(&w[0], &w[1]))
}

/// The pipeline for one language, with that language's lexicon and spelling vocabulary.
pub struct Analyzer {
    lang: Language,
    stemmer: rust_stemmers::Stemmer,
    lexicon: Lexicon,
    speller: Option<Speller>,
}

/// Saved without its stemmer and the speller's dictionary, which are the language's own and are taken again
/// from it when read back.
impl Serialize for Analyzer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.lang, &self.lexicon, &self.speller).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Analyzer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (lang, lexicon, speller): (Language, Lexicon, Option<Speller>) = Deserialize::deserialize(d)?;
        let speller = speller.map(|s| s.with_dictionary(lang.dictionary()));
        Ok(Analyzer { lexicon, speller, ..Analyzer::plain(lang) })
    }
}

/// What `Analyzer::analyze` needs to know of each word of a message, before joining words into terms.
#[derive(Clone, Copy)]
struct WordFacts {
    /// Neither a corpus word nor a word of the language.
    garbled: bool,
    stop: bool,
    /// Whether a lexicon term may start with the word's stem (always, when the speller has not ruled it out).
    may_start_term: bool,
}

impl Analyzer {
    /// Without lexicon or typo correction: for comparing phrasings as written.
    pub fn plain(lang: Language) -> Self {
        Analyzer { lang, stemmer: lang.stemmer(), lexicon: Lexicon::default(), speller: None }
    }

    pub fn new(lang: Language, concepts: &[Concept]) -> Self {
        let mut analyzer = Self::plain(lang);
        analyzer.lexicon = Lexicon::build(concepts, |term| analyzer.stems(term));
        analyzer
    }

    /// Turns on typo correction towards the given vocabulary (the words the corpus uses).
    /// `words` are words the corpus already analysed, with how often it uses them (no need to read those texts
    /// again); `texts` are read here.
    /// `pairs` are the neighbouring words of those texts (`word_pairs` keys of their stems), with how often.
    pub fn with_speller<'a>(
        mut self,
        words: impl IntoIterator<Item = (&'a str, u32)>,
        pairs: rustc_hash::FxHashMap<u64, u32>,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut speller =
            Speller::new(self.lang.min_correctable_len()).with_dictionary(self.lang.dictionary()).with_pairs(pairs);
        for (word, times) in words {
            speller.add_times(word, &self.stem(word), times);
        }
        for text in texts {
            let words = tokenize(&fold(text), self.lang);
            let stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();
            for (word, stem) in words.iter().zip(&stems) {
                speller.add(word, stem);
            }
            for key in word_pairs(&stems) {
                speller.add_pair(key, 1);
            }
        }
        for word in self.lang.stop_words() {
            speller.add(word, word);
        }
        speller.finish();
        speller.remember_words(
            |word| self.stem(word),
            |word| self.lang.is_stop_word(word),
            |s| self.lexicon.starts_term(s),
        );
        self.speller = Some(speller);
        self
    }

    pub fn language(&self) -> Language {
        self.lang
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    fn stem(&self, word: &str) -> String {
        if word.chars().any(|c| c.is_numeric()) {
            return word.to_string();
        }
        // The same few thousand words recur in every question and phrasing; the stemmer is the costliest
        // step of the pipeline, so each thread remembers what it has stemmed.
        thread_local! {
            static STEMS: std::cell::RefCell<Vec<rustc_hash::FxHashMap<String, String>>> =
                std::cell::RefCell::new(vec![rustc_hash::FxHashMap::default(); Language::ALL.len()]);
        }
        const MAX_REMEMBERED: usize = 200_000;
        STEMS.with(|cell| {
            let mut all = cell.borrow_mut();
            let stems = &mut all[self.lang as usize];
            if let Some(s) = stems.get(word) {
                return s.clone();
            }
            if stems.len() >= MAX_REMEMBERED {
                stems.clear();
            }
            let stem = self.stemmer.stem(word).into_owned();
            stems.insert(word.to_string(), stem.clone());
            stem
        })
    }

    fn stems(&self, text: &str) -> Vec<String> {
        tokenize(&fold(text), self.lang).iter().map(|w| self.stem(w)).collect()
    }

    /// A key under which two phrasings that read the same compare equal ("What is IO?" = "what is io").
    pub fn phrasing_key(&self, text: &str) -> String {
        self.stems(text).join(" ")
    }

    pub fn analyze(&self, text: &str) -> Analysis {
        let folded = fold(text);
        let mut words = tokenize(&folded, self.lang);
        words.truncate(MAX_TOKENS);
        let mut ids = Vec::new();
        let corrections = match &self.speller {
            Some(speller) => correct::correct(self, speller, &mut words, &mut ids),
            None => Vec::new(),
        };
        let mut stems: Vec<String> = Vec::with_capacity(words.len());
        let mut facts: Vec<WordFacts> = Vec::with_capacity(words.len());
        for (k, word) in words.iter().enumerate() {
            let corpus_word = self.speller.as_ref().zip(ids.get(k).copied().flatten());
            match corpus_word.and_then(|(speller, id)| Some((speller, id, speller.stem_of(id)?))) {
                // A corpus word, whose stem and standing the speller kept: known, and no stemming.
                Some((speller, id, (stem, starts))) => {
                    stems.push(stem.to_string());
                    facts.push(WordFacts { garbled: false, stop: speller.is_stop_word(id), may_start_term: starts });
                }
                None => {
                    let stem = self.stem(word);
                    let unknown = self.speller.as_ref().is_some_and(|speller| !speller.knows(word, &stem));
                    stems.push(stem);
                    facts.push(WordFacts {
                        garbled: unknown,
                        stop: self.lang.is_stop_word(word),
                        may_start_term: true,
                    });
                }
            }
        }
        let mut tokens = Vec::with_capacity(stems.len() + 4);
        let mut i = 0;
        while i < stems.len() {
            let WordFacts { garbled, stop, may_start_term } = facts[i];
            if let Some((len, concept)) = may_start_term.then(|| self.lexicon.longest_match(&stems[i..])).flatten() {
                let c = &self.lexicon.concepts[concept];
                tokens.push(Token {
                    term: c.term.clone(),
                    kind: TermKind::Concept,
                    scope: c.scope,
                    stop: false,
                    position: i,
                    garbled: false,
                });
                for &b in &c.broader {
                    let b = &self.lexicon.concepts[b];
                    tokens.push(Token {
                        term: b.term.clone(),
                        kind: TermKind::Broader,
                        scope: b.scope,
                        stop: false,
                        position: i,
                        garbled: false,
                    });
                }
                if len > 1 {
                    for (k, word) in words[i..i + len].iter().enumerate() {
                        if word.chars().count() >= 3 && !facts[i + k].stop {
                            let term = stems[i + k].clone();
                            tokens.push(Token {
                                term,
                                kind: TermKind::Part,
                                scope: Scope::Neutral,
                                stop: false,
                                position: i + k,
                                garbled: false,
                            });
                        }
                    }
                }
                i += len;
                continue;
            }
            tokens.push(Token {
                term: stems[i].clone(),
                kind: TermKind::Word,
                scope: Scope::Neutral,
                stop,
                position: i,
                garbled,
            });
            i += 1;
        }
        Analysis { folded, tokens, corrections, words, stems }
    }
}
