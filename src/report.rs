//! Reports for admins, as plain text: the questions the bot could not answer, grouped so that one question
//! asked twelve ways is one row with its count and the closest existing entry; and usage statistics.

use crate::matcher::Engine;
use crate::store::{Store, Unanswered};

/// Two questions whose content terms overlap at least this much (Jaccard) are one row.
pub const SAME_QUESTION: f32 = 0.5;
/// How many rows a report shows.
pub const ROWS: usize = 30;

/// A group of similar unanswered questions.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub count: usize,
    /// The wording asked most often (the first when tied).
    pub example: String,
    pub latest: String,
    /// The closest existing entry under the current FAQ, with its score.
    pub closest: Option<(String, f32)>,
}

/// Groups questions by shared terms, most frequent first.
pub fn group(engine: &Engine, questions: &[Unanswered]) -> Vec<Group> {
    struct Cluster {
        terms: Vec<String>,
        texts: Vec<String>,
        latest: String,
    }
    let mut clusters: Vec<Cluster> = Vec::new();
    for q in questions {
        let terms = engine.content_terms(&q.text);
        let home = clusters.iter_mut().find(|c| jaccard(&c.terms, &terms) >= SAME_QUESTION);
        match home {
            Some(c) => {
                c.texts.push(q.text.clone());
                c.latest = c.latest.clone().max(q.day.clone());
            }
            None => clusters.push(Cluster { terms, texts: vec![q.text.clone()], latest: q.day.clone() }),
        }
    }
    let mut groups: Vec<Group> = clusters
        .into_iter()
        .map(|c| {
            let example = most_common(&c.texts);
            let m = engine.ask(&example);
            let part = engine.part(m.lang);
            let closest = m.candidates.first().map(|top| (part.entries[top.entry].id.to_string(), top.score));
            Group { count: c.texts.len(), example, latest: c.latest, closest }
        })
        .collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(b.latest.cmp(&a.latest)));
    groups
}

fn jaccard(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let shared = a.iter().filter(|t| b.contains(t)).count();
    shared as f32 / (a.len() + b.len() - shared) as f32
}

fn most_common(texts: &[String]) -> String {
    let mut best = &texts[0];
    let mut best_count = 0;
    for t in texts {
        let n = texts.iter().filter(|x| x.eq_ignore_ascii_case(t)).count();
        if n > best_count {
            best = t;
            best_count = n;
        }
    }
    best.clone()
}

pub fn unanswered_text(engine: &Engine, store: &Store) -> String {
    let questions = match store.unanswered() {
        Ok(q) => q,
        Err(e) => return format!("The statistics database could not be read: {e}"),
    };
    if questions.is_empty() {
        return "No unanswered questions are stored.".to_string();
    }
    let groups = group(engine, &questions);
    let mut out = format!(
        "Unanswered questions: {} stored, {} different, most frequent first. Add an alternate to the closest entry, \
         or a new entry.\n",
        questions.len(),
        groups.len()
    );
    for g in groups.iter().take(ROWS) {
        let closest = g.closest.as_ref().map_or("none".to_string(), |(id, s)| format!("{id} ({s:.2})"));
        out.push_str(&format!("\n{}× \"{}\" (last {}), closest entry: {closest}", g.count, g.example, g.latest));
    }
    out
}

pub fn stats_text(store: &Store) -> String {
    let (daily, entries) = match (store.daily(14), store.entries()) {
        (Ok(d), Ok(e)) => (d, e),
        (Err(e), _) | (_, Err(e)) => return format!("The statistics database could not be read: {e}"),
    };
    let mut out = String::from("Questions per day (last 14 days):");
    let mut days: Vec<&str> = daily.iter().map(|(d, ..)| d.as_str()).collect();
    days.dedup();
    for day in &days {
        let n: u64 = daily.iter().filter(|(d, ..)| d == day).map(|r| r.3).sum();
        out.push_str(&format!("\n  {day}: {n}"));
    }
    if days.is_empty() {
        out.push_str("\n  none yet");
    }
    let total: u64 = daily.iter().map(|r| r.3).sum();
    let share = |n: u64| {
        if total == 0 { 0.0 } else { 100.0 * n as f64 / total as f64 }
    };
    let count = |o: &str| daily.iter().filter(|r| r.1 == o).map(|r| r.3).sum::<u64>();
    let urgent: u64 = daily.iter().filter(|r| r.2).map(|r| r.3).sum();
    out.push_str(&format!(
        "\n\nOutcomes ({total} questions): answered {:.0}%, suggested {:.0}%, no match {:.0}%, urgent {:.0}%",
        share(count("answer")),
        share(count("suggest")),
        share(count("none")),
        share(urgent)
    ));
    out.push_str("\n\nMost asked entries:");
    for e in entries.iter().filter(|e| e.asked > 0).take(10) {
        out.push_str(&format!("\n  {}: {}", e.entry, e.asked));
    }
    out.push_str("\n\nFeedback (👍 / 👎):");
    let mut voted: Vec<_> = entries.iter().filter(|e| e.up + e.down > 0).collect();
    voted.sort_by_key(|e| std::cmp::Reverse(e.up + e.down));
    for e in voted.iter().take(15) {
        out.push_str(&format!("\n  {}: {} / {}", e.entry, e.up, e.down));
    }
    if voted.is_empty() {
        out.push_str("\n  no votes yet");
    }
    out
}
