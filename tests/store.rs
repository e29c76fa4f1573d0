//! The statistics store and the admin reports: what is kept, for how long, and how it is grouped.

mod common;

use common::engine;
use immunofaq::events::Event;
use immunofaq::report;
use immunofaq::store::Store;
use std::time::{Duration, SystemTime};

fn question(at: SystemTime, text: &str) -> Event {
    Event::Question {
        at,
        outcome: "none",
        entry: None,
        urgent: false,
        unanswered: Some(text.to_string()),
        candidates: vec!["hair-loss".into()],
    }
}

#[test]
fn old_unanswered_questions_are_purged_and_recent_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    let now = SystemTime::now();
    store.record(&question(now - Duration::from_secs(100 * 86_400), "old question")).unwrap();
    store.record(&question(now - Duration::from_secs(10 * 86_400), "recent question")).unwrap();
    assert_eq!(store.purge(90, now).unwrap(), 1);
    let left: Vec<String> = store.unanswered().unwrap().into_iter().map(|u| u.text).collect();
    assert_eq!(left, ["recent question"]);
}

#[test]
fn one_question_asked_many_ways_is_one_row_with_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    let now = SystemTime::now();
    let ways = [
        "can i get a tattoo during immunotherapy",
        "is it ok to get a tattoo on immunotherapy",
        "tattoo during immunotherapy",
        "can I have a tattoo while on immunotherapy",
        "getting a tattoo on immunotherapy ok?",
    ];
    for (i, q) in ways.iter().cycle().take(12).enumerate() {
        store.record(&question(now - Duration::from_secs(i as u64), q)).unwrap();
    }
    store.record(&question(now, "what about sauna use")).unwrap();
    store.record(&question(now, "what about sauna use")).unwrap();
    let groups = report::group(engine(), &store.unanswered().unwrap());
    assert_eq!(groups.len(), 2, "{groups:#?}");
    assert_eq!(groups[0].count, 12);
    assert!(groups[0].example.contains("tattoo"));
    assert_eq!(groups[1].count, 2);
    assert!(groups[0].closest.is_some(), "each row names the closest entry");
    let text = report::unanswered_text(engine(), &store);
    assert!(text.contains("12× "), "{text}");
}

#[test]
fn stats_count_outcomes_entries_and_votes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    let now = SystemTime::now();
    for _ in 0..3 {
        store
            .record(&Event::Question {
                at: now,
                outcome: "answer",
                entry: Some("hair-loss".into()),
                urgent: false,
                unanswered: None,
                candidates: vec![],
            })
            .unwrap();
    }
    store.record(&question(now, "weather")).unwrap();
    store.record(&Event::Vote { at: now, entry: "hair-loss".into(), up: true }).unwrap();
    store.record(&Event::Vote { at: now, entry: "hair-loss".into(), up: false }).unwrap();
    let text = report::stats_text(&store);
    assert!(text.contains("Outcomes (4 questions): answered 75%"), "{text}");
    assert!(text.contains("hair-loss: 3"), "{text}");
    assert!(text.contains("hair-loss: 1 / 1"), "{text}");
}

#[test]
fn a_damaged_database_is_a_clear_error_with_a_recovery_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    std::fs::write(&path, b"this is not a database, just text that fills the header and more".repeat(100)).unwrap();
    let err = Store::open(&path).err().expect("refused").to_string();
    assert!(err.contains("damaged") && err.contains("mv "), "{err}");
}
