//! The decision from ranked candidates: answer only when confident and clearly ahead, suggest when close,
//! otherwise admit there is no match. Never a guess.

use super::signals::{ANSWER_MARGIN, ANSWER_MIN, MAX_SUGGESTIONS, SUGGEST_MIN, SUGGEST_RATIO, SURE};
use super::{Candidate, Outcome};

/// The decision thresholds; `DEFAULT` is what the bot uses, other values only serve `eval --sweep`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub answer_min: f32,
    pub margin: f32,
    pub sure: f32,
    pub suggest_min: f32,
}

impl Thresholds {
    pub const DEFAULT: Thresholds =
        Thresholds { answer_min: ANSWER_MIN, margin: ANSWER_MARGIN, sure: SURE, suggest_min: SUGGEST_MIN };
}

pub fn decide(candidates: &[Candidate]) -> Outcome {
    decide_with(candidates, &Thresholds::DEFAULT)
}

pub fn decide_with(candidates: &[Candidate], t: &Thresholds) -> Outcome {
    let Some(top) = candidates.first() else {
        return Outcome::NoMatch;
    };
    let runner_up = candidates.get(1).map_or(0.0, |c| c.score);
    if top.score >= t.answer_min && (top.score - runner_up >= t.margin * top.score || top.score >= t.sure) {
        return Outcome::Answer(top.entry);
    }
    if top.score >= t.suggest_min {
        let floor = (top.score * SUGGEST_RATIO).max(t.suggest_min * SUGGEST_RATIO);
        let choices = candidates.iter().take(MAX_SUGGESTIONS).filter(|c| c.score >= floor).map(|c| c.entry).collect();
        return Outcome::Suggest(choices);
    }
    Outcome::NoMatch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::UnitKind;

    fn c(entry: usize, score: f32) -> Candidate {
        Candidate {
            entry,
            score,
            phrasing: score,
            phrasing_kind: UnitKind::Question,
            phrasing_ordinal: 0,
            profile: score,
            order: score,
            answer: 0.0,
            out_of_scope: false,
        }
    }

    #[test]
    fn a_confident_clear_winner_is_answered() {
        assert_eq!(decide(&[c(3, 0.9), c(1, 0.4)]), Outcome::Answer(3));
    }

    #[test]
    fn two_close_candidates_are_suggested_not_answered() {
        assert_eq!(decide(&[c(3, 0.6), c(1, 0.58), c(2, 0.1)]), Outcome::Suggest(vec![3, 1]));
    }

    #[test]
    fn weak_candidates_are_no_match() {
        assert_eq!(decide(&[c(3, 0.1)]), Outcome::NoMatch);
        assert_eq!(decide(&[]), Outcome::NoMatch);
    }
}
