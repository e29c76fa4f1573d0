//! `immunofaq match`: the line protocol for evaluation tools. One question per line in, one JSON object per
//! line out, in order, flushed after each.

use crate::matcher::{Engine, Match, Outcome};
use serde::Serialize;
use std::io::{BufRead, Write};

#[derive(Serialize)]
struct Line<'a> {
    id: Option<&'a str>,
    outcome: &'static str,
    urgent: bool,
    score: f32,
    candidates: Vec<CandidateLine<'a>>,
}

#[derive(Serialize)]
struct CandidateLine<'a> {
    id: &'a str,
    score: f32,
}

/// The protocol promises at least this many candidates (fewer only when the corpus has fewer entries).
const MIN_CANDIDATES: usize = 3;

pub fn run(engine: &Engine) -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("cannot read standard input: {e}"))?;
        let m = engine.ask(&line);
        let json = serde_json::to_string(&to_line(engine, &m)).map_err(|e| e.to_string())?;
        writeln!(out, "{json}").and_then(|_| out.flush()).map_err(|e| format!("cannot write: {e}"))?;
    }
    Ok(())
}

fn to_line<'a>(engine: &'a Engine, m: &Match) -> Line<'a> {
    let part = engine.part(m.lang);
    let mut candidates: Vec<CandidateLine<'a>> =
        m.candidates.iter().map(|c| CandidateLine { id: &part.entries[c.entry].id, score: round(c.score) }).collect();
    // Pad with zero-score entries so every line has the promised number of candidates.
    for entry in &part.entries {
        if candidates.len() >= MIN_CANDIDATES {
            break;
        }
        if !candidates.iter().any(|c| c.id == &*entry.id) {
            candidates.push(CandidateLine { id: &entry.id, score: 0.0 });
        }
    }
    Line {
        id: match &m.outcome {
            Outcome::Answer(i) => Some(&*part.entries[*i].id),
            _ => None,
        },
        outcome: m.outcome.name(),
        urgent: m.is_urgent(),
        score: round(m.confidence),
        candidates,
    }
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
