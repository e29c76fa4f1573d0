//! Question → outcome. Builds, per language, the analyzer (text pipeline with lexicon and typo correction), the
//! inverted index and the warning signs; then scores a question's candidates and decides: answer, suggest or
//! no match, plus the urgent flag.

mod decide;
mod index;
pub mod saved;
pub mod signals;
mod warning;

pub use decide::{Thresholds, decide, decide_with};
pub use index::UnitKind;

use crate::corpus::{Corpus, Entry, LanguageCorpus, Scope};
use crate::text::{Analysis, Analyzer, Language, SmallTalk, TermId};
use index::{Index, QueryTerm, Unit};
use serde::{Deserialize, Serialize};
use warning::WarningSigns;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Confident, with a clear margin: the entry (index into its language's entries).
    Answer(usize),
    /// Close candidates for "did you mean", best first.
    Suggest(Vec<usize>),
    NoMatch,
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Answer(_) => "answer",
            Outcome::Suggest(_) => "suggest",
            Outcome::NoMatch => "none",
        }
    }
}

/// Why a candidate scored what it did, for `--explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub entry: usize,
    pub score: f32,
    /// The best-matching phrasing's similarity, and which phrasing it was.
    pub phrasing: f32,
    pub phrasing_kind: UnitKind,
    pub phrasing_ordinal: u32,
    /// Similarity to the entry's profile (all its phrasings together).
    pub profile: f32,
    /// Word order and function words: how close the question reads to the entry's nearest phrasing.
    pub order: f32,
    pub answer: f32,
    pub out_of_scope: bool,
}

#[derive(Debug, Clone)]
pub struct Match {
    pub lang: Language,
    pub outcome: Outcome,
    /// Ids of the warning signs the message describes; non-empty means urgent.
    pub urgent: Vec<String>,
    pub confidence: f32,
    /// Best first, distinct entries.
    pub candidates: Vec<Candidate>,
    /// Set when the message asks nothing (a greeting, thanks, "ok", another script); the outcome is then no match.
    pub small_talk: Option<SmallTalk>,
}

impl Match {
    pub fn is_urgent(&self) -> bool {
        !self.urgent.is_empty()
    }
}

/// What the pipeline saw, for `--explain`.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub analysis: Analysis,
    pub terms: Vec<(String, f32, bool)>,
    pub urgent_labels: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct LanguageEngine {
    lang: Language,
    analyzer: Analyzer,
    index: Index,
    signs: WarningSigns,
}

/// The whole matching engine over a validated corpus. Immutable once built: a reload builds a new one.
#[derive(Serialize, Deserialize)]
pub struct Engine {
    corpus: Corpus,
    langs: Vec<LanguageEngine>,
}

impl Engine {
    /// The engine a service holds: the alternates' and keywords' texts are let go once indexed (their count
    /// stays), since only `--explain` shows them.
    pub fn new(corpus: Corpus) -> Engine {
        Engine::build(corpus, false)
    }

    /// The engine with every phrasing's text kept, for `ask --explain`.
    pub fn with_phrasing_texts(corpus: Corpus) -> Engine {
        Engine::build(corpus, true)
    }

    fn build(mut corpus: Corpus, keep_texts: bool) -> Engine {
        let langs = corpus.parts.iter_mut().map(|part| build_language(part, keep_texts)).collect();
        corpus.parts.iter_mut().flat_map(|p| &mut p.entries).for_each(Entry::repack);
        crate::corpus::pack_answers(corpus.parts.iter_mut().flat_map(|p| &mut p.entries).map(|e| &mut e.answer));
        Engine { corpus, langs }
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    pub fn part(&self, lang: Language) -> &LanguageCorpus {
        self.corpus.part(lang).expect("every engine language comes from the corpus")
    }

    fn language_for(&self, text: &str) -> &LanguageEngine {
        let available: Vec<Language> = self.langs.iter().map(|l| l.lang).collect();
        let lang = Language::detect(text, &available);
        self.langs.iter().find(|l| Some(l.lang) == lang).unwrap_or(&self.langs[0])
    }

    pub fn ask(&self, text: &str) -> Match {
        self.run(text).0
    }

    pub fn explain(&self, text: &str) -> (Match, Explanation) {
        let (m, analysis, query, signs) = self.run(text);
        let engine = self.language_for(text);
        let explanation = Explanation {
            terms: query.iter().map(|q| (q.term.clone(), q.weight, q.id.is_some())).collect(),
            urgent_labels: signs.iter().map(|&s| engine.signs.labels[s].clone()).collect(),
            analysis,
        };
        (m, explanation)
    }

    /// The match, with what the pipeline saw on the way (the question's analysis, terms and warning signs).
    fn run(&self, text: &str) -> (Match, Analysis, Vec<QueryTerm>, Vec<usize>) {
        let engine = self.language_for(text);
        let analysis = engine.analyzer.analyze(text);
        let query = engine.index.query_terms(&analysis);
        let candidates = score(engine, &query, &analysis);
        let signs = engine.signs.detect(&analysis);
        let small_talk = signs.is_empty().then(|| engine.lang.small_talk(&analysis.folded)).flatten();
        let outcome = match decide(&candidates) {
            // "no" or "thanks" asks nothing, whatever phrasing it shares a word with.
            _ if small_talk.is_some() => Outcome::NoMatch,
            // A lone short word read as another ("José" as "dose") is a guess: offer it, do not answer it.
            Outcome::Answer(i) if is_short_guess(&analysis) => Outcome::Suggest(vec![i]),
            outcome => outcome,
        };
        let m = Match {
            lang: engine.lang,
            small_talk,
            outcome,
            urgent: signs.iter().map(|&s| engine.signs.ids[s].clone()).collect(),
            confidence: candidates.first().map_or(0.0, |c| c.score),
            candidates,
        };
        (m, analysis, query, signs)
    }

    /// The content terms the matcher sees in a text (stems and concepts), for grouping similar questions.
    pub fn content_terms(&self, text: &str) -> Vec<String> {
        let engine = self.language_for(text);
        let mut terms: Vec<String> = engine
            .analyzer
            .analyze(text)
            .content()
            .filter(|t| t.kind != crate::text::TermKind::Broader && t.kind != crate::text::TermKind::Part)
            .map(|t| t.term.clone())
            .collect();
        terms.sort();
        terms.dedup();
        terms
    }
}

/// A message of one word, a short one, that the speller read as another word.
fn is_short_guess(analysis: &Analysis) -> bool {
    match (analysis.words.as_slice(), analysis.corrections.as_slice()) {
        ([_], [(typed, _)]) => typed.chars().count() <= SHORT_GUESS,
        _ => false,
    }
}

/// The longest typed word whose correction alone is not enough to answer on: four letters are one edit from many
/// other words ("kate" → "late", "lisa" → "list").
const SHORT_GUESS: usize = 4;

fn build_language(part: &mut LanguageCorpus, keep_texts: bool) -> LanguageEngine {
    let base = Analyzer::new(part.lang, &part.lexicon);
    let read = Index::read(part, &base);
    // The texts go before the runs are joined rather than after the whole build: the join is one of the build's
    // two high-water marks (reading the runs is the other).
    if !keep_texts {
        for entry in &mut part.entries {
            entry.alternates.forget_texts();
            entry.keywords.forget_texts();
        }
    }
    let mut index = Index::from_read(read);
    // The index has read every phrasing and answer; the speller learns their words and neighbouring pairs from
    // it, plus the lexicon and the warning phrases.
    let words = std::mem::take(&mut index.words);
    let pairs = std::mem::take(&mut index.pairs);
    let texts = part.lexicon.iter().flat_map(|c| c.terms.iter().map(String::as_str)).chain(
        part.warnings
            .signs
            .iter()
            .flat_map(|s| s.phrases.iter().chain(&s.symptoms).chain(&s.qualifiers))
            .map(String::as_str),
    );
    let analyzer = base.with_speller(words.iter().map(|(w, n)| (w.as_str(), *n)), pairs, texts);
    let signs = WarningSigns::build(&part.warnings, &analyzer);
    LanguageEngine { lang: part.lang, analyzer, index, signs }
}

/// Scores every entry that shares a term with the question; best first, one candidate per entry.
fn score(engine: &LanguageEngine, query: &[QueryTerm], analysis: &Analysis) -> Vec<Candidate> {
    let index = &engine.index;
    let in_scope = analysis.has_scope(Scope::In);
    let query_norm: f32 = query.iter().map(|q| q.weight * q.weight).sum();
    let off_topic = analysis.has_scope(Scope::Out) && !in_scope;
    let scope_factor = if off_topic {
        signals::OUT_OF_SCOPE_FACTOR
    } else if in_scope {
        1.0
    } else {
        signals::UNSTATED_SCOPE_FACTOR
    };
    let mut kind_weight = [1.0f32; 3];
    kind_weight[UnitKind::Keyword as usize] = signals::KEYWORD_WEIGHT;
    // By table, not by branch: which kind comes next is anyone's guess (times one is exact). Copies, not
    // references: the loops keep them in registers.
    let unit_score = move |dot: f32, unit: &Unit| {
        signals::positive_similarity(dot, query_norm, unit.norm) * kind_weight[unit.kind as usize]
    };
    let mut best: Vec<Candidate> = index.accumulate(query, unit_score, |reached| {
        // Only the best few need the finer signals: keep the leaders in order while scoring every entry (most
        // are ruled out by one comparison with the last leader), and describe just those.
        let ranked = Vec::with_capacity(signals::ANSWER_RERANK + 1);
        let mut leaders = Leaders { ranked, floor: f32::NEG_INFINITY, last: 0, profile_floor: 0.0 };
        let query_cut = query_norm * (1.0 - Leaders::MARGIN);
        // A `move` closure, holding the question's norm as a copy rather than a reference: the loop keeps it in a
        // register.
        let at = &mut leaders;
        reached.drain_entries(&index.entry_norms, move |reach| {
            // Most entries at 10,000 are out before their profile's similarity is worked out.
            if at.out_of_reach(reach.best.0, reach.dot, reach.norm, query_cut) {
                return;
            }
            let profile = signals::similarity(reach.dot, query_norm, reach.norm);
            let score = mixed(reach.best.0, profile);
            // Scores are never NaN, so the plain comparison agrees with `Leader::ahead`; a later entry that ties
            // with the last leader (the very same bits: `total_cmp` finds them equal) loses to it without a call.
            // Copies of an entry tie, and many entries are copies at 10,000.
            if score >= at.floor && (score.to_bits() != at.floor.to_bits() || reach.entry < at.last) {
                at.admit(Leader { score, entry: reach.entry, best: reach.best, profile });
            }
        });
        leaders
            .ranked
            .iter()
            .map(|leader| {
                let (phrasing, u) = leader.best;
                let unit = &index.units[u as usize];
                Candidate {
                    entry: leader.entry as usize,
                    score: leader.score,
                    phrasing,
                    phrasing_kind: unit.kind,
                    phrasing_ordinal: u32::from(unit.ordinal),
                    profile: leader.profile,
                    order: 0.0,
                    answer: 0.0,
                    out_of_scope: off_topic,
                }
            })
            .collect()
    });
    let by_score = |a: &Candidate, b: &Candidate| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry));
    let mut sequence = index.query_sequence(analysis);
    let seq_weight = signals::WORD_ORDER_WEIGHT;
    let mut wanted: Vec<(TermId, usize)> = query.iter().enumerate().filter_map(|(k, q)| Some((q.id?, k))).collect();
    wanted.sort_unstable();
    let mut uses = vec![false; query.len()];
    for (rank, c) in best.iter_mut().enumerate() {
        index.answer_uses(c.entry, &wanted, &mut uses);
        c.answer = answer_coverage(query, &uses, query_norm);
        // Word order is the costliest signal: the leaders get it; the rest keep their bag-of-words score.
        c.order = if rank < signals::WORD_ORDER_RERANK {
            index.sequence_similarity(c.entry, &mut sequence, c.phrasing_ordinal as usize)
        } else {
            c.score
        };
        c.score = (1.0 - seq_weight) * c.score + seq_weight * c.order;
        c.score = (c.score + signals::ANSWER_WEIGHT * c.answer).min(1.0);
        c.score *= scope_factor;
    }
    best.sort_unstable_by(by_score);
    best
}

/// An entry in the running for the finer signals, with what its description needs: its slots are cleared as it
/// is ranked.
struct Leader {
    score: f32,
    entry: u32,
    best: (f32, u32),
    profile: f32,
}

impl Leader {
    /// Best first; ties by entry.
    fn ahead(&self, other: &Leader) -> bool {
        other.score.total_cmp(&self.score).then(self.entry.cmp(&other.entry)).is_lt()
    }
}

/// The best `signals::ANSWER_RERANK` entries so far, in order.
struct Leaders {
    ranked: Vec<Leader>,
    /// The last leader's score once the leaders are full: an entry below it cannot enter.
    floor: f32,
    /// The last leader's entry, once the leaders are full.
    last: u32,
    /// The profile similarity an entry whose best phrasing scores zero needs to reach the floor, a little less
    /// (see `Leaders::MARGIN`); zero while the floor is too low for that margin to be sure.
    profile_floor: f32,
}

// The bound in `Leaders::out_of_reach` is the cosine's: with another coverage exponent it would rule out entries
// that can still reach the floor.
const _: () = assert!(signals::QUERY_COVERAGE_EXPONENT == 0.5, "Leaders::out_of_reach assumes the cosine");

impl Leaders {
    /// How much less than the floor an entry is sure to be out at: the bound on the profile goes through a
    /// handful of roundings, each at most 2⁻²⁴ of numbers at most 2 (scores and similarities are at most 1),
    /// so a margin of 2⁻¹⁰ of a floor of at least `SURE_FLOOR` is more than all of them together.
    const MARGIN: f32 = 1.0 / 1024.0;
    const SURE_FLOOR: f32 = 1.0 / 256.0;
    /// What a point of the best phrasing's score is worth in profile similarity, as the score mixes them.
    const BEST_TO_PROFILE: f32 = signals::PHRASING_MIX / (1.0 - signals::PHRASING_MIX);

    /// `profile_floor` for a floor.
    fn profile_floor(floor: f32) -> f32 {
        if floor >= Leaders::SURE_FLOOR { floor * (1.0 - Leaders::MARGIN) / (1.0 - signals::PHRASING_MIX) } else { 0.0 }
    }

    /// Whether an entry whose best phrasing scores `best`, and whose profile (of norm `norm`) has the dot product
    /// `dot` with the question, is sure to score below the floor without its profile's similarity: that is at
    /// most dot / √(question norm · norm) (each coverage is at most its quotient), so a few multiplications
    /// decide against two divisions and a root. `query_cut` is the question's norm less `MARGIN`.
    #[inline(always)]
    fn out_of_reach(&self, best: f32, dot: f32, norm: f32, query_cut: f32) -> bool {
        let need = (self.profile_floor - Leaders::BEST_TO_PROFILE * best).max(0.0);
        dot * dot < need * need * query_cut * norm
    }

    /// Ranks an entry that scored at least the floor. Out of line and cold: few entries get this far, and the
    /// loop that tries every entry keeps its registers for itself (saved around the call, not reloaded per entry).
    #[cold]
    #[inline(never)]
    fn admit(&mut self, scored: Leader) {
        let ranked = &mut self.ranked;
        if ranked.len() == signals::ANSWER_RERANK && !ranked.last().is_some_and(|last| scored.ahead(last)) {
            return;
        }
        ranked.insert(ranked.partition_point(|r| r.ahead(&scored)), scored);
        ranked.truncate(signals::ANSWER_RERANK);
        if let Some(last) = ranked.get(signals::ANSWER_RERANK - 1) {
            (self.floor, self.last) = (last.score, last.entry);
            self.profile_floor = Leaders::profile_floor(self.floor);
        }
    }
}

/// An entry's bag-of-words score: its best phrasing's similarity and its profile's, mixed.
fn mixed(best: f32, profile: f32) -> f32 {
    signals::PHRASING_MIX * best + (1.0 - signals::PHRASING_MIX) * profile
}

/// The share of the question's weight that the entry's answer text contains (`uses`: per query term).
fn answer_coverage(query: &[QueryTerm], uses: &[bool], query_norm: f32) -> f32 {
    if query_norm <= 0.0 {
        return 0.0;
    }
    let covered: f32 = query.iter().zip(uses).filter(|(_, used)| **used).map(|(q, _)| q.weight * q.weight).sum();
    covered / query_norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// An entry ruled out by its profile's dot product alone scores below the floor, however close to the
        /// bound its dot product is.
        #[test]
        fn entries_out_of_reach_score_below_the_floor(
            floor in 0.0f32..1.0, best in 0.0f32..1.0, norms in (0.001f32..100.0, 0.001f32..100.0),
            dot in 0.0f32..100.0, near in 0.9f32..1.0,
        ) {
            let (query_norm, norm) = norms;
            let leaders = Leaders { ranked: Vec::new(), floor, last: 0, profile_floor: Leaders::profile_floor(floor) };
            let query_cut = query_norm * (1.0 - Leaders::MARGIN);
            let need = (leaders.profile_floor - Leaders::BEST_TO_PROFILE * best).max(0.0);
            let just_under = f32::from_bits(((need * need * query_cut * norm).sqrt() * near).to_bits().saturating_sub(1));
            for dot in [dot, just_under] {
                if leaders.out_of_reach(best, dot, norm, query_cut) {
                    prop_assert!(mixed(best, signals::similarity(dot, query_norm, norm)) < floor);
                }
            }
        }
    }
}
