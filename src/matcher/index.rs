//! The inverted index of one language: every phrasing (question, alternate, keyword) is a unit; each term
//! points to the units that contain it. Scoring a question walks only the posting lists of its own terms.

mod gather;
mod wordings;

use super::signals;
use crate::corpus::LanguageCorpus;
use crate::packed;
use crate::parallel;
use crate::text::{Analysis, Analyzer, Reading, TermId, TermKind};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::ops::ControlFlow;
use wordings::Wordings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKind {
    Question,
    Alternate,
    Keyword,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub entry: u32,
    pub kind: UnitKind,
    /// Which phrasing of the entry: 0 = the question, then alternates, then keywords.
    pub ordinal: u16,
    /// Sum of the squared term weights: the unit's "length" in the cosine.
    pub norm: f32,
    /// How many words its word sequence has (at most `MAX_TOKENS`): the word-order signal's first bound.
    words: u8,
}

// The word count fits in the padding after the kind and ordinal: millions of units, no byte more each.
const _: () = assert!(std::mem::size_of::<Unit>() == 12 && crate::text::MAX_TOKENS <= u8::MAX as usize);

/// Compared in tests: the index must not depend on how many threads built it.
#[derive(PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub terms: HashMap<String, TermId>,
    /// Inverse document frequency per term, over entries.
    #[serde(deserialize_with = "crate::exact::vec")]
    pub idf: Vec<f32>,
    /// Per term: the units that use it, shortest first so a capped walk keeps the strongest matches. Only the
    /// first `MAX_POSTINGS_PER_TERM` are kept: no walk goes further.
    postings: Postings<UnitPosting>,
    #[serde(deserialize_with = "crate::exact::vec")]
    pub units: Vec<Unit>,
    /// Per entry: its answer's terms (sorted, deduplicated), for the light answer-text signal, stored as the
    /// gaps between them: small numbers pack into fewer bytes.
    answer_terms: PackedIds,
    /// Per term: (entry, weight) in the entry's profile, all its phrasings together: a term that many of an
    /// entry's phrasings use says more about the entry than one that a single alternate happens to use.
    entry_postings: Postings<(u32, f32)>,
    #[serde(deserialize_with = "crate::exact::vec")]
    pub entry_norms: Vec<f32>,
    /// Per unit: its words in order, function words included, for the word-order signal (kept per entry).
    wordings: Wordings,
    /// Per entry: its units, `entry_units[e]..entry_units[e + 1]`.
    #[serde(deserialize_with = "crate::exact::vec")]
    pub entry_units: Vec<u32>,
    pub entry_count: usize,
    /// Every word the corpus uses, with how often: the speller's vocabulary, gathered while indexing.
    pub words: Vec<(String, u32)>,
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
    /// The first half of building the index: every phrasing and answer read. Nothing later reads the entries'
    /// texts, so a caller may let them go before `from_read` builds the rest.
    pub fn read(part: &LanguageCorpus, analyzer: &Analyzer) -> gather::Read {
        gather::read(part, analyzer, parallel::threads())
    }

    /// The index, reading the entries in `runs` runs side by side: it is the same for any number.
    #[cfg(test)]
    fn build_in(part: &LanguageCorpus, analyzer: &Analyzer, runs: usize) -> Index {
        Index::from_read(gather::read(part, analyzer, runs))
    }

    /// The second half of building the index: the runs joined, weighed and inverted.
    pub fn from_read(read: gather::Read) -> Index {
        let gather::Gathered {
            mut terms,
            mut units,
            unit_rows,
            entry_rows,
            sequences,
            mut answer_terms,
            entry_units,
            words,
            pairs,
        } = gather::join(read);
        let n = entry_units.len() - 1;
        // An entry lists each of its terms once, so a term's count in the entry rows is its entry frequency.
        let idf: Vec<f32> = entry_rows.term_counts(terms.len()).into_iter().map(|df| signals::idf(df, n)).collect();
        let unit_weight = |t: TermId, factor: f32| UnitPosting::weights(idf[t as usize])[UnitPosting::part(factor)];
        let norms = unit_rows.norms(unit_weight);
        for (unit, norm) in units.iter_mut().zip(norms) {
            unit.norm = norm;
        }
        let cap = signals::MAX_POSTINGS_PER_TERM;
        let postings = Postings::invert(&unit_rows, terms.len(), cap, |u| units[u as usize].norm, UnitPosting::new);
        drop(unit_rows);
        let entry_weight = |t: TermId, share: f32| idf[t as usize] * signals::profile_weight(share);
        let entry_norms = entry_rows.norms(entry_weight);
        let entry_postings = Postings::invert(
            &entry_rows,
            terms.len(),
            cap,
            |e| entry_norms[e as usize],
            |e, t, share| (e, entry_weight(t, share)),
        );
        drop(entry_rows);
        let wordings = parallel::map(parallel::runs(n, parallel::threads()), |run| {
            Wordings::from_units(&sequences, &entry_units[run.start..=run.end])
        })
        .into_iter()
        .reduce(|mut all, run| {
            all.append(run);
            all
        })
        .expect("at least one run");
        drop(sequences);
        // Lexicon stems no phrasing or answer uses were interned along the way; the question side must still
        // see them as words the corpus does not know.
        let mut used = vec![false; terms.len()];
        for t in (0..n).flat_map(|e| answers(&answer_terms, e)).chain(wordings.all()) {
            used[t as usize] = true;
        }
        for (t, used) in used.iter_mut().enumerate() {
            *used |= !postings.list(t as TermId).is_empty();
        }
        terms.retain(|_, t| used[*t as usize]);
        terms.shrink_to_fit();
        answer_terms.bytes.shrink_to_fit();
        answer_terms.starts.shrink_to_fit();
        units.shrink_to_fit();
        Index {
            terms,
            idf,
            postings,
            units,
            answer_terms,
            entry_postings,
            entry_norms,
            wordings,
            entry_units,
            entry_count: n,
            words,
            pairs,
        }
    }

    /// Which of the wanted terms (sorted by id, each with its place in `uses`) the entry's answer uses: one pass
    /// over the answer's sorted terms (a plain loop: this runs for every leader of every question).
    pub fn answer_uses(&self, entry: usize, wanted: &[(TermId, usize)], uses: &mut [bool]) {
        uses.fill(false);
        let Some(mut wanted) = Wanted::new(wanted) else { return };
        let mut term = 0;
        packed::for_each(self.answer_terms.bytes(entry), |gap| {
            term += gap;
            if let Some(&k) = wanted.meet(term)? {
                uses[k] = true;
            }
            ControlFlow::Continue(())
        });
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

    /// Dot products between the question and every unit that shares a term with it, and every entry profile,
    /// and per entry its best unit by `unit_score` (from the unit's dot product). The closure gets them as a
    /// `Reached` (the units' dot products already read and gone, which units were reached still listed) and
    /// takes the entries with `Reached::drain_entries`; every slot is back at zero for the next question.
    pub fn accumulate<R>(
        &self,
        query: &[QueryTerm],
        unit_score: impl Fn(f32, &Unit) -> f32,
        f: impl FnOnce(&mut Reached) -> R,
    ) -> R {
        thread_local! {
            static SCRATCH: RefCell<Reached> = RefCell::new(Reached::default());
        }
        SCRATCH.with(|scratch| {
            let reached = &mut *scratch.borrow_mut();
            // A question that panicked midway (a bug) left its slots set: start this thread's buffers afresh
            // rather than let them leak into every later question on the thread.
            if reached.busy {
                *reached = Reached::default();
            }
            reached.busy = true;
            let Reached { units, entries, best, .. } = reached;
            let query_norm: f32 = query.iter().map(|q| q.weight * q.weight).sum();
            units.fill(query, query_norm, &self.postings, &self.idf, self.units.len(), |u| self.units[u as usize].norm);
            entries.fill(query, query_norm, &self.entry_postings, &self.idf, self.entry_count, |e| {
                self.entry_norms[e as usize]
            });
            if best.len() < self.entry_count {
                best.resize(self.entry_count, (0.0, 0));
            }
            let touched = &units.touched[..units.count];
            best_units(touched, &mut units.values, &self.units, &mut best[..self.entry_count], entries, unit_score);
            let result = f(reached);
            let Reached { units, entries, best, busy } = reached;
            // Nothing is left here after a drain; a closure that did not drain leaves the entries to this.
            for &e in entries.touched() {
                best[e as usize] = (0.0, 0);
            }
            units.count = 0;
            entries.clear();
            *busy = false;
            result
        })
    }
}

/// Per entry, its best unit in `best_of` by `unit_score`, over the units the walks reached (`touched`, their dot
/// products in `dots`); an entry the profile walks did not reach joins `entries` on its first unit. A function of
/// its own: inside `accumulate`'s closure, the loop read its slices' pointers and bounds back from the stack for
/// every unit.
#[inline(never)]
fn best_units(
    touched: &[u32],
    dots: &mut [f32],
    all_units: &[Unit],
    best_of: &mut [(f32, u32)],
    entries: &mut Dots,
    unit_score: impl Fn(f32, &Unit) -> f32,
) {
    // Cut to the units' and the entries' lengths: one bounds check serves each pair of look-ups.
    let dots = &mut dots[..all_units.len()];
    let Dots { values, touched: listed, count } = entries;
    let profiles = &values[..best_of.len()];
    for &u in touched {
        let unit = &all_units[u as usize];
        // Each unit is listed once: its slot goes back to zero as it is read, not in a pass of its own.
        let score = unit_score(std::mem::take(&mut dots[u as usize]), unit);
        let slot = &mut best_of[unit.entry as usize];
        if score > slot.0 {
            // An entry's first unit (scores are positive) is where to see that its profile walk stopped before it
            // (an entry's norm is larger than a unit's). Both zeros can only be +0.0: integer tests, which are
            // cheaper than float ones.
            if slot.0.to_bits() == 0 && profiles[unit.entry as usize].to_bits() == 0 {
                Dots::include(listed, count, unit.entry);
            }
            *slot = (score, u);
        }
    }
}

/// What one question's posting walks reached, in per-thread buffers that are reused.
#[derive(Default)]
pub struct Reached {
    /// Which units were reached (their dot products are read, and set back to zero, before the closure runs).
    pub units: Dots,
    /// Every entry reached, by its profile or by a unit: an entry a unit reached but the profile walks did not
    /// (its profile share was negligible) is listed with a profile of zero, a candidate on its phrasings alone.
    pub entries: Dots,
    /// Per entry: (best unit score, that unit); zero where no unit was reached.
    pub best: Vec<(f32, u32)>,
    /// Set while a question uses the buffers.
    busy: bool,
}

/// One entry a question reached, as `Reached::drain_entries` hands it over.
pub struct Reach {
    pub entry: u32,
    /// Its best unit's score, and that unit; zero where no unit was reached.
    pub best: (f32, u32),
    /// Its profile's dot product with the question, and its profile's norm.
    pub dot: f32,
    pub norm: f32,
}

impl Reached {
    /// Every entry reached, in the order first reached, with its profile's norm from `norms` (per entry). Each
    /// entry's slots go back to zero as it is handed over: the walk that reads them is the one that clears them.
    pub fn drain_entries(&mut self, norms: &[f32], mut visit: impl FnMut(Reach)) {
        let Reached { entries, best, .. } = self;
        // Three slices of one length: one bounds check serves the three look-ups.
        let n = norms.len();
        let (values, best, norms) = (&mut entries.values[..n], &mut best[..n], &norms[..n]);
        for &entry in &entries.touched[..entries.count] {
            let e = entry as usize;
            let (best, dot) = (std::mem::take(&mut best[e]), std::mem::take(&mut values[e]));
            visit(Reach { entry, best, dot, norm: norms[e] });
        }
        entries.count = 0;
    }
}

/// How often a posting walk checks whether it may stop: a norm look-up is a cache miss worth saving.
const CHECK_EVERY: usize = 8;

/// A sparse accumulator: dense values, plus the list of slots touched so that clearing costs only those.
#[derive(Default)]
pub struct Dots {
    pub values: Vec<f32>,
    /// The touched slots are `touched[..count]`. A walk writes every slot it reaches at `count` and advances
    /// `count` only for a new one: no branch, no capacity check per posting.
    touched: Vec<u32>,
    count: usize,
}

impl Dots {
    /// Adds up the question's dot product with every slot its terms' posting lists reach. A list is sorted by
    /// the slots' norms, smallest first, and a term adds at most `weight · idf / √(query norm · slot norm)` to a
    /// slot's similarity: once that falls below `signals::NEGLIGIBLE`, the rest of the list cannot matter, so
    /// the walk stops there. Common words (low idf) stop almost at once; rare ones are walked in full.
    fn fill(
        &mut self,
        query: &[QueryTerm],
        query_norm: f32,
        postings: &Postings<impl Posting>,
        idf: &[f32],
        size: usize,
        norm: impl Fn(u32) -> f32,
    ) {
        if self.values.len() < size {
            self.values.resize(size, 0.0);
        }
        let mut count = self.count;
        for q in query {
            let Some(t) = q.id else { continue };
            let list = postings.list(t);
            // Room for every slot this list may add, and for a stride's window after the last: one check per
            // list, not per posting, and the list only grows as far as walks have needed.
            if self.touched.len() < count + list.len() + CHECK_EVERY {
                self.touched.resize(count + list.len() + CHECK_EVERY, 0);
            }
            let (values, touched) = (&mut self.values[..], &mut self.touched[..]);
            // Beyond this slot norm the term's share of a similarity is negligible.
            let reach = q.weight * idf[t as usize] / (query_norm.sqrt() * signals::NEGLIGIBLE);
            let reach = reach * reach;
            let scaled = UnitPosting::weights(idf[t as usize]).map(|w| q.weight * w);
            let mut add = |stride: &[_]| {
                // A window of a stride's length for its new slots: the compiler sees that the `new`th write (after
                // fewer postings than a stride) is inside it, so one bounds check serves the whole stride.
                let room = &mut touched[count..][..CHECK_EVERY];
                let mut new = 0;
                for &posting in stride {
                    let (slot, added) = Posting::added(posting, q.weight, &scaled);
                    let value = &mut values[slot as usize];
                    // A slot is new while its value is zero, and only +0.0: weights are positive. (An integer test
                    // is cheaper than a float one.)
                    room[new] = slot;
                    new += usize::from(value.to_bits() == 0);
                    *value += added;
                }
                count += new;
            };
            // Whole strides are a loop of fixed length, which the compiler unrolls; the few postings after the
            // last whole stride go on their own (norms are never NaN).
            let mut strides = list.chunks_exact(CHECK_EVERY);
            'walk: {
                for stride in &mut strides {
                    if norm(stride[0].slot()) > reach {
                        break 'walk;
                    }
                    add(stride);
                }
                let rest = strides.remainder();
                if rest.first().is_some_and(|p| norm(p.slot()) <= reach) {
                    add(rest);
                }
            }
        }
        self.count = count;
    }

    /// Lists a slot the walks did not reach (its value stays zero), after the walks: they take a zero value for
    /// a slot not yet listed. (By fields, so that the values can be read meanwhile.)
    fn include(touched: &mut Vec<u32>, count: &mut usize, slot: u32) {
        match touched.get_mut(*count) {
            Some(room) => *room = slot,
            None => touched.push(slot),
        }
        *count += 1;
    }

    /// The slots the walks reached, in the order first reached, then any included.
    pub fn touched(&self) -> &[u32] {
        &self.touched[..self.count]
    }

    fn clear(&mut self) {
        for &slot in &self.touched[..self.count] {
            self.values[slot as usize] = 0.0;
        }
        self.count = 0;
    }
}

/// The words of a text in order, function words included, as the word-order signal compares them.
fn sequence_terms(analysis: &Analysis) -> impl Iterator<Item = &str> {
    analysis.tokens.iter().filter(|t| in_sequence(t.kind)).map(|t| t.term.as_str())
}

fn sequence(reading: &Reading) -> impl Iterator<Item = TermId> + '_ {
    reading.tokens.iter().filter(|t| in_sequence(t.kind)).map(|t| t.term)
}

fn in_sequence(kind: TermKind) -> bool {
    matches!(kind, TermKind::Word | TermKind::Concept)
}

impl Index {
    /// The question's word sequence, ready to compare with many phrasings.
    pub fn query_sequence(&self, analysis: &Analysis) -> Sequence {
        Sequence::new(&self.query_ids(analysis))
    }

    /// The question's words in order as term ids; words the corpus never uses get ids no phrasing has.
    fn query_ids(&self, analysis: &Analysis) -> Vec<TermId> {
        sequence_terms(analysis)
            .enumerate()
            .map(|(i, t)| self.terms.get(t).copied().unwrap_or(UNKNOWN + i as TermId))
            .collect()
    }

    /// How alike in wording and word order the question is to the entry's closest phrasing, in [0, 1]:
    /// one minus the word-level edit distance over the longer length. `hint` is the phrasing (by ordinal) most
    /// likely closest, compared first so that its score lets most others be ruled out by their length or by a
    /// count of the question's words in them, without measuring the distance. (The question's buffers are
    /// borrowed for the comparisons: the leaders are compared one after another.)
    pub fn sequence_similarity(&self, entry: usize, query: &mut Sequence, hint: usize) -> f32 {
        let units = &self.units[self.entry_units[entry] as usize..self.entry_units[entry + 1] as usize];
        let block = self.wordings.entry(entry);
        let Sequence { len: q, counts, known, comparator, scratch } = query;
        let Scratch { coded, left, codes } = scratch;
        // Each of the entry's words as the question's code for it, found in one merge of the two sorted lists
        // (which stops past the question's last word): the phrasings are then read as codes straight away.
        if coded.len() < block.count.max(256) {
            coded.resize(block.count.max(256), 0);
        }
        let (mut place, mut any) = (0, false);
        let Some(mut wanted) = Wanted::new(known) else { return 0.0 };
        block.for_each_word(|word| {
            if let Some(&code) = wanted.meet(word)? {
                coded[place] = code;
                any = true;
            }
            place += 1;
            ControlFlow::Continue(())
        });
        let mut best = 0.0f32;
        let mut compare = |unit: &Unit, begin: usize| {
            // An edit distance is at least the longer length minus the words the two share, so
            // `shared / longest` bounds the similarity from above; `shorter / longer` bounds that, and so do the
            // phrasing's words that the question has at all, each cheaper to find than the next: a phrasing is
            // compared only if all three can beat the best so far.
            let len = usize::from(unit.words);
            let longest = len.max(*q).max(1);
            if len.min(*q) as f32 / longest as f32 <= best {
                return;
            }
            let words = begin..begin + len;
            if block.known_words(words.clone(), coded) as f32 / longest as f32 <= best {
                return;
            }
            left.clone_from(counts);
            let mut shared = 0;
            block.for_each_code(words.clone(), coded, |c| {
                // Code 0 (a word the question does not have) has no count, so it never hits. Branch-free: whether
                // a word hits is as good as random.
                let n = &mut left[usize::from(c)];
                let hit = u8::from(*n > 0);
                *n -= hit;
                shared += usize::from(hit);
            });
            if shared as f32 / longest as f32 <= best {
                return;
            }
            codes.clear();
            block.for_each_code(words, coded, |c| codes.push(c));
            // Let the comparison stop as soon as it cannot beat the best so far.
            let allowed = ((1.0 - best) * longest as f32).ceil() as usize;
            let args = rapidfuzz::distance::levenshtein::Args::default().score_cutoff(allowed);
            if let Some(d) = comparator.distance_with_args(codes.iter().copied(), &args) {
                best = best.max(1.0 - d as f32 / longest as f32);
            }
        };
        if any {
            // The hinted phrasing first, then the others in order; a phrasing's words begin where the words of
            // those before it end.
            let first = units.iter().position(|unit| usize::from(unit.ordinal) == hint).unwrap_or(0);
            compare(&units[first], units[..first].iter().map(|unit| usize::from(unit.words)).sum());
            let mut begin = 0;
            for (k, unit) in units.iter().enumerate() {
                if k != first {
                    compare(unit, begin);
                }
                begin += usize::from(unit.words);
            }
        }
        // The codes go back to zero for the next entry: only the places the merge went through were set.
        coded[..place].fill(0);
        best
    }
}

/// Wanted terms (sorted by term, each with a value) met along a sorted list of terms, in one pass: the merge
/// that finds which of a question's terms an answer or an entry's words have.
struct Wanted<'a, T> {
    rest: std::slice::Iter<'a, (TermId, T)>,
    next: &'a (TermId, T),
    /// `next`'s term, held as a copy: the merge compares every term of the list with it, and reading it through
    /// the reference cost a load each time.
    term: TermId,
}

impl<'a, T> Wanted<'a, T> {
    /// `None` when nothing is wanted.
    fn new(wanted: &'a [(TermId, T)]) -> Option<Wanted<'a, T>> {
        let mut rest = wanted.iter();
        rest.next().map(|next| Wanted { rest, next, term: next.0 })
    }

    /// The list's next term (terms come in increasing order): its value if it is wanted; `Break` once the list
    /// is past every wanted term, since nothing further can be.
    fn meet(&mut self, term: TermId) -> ControlFlow<(), Option<&'a T>> {
        while term > self.term {
            match self.rest.next() {
                Some(w) => (self.next, self.term) = (w, w.0),
                None => return ControlFlow::Break(()),
            }
        }
        ControlFlow::Continue((term == self.term).then_some(&self.next.1))
    }
}

/// Term ids from here up stand for the question's words the corpus never uses, one each: no phrasing has them.
const UNKNOWN: TermId = TermId::MAX - crate::text::MAX_TOKENS as TermId;

/// A question's words in order, with the comparator that measures edit distances from it. Words are compared
/// as one-byte codes, which the comparator handles much faster than term ids: each of the question's distinct
/// words has a code of its own, and every other word the code 0, which no question word has. Only question
/// words can match, so the distances are those of the words themselves.
pub struct Sequence {
    len: usize,
    /// How often the question has each code.
    counts: Vec<u8>,
    /// The distinct words the corpus knows, sorted, each with its code.
    known: Vec<(TermId, u8)>,
    comparator: rapidfuzz::distance::levenshtein::BatchComparator<u8>,
    scratch: Scratch,
}

/// What comparing the question with an entry's phrasings works in, kept from one entry to the next rather than
/// allocated (and grown) for each.
#[derive(Default)]
struct Scratch {
    /// Per place among the entry's words: the question's code for the word. All zero between entries.
    coded: Vec<u8>,
    /// How many of each question code a phrasing has not yet matched.
    left: Vec<u8>,
    /// The phrasing being compared, as codes.
    codes: Vec<u8>,
}

impl Sequence {
    fn new(ids: &[TermId]) -> Sequence {
        // A message has at most `MAX_TOKENS` words, so its distinct words fit in one-byte codes.
        const { assert!(crate::text::MAX_TOKENS < u8::MAX as usize) };
        let mut distinct: Vec<TermId> = Vec::new();
        let codes: Vec<u8> = ids
            .iter()
            .map(|t| match distinct.iter().position(|d| d == t) {
                Some(k) => k as u8 + 1,
                None => {
                    distinct.push(*t);
                    distinct.len() as u8
                }
            })
            .collect();
        let comparator = rapidfuzz::distance::levenshtein::BatchComparator::new(codes.iter().copied());
        let mut counts = vec![0u8; distinct.len() + 1];
        for &c in &codes {
            counts[c as usize] = counts[c as usize].saturating_add(1);
        }
        let mut known: Vec<(TermId, u8)> =
            distinct.iter().enumerate().filter(|(_, t)| **t < UNKNOWN).map(|(k, &t)| (t, k as u8 + 1)).collect();
        known.sort_unstable();
        Sequence { len: codes.len(), counts, known, comparator, scratch: Scratch::default() }
    }

    /// A word's code: 0 for a word the question does not have.
    #[cfg(test)]
    fn code(&self, term: TermId) -> u8 {
        self.known.binary_search_by_key(&term, |&(t, _)| t).map_or(0, |k| self.known[k].1)
    }
}

fn term_factor(kind: TermKind) -> f32 {
    match kind {
        TermKind::Word | TermKind::Concept => 1.0,
        TermKind::Broader | TermKind::Part => signals::BROADER_FACTOR,
    }
}

/// A phrasing's distinct content terms with their kind factor (the higher one when a term occurs twice).
fn unit_terms(reading: &Reading, out: &mut Vec<(TermId, f32)>) {
    out.clear();
    for token in reading.content() {
        let factor = term_factor(token.kind);
        match out.iter_mut().find(|(t, _)| *t == token.term) {
            Some(existing) => existing.1 = existing.1.max(factor),
            None => out.push((token.term, factor)),
        }
    }
}

/// An entry's answer terms, in order: the list holds the gaps between them.
fn answers(answer_terms: &PackedIds, entry: usize) -> impl Iterator<Item = TermId> + '_ {
    answer_terms.list(entry).scan(0, |term, gap| {
        *term += gap;
        Some(*term)
    })
}

/// Lists of term ids in one byte buffer (`bytes[starts[i]..starts[i + 1]]`), packed: common words have small
/// ids, so most take one or two bytes instead of four, over millions of phrasings and answers.
#[derive(Default, PartialEq, Serialize, Deserialize)]
struct PackedIds {
    // Written as bytes; read back byte by byte rather than through the reader's scratch buffer, which would
    // grow to the largest list and stay with the allocator.
    #[serde(serialize_with = "serde_bytes::serialize", deserialize_with = "crate::exact::vec")]
    bytes: Vec<u8>,
    #[serde(deserialize_with = "crate::exact::vec")]
    starts: Vec<u32>,
}

impl PackedIds {
    /// Adds the next list.
    fn push(&mut self, ids: impl IntoIterator<Item = TermId>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        for id in ids {
            packed::push(&mut self.bytes, id);
        }
        self.starts.push(u32::try_from(self.bytes.len()).expect("packed ids stay below 4 GB"));
    }

    /// Makes room for `bytes` more bytes in `lists` more lists.
    fn reserve(&mut self, bytes: usize, lists: usize) {
        reserve_lists((&mut self.bytes, &mut self.starts), bytes, lists);
    }

    /// Adds `other`'s lists after these.
    fn append(&mut self, other: PackedIds) {
        append_lists((&mut self.bytes, &mut self.starts), (other.bytes, &other.starts));
    }

    fn list(&self, i: usize) -> impl Iterator<Item = TermId> + '_ {
        packed::unpack(self.bytes(i))
    }

    /// List `i` as packed bytes, for `packed::for_each`.
    fn bytes(&self, i: usize) -> &[u8] {
        &self.bytes[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// Makes room in lists kept as one buffer and their start offsets (`PackedIds`, `Rows`) for `items` more items
/// in `lists` more lists, exactly: they are appended to once and kept.
fn reserve_lists<T>(to: (&mut Vec<T>, &mut Vec<u32>), items: usize, lists: usize) {
    to.0.reserve_exact(items);
    to.1.reserve_exact(lists);
}

/// Appends lists kept as one buffer and their start offsets (`PackedIds`, `Rows`) after others kept so.
fn append_lists<T>(to: (&mut Vec<T>, &mut Vec<u32>), from: (Vec<T>, &[u32])) {
    let (items, starts) = to;
    let offset = items.len() as u32;
    items.extend(from.0);
    if starts.is_empty() {
        starts.push(0);
    }
    starts.extend(from.1.iter().skip(1).map(|s| s + offset));
}

/// Per slot (unit or entry): its terms with their weights, sorted by term, all slots in one buffer
/// (`items[starts[s]..starts[s + 1]]`): the index is first written this way round, then inverted.
#[derive(Default)]
struct Rows {
    items: Vec<(TermId, f32)>,
    starts: Vec<u32>,
}

impl Rows {
    /// Adds the next slot's row.
    fn push(&mut self, row: impl IntoIterator<Item = (TermId, f32)>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.items.extend(row);
        self.starts.push(self.items.len() as u32);
    }

    /// Makes room for `items` more items in `rows` more rows.
    fn reserve(&mut self, items: usize, rows: usize) {
        reserve_lists((&mut self.items, &mut self.starts), items, rows);
    }

    /// Adds `other`'s rows after these.
    fn append(&mut self, other: Rows) {
        append_lists((&mut self.items, &mut self.starts), (other.items, &other.starts));
    }

    fn slots(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn row(&self, slot: usize) -> &[(TermId, f32)] {
        &self.items[self.starts[slot] as usize..self.starts[slot + 1] as usize]
    }

    fn row_mut(&mut self, slot: usize) -> &mut [(TermId, f32)] {
        &mut self.items[self.starts[slot] as usize..self.starts[slot + 1] as usize]
    }

    /// How many slots use each term.
    fn term_counts(&self, terms: usize) -> Vec<usize> {
        let mut counts = vec![0; terms];
        for &(t, _) in &self.items {
            counts[t as usize] += 1;
        }
        counts
    }

    /// Each slot's norm: the sum of its terms' squared `weight(term, row value)`, added in term order.
    fn norms(&self, weight: impl Fn(TermId, f32) -> f32) -> Vec<f32> {
        let mut norms = vec![0.0f32; self.slots()];
        for (slot, norm) in norms.iter_mut().enumerate() {
            for &(t, value) in self.row(slot) {
                let w = weight(t, value);
                *norm += w * w;
            }
        }
        norms
    }
}

/// Every term's posting list in one buffer (`items[starts[t]..starts[t + 1]]`): a list per term would cost an
/// allocation each, and growing millions of postings one push at a time leaves the heap fragmented.
#[derive(PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de>"))]
struct Postings<P> {
    #[serde(deserialize_with = "crate::exact::vec")]
    items: Vec<P>,
    #[serde(deserialize_with = "crate::exact::vec")]
    starts: Vec<u32>,
}

/// One posting: a slot and the term's weight in it.
trait Posting: Copy {
    fn slot(self) -> u32;

    /// The slot and what the posting adds to its dot product with a question term of weight `q`: `scaled` is
    /// `q` times each of the term's weights, worked out once per list (a product per posting saved, and the
    /// same products).
    fn added(self, q: f32, scaled: &[f32; 2]) -> (u32, f32);
}

/// An entry profile's posting: the weight is its own (it depends on how many of the entry's phrasings use the
/// term).
impl Posting for (u32, f32) {
    fn slot(self) -> u32 {
        self.0
    }

    fn added(self, q: f32, _: &[f32; 2]) -> (u32, f32) {
        (self.0, q * self.1)
    }
}

/// A phrasing's posting in four bytes: the unit, and in the top bit whether the term is there only as a broader
/// concept or part of one. Its weight is then the term's idf, whole or at `BROADER_FACTOR`, looked up per list:
/// the same number a stored weight would be, in half the memory the walks read.
#[derive(Clone, Copy, PartialEq, Serialize, Deserialize)]
struct UnitPosting(u32);

impl UnitPosting {
    const BROADER: u32 = 1 << 31;

    fn new(unit: u32, _: TermId, factor: f32) -> UnitPosting {
        assert!(unit < Self::BROADER, "fewer than 2^31 phrasings");
        UnitPosting(unit | if UnitPosting::part(factor) == 1 { Self::BROADER } else { 0 })
    }

    /// Which of `weights` a term's kind factor picks: `term_factor` gives one of the two.
    fn part(factor: f32) -> usize {
        debug_assert!(factor == 1.0 || factor == signals::BROADER_FACTOR, "a kind factor {factor}");
        usize::from(factor != 1.0)
    }

    /// A term's weight in a phrasing, by `part`: `factor · idf`, as computed for the phrasing's norm.
    fn weights(idf: f32) -> [f32; 2] {
        [1.0 * idf, signals::BROADER_FACTOR * idf]
    }

    /// The unit and its weight, given the term's weights in `UnitPosting::weights`.
    fn get(self, weights: &[f32; 2]) -> (u32, f32) {
        (self.slot(), weights[(self.0 >> 31) as usize])
    }
}

impl Posting for UnitPosting {
    fn slot(self) -> u32 {
        self.0 & !Self::BROADER
    }

    fn added(self, _: f32, scaled: &[f32; 2]) -> (u32, f32) {
        self.get(scaled)
    }
}

/// `f32::total_cmp`'s order as an unsigned integer's.
fn total_order(x: f32) -> u32 {
    let bits = x.to_bits();
    // Negative numbers sort by flipped bits (the largest magnitude first), the rest above them.
    if bits >> 31 == 1 { !bits } else { bits | 1 << 31 }
}

impl<P: Posting> Postings<P> {
    /// Turns rows around: per term, the slots that use it as `posting(slot, term, row value)`, smallest `key`
    /// first (then lowest slot), at most `cap` of them: a walk never goes further. Terms with more slots than
    /// that gather theirs apart and keep cutting them back to the best `cap`, so no full list of a common word is
    /// ever held.
    fn invert(
        rows: &Rows,
        terms: usize,
        cap: usize,
        key: impl Fn(u32) -> f32,
        posting: impl Fn(u32, TermId, f32) -> P,
    ) -> Postings<P> {
        // A posting's place in its list as one integer, its key's bits in total order then its slot: the key is
        // then looked up (far into the slots' table) once per posting rather than twice per comparison.
        let place = |slot: u32| u64::from(total_order(key(slot))) << 32 | u64::from(slot);
        let cut = |list: &mut Vec<(u64, f32)>| {
            if list.len() > cap {
                list.select_nth_unstable_by_key(cap, |&(place, _)| place);
                list.truncate(cap);
            }
        };
        let counts = rows.term_counts(terms);
        let mut starts = Vec::with_capacity(terms + 1);
        starts.push(0u32);
        for &count in &counts {
            starts.push(starts[starts.len() - 1] + count.min(cap) as u32);
        }
        let mut items = vec![(0u32, 0.0f32); starts[terms] as usize];
        let mut next = starts.clone();
        let mut crowded: HashMap<TermId, Vec<(u64, f32)>> = HashMap::default();
        for slot in 0..rows.slots() {
            for &(t, w) in rows.row(slot) {
                if counts[t as usize] <= cap {
                    items[next[t as usize] as usize] = (slot as u32, w);
                    next[t as usize] += 1;
                } else {
                    let list = crowded.entry(t).or_default();
                    list.push((place(slot as u32), w));
                    if list.len() == 2 * cap {
                        cut(list);
                    }
                }
            }
        }
        for (t, mut list) in crowded {
            cut(&mut list);
            let kept = list.iter().map(|&(place, w)| (place as u32, w));
            items[starts[t as usize] as usize..starts[t as usize + 1] as usize]
                .iter_mut()
                .zip(kept)
                .for_each(|(i, k)| *i = k);
        }
        let mut placed: Vec<(u64, f32)> = Vec::new();
        let mut postings = Vec::with_capacity(items.len());
        for t in 0..terms {
            let list = &items[starts[t] as usize..starts[t + 1] as usize];
            placed.clear();
            placed.extend(list.iter().map(|&(slot, w)| (place(slot), w)));
            placed.sort_unstable_by_key(|&(place, _)| place);
            postings.extend(placed.iter().map(|&(place, w)| posting(place as u32, t as TermId, w)));
        }
        Postings { items: postings, starts }
    }

    fn list(&self, term: TermId) -> &[P] {
        &self.items[self.starts[term as usize] as usize..self.starts[term as usize + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Posting lists are sorted by `total_order`, which must agree with the `total_cmp` order they had.
    #[test]
    fn total_order_sorts_as_total_cmp() {
        let mut values = vec![0.0f32, -0.0, 1.0, -1.0, 1e-40, -1e-40, f32::MAX, f32::MIN, f32::INFINITY];
        values.extend([f32::NEG_INFINITY, f32::NAN, -f32::NAN, 0.5, -0.5, 3.25, 1e30, -1e30]);
        for a in &values {
            for b in &values {
                assert_eq!(total_order(*a).cmp(&total_order(*b)), a.total_cmp(b), "{a} {b}");
            }
        }
    }

    proptest! {
        /// A four-byte posting gives back its unit and exactly the weight `factor · idf` a stored one held, and
        /// adds to a dot product exactly what `q` times that weight is.
        #[test]
        fn unit_postings_give_back_unit_and_weight(
            unit in 0u32..UnitPosting::BROADER, idf in 0.0f32..20.0, q in 0.0f32..20.0, broader: bool,
        ) {
            let factor = if broader { term_factor(TermKind::Broader) } else { term_factor(TermKind::Word) };
            let posting = UnitPosting::new(unit, 0, factor);
            prop_assert_eq!(posting.slot(), unit);
            prop_assert_eq!(posting.get(&UnitPosting::weights(idf)), (unit, factor * idf));
            let scaled = UnitPosting::weights(idf).map(|w| q * w);
            prop_assert_eq!(posting.added(q, &scaled), (unit, q * (factor * idf)));
            prop_assert_eq!((unit, factor).added(q, &scaled), (unit, q * factor));
        }

        /// Packed lists come back as they went in.
        #[test]
        fn packed_ids_round_trip(
            lists in proptest::collection::vec(proptest::collection::vec(any::<u32>(), 0..6), 0..6),
        ) {
            let mut packed = PackedIds::default();
            for list in &lists {
                packed.push(list.iter().copied());
            }
            for (i, list) in lists.iter().enumerate() {
                prop_assert_eq!(&packed.list(i).collect::<Vec<_>>(), list);
            }
        }

        /// Comparing one-byte codes gives the edit distance of the words themselves.
        #[test]
        fn coded_distances_are_word_distances(
            query in proptest::collection::vec(0u32..8, 0..12),
            phrasing in proptest::collection::vec(0u32..12, 0..12),
        ) {
            let sequence = Sequence::new(&query);
            let codes: Vec<u8> = phrasing.iter().map(|&t| sequence.code(t)).collect();
            prop_assert_eq!(sequence.comparator.distance(codes.iter().copied()), strsim::generic_levenshtein(&query, &phrasing));
        }
    }

    /// Reading the entries in runs side by side must number the terms, and so build the index, exactly as one
    /// reader going through them in order does: the shipped FAQ read in 2, 3 and 7 runs, in runs of two entries
    /// and of one. (The speller's word list is a bag: its order does not count.)
    #[test]
    fn the_index_is_the_same_however_many_runs_read_it() {
        let loaded = crate::corpus::load(std::path::Path::new("faq")).expect("the shipped FAQ loads");
        let part = &loaded.corpus.parts[0];
        let analyzer = Analyzer::new(part.lang, &part.lexicon);
        let build = |runs| {
            let mut index = Index::build_in(part, &analyzer, runs);
            index.words.sort();
            index
        };
        let one = build(1);
        for runs in [2, 3, 7, part.entries.len() / 2, part.entries.len()] {
            assert!(build(runs) == one, "read in {runs} runs, the index differs from one reader's");
        }
    }

    /// The shipped FAQ's engine, and every `step`-th dev question.
    fn shipped_with_dev_questions(step: usize) -> (crate::matcher::Engine, Vec<String>) {
        let loaded = crate::corpus::load(std::path::Path::new("faq")).expect("the shipped FAQ loads");
        let questions = std::fs::read_to_string("tests/eval/dev.jsonl").expect("the dev set");
        let questions = questions
            .lines()
            .step_by(step)
            .map(|line| {
                let q: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
                q["q"].as_str().expect("a question").to_string()
            })
            .collect();
        (crate::matcher::Engine::new(loaded.corpus), questions)
    }

    /// A question that panics midway (a bug) must not leave its slots for the next question on the thread.
    #[test]
    fn a_question_that_panics_midway_leaves_nothing_behind() {
        let (engine, questions) = shipped_with_dev_questions(50);
        let (analyzer, index) = (&engine.langs[0].analyzer, &engine.langs[0].index);
        let query = index.query_terms(&analyzer.analyze(&questions[0]));
        let score = |dot: f32, unit: &Unit| dot / unit.norm;
        let seen = |r: &mut Reached| (r.units.touched().to_vec(), r.entries.touched().to_vec(), r.best.clone());
        let clean = index.accumulate(&query, score, seen);
        assert!(!clean.0.is_empty(), "the question reaches some phrasings");
        let midway = std::panic::catch_unwind(|| index.accumulate(&query, score, |_| panic!("a bug midway")));
        assert!(midway.is_err());
        assert_eq!(index.accumulate(&query, score, seen), clean);
    }

    /// The one-pass merge finds exactly the wanted terms an answer has: on the shipped FAQ, every answer against
    /// every few dev questions' terms, compared with a plain look-up.
    #[test]
    fn answer_uses_are_the_wanted_terms_the_answer_has() {
        let (engine, questions) = shipped_with_dev_questions(5);
        let (analyzer, index) = (&engine.langs[0].analyzer, &engine.langs[0].index);
        for q in &questions {
            let query = index.query_terms(&analyzer.analyze(q));
            let mut wanted: Vec<(TermId, usize)> =
                query.iter().enumerate().filter_map(|(k, q)| Some((q.id?, k))).collect();
            wanted.sort_unstable();
            let mut uses = vec![true; query.len()];
            for entry in 0..index.entry_count {
                let has: Vec<TermId> = answers(&index.answer_terms, entry).collect();
                index.answer_uses(entry, &wanted, &mut uses);
                let plain: Vec<bool> = query.iter().map(|q| q.id.is_some_and(|t| has.contains(&t))).collect();
                assert_eq!(uses, plain, "{q}, entry {entry}");
            }
        }
    }

    /// The bounds that rule phrasings out unread never change the result: on the shipped FAQ, whatever phrasing
    /// is compared first, the similarity is the best over every phrasing, computed the plain way.
    #[test]
    fn word_order_similarity_is_the_best_over_every_phrasing() {
        let (engine, questions) = shipped_with_dev_questions(7);
        let (analyzer, index) = (&engine.langs[0].analyzer, &engine.langs[0].index);
        for q in &questions {
            let analysis = analyzer.analyze(q);
            let ids = index.query_ids(&analysis);
            let mut sequence = index.query_sequence(&analysis);
            for entry in 0..index.entry_count {
                let units = index.entry_units[entry] as usize..index.entry_units[entry + 1] as usize;
                let block = index.wordings.entry(entry);
                let words: Vec<TermId> = block.words().collect();
                let mut at = 0;
                let plain = units
                    .clone()
                    .map(|u| {
                        let len = usize::from(index.units[u].words);
                        let phrasing: Vec<TermId> = (at..at + len).map(|i| words[block.place(i)]).collect();
                        at += len;
                        let longest = phrasing.len().max(ids.len()).max(1);
                        1.0 - strsim::generic_levenshtein(&ids, &phrasing) as f32 / longest as f32
                    })
                    .fold(0.0f32, f32::max);
                for hint in [0, 2, units.len() / 2, 5000] {
                    assert_eq!(index.sequence_similarity(entry, &mut sequence, hint), plain, "{q}, entry {entry}");
                }
            }
        }
    }
}
