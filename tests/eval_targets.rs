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
