//! What the bot reports about its work for statistics and the unanswered-questions list: outcomes, votes,
//! and the scrubbed text of questions it could not answer. Never a user id, chat id or name.

use std::time::SystemTime;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Question {
        at: SystemTime,
        /// "answer", "suggest" or "none".
        outcome: &'static str,
        entry: Option<String>,
        urgent: bool,
        /// For suggest and no match only: the question after `scrub`, so admins can grow the FAQ.
        unanswered: Option<String>,
        /// The closest entries, best first.
        candidates: Vec<String>,
    },
    Vote {
        at: SystemTime,
        entry: String,
        up: bool,
    },
}
