//! The first stage of building the index: reading every phrasing and answer into rows of term ids. Runs of
//! entries are read on every core, each by a reader of its own, then joined; the term ids come out exactly as
//! one reader going through every entry in order would have numbered them, so the index is the same on any
//! machine.

use super::{PackedIds, Rows, Unit, UnitKind, sequence, unit_terms};
use crate::corpus::LanguageCorpus;
use crate::parallel;
use crate::text::{Analyzer, BulkReader, Reading, TermId};
use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

/// Everything the index is built from, in the term ids of `terms`.
pub(super) struct Gathered {
    pub terms: HashMap<String, TermId>,
    pub units: Vec<Unit>,
    /// Per unit: (term, kind factor), sorted by term.
    pub unit_rows: Rows,
    /// Per entry: (term, share of the entry's phrasings that use it), sorted by term.
    pub entry_rows: Rows,
    pub sequences: PackedIds,
    pub answer_terms: PackedIds,
    /// Per entry: its first unit, then one past the last unit.
    pub entry_units: Vec<u32>,
    pub words: Vec<(String, u32)>,
    pub pairs: HashMap<u64, u32>,
}

/// Every entry read, in runs that each still number terms their own way: what `join` makes one.
pub struct Read(Vec<Run>);

/// Reads every entry of `part`, in `runs` runs read side by side. The entries' texts are not needed after this.
pub(super) fn read(part: &LanguageCorpus, analyzer: &Analyzer, runs: usize) -> Read {
    Read(parallel::map(parallel::runs(part.entries.len(), runs), |run| read_run(part, analyzer, run)))
}

/// The runs joined, in the term ids one reader going through every entry in order would have given.
pub(super) fn join(Read(mut read): Read) -> Gathered {
    let mut first = read.remove(0);
    // Later runs' own term ids, renumbered in run order: a term new to the runs before gets the next id, as
    // it would have when a single reader met it there.
    let remaps: Vec<Vec<TermId>> = read.iter().map(|run| run.renumber(&mut first.terms)).collect();
    let read = parallel::map(read.into_iter().zip(&remaps).collect(), |(mut run, remap)| {
        run.remap(remap);
        run
    });
    let mut words: HashMap<String, u32> = HashMap::default();
    let mut pairs = std::mem::take(&mut first.pairs);
    let mut gathered = Gathered {
        terms: first.terms,
        units: first.units,
        unit_rows: first.unit_rows,
        entry_rows: first.entry_rows,
        sequences: first.sequences,
        answer_terms: first.answer_terms,
        entry_units: first.entry_units,
        words: Vec::new(),
        pairs: HashMap::default(),
    };
    for (word, count) in first.words {
        *words.entry(word).or_default() += count;
    }
    // Room for every run at once: growing by doubling while appending would hold up to twice the rows at the
    // peak, and the peak is what a reload of a large FAQ needs beside the engine it replaces.
    let total = |size: fn(&Run) -> usize| read.iter().map(size).sum::<usize>();
    gathered.units.reserve_exact(total(|r| r.units.len()));
    gathered.entry_units.reserve_exact(total(|r| r.entry_units.len()) + 1);
    gathered.unit_rows.reserve(total(|r| r.unit_rows.items.len()), total(|r| r.units.len()));
    gathered.entry_rows.reserve(total(|r| r.entry_rows.items.len()), total(|r| r.entry_units.len()));
    gathered.sequences.reserve(total(|r| r.sequences.bytes.len()), total(|r| r.units.len()));
    gathered.answer_terms.reserve(total(|r| r.answer_terms.bytes.len()), total(|r| r.entry_units.len()));
    for run in read {
        let offset = gathered.units.len() as u32;
        gathered.entry_units.extend(run.entry_units.iter().map(|u| u + offset));
        gathered.units.extend(run.units);
        gathered.unit_rows.append(run.unit_rows);
        gathered.entry_rows.append(run.entry_rows);
        gathered.sequences.append(run.sequences);
        gathered.answer_terms.append(run.answer_terms);
        for (word, count) in run.words {
            *words.entry(word).or_default() += count;
        }
        for (pair, count) in run.pairs {
            *pairs.entry(pair).or_default() += count;
        }
    }
    gathered.entry_units.push(gathered.units.len() as u32);
    gathered.words = words.into_iter().collect();
    gathered.pairs = pairs;
    gathered
}

/// One run of entries as one reader read it, in that reader's term ids.
struct Run {
    terms: HashMap<String, TermId>,
    units: Vec<Unit>,
    unit_rows: Rows,
    entry_rows: Rows,
    sequences: PackedIds,
    answer_terms: PackedIds,
    /// Per entry: its first unit, counted from the run's first.
    entry_units: Vec<u32>,
    words: Vec<(String, u32)>,
    pairs: HashMap<u64, u32>,
}

fn read_run(part: &LanguageCorpus, analyzer: &Analyzer, entries: Range<usize>) -> Run {
    let mut reader = BulkReader::new(analyzer);
    let mut reading = Reading::default();
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_rows = Rows::default();
    let mut entry_rows = Rows::default();
    let mut sequences = PackedIds::default();
    let mut entry_units: Vec<u32> = Vec::with_capacity(entries.len());
    let mut answer_terms = PackedIds::default();
    let mut answer: Vec<TermId> = Vec::new();
    let mut seen_in_entry: Vec<TermId> = Vec::new();
    let mut weighted: Vec<(TermId, f32)> = Vec::new();
    for e in entries {
        let entry = &part.entries[e];
        let first_unit = units.len();
        entry_units.push(first_unit as u32);
        seen_in_entry.clear();
        let mut ordinal = 0;
        let mut add_unit = |kind, reading: &Reading| {
            ordinal += 1;
            unit_terms(reading, &mut weighted);
            if weighted.is_empty() {
                return;
            }
            weighted.sort_unstable_by_key(|&(t, _)| t);
            unit_rows.push(weighted.iter().copied());
            let words = sequence(reading).count() as u8;
            units.push(Unit { entry: e as u32, kind, ordinal: ordinal as u16 - 1, norm: 0.0, words });
            sequences.push(sequence(reading));
            seen_in_entry.extend(weighted.iter().map(|(t, _)| *t));
        };
        reader.read(&entry.question, &mut reading);
        add_unit(UnitKind::Question, &reading);
        reader.read_phrasings(&entry.alternates, &mut reading, |r| add_unit(UnitKind::Alternate, r));
        reader.read_phrasings(&entry.keywords, &mut reading, |r| add_unit(UnitKind::Keyword, r));
        seen_in_entry.sort_unstable();
        let unit_count = (units.len() - first_unit).max(1) as f32;
        entry_rows.push(seen_in_entry.chunk_by(|a, b| a == b).map(|run| (run[0], run.len() as f32 / unit_count)));
        reader.read(&entry.answer.text(), &mut reading);
        answer.clear();
        answer.extend(reading.content().map(|t| t.term));
        push_answer(&mut answer_terms, &mut answer);
    }
    let words = reader.word_counts().map(|(w, c)| (w.to_string(), c)).collect();
    let pairs = reader.pair_counts();
    Run { terms: reader.terms, units, unit_rows, entry_rows, sequences, answer_terms, entry_units, words, pairs }
}

/// Adds an answer's terms, sorted and each once, as the gaps between them (see `super::answers`).
fn push_answer(answer_terms: &mut PackedIds, terms: &mut Vec<TermId>) {
    terms.sort_unstable();
    terms.dedup();
    answer_terms.push(terms.iter().scan(0, |last, &t| Some(t - std::mem::replace(last, t))));
}

impl Run {
    /// This run's term ids in `terms`' numbering, adding the terms it does not have yet in this run's order.
    fn renumber(&self, terms: &mut HashMap<String, TermId>) -> Vec<TermId> {
        let mut names = vec![""; self.terms.len()];
        for (name, &id) in &self.terms {
            names[id as usize] = name;
        }
        names
            .into_iter()
            .map(|name| match terms.get(name) {
                Some(&id) => id,
                None => {
                    let id = terms.len() as TermId;
                    terms.insert(name.to_string(), id);
                    id
                }
            })
            .collect()
    }

    /// Rewrites every term id through `remap`, keeping rows and answers sorted by term.
    fn remap(&mut self, remap: &[TermId]) {
        for rows in [&mut self.unit_rows, &mut self.entry_rows] {
            rows.items.iter_mut().for_each(|(t, _)| *t = remap[*t as usize]);
            for slot in 0..rows.slots() {
                rows.row_mut(slot).sort_unstable_by_key(|&(t, _)| t);
            }
        }
        let mut sequences = PackedIds::default();
        for u in 0..self.units.len() {
            sequences.push(self.sequences.list(u).map(|t| remap[t as usize]));
        }
        self.sequences = sequences;
        let mut answer_terms = PackedIds::default();
        let mut answer = Vec::new();
        for e in 0..self.entry_units.len() {
            answer.clear();
            answer.extend(super::answers(&self.answer_terms, e).map(|t| remap[t as usize]));
            push_answer(&mut answer_terms, &mut answer);
        }
        self.answer_terms = answer_terms;
    }
}
