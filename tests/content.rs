//! The shipped corpus meets the content contract: every required topic, enough phrasings, answers of a
//! readable length with https sources and a review date, and a dev set that shares no phrasing with it.

mod common;

use common::{engine, eval_file};
use immunofaq::text::Analyzer;
use std::collections::HashSet;

fn required_topics() -> Vec<String> {
    std::fs::read_to_string(eval_file("required_topics.txt")).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn every_required_topic_has_an_entry_with_exactly_its_id() {
    let part = &engine().corpus().parts[0];
    let topics = required_topics();
    assert_eq!(topics.len(), 68);
    let missing: Vec<&String> = topics.iter().filter(|t| part.entry(t).is_none()).collect();
    assert!(missing.is_empty(), "missing topics: {missing:?}");
}

#[test]
fn every_entry_meets_the_content_rules() {
    let mut failures = Vec::new();
    for entry in &engine().corpus().parts[0].entries {
        let length = entry.answer.text().chars().count();
        if entry.alternates.len() < 8 {
            failures.push(format!("{}: {} alternates", entry.id, entry.alternates.len()));
        }
        if !(300..=1200).contains(&length) {
            failures.push(format!("{}: answer of {length} characters", entry.id));
        }
        if !entry.sources.iter().any(|s| s.url.starts_with("https://")) {
            failures.push(format!("{}: no https source", entry.id));
        }
        if entry.sources.len() > 3 {
            failures.push(format!("{}: {} sources", entry.id, entry.sources.len()));
        }
        if entry.reviewed.to_string().len() != 10 {
            failures.push(format!("{}: reviewed `{}`", entry.id, entry.reviewed));
        }
        if entry.related.is_empty() || entry.related.len() > 3 {
            failures.push(format!("{}: {} related", entry.id, entry.related.len()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn answers_give_no_dosing_advice_and_no_promises() {
    let banned = ["mg", "milligram", "you will be cured", "guaranteed", "will definitely", "100% "];
    for entry in &engine().corpus().parts[0].entries {
        let answer = format!(" {} ", entry.answer.text().to_lowercase());
        for word in banned {
            let hit = if word == "mg" {
                answer.split(|c: char| !c.is_alphanumeric()).any(|w| w == "mg")
            } else {
                answer.contains(word)
            };
            assert!(!hit, "{} says \"{word}\"", entry.id);
        }
    }
}

#[test]
fn no_dev_or_holdout_question_is_also_a_corpus_phrasing() {
    let part = &engine().corpus().parts[0];
    let analyzer = Analyzer::plain(part.lang);
    let phrasings: HashSet<String> = part
        .entries
        .iter()
        .flat_map(|e| (0..=e.alternates.len()).filter_map(move |k| e.phrasing(k)))
        .map(|p| analyzer.phrasing_key(&p))
        .collect();
    let mut items = immunofaq::cli::eval::read_items(&eval_file("dev.jsonl")).unwrap();
    items.extend(immunofaq::cli::eval::read_items(&eval_file("holdout.jsonl")).unwrap());
    let shared: Vec<&str> =
        items.iter().filter(|i| phrasings.contains(&analyzer.phrasing_key(&i.q))).map(|i| i.q.as_str()).collect();
    assert!(shared.is_empty(), "dev questions that are also corpus phrasings: {shared:#?}");
}

#[test]
fn the_dev_set_has_enough_questions_per_topic_and_out_of_scope() {
    let items = immunofaq::cli::eval::read_items(&eval_file("dev.jsonl")).unwrap();
    let in_scope = items.iter().filter(|i| i.topic.is_some()).count();
    let out = items.len() - in_scope;
    assert!(in_scope >= 400 && out >= 100, "{in_scope} in scope, {out} out of scope");
    for topic in required_topics() {
        let n = items.iter().filter(|i| i.topic.as_deref() == Some(topic.as_str())).count();
        assert!(n >= 4, "{topic} has {n} dev questions");
    }
}

#[test]
fn the_lexicon_has_at_least_150_terms() {
    let part = &engine().corpus().parts[0];
    assert!(part.term_count() >= 150, "{} terms", part.term_count());
}
