//! `immunofaq eval`: matching quality on a labelled question file: in-scope accuracy, top-3 recall, wrong
//! answers, and how often out-of-scope questions are declined; optionally with seeded random typos.

use crate::matcher::{Candidate, Engine, Outcome, Thresholds, decide_with};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// JSON lines: {"q": "question", "topic": "entry-id"} or {"q": ..., "topic": null} for "must not answer".
    pub file: PathBuf,
    /// Random character edits added to each question (insert, delete, substitute or swap a letter).
    #[arg(long, default_value_t = 0)]
    pub typos: usize,
    /// Seed for the typos, so a run can be repeated exactly.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also print the figures over a grid of decision thresholds (how the thresholds were chosen).
    #[arg(long)]
    pub sweep: bool,
    /// Print every question that was not handled as labelled.
    #[arg(long)]
    pub errors: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub q: String,
    pub topic: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Report {
    pub in_scope: usize,
    pub out_of_scope: usize,
    pub accuracy: f64,
    pub top1: f64,
    pub top3: f64,
    pub wrong: f64,
    pub declined: f64,
    pub oos_answered: f64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "in-scope questions: {}", self.in_scope)?;
        writeln!(f, "  answered with the right entry: {:.1}%", self.accuracy * 100.0)?;
        writeln!(f, "  right entry ranked first:      {:.1}%", self.top1 * 100.0)?;
        writeln!(f, "  right entry in the top 3:      {:.1}%", self.top3 * 100.0)?;
        writeln!(f, "  answered with a wrong entry:   {:.1}%", self.wrong * 100.0)?;
        writeln!(f, "out-of-scope questions: {}", self.out_of_scope)?;
        writeln!(f, "  declined (no match):           {:.1}%", self.declined * 100.0)?;
        write!(f, "  answered:                      {:.1}%", self.oos_answered * 100.0)
    }
}

pub fn read_items(path: &std::path::Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: not a question line: {e}", path.display(), n + 1))
        })
        .collect()
}

pub fn run(engine: &Engine, args: &EvalArgs) -> Result<(), String> {
    let mut items = read_items(&args.file)?;
    check_topics(engine, &items)?;
    if args.typos > 0 {
        add_typos(&mut items, args.typos, args.seed);
    }
    let ranked = rank(engine, &items);
    println!("{}", report(engine, &items, &ranked, &Thresholds::DEFAULT));
    if args.errors {
        print_errors(engine, &items, &ranked);
    }
    if args.sweep {
        sweep(engine, &items, &ranked);
    }
    Ok(())
}

/// Every labelled topic must exist, or the figures would silently count a typo in the file as a miss.
fn check_topics(engine: &Engine, items: &[Item]) -> Result<(), String> {
    for item in items {
        if let Some(t) = &item.topic
            && engine.corpus().find(t).is_none()
        {
            return Err(format!("the question \"{}\" is labelled `{t}`, which is not an entry id", item.q));
        }
    }
    Ok(())
}

/// The candidates for every question, computed once so that a threshold sweep only re-decides.
pub fn rank(engine: &Engine, items: &[Item]) -> Vec<Vec<Candidate>> {
    items.iter().map(|i| engine.ask(&i.q).candidates).collect()
}

pub fn evaluate(engine: &Engine, items: &[Item]) -> Report {
    report(engine, items, &rank(engine, items), &Thresholds::DEFAULT)
}

pub fn report(engine: &Engine, items: &[Item], ranked: &[Vec<Candidate>], t: &Thresholds) -> Report {
    let mut r = Report::default();
    let (mut right, mut top1, mut top3, mut wrong, mut declined, mut oos_answered) = (0, 0, 0, 0, 0, 0);
    for (item, candidates) in items.iter().zip(ranked) {
        let outcome = decide_with(candidates, t);
        let part = engine.corpus().parts.first().expect("a loaded corpus has a language");
        let id_of = |i: usize| &*part.entries[i].id;
        match &item.topic {
            Some(topic) => {
                r.in_scope += 1;
                if candidates.iter().take(3).any(|c| id_of(c.entry) == topic) {
                    top3 += 1;
                }
                if candidates.first().is_some_and(|c| id_of(c.entry) == topic) {
                    top1 += 1;
                }
                match outcome {
                    Outcome::Answer(i) if id_of(i) == topic => right += 1,
                    Outcome::Answer(_) => wrong += 1,
                    _ => {}
                }
            }
            None => {
                r.out_of_scope += 1;
                match outcome {
                    Outcome::NoMatch => declined += 1,
                    Outcome::Answer(_) => oos_answered += 1,
                    Outcome::Suggest(_) => {}
                }
            }
        }
    }
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    r.accuracy = share(right, r.in_scope);
    r.top1 = share(top1, r.in_scope);
    r.top3 = share(top3, r.in_scope);
    r.wrong = share(wrong, r.in_scope);
    r.declined = share(declined, r.out_of_scope);
    r.oos_answered = share(oos_answered, r.out_of_scope);
    r
}

fn print_errors(engine: &Engine, items: &[Item], ranked: &[Vec<Candidate>]) {
    let part = engine.corpus().parts.first().expect("a loaded corpus has a language");
    println!("\nnot handled as labelled:");
    for (item, candidates) in items.iter().zip(ranked) {
        let outcome = decide_with(candidates, &Thresholds::DEFAULT);
        let got = match &outcome {
            Outcome::Answer(i) => Some(&*part.entries[*i].id),
            _ => None,
        };
        let ok = match &item.topic {
            Some(t) => got == Some(t.as_str()),
            None => matches!(outcome, Outcome::NoMatch),
        };
        if ok {
            continue;
        }
        let top: Vec<String> =
            candidates.iter().take(3).map(|c| format!("{}={:.2}", part.entries[c.entry].id, c.score)).collect();
        println!(
            "  [{}] want {} got {} | {} | {}",
            outcome.name(),
            item.topic.as_deref().unwrap_or("none"),
            got.unwrap_or("-"),
            item.q,
            top.join(" ")
        );
    }
}

fn sweep(engine: &Engine, items: &[Item], ranked: &[Vec<Candidate>]) {
    println!("\nanswer_min margin suggest_min | accuracy wrong top3 | declined oos_answered");
    for answer_min in [0.26, 0.28, 0.3, 0.32, 0.34, 0.36, 0.38, 0.4] {
        for margin in [0.0, 0.05, 0.1, 0.15] {
            for suggest_min in [0.26, 0.28, 0.3, 0.32, 0.34] {
                if suggest_min > answer_min {
                    continue;
                }
                let t = Thresholds { answer_min, margin, suggest_min, ..Thresholds::DEFAULT };
                let r = report(engine, items, ranked, &t);
                println!(
                    "{answer_min:.2} {margin:.2} {suggest_min:.2} | {:.3} {:.3} {:.3} | {:.3} {:.3}",
                    r.accuracy, r.wrong, r.top3, r.declined, r.oos_answered
                );
            }
        }
    }
}

/// Adds `n` seeded random letter edits to every question.
pub fn add_typos(items: &mut [Item], n: usize, seed: u64) {
    let mut rng = SplitMix64(seed);
    for item in items {
        let mut chars: Vec<char> = item.q.chars().collect();
        for _ in 0..n {
            let letters: Vec<usize> = (0..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
            if letters.is_empty() {
                break;
            }
            let at = letters[rng.below(letters.len())];
            let letter = (b'a' + rng.below(26) as u8) as char;
            match rng.below(4) {
                0 => chars.insert(at, letter),
                1 => {
                    chars.remove(at);
                }
                2 => chars[at] = letter,
                _ => {
                    if at + 1 < chars.len() {
                        chars.swap(at, at + 1);
                    }
                }
            }
        }
        item.q = chars.into_iter().collect();
    }
}

/// A tiny seeded generator: the typo runs must repeat exactly, and no more than this is needed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_seeded_and_change_the_text() {
        let make = || vec![Item { q: "will my hair fall out".into(), topic: None }];
        let (mut a, mut b) = (make(), make());
        add_typos(&mut a, 2, 7);
        add_typos(&mut b, 2, 7);
        assert_eq!(a[0].q, b[0].q);
        assert_ne!(a[0].q, "will my hair fall out");
    }
}
