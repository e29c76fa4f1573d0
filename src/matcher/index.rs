//! The inverted index of one language: every phrasing (question, alternate, keyword) is a unit; each term
//! points to the units that contain it. Scoring a question walks only the posting lists of its own terms.

use super::signals;
use crate::corpus::LanguageCorpus;
use crate::text::{Analysis, Analyzer, TermKind};
use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;

pub type TermId = u32;

/// A unit before weighting: (entry, kind, ordinal, [(term, kind factor)]).
type RawUnit = (u32, UnitKind, u32, Vec<(TermId, f32)>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Question,
    Alternate,
    Keyword,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub entry: u32,
    pub kind: UnitKind,
    /// Which phrasing of the entry: 0 = the question, then alternates, then keywords.
    pub ordinal: u32,
    /// Sum of the squared term weights: the unit's "length" in the cosine.
    pub norm: f32,
}

pub struct Index {
    pub terms: HashMap<String, TermId>,
    /// Inverse document frequency per term, over entries.
    pub idf: Vec<f32>,
    /// Per term: (unit, weight), shortest units first so a capped walk keeps the strongest matches.
    pub postings: Vec<Vec<(u32, f32)>>,
    pub units: Vec<Unit>,
    /// Per entry: its answer's terms (sorted, deduplicated), for the light answer-text signal.
    pub answer_terms: Vec<Vec<TermId>>,
    /// Per term: (entry, weight) in the entry's profile, all its phrasings together: a term that many of an
    /// entry's phrasings use says more about the entry than one that a single alternate happens to use.
    pub entry_postings: Vec<Vec<(u32, f32)>>,
    pub entry_norms: Vec<f32>,
    /// Per unit: its words in order, function words included (as term ids), for the word-order signal.
    pub sequences: Vec<Vec<TermId>>,
    /// Per entry: its units, `entry_units[e]..entry_units[e + 1]`.
    pub entry_units: Vec<u32>,
    pub entry_count: usize,
    /// Every word the corpus uses, with how often: the speller's vocabulary, gathered while indexing.
    pub words: HashMap<String, u32>,
    /// Every pair of neighbouring words (`text::word_pairs` keys), with how often: the speller's context.
    pub pairs: HashMap<u64, u32>,
}

/// A query term with its weight; `id` is `None` for words the corpus never uses.
#[derive(Debug, Clone)]
pub struct QueryTerm {
    pub term: String,
    pub id: Option<TermId>,
    pub weight: f32,
}

impl Index {
    pub fn build(part: &LanguageCorpus, analyzer: &Analyzer) -> Index {
        let mut terms: HashMap<String, TermId> = HashMap::default();
        let intern = |t: &str, terms: &mut HashMap<String, TermId>| -> TermId {
            let next = terms.len() as TermId;
            *terms.entry(t.to_string()).or_insert(next)
        };
        let mut raw_units: Vec<RawUnit> = Vec::new();
        let mut sequences: Vec<Vec<TermId>> = Vec::new();
        let mut words: HashMap<String, u32> = HashMap::default();
        let mut pairs: HashMap<u64, u32> = HashMap::default();
        let mut count_words = |analysis: &Analysis| {
            for w in &analysis.words {
                match words.get_mut(w.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        words.insert(w.clone(), 1);
                    }
                }
            }
            for key in crate::text::word_pairs(&analysis.stems) {
                *pairs.entry(key).or_default() += 1;
            }
        };
        let mut entry_units: Vec<u32> = Vec::with_capacity(part.entries.len() + 1);
        let mut answer_terms = Vec::with_capacity(part.entries.len());
        let mut entry_df: HashMap<TermId, u32> = HashMap::default();
        // (entry, term, share of the entry's phrasings that use it)
        let mut profiles: Vec<(u32, TermId, f32)> = Vec::new();
        for (e, entry) in part.entries.iter().enumerate() {
            let first_unit = raw_units.len();
            entry_units.push(first_unit as u32);
            let mut seen_in_entry: Vec<TermId> = Vec::new();
            let phrasings = std::iter::once((UnitKind::Question, &entry.question))
                .chain(entry.alternates.iter().map(|a| (UnitKind::Alternate, a)))
                .chain(entry.keywords.iter().map(|k| (UnitKind::Keyword, k)));
            for (ordinal, (kind, text)) in phrasings.enumerate() {
                let analysis = analyzer.analyze(text);
                count_words(&analysis);
                let weighted = unit_terms(&analysis, |t| intern(t, &mut terms));
                if weighted.is_empty() {
                    continue;
                }
                sequences.push(sequence(&analysis).map(|t| intern(t, &mut terms)).collect());
                seen_in_entry.extend(weighted.iter().map(|(t, _)| *t));
                raw_units.push((e as u32, kind, ordinal as u32, weighted));
            }
            seen_in_entry.sort_unstable();
            let unit_count = (raw_units.len() - first_unit).max(1) as f32;
            let mut k = 0;
            while k < seen_in_entry.len() {
                let t = seen_in_entry[k];
                let uses = seen_in_entry[k..].iter().take_while(|x| **x == t).count();
                profiles.push((e as u32, t, uses as f32 / unit_count));
                k += uses;
            }
            seen_in_entry.dedup();
            for t in &seen_in_entry {
                *entry_df.entry(*t).or_default() += 1;
            }
            let answer_analysis = analyzer.analyze(&entry.answer);
            count_words(&answer_analysis);
            let mut answer: Vec<TermId> =
                unit_terms(&answer_analysis, |t| intern(t, &mut terms)).into_iter().map(|(t, _)| t).collect();
            answer.sort_unstable();
            answer.dedup();
            answer_terms.push(answer);
        }
        entry_units.push(raw_units.len() as u32);
        let n = part.entries.len();
        let mut idf = vec![signals::idf(0, n); terms.len()];
        for (t, df) in &entry_df {
            idf[*t as usize] = signals::idf(*df as usize, n);
        }
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms.len()];
        let mut units = Vec::with_capacity(raw_units.len());
        for (u, (entry, kind, ordinal, weighted)) in raw_units.into_iter().enumerate() {
            let mut norm = 0.0;
            for (t, factor) in &weighted {
                let w = idf[*t as usize] * factor;
                norm += w * w;
                postings[*t as usize].push((u as u32, w));
            }
            units.push(Unit { entry, kind, ordinal, norm });
        }
        for list in &mut postings {
            list.sort_by(|a, b| units[a.0 as usize].norm.total_cmp(&units[b.0 as usize].norm));
        }
        let mut entry_postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms.len()];
        let mut entry_norms = vec![0.0f32; n];
        for (e, t, share) in profiles {
            let w = idf[t as usize] * signals::profile_weight(share);
            entry_norms[e as usize] += w * w;
            entry_postings[t as usize].push((e, w));
        }
        for list in &mut entry_postings {
            list.sort_by(|a, b| entry_norms[a.0 as usize].total_cmp(&entry_norms[b.0 as usize]));
        }
        Index {
            terms,
            idf,
            postings,
            units,
            answer_terms,
            entry_postings,
            entry_norms,
            sequences,
            entry_units,
            entry_count: n,
            words,
            pairs,
        }
    }

    /// The question's content terms with their weights: broader concepts count half, unknown words count as
    /// the rarest words (so that what the corpus cannot explain lowers the confidence).
    pub fn query_terms(&self, analysis: &Analysis) -> Vec<QueryTerm> {
        let mut out: Vec<QueryTerm> = Vec::new();
        for token in analysis.content() {
            let factor = term_factor(token.kind);
            let id = self.terms.get(&token.term).copied();
            let idf = match id {
                Some(t) => self.idf[t as usize],
                // A garbled word ("rbowr") or a short unknown one ("hte", "o") is most often a slip: it should not
                // sink the match the way an unknown real word ("boiler") rightly does.
                None if token.garbled || token.term.chars().count() <= signals::SHORT_WORD => {
                    signals::idf(0, self.entry_count) * signals::GARBLED_FACTOR
                }
                None => signals::idf(0, self.entry_count),
            };
            let weight = idf * factor;
            match out.iter_mut().find(|q| q.term == token.term) {
                Some(q) => q.weight = q.weight.max(weight),
                None => out.push(QueryTerm { term: token.term.clone(), id, weight }),
            }
        }
        out
    }

    /// Dot products between the question and every unit that shares a term with it, and every entry profile;
    /// the closure also gets a per-entry slot (best unit similarity, unit) that starts at zero.
    pub fn accumulate<R>(&self, query: &[QueryTerm], f: impl FnOnce(&Dots, &Dots, &mut [(f32, u32)]) -> R) -> R {
        thread_local! {
            static SCRATCH: RefCell<Scratch> = RefCell::new((Dots::default(), Dots::default(), Vec::new()));
        }
        SCRATCH.with(|scratch| {
            let (units, entries, best) = &mut *scratch.borrow_mut();
            units.fill(query, &self.postings, self.units.len());
            entries.fill(query, &self.entry_postings, self.entry_count);
            if best.len() < self.entry_count {
                best.resize(self.entry_count, (0.0, 0));
            }
            let result = f(units, entries, best);
            for &e in &entries.touched {
                best[e as usize] = (0.0, 0);
            }
            units.clear();
            entries.clear();
            result
        })
    }
}

/// Per-thread scoring buffers: unit dots, entry-profile dots, and each entry's best unit.
type Scratch = (Dots, Dots, Vec<(f32, u32)>);

/// A sparse accumulator: dense values, plus the list of slots touched so that clearing costs only those.
#[derive(Default)]
pub struct Dots {
    pub values: Vec<f32>,
    pub touched: Vec<u32>,
}

impl Dots {
    fn fill(&mut self, query: &[QueryTerm], postings: &[Vec<(u32, f32)>], size: usize) {
        if self.values.len() < size {
            self.values.resize(size, 0.0);
        }
        for q in query {
            let Some(t) = q.id else { continue };
            for &(slot, w) in postings[t as usize].iter().take(signals::MAX_POSTINGS_PER_TERM) {
                let value = &mut self.values[slot as usize];
                if *value == 0.0 {
                    self.touched.push(slot);
                }
                *value += q.weight * w;
            }
        }
    }

    fn clear(&mut self) {
        for &slot in &self.touched {
            self.values[slot as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// The words of a text in order, function words included, as the word-order signal compares them.
pub fn sequence(analysis: &Analysis) -> impl Iterator<Item = &str> {
    analysis.tokens.iter().filter(|t| matches!(t.kind, TermKind::Word | TermKind::Concept)).map(|t| t.term.as_str())
}

impl Index {
    /// The question's word sequence in term ids; words the corpus never uses get ids no unit has.
    pub fn query_sequence(&self, analysis: &Analysis) -> Vec<TermId> {
        sequence(analysis)
            .enumerate()
            .map(|(i, t)| self.terms.get(t).copied().unwrap_or(TermId::MAX - i as TermId))
            .collect()
    }

    /// How alike in wording and word order the question is to the entry's closest phrasing, in [0, 1]:
    /// one minus the word-level edit distance (strsim) over the longer length.
    #[allow(clippy::ptr_arg)] // strsim's generic_levenshtein takes `&impl IntoIterator`, which a slice is not.
    pub fn sequence_similarity(&self, entry: usize, query: &Vec<TermId>) -> f32 {
        let (from, to) = (self.entry_units[entry] as usize, self.entry_units[entry + 1] as usize);
        let mut best = 0.0f32;
        for s in &self.sequences[from..to] {
            let longest = s.len().max(query.len()).max(1) as f32;
            // The edit distance is at least the difference in length: skip phrasings that cannot win.
            if 1.0 - s.len().abs_diff(query.len()) as f32 / longest <= best {
                continue;
            }
            best = best.max(1.0 - strsim::generic_levenshtein(query, s) as f32 / longest);
        }
        best
    }
}

fn term_factor(kind: TermKind) -> f32 {
    match kind {
        TermKind::Word | TermKind::Concept => 1.0,
        TermKind::Broader | TermKind::Part => signals::BROADER_FACTOR,
    }
}

/// A phrasing's distinct content terms with their kind factor (the higher one when a term occurs twice).
fn unit_terms(analysis: &Analysis, mut intern: impl FnMut(&str) -> TermId) -> Vec<(TermId, f32)> {
    let mut out: Vec<(TermId, f32)> = Vec::new();
    for token in analysis.content() {
        let id = intern(&token.term);
        let factor = term_factor(token.kind);
        match out.iter_mut().find(|(t, _)| *t == id) {
            Some(existing) => existing.1 = existing.1.max(factor),
            None => out.push((id, factor)),
        }
    }
    out
}
