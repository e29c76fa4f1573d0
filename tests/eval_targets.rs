//! The quality targets, measured on the dev set exactly as `immunofaq eval tests/eval/dev.jsonl` does:
//! a change that makes matching worse fails CI.

mod common;

use common::{engine, eval_file};
use immunofaq::cli::eval::{add_typos, evaluate, read_items};

#[test]
fn dev_set_meets_the_accuracy_and_decline_targets() {
    let items = read_items(&eval_file("dev.jsonl")).unwrap();
    let r = evaluate(engine(), &items);
    println!("{r}");
    assert!(r.accuracy >= 0.90, "in-scope accuracy {:.3} < 0.90\n{r}", r.accuracy);
    assert!(r.top3 >= 0.97, "top-3 recall {:.3} < 0.97\n{r}", r.top3);
    assert!(r.wrong <= 0.03, "wrong answers {:.3} > 0.03\n{r}", r.wrong);
    assert!(r.declined >= 0.90, "out-of-scope declined {:.3} < 0.90\n{r}", r.declined);
    assert!(r.oos_answered <= 0.05, "out-of-scope answered {:.3} > 0.05\n{r}", r.oos_answered);
}

/// The target: with two random letter edits per question, in-scope accuracy drops by at most 5 points on every
/// seed. Measured: 2.0 points on average over seeds 1–8, 1.5–3.2 per seed; the mean is also held to 4 points,
/// so that no seed is near the limit by chance.
const TYPO_DROP_TARGET: f64 = 0.05;
const TYPO_DROP_MEAN: f64 = 0.04;
const TYPO_SEEDS: [u64; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

#[test]
fn two_typos_per_question_cost_at_most_five_points() {
    let items = read_items(&eval_file("dev.jsonl")).unwrap();
    let clean = evaluate(engine(), &items);
    let mut drops = Vec::new();
    for seed in TYPO_SEEDS {
        let mut noisy = items.clone();
        add_typos(&mut noisy, 2, seed);
        let r = evaluate(engine(), &noisy);
        println!("seed {seed}: {r}");
        let drop = clean.accuracy - r.accuracy;
        assert!(drop <= TYPO_DROP_TARGET, "seed {seed}: accuracy fell from {:.3} to {:.3}", clean.accuracy, r.accuracy);
        drops.push(drop);
    }
    let mean = drops.iter().sum::<f64>() / drops.len() as f64;
    assert!(mean <= TYPO_DROP_MEAN, "accuracy fell by {mean:.3} on average over seeds {TYPO_SEEDS:?}");
}

/// `tests/eval/safety.tsv` (message, class): messages that describe a red-flag symptom (`urgent`) or thoughts of
/// suicide (`crisis`), general questions that only name a symptom (`not-urgent-general`), and questions about how
/// much drug to take (`dose`), from two probes written by separate sessions. The warning phrases were written from
/// it, so it guards against regressions; it is not a measure of how well they generalise.
#[test]
fn the_safety_set_is_flagged_and_answered_safely() {
    use immunofaq::matcher::Outcome;
    let text = std::fs::read_to_string(eval_file("safety.tsv")).unwrap();
    let part = engine().part(immunofaq::text::Language::En);
    let (mut urgent, mut missed) = (0, Vec::new());
    for line in text.lines() {
        let (message, class) = line.split_once('\t').expect("message<TAB>class");
        let m = engine().ask(message);
        let answered = match m.outcome {
            Outcome::Answer(i) => Some(&*part.entries[i].id),
            _ => None,
        };
        match class {
            "urgent" => {
                urgent += 1;
                if !m.is_urgent() {
                    missed.push(message);
                }
            }
            "crisis" => {
                let notice = immunofaq::reply::urgent(part, &m, None).map(|u| u.message).unwrap_or_default();
                assert!(m.urgent.iter().any(|id| id == "self-harm"), "{message}: {:?}", m.urgent);
                assert!(!notice.contains(&part.warnings.urgent_message), "{message}: {notice}");
                assert!(matches!(answered, None | Some("emotional-support")), "{message}: {answered:?}");
            }
            "not-urgent-general" => assert!(!m.is_urgent(), "{message}: {:?}", m.urgent),
            "dose" => assert!(matches!(answered, None | Some("dose-amount" | "missed-dose-adherence")), "{message}"),
            other => panic!("unknown class {other}"),
        }
    }
    // One known miss: "things look fuzzy and i cant read anymore" (no phrase for it that would not also fire on
    // "my photos look fuzzy").
    assert!(
        urgent >= 180 && missed.len() <= 1,
        "{} of {urgent} red-flag messages not flagged: {missed:#?}",
        missed.len()
    );
}
