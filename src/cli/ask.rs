//! `immunofaq ask` and `immunofaq chat`: the replies a patient would read, in the terminal.

use crate::matcher::{Engine, Explanation, Match};
use crate::reply::{self, Reply};
use std::io::{BufRead, Write};

pub fn ask(engine: &Engine, question: &str, explain: bool, contact: Option<&str>) {
    let (m, explanation) = engine.explain(question);
    let reply = reply::compose(engine.part(m.lang), &m, contact);
    println!("{}", reply.to_text());
    if explain {
        println!("\n---\n{}", explain_text(engine, &m, &explanation));
    }
}

pub fn chat(engine: &Engine, contact: Option<&str>) -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut last: Option<Reply> = None;
    println!("Ask a question about cancer immunotherapy (an empty line or Ctrl-D ends).");
    loop {
        print!("> ");
        out.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).map_err(|e| e.to_string())? == 0 || line.trim().is_empty() {
            return Ok(());
        }
        let line = line.trim();
        let picked = line
            .parse::<usize>()
            .ok()
            .and_then(|n| last.as_ref().and_then(|r| r.choices().get(n.wrapping_sub(1))).cloned());
        let reply = match picked {
            Some(choice) => {
                let (part, entry) = engine.corpus().find(&choice.id).expect("choices come from the corpus");
                reply::entry_reply(part, entry)
            }
            None => {
                let m = engine.ask(line);
                reply::compose(engine.part(m.lang), &m, contact)
            }
        };
        println!("\n{}\n", reply.to_text());
        if let reply::Body::Answer(a) = &reply.body
            && !a.related.is_empty()
        {
            println!("{}:", a.related_heading);
            for (i, c) in a.related.iter().enumerate() {
                println!("{}. {}", i + 1, c.question);
            }
            println!();
        }
        last = Some(reply);
    }
}

pub fn explain_text(engine: &Engine, m: &Match, e: &Explanation) -> String {
    let part = engine.part(m.lang);
    let mut out = String::new();
    out.push_str(&format!("language: {}\n", m.lang.code()));
    out.push_str(&format!("folded: {}\n", e.analysis.folded));
    let corrections: Vec<String> = e.analysis.corrections.iter().map(|(a, b)| format!("{a} → {b}")).collect();
    out.push_str(&format!(
        "corrections: {}\n",
        if corrections.is_empty() { "none".into() } else { corrections.join(", ") }
    ));
    let tokens: Vec<String> =
        e.analysis.tokens.iter().map(|t| if t.stop { format!("({})", t.term) } else { t.term.clone() }).collect();
    out.push_str(&format!("tokens: {}\n", tokens.join(" ")));
    let terms: Vec<String> =
        e.terms.iter().map(|(t, w, known)| format!("{t}={w:.2}{}", if *known { "" } else { " (unknown)" })).collect();
    out.push_str(&format!("terms: {}\n", terms.join(" ")));
    out.push_str(&format!(
        "urgent: {}\n",
        if e.urgent_labels.is_empty() { "no".to_string() } else { e.urgent_labels.join("; ") }
    ));
    out.push_str(&format!("outcome: {} (confidence {:.3})\n", m.outcome.name(), m.confidence));
    out.push_str("candidates:\n");
    for c in m.candidates.iter().take(5) {
        let entry = &part.entries[c.entry];
        let phrasing = entry.phrasing(c.phrasing_ordinal as usize).unwrap_or_default();
        out.push_str(&format!(
            "  {:.3} {}  phrasing {:.3} \"{}\"  profile {:.3}  order {:.2}  answer {:.2}{}\n",
            c.score,
            entry.id,
            c.phrasing,
            phrasing,
            c.profile,
            c.order,
            c.answer,
            if c.out_of_scope { "  off-topic penalty" } else { "" }
        ));
    }
    out
}
