//! immunofaq answers patients' questions about cancer immunotherapy from a curated, sourced FAQ.
//!
//! The architecture, one question flowing one way:
//! - `corpus`: loads `faq/<lang>/*.toml` (entries, lexicon, warning signs) and validates it;
//! - `text`: the pure text pipeline (fold, tokenise, correct typos, stem, lexicon, stop words);
//! - `matcher`: the inverted index, scoring, the answer/suggest/no-match decision and the urgent flag;
//! - `reply`: the words of a reply as structured data, with the physician reminder;
//! - `cli`: the offline faces (check, ask, chat, match, eval) and `serve`;
//! - `telegram`: the only module that knows Telegram; it renders replies as HTML and talks to the Bot API.
//!
//! Nothing outside `telegram` imports teloxide, so the CLI and the tests exercise the same core as the bot.

#![forbid(unsafe_code)]

pub mod cli;
pub mod corpus;
pub mod events;
mod exact;
pub mod health;
pub mod matcher;
pub mod metrics;
mod packed;
mod parallel;
pub mod reload;
pub mod reply;
pub mod report;
pub mod scrub;
pub mod store;
pub mod telegram;
pub mod text;
