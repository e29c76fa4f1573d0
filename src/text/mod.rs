//! The text pipeline, one pure stage per file: fold (Unicode, case, accents) → tokenise → correct typos →
//! stem → apply the lexicon → mark stop words. Questions, FAQ phrasings and warning phrases all go through it,
//! so both sides of every comparison are treated the same way.

mod fold;
mod language;
mod lexicon;
mod spell;
mod tokenize;

pub use fold::fold;
pub use language::Language;
pub use lexicon::Lexicon;
pub use spell::Speller;
pub use tokenize::tokenize;

use crate::corpus::{Concept, Scope};

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
}

impl Analysis {
    pub fn content(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| !t.stop)
    }

    pub fn has_scope(&self, scope: Scope) -> bool {
        self.tokens.iter().any(|t| t.scope == scope)
    }
}

/// How well a piece of a mended space reads (see `Analyzer::reading_points`), and what moving the space costs.
const CORPUS_WORD: u32 = 6;
const CORPUS_FORM: u32 = 5;
const REAL_WORD: u32 = 4;
const SPACE_MOVE: u32 = 2;

/// The pipeline for one language, with that language's lexicon and spelling vocabulary.
pub struct Analyzer {
    lang: Language,
    stemmer: rust_stemmers::Stemmer,
    lexicon: Lexicon,
    speller: Option<Speller>,
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
    pub fn with_speller<'a>(
        mut self,
        words: impl IntoIterator<Item = (&'a str, u32)>,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut speller = Speller::new(self.lang.min_correctable_len()).with_dictionary(self.lang.dictionary());
        for (word, times) in words {
            speller.add_times(word, &self.stem(word), times);
        }
        for text in texts {
            for word in tokenize(&fold(text), self.lang) {
                let stem = self.stem(&word);
                speller.add(&word, &stem);
            }
        }
        for word in self.lang.stop_words() {
            speller.add(word, word);
        }
        speller.finish();
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

    /// A space typed one letter off ("melanom atreatment"), or one missing or extra ("immunoth erapy"), leaves
    /// words the corpus does not know. Each way of placing that space is weighed by how well its words read
    /// (corpus words best, then real words and near slips), less one edit for moving the space; the typed
    /// words win ties, so "fron the" is read "from the", not "front he".
    fn mend_slipped_spaces(&self, speller: &Speller, words: &mut Vec<String>, corrections: &mut Vec<(String, String)>) {
        let known = |w: &str| speller.knows(w, &self.stem(w));
        let mut i = 0;
        while i + 1 < words.len() {
            let (a, b) = (words[i].as_str(), words[i + 1].as_str());
            // Digits stand apart from letters in the tokens anyway ("PD-L1" is "pd l 1").
            if (known(a) && known(b)) || a.chars().chain(b.chars()).any(char::is_numeric) {
                i += 1;
                continue;
            }
            let points = |w: &str| self.reading_points(speller, w);
            // A typed real word is only given up for pieces as good as it is: "mouth ot" is not "mout hot",
            // nor "cancers jan" "cancer sjan". Otherwise some piece must be a real word, not only slips.
            let floor = [a, b].iter().filter(|w| known(w)).map(|w| points(w).min(CORPUS_FORM)).max();
            let sound = |parts: &[&str]| {
                parts.iter().all(|p| points(p) >= floor.unwrap_or(1))
                    && (parts.len() == 1 || parts.iter().any(|p| points(p) >= REAL_WORD))
            };
            let mut options: Vec<Vec<String>> = vec![vec![format!("{a}{b}")]];
            if a.chars().count() > 1 {
                let cut = a.char_indices().last().map_or(0, |(k, _)| k);
                options.push(vec![a[..cut].to_string(), format!("{}{b}", &a[cut..])]);
            }
            if b.chars().count() > 1 {
                let cut = b.char_indices().nth(1).map_or(b.len(), |(k, _)| k);
                options.push(vec![format!("{a}{}", &b[..cut]), b[cut..].to_string()]);
            }
            let mut best = points(a) + points(b);
            let mut fix: Option<Vec<String>> = None;
            for parts in options {
                let pieces: Vec<&str> = parts.iter().map(String::as_str).collect();
                if !sound(&pieces) || (pieces.len() == 1 && pieces[0].chars().count() < self.lang.min_correctable_len())
                {
                    continue;
                }
                let value = match pieces.as_slice() {
                    // A joined real word stands for both typed words.
                    [joined] if points(joined) >= REAL_WORD => 2 * points(joined),
                    _ => pieces.iter().map(|p| points(p)).sum(),
                };
                if value.saturating_sub(SPACE_MOVE) > best {
                    best = value - SPACE_MOVE;
                    fix = Some(parts);
                }
            }
            match fix {
                Some(parts) => {
                    corrections.push((format!("{a} {b}"), parts.join(" ")));
                    words.splice(i..i + 2, parts);
                }
                None => i += 1,
            }
        }
    }

    /// How well a word reads, for weighing where a slipped space belongs: a corpus word best, then another
    /// form of one, then a real word of the language, then slips of corpus words by how far they are. A lone
    /// letter that is not a word ("car dt" is not "card t") and two-letter dictionary oddities ("xi") count
    /// nothing.
    fn reading_points(&self, speller: &Speller, word: &str) -> u32 {
        let len = word.chars().count();
        if len == 1 {
            return if self.lang.is_stop_word(word) { CORPUS_WORD } else { 0 };
        }
        if speller.uses(word) {
            return CORPUS_WORD;
        }
        // Short pieces are often another form of a corpus word by chance ("ins" for "in").
        if speller.knows_form(&self.stem(word)) {
            return CORPUS_FORM;
        }
        if speller.knows(word, &self.stem(word)) {
            return if len >= 3 { REAL_WORD } else { 0 };
        }
        match speller.correction(word) {
            Some((_, distance)) => (REAL_WORD - 1).saturating_sub(2 * (distance as u32 - 1)),
            None => 0,
        }
    }

    pub fn analyze(&self, text: &str) -> Analysis {
        let folded = fold(text);
        let mut words = tokenize(&folded, self.lang);
        words.truncate(MAX_TOKENS);
        let mut corrections = Vec::new();
        if let Some(speller) = &self.speller {
            self.mend_slipped_spaces(speller, &mut words, &mut corrections);
            for word in words.iter_mut() {
                if !speller.knows(word, &self.stem(word))
                    && let Some(fixed) = speller.correct(word)
                {
                    corrections.push((word.clone(), fixed.to_string()));
                    *word = fixed.to_string();
                }
            }
        }
        let stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();
        let garbled: Vec<bool> = match &self.speller {
            Some(speller) => words.iter().zip(&stems).map(|(w, s)| !speller.knows(w, s)).collect(),
            None => vec![false; words.len()],
        };
        let mut tokens = Vec::with_capacity(stems.len() + 4);
        let mut i = 0;
        while i < stems.len() {
            if let Some((len, concept)) = self.lexicon.longest_match(&stems[i..]) {
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
                        if word.chars().count() >= 3 && !self.lang.is_stop_word(word) {
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
            let stop = self.lang.is_stop_word(&words[i]);
            tokens.push(Token {
                term: stems[i].clone(),
                kind: TermKind::Word,
                scope: Scope::Neutral,
                stop,
                position: i,
                garbled: garbled[i],
            });
            i += 1;
        }
        Analysis { folded, tokens, corrections, words }
    }
}
