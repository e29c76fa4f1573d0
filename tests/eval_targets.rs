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

/// The target is a drop of at most 5 points; measured now: 5.1 on average over seeds 1–8, 4.0–6.3 per seed (see
/// the issue notes). This guards the
/// current level against regressions until the target is met.
const TYPO_DROP_GUARD: f64 = 0.07;

#[test]
fn two_typos_per_question_cost_at_most_seven_points_for_now() {
    let items = read_items(&eval_file("dev.jsonl")).unwrap();
    let clean = evaluate(engine(), &items);
    for seed in [1, 2, 3] {
        let mut noisy = items.clone();
        add_typos(&mut noisy, 2, seed);
        let r = evaluate(engine(), &noisy);
        println!("seed {seed}: {r}");
        assert!(
            clean.accuracy - r.accuracy <= TYPO_DROP_GUARD,
            "seed {seed}: accuracy fell from {:.3} to {:.3}",
            clean.accuracy,
            r.accuracy
        );
    }
}
