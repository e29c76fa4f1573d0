//! The FAQ corpus as admins write it: entries, groups, lexicon and warning signs, loaded from `faq/<lang>/*.toml`
//! and validated so that a broken corpus is never served.

mod answer;
mod load;
mod phrasings;
mod problem;
mod saved;
mod toml_read;

pub use answer::{Answer, pack as pack_answers};
pub use load::{Loaded, load};
pub use phrasings::Phrasings;
pub use problem::{Problem, Severity};

/// Ids travel in button data, which Telegram caps at 64 bytes; this leaves room for the prefix.
pub const MAX_ID_LEN: usize = 56;

/// Far more phrasings than any question needs; it lets the index number an entry's phrasings in 16 bits.
pub const MAX_PHRASINGS: usize = 1_000;

use crate::text::Language;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
pub use toml::value::Date;

/// Everything under `faq/`: one part per language.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub parts: Vec<LanguageCorpus>,
}

impl Corpus {
    pub fn entry_count(&self) -> usize {
        self.parts.iter().map(|p| p.entries.len()).sum()
    }

    pub fn part(&self, lang: Language) -> Option<&LanguageCorpus> {
        self.parts.iter().find(|p| p.lang == lang)
    }

    /// Finds an entry by id in any language.
    pub fn find(&self, id: &str) -> Option<(&LanguageCorpus, &Entry)> {
        self.locate(id).map(|(p, i)| (p, &p.entries[i]))
    }

    /// The part that has the entry with this id, and the entry's position in it.
    pub fn locate(&self, id: &str) -> Option<(&LanguageCorpus, usize)> {
        self.parts.iter().find_map(|p| p.entry_index(id).map(|i| (p, i)))
    }
}

/// The entries, lexicon and warning signs of one language (`faq/<lang>/`).
#[derive(Debug, Clone)]
pub struct LanguageCorpus {
    pub lang: Language,
    pub groups: Vec<Group>,
    pub entries: Vec<Entry>,
    pub lexicon: Vec<Concept>,
    pub warnings: Warnings,
    /// The entries' positions sorted by id (then position): every button tap and deep link names an entry by id,
    /// and a scan of a 100,000-entry FAQ for each would cost a millisecond.
    by_id: Vec<u32>,
}

impl LanguageCorpus {
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entry_index(id).map(|i| &self.entries[i])
    }

    /// The position of the entry with this id (the first in file order, should two share it).
    pub fn entry_index(&self, id: &str) -> Option<usize> {
        let k = self.by_id.partition_point(|&i| &*self.entries[i as usize].id < id);
        self.by_id.get(k).map(|&i| i as usize).filter(|&i| &*self.entries[i].id == id)
    }

    /// Sorts the entries' positions by id for `entry_index`, once the entries are all in.
    fn sort_ids(&mut self) {
        self.by_id = (0..self.entries.len() as u32).collect();
        // A stable sort keeps equal ids in file order.
        self.by_id.sort_by(|&a, &b| self.entries[a as usize].id.cmp(&self.entries[b as usize].id));
    }

    pub fn phrasing_count(&self) -> usize {
        self.entries.iter().map(|e| 1 + e.alternates.len()).sum()
    }

    pub fn term_count(&self) -> usize {
        self.lexicon.iter().map(|c| c.terms.len()).sum()
    }
}

/// One entry file: a topic group as the /topics menu shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub title: String,
    pub order: i64,
    /// Indexes into `LanguageCorpus::entries`, in file order.
    pub entries: Vec<usize>,
}

/// A large FAQ holds a hundred thousand of these for as long as it is served: texts and lists that never grow
/// are boxed (no capacity word, no slack) and the review date is four bytes, not a string.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: Box<str>,
    pub question: Box<str>,
    pub alternates: Phrasings,
    pub keywords: Phrasings,
    pub answer: Answer,
    /// Shared: a large FAQ cites the same pages over and over, so each distinct source is held once.
    pub sources: Box<[Arc<Source>]>,
    pub related: Box<[Box<str>]>,
    /// Shown as written in the file (`2026-11-27`); compared as a date.
    pub reviewed: Date,
    pub origin: Origin,
}

impl Entry {
    /// Phrasing `k` as the index numbers them: 0 is the question, then the alternates, then the keywords.
    pub fn phrasing(&self, k: usize) -> Option<Cow<'_, str>> {
        match k.checked_sub(1) {
            None => Some(Cow::Borrowed(&self.question)),
            Some(a) if a < self.alternates.len() => self.alternates.get(a),
            Some(a) => self.keywords.get(a - self.alternates.len()),
        }
    }

    /// Copies the entry's texts into fresh blocks. They were allocated while the files were parsed, between
    /// the parser's blocks and the phrasings' texts, which are all gone once the index is built: left where
    /// they are, they pin down pages that are mostly empty (at 100,000 entries the process stayed some 150 MB
    /// above its live heap). Copied after the build, they fill whole pages of their own and their old pages can
    /// be given back. (The answer is not copied here: an engine packs the answers in blocks of their own,
    /// `pack_answers`.)
    pub fn repack(&mut self) {
        self.id = Box::from(&*self.id);
        self.question = Box::from(&*self.question);
        self.related = self.related.iter().map(|r| Box::from(&**r)).collect();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// Where a thing was written, for error messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Shared by everything read from the file.
    pub file: Arc<Path>,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Scope {
    /// Only meaningful for cancer immunotherapy: its presence keeps a question in scope.
    In,
    /// Marks a question as off-topic when nothing in scope is present (chemotherapy alone, allergy shots).
    Out,
    #[default]
    Neutral,
}

/// A lexicon concept: surface forms that mean the same thing ("keytruda", "pembrolizumab").
#[derive(Debug, Clone)]
pub struct Concept {
    pub id: String,
    pub terms: Vec<String>,
    pub broader: Vec<String>,
    pub scope: Scope,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Warnings {
    pub urgent_message: String,
    pub signs: Vec<Sign>,
}

/// A red-flag symptom: any of its phrases in a message makes the reply urgent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sign {
    pub id: String,
    pub label: String,
    pub phrases: Vec<String>,
    /// With `qualifiers`: the sign also fires on any symptom together with any qualifier ("vomiting" and "since
    /// yesterday"), as if each pair were a phrase.
    pub symptoms: Vec<String>,
    pub qualifiers: Vec<String>,
    /// What to say instead of the urgent message, for a sign that is not a side effect (thoughts of suicide).
    pub message: Option<String>,
}

impl Sign {
    /// Every phrase the sign fires on: its own, then each symptom with each qualifier.
    pub fn all_phrases(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        let pairs = self.symptoms.iter().flat_map(|s| self.qualifiers.iter().map(move |q| format!("{s} {q}").into()));
        self.phrases.iter().map(|p| p.as_str().into()).chain(pairs)
    }
}
