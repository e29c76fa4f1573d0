//! Every ranking weight and decision threshold, in one place. The weights were chosen on
//! `tests/eval/dev.jsonl` by trying each value with the others fixed and keeping the one with the best in-scope
//! accuracy that still met the targets (wrong answers ≤ 3%, out-of-scope declined ≥ 90%, answered ≤ 5%); the
//! thresholds with `cargo run --release -- eval tests/eval/dev.jsonl --sweep` (and `--typos 2 --sweep`), which
//! prints those figures over a grid. `tests/eval/holdout.jsonl`, written separately and never tuned on, checks
//! that the choice generalises. `tests/eval_targets.rs` fails CI if a change pushes the figures below target.

/// Broader concepts implied by a named one ("keytruda" → checkpoint inhibitor) count for this much of a word.
pub const BROADER_FACTOR: f32 = 0.5;

/// How the two coverages combine into a phrasing's similarity: `query_coverage^Q · phrasing_coverage^(1-Q)`.
/// 0.5 is the cosine; above it, words the corpus cannot explain weigh more, which is what keeps "flu jab for a
/// healthy child" from matching "can I have the flu jab".
pub const QUERY_COVERAGE_EXPONENT: f32 = 0.5;

/// How an entry's profile weighs a term by the share of the entry's phrasings that use it: every term counts,
/// terms the phrasings agree on count more.
pub fn profile_weight(share: f32) -> f32 {
    let floor = PROFILE_FLOOR;
    floor + (1.0 - floor) * share
}
pub const PROFILE_FLOOR: f32 = 0.2;

/// The entry's score mixes its best single phrasing with its whole profile: `MIX · phrasing + (1-MIX) · profile`.
pub const PHRASING_MIX: f32 = 0.5;

/// The word-order signal's share of the final score (the rest is the bag-of-words score).
pub const WORD_ORDER_WEIGHT: f32 = 0.3;
/// How many leading candidates get the word-order signal. Four, not five: the dev and held-out figures are the
/// same but for one fewer wrong answer on dev (2.5 % instead of 2.7 %), and each one costs a few microseconds.
pub const WORD_ORDER_RERANK: usize = 4;

/// Unknown words this short or shorter, and garbled words (neither corpus words nor words of the language),
/// weigh only `GARBLED_FACTOR` of an unknown real word.
pub const SHORT_WORD: usize = 3;
pub const GARBLED_FACTOR: f32 = 0.05;

/// A keyword match counts for this much of a question match.
pub const KEYWORD_WEIGHT: f32 = 0.8;

/// The answer text adds at most this much: it helps pick between close entries, never carries a match alone.
pub const ANSWER_WEIGHT: f32 = 0.08;

/// How many top entries get the (slower) answer-text signal.
pub const ANSWER_RERANK: usize = 12;

/// A question that names something off-topic ("chemo", "allergy shots") and nothing of cancer immunotherapy
/// keeps only this share of its confidence.
pub const OUT_OF_SCOPE_FACTOR: f32 = 0.35;

/// A question that names nothing of cancer immunotherapy ("will my hair fall out") may still be ours, but it
/// is less certain to be than one that says "immunotherapy" or "Keytruda": it keeps this share.
pub const UNSTATED_SCOPE_FACTOR: f32 = 0.7;

/// Answer when the best entry is at least this confident…
pub const ANSWER_MIN: f32 = 0.32;
/// …and ahead of the runner-up by this share of its own score (or at least `SURE`).
pub const ANSWER_MARGIN: f32 = 0.05;
pub const SURE: f32 = 0.8;

/// Below `ANSWER_MIN` but at least this: offer "did you mean" choices.
pub const SUGGEST_MIN: f32 = 0.31;
/// A suggestion must be at least this share of the best score.
pub const SUGGEST_RATIO: f32 = 0.6;
pub const MAX_SUGGESTIONS: usize = 3;

/// Cap on each posting-list walk. Lists are sorted shortest phrasing first, so for a term in (nearly) every
/// entry the walk keeps the phrasings it would score highest; this bounds the cost per question on huge corpora.
pub const MAX_POSTINGS_PER_TERM: usize = 1_000;

/// A term whose share of a phrasing's (or profile's) similarity would be below this is not added: posting walks
/// stop where the phrasings get long enough for that. Chosen as the largest value that leaves every figure of
/// `eval tests/eval/dev.jsonl` and `tests/eval/holdout.jsonl` unchanged.
pub const NEGLIGIBLE: f32 = 0.005;

/// Inverse document frequency (BM25's form): a word in every entry weighs almost nothing, a word in one entry
/// (or none: a word the corpus does not know) weighs most.
pub fn idf(df: usize, n: usize) -> f32 {
    let (df, n) = (df as f32, n.max(1) as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// A phrasing's similarity to the question, in [0, 1].
pub fn similarity(dot: f32, query_norm: f32, unit_norm: f32) -> f32 {
    // A positive dot product means the two share a weighted term, so both norms are positive too: one test
    // guards all three, and it runs for every entry a question reaches.
    if dot <= 0.0 {
        return 0.0;
    }
    // The same function as `f32::min(1.0)` (both give 1 for NaN) as one comparison: after the test above, the
    // compiler makes it one instruction for both quotients, where `min` took more (the entries' loop, 10,000
    // entries: 441.0 M instructions → 450.7 M). Without that test it goes the other way: `positive_similarity`.
    let at_most_one = |x: f32| if x < 1.0 { x } else { 1.0 };
    coverage(at_most_one(dot / query_norm), at_most_one(dot / unit_norm))
}

/// `similarity` where the dot product is known to be positive (a phrasing the posting walks reached: they add
/// only positive weights), without its test: this runs for every phrasing a question reaches.
pub fn positive_similarity(dot: f32, query_norm: f32, unit_norm: f32) -> f32 {
    debug_assert!(dot > 0.0, "a dot product {dot}");
    // `min` against a constant (never NaN) is one instruction, and gives 1 for NaN as `similarity`'s comparison
    // does; written as that comparison, with no test before it, the compiler turned it into branches.
    coverage((dot / query_norm).min(1.0), (dot / unit_norm).min(1.0))
}

/// The similarity from the shares of the question (`q`) and of the phrasing (`u`) that the two have in common.
#[inline(always)]
fn coverage(q: f32, u: f32) -> f32 {
    // With the exponent at one half this is the cosine; sqrt is much cheaper than two powf calls.
    if QUERY_COVERAGE_EXPONENT == 0.5 {
        (q * u).sqrt()
    } else {
        q.powf(QUERY_COVERAGE_EXPONENT) * u.powf(1.0 - QUERY_COVERAGE_EXPONENT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_words_weigh_more_than_common_ones() {
        assert!(idf(1, 100) > idf(50, 100));
        assert!(idf(0, 100) > idf(1, 100));
        assert!(idf(100, 100) > 0.0);
    }

    #[test]
    fn identical_term_sets_are_fully_similar() {
        assert!((similarity(4.0, 4.0, 4.0) - 1.0).abs() < 1e-6);
        assert_eq!(similarity(0.0, 4.0, 4.0), 0.0);
    }

    #[test]
    fn the_thresholds_are_ordered() {
        const { assert!(SUGGEST_MIN < ANSWER_MIN && ANSWER_MIN < SURE) };
    }
}
