//! The corpus as a saved engine holds it: what entries share (the file they come from, their sources, the
//! blocks their answers are packed in) is written once and named by number, so it is shared again when read.

use super::answer::{Answer, Form};
use super::{Concept, Corpus, Date, Entry, Group, LanguageCorpus, Origin, Phrasings, Scope, Source, Warnings};
use crate::text::Language;
use rustc_hash::FxHashMap as HashMap;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_bytes::{ByteBuf, Bytes};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Serialize, Deserialize)]
struct SavedPart {
    lang: Language,
    groups: Vec<Group>,
    #[serde(deserialize_with = "crate::exact::vec")]
    entries: Vec<SavedEntry>,
    lexicon: Vec<SavedConcept>,
    warnings: Warnings,
    #[serde(deserialize_with = "crate::exact::vec")]
    by_id: Vec<u32>,
}

#[derive(Serialize, Deserialize)]
struct SavedEntry {
    id: Box<str>,
    question: Box<str>,
    alternates: Phrasings,
    keywords: Phrasings,
    answer: SavedAnswer,
    /// Numbers in the sources' list.
    sources: Box<[u32]>,
    related: Box<[Box<str>]>,
    reviewed: (u16, u8, u8),
    origin: SavedOrigin,
}

#[derive(Serialize, Deserialize)]
enum SavedAnswer {
    Plain(Box<str>),
    /// `block` is a number in the blocks' list.
    Packed {
        block: u32,
        start: u32,
        len: u32,
    },
}

#[derive(Serialize, Deserialize)]
struct SavedConcept {
    id: String,
    terms: Vec<String>,
    broader: Vec<String>,
    scope: Scope,
    origin: SavedOrigin,
}

/// `file` is a number in the files' list.
#[derive(Serialize, Deserialize)]
struct SavedOrigin {
    file: u32,
    line: usize,
}

/// Numbers for shared things, in the order they are first met; the same thing (the same allocation) gets the
/// same number.
struct Numbering<T: ?Sized> {
    items: Vec<Arc<T>>,
    numbers: HashMap<*const (), u32>,
}

impl<T: ?Sized> Numbering<T> {
    fn new() -> Self {
        Numbering { items: Vec::new(), numbers: HashMap::default() }
    }

    fn number(&mut self, item: &Arc<T>) -> u32 {
        let next = self.items.len() as u32;
        *self.numbers.entry(Arc::as_ptr(item) as *const ()).or_insert_with(|| {
            self.items.push(item.clone());
            next
        })
    }
}

/// The numberings of everything entries and concepts share.
struct Shared {
    files: Numbering<Path>,
    sources: Numbering<Source>,
    blocks: Numbering<[u8]>,
}

impl Shared {
    fn origin(&mut self, origin: &Origin) -> SavedOrigin {
        SavedOrigin { file: self.files.number(&origin.file), line: origin.line }
    }

    fn entry(&mut self, e: &Entry) -> SavedEntry {
        let answer = match &e.answer.0 {
            Form::Plain(text) => SavedAnswer::Plain(text.clone()),
            Form::Packed { block, start, len } => {
                SavedAnswer::Packed { block: self.blocks.number(block), start: *start, len: *len }
            }
        };
        SavedEntry {
            id: e.id.clone(),
            question: e.question.clone(),
            alternates: e.alternates.clone(),
            keywords: e.keywords.clone(),
            answer,
            sources: e.sources.iter().map(|s| self.sources.number(s)).collect(),
            related: e.related.clone(),
            reviewed: (e.reviewed.year, e.reviewed.month, e.reviewed.day),
            origin: self.origin(&e.origin),
        }
    }

    fn concept(&mut self, c: &Concept) -> SavedConcept {
        SavedConcept {
            id: c.id.clone(),
            terms: c.terms.clone(),
            broader: c.broader.clone(),
            scope: c.scope,
            origin: self.origin(&c.origin),
        }
    }
}

/// The shared lists first, so that reading the entries finds them.
impl Serialize for Corpus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut shared = Shared { files: Numbering::new(), sources: Numbering::new(), blocks: Numbering::new() };
        let parts: Vec<SavedPart> = self
            .parts
            .iter()
            .map(|p| SavedPart {
                lang: p.lang,
                groups: p.groups.clone(),
                entries: p.entries.iter().map(|e| shared.entry(e)).collect(),
                lexicon: p.lexicon.iter().map(|c| shared.concept(c)).collect(),
                warnings: p.warnings.clone(),
                by_id: p.by_id.clone(),
            })
            .collect();
        let files: Vec<&Path> = shared.files.items.iter().map(|f| &**f).collect();
        let sources: Vec<&Source> = shared.sources.items.iter().map(|s| &**s).collect();
        let blocks: Vec<&Bytes> = shared.blocks.items.iter().map(|b| Bytes::new(b)).collect();
        (files, sources, blocks, parts).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Corpus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        type Lists = (Vec<PathBuf>, Vec<Source>, Vec<ByteBuf>, Vec<SavedPart>);
        let (files, sources, blocks, parts): Lists = Deserialize::deserialize(d)?;
        let files: Vec<Arc<Path>> = files.into_iter().map(Arc::from).collect();
        let sources: Vec<Arc<Source>> = sources.into_iter().map(Arc::new).collect();
        let blocks: Vec<Arc<[u8]>> = blocks.into_iter().map(|b| Arc::from(b.into_vec())).collect();
        let get = |list: &str, n: u32, len: usize| {
            if (n as usize) < len { Ok(n as usize) } else { Err(D::Error::custom(format!("no {list} {n}"))) }
        };
        let origin = |o: SavedOrigin| -> Result<Origin, D::Error> {
            Ok(Origin { file: files[get("file", o.file, files.len())?].clone(), line: o.line })
        };
        let entry = |e: SavedEntry| -> Result<Entry, D::Error> {
            let answer = match e.answer {
                SavedAnswer::Plain(text) => Form::Plain(text),
                SavedAnswer::Packed { block, start, len } => {
                    Form::Packed { block: blocks[get("block", block, blocks.len())?].clone(), start, len }
                }
            };
            let sources = e.sources.iter().map(|&n| Ok(sources[get("source", n, sources.len())?].clone()));
            let (year, month, day) = e.reviewed;
            Ok(Entry {
                id: e.id,
                question: e.question,
                alternates: e.alternates,
                keywords: e.keywords,
                answer: Answer(answer),
                sources: sources.collect::<Result<_, D::Error>>()?,
                related: e.related,
                reviewed: Date { year, month, day },
                origin: origin(e.origin)?,
            })
        };
        let concept = |c: SavedConcept| -> Result<Concept, D::Error> {
            Ok(Concept { id: c.id, terms: c.terms, broader: c.broader, scope: c.scope, origin: origin(c.origin)? })
        };
        let parts = parts
            .into_iter()
            .map(|p| {
                Ok(LanguageCorpus {
                    lang: p.lang,
                    groups: p.groups,
                    entries: p.entries.into_iter().map(entry).collect::<Result<_, D::Error>>()?,
                    lexicon: p.lexicon.into_iter().map(concept).collect::<Result<_, D::Error>>()?,
                    warnings: p.warnings,
                    by_id: p.by_id,
                })
            })
            .collect::<Result<_, D::Error>>()?;
        Ok(Corpus { parts })
    }
}
