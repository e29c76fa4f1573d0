//! What the pipeline needs to know about each language: its folder code, stemmer, stop words, contractions,
//! and the words that tell a question *about* symptoms from a report *of* symptoms. A new language (Arabic is
//! next) is a new arm in each match here and in `small_talk.rs`, plus a `faq/<code>/` folder.

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Language {
    En,
}

impl Language {
    pub const ALL: &'static [Language] = &[Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        Self::ALL.iter().copied().find(|l| l.code() == code)
    }

    /// The language a message is written in, among those the corpus has. With one language there is no
    /// choice; with several, the script decides (Arabic letters → Arabic).
    pub fn detect(_text: &str, available: &[Language]) -> Option<Language> {
        available.first().copied()
    }

    pub fn stemmer(self) -> Stemmer {
        match self {
            Language::En => Stemmer::create(Algorithm::English),
        }
    }

    /// Words shorter than this are never "corrected": "flu" must not become "fly", nor "pd" "pain".
    pub fn min_correctable_len(self) -> usize {
        match self {
            Language::En => 4,
        }
    }

    /// General words of the language (SCOWL, see `words/COPYING-SCOWL`): a real word the corpus does not use is
    /// left as it is, never "corrected" into a corpus word ("prime" must not become "price").
    pub fn dictionary(self) -> &'static rustc_hash::FxHashSet<&'static str> {
        static EN_WORDS: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> = std::sync::OnceLock::new();
        match self {
            Language::En => EN_WORDS.get_or_init(|| include_str!("words/en.txt").lines().collect()),
        }
    }

    pub fn stop_words(self) -> &'static [&'static str] {
        match self {
            Language::En => EN_STOP,
        }
    }

    pub fn is_stop_word(self, word: &str) -> bool {
        static EN: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> = std::sync::OnceLock::new();
        match self {
            Language::En => EN.get_or_init(|| EN_STOP.iter().copied().collect()).contains(word),
        }
    }

    /// Expands a word with an apostrophe ("can" + "t") into whole words, when it is a negating contraction.
    pub fn expand_contraction(self, stem: &str, suffix: &str) -> Option<&'static [&'static str]> {
        match self {
            Language::En => match (stem, suffix) {
                ("can", "t") | ("cannot", "") => Some(&["can", "not"]),
                ("won", "t") => Some(&["will", "not"]),
                ("shan", "t") => Some(&["shall", "not"]),
                (s, "t") if s.ends_with('n') => EN_NT.iter().find(|(w, _)| *w == s).map(|(_, parts)| *parts),
                // Typed without the apostrophe: "dont", "didnt", "cant", "whats".
                (s, "") => EN_NO_APOSTROPHE.iter().find(|(w, _)| *w == s).map(|(_, parts)| *parts),
                _ => None,
            },
        }
    }

    pub fn is_droppable_suffix(self, suffix: &str) -> bool {
        match self {
            Language::En => matches!(suffix, "s" | "m" | "re" | "ve" | "ll" | "d"),
        }
    }

    /// Words that start a general question ("can immunotherapy cause diarrhoea?").
    pub fn question_openers(self) -> &'static [&'static str] {
        match self {
            Language::En => &[
                "can", "could", "does", "do", "is", "are", "will", "would", "what", "which", "how", "why", "when",
                "should", "might", "may", "list", "tell", "explain",
            ],
        }
    }

    /// What follows a word to negate it, as folded text splits it ("can't" → "can", "t").
    pub fn negations(self) -> &'static [&'static str] {
        match self {
            Language::En => &["not", "t"],
        }
    }

    /// Phrases that place a message long in the past, and words that bring it back to now: a symptom in "years
    /// ago I fainted" is no warning, in "I fainted years ago and again today" it is.
    pub fn time_markers(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Language::En => (
                &["years ago", "year ago", "last year", "months ago", "as a child", "when i was young", "years back"],
                &["now", "today", "tonight", "currently", "still", "again", "since", "yesterday", "recently", "lately"],
            ),
        }
    }

    /// Words that make a message about a real person now ("my", "I", "my husband"): then symptoms are reported,
    /// not asked about.
    pub fn personal_markers(self) -> &'static [&'static str] {
        match self {
            Language::En => &[
                "i",
                "me",
                "my",
                "mine",
                "myself",
                "im",
                "ive",
                "we",
                "our",
                "us",
                "he",
                "she",
                "his",
                "her",
                "him",
                "they",
                "their",
                "them",
                "husband",
                "wife",
                "partner",
                "son",
                "daughter",
                "mum",
                "mom",
                "mother",
                "dad",
                "father",
                "brother",
                "sister",
                "child",
                "baby",
                "grandma",
                "grandpa",
                "friend",
                "today",
                "yesterday",
                "tonight",
                "now",
                "since",
            ],
        }
    }
}

static EN_NO_APOSTROPHE: &[(&str, &[&str])] = &[
    ("dont", &["do", "not"]),
    ("doesnt", &["does", "not"]),
    ("didnt", &["did", "not"]),
    ("cant", &["can", "not"]),
    ("isnt", &["is", "not"]),
    ("arent", &["are", "not"]),
    ("wasnt", &["was", "not"]),
    ("havent", &["have", "not"]),
    ("hasnt", &["has", "not"]),
    ("couldnt", &["could", "not"]),
    ("shouldnt", &["should", "not"]),
    ("wouldnt", &["would", "not"]),
    ("wont", &["will", "not"]),
    ("werent", &["were", "not"]),
    ("hadnt", &["had", "not"]),
    ("whats", &["what"]),
    ("thats", &["that"]),
    ("hows", &["how"]),
    ("whos", &["who"]),
    ("wheres", &["where"]),
    ("theres", &["there"]),
];

static EN_NT: &[(&str, &[&str])] = &[
    ("don", &["do", "not"]),
    ("doesn", &["does", "not"]),
    ("didn", &["did", "not"]),
    ("isn", &["is", "not"]),
    ("aren", &["are", "not"]),
    ("wasn", &["was", "not"]),
    ("weren", &["were", "not"]),
    ("haven", &["have", "not"]),
    ("hasn", &["has", "not"]),
    ("hadn", &["had", "not"]),
    ("couldn", &["could", "not"]),
    ("shouldn", &["should", "not"]),
    ("wouldn", &["would", "not"]),
    ("mustn", &["must", "not"]),
    ("needn", &["need", "not"]),
];

/// Function words only. Kept out on purpose, because they separate intents: when, how, long, can, not, no,
/// after, during, before, while, why, where, who, stop, still, again.
#[rustfmt::skip]
static EN_STOP: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "if", "so", "then", "than", "of", "to", "in", "on", "at", "by", "for",
    "from", "with", "about", "into", "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does",
    "did", "doing", "have", "has", "had", "having", "i", "me", "my", "mine", "myself", "you", "your", "yours",
    "we", "our", "us", "he", "him", "his", "she", "her", "hers", "it", "its", "they", "them", "their", "this",
    "that", "these", "those", "there", "here", "what", "which", "would", "could", "shall", "just", "very",
    "really", "please", "pls", "plz", "hi", "hello", "hey", "thanks", "thank", "ok", "okay", "um", "uh", "also",
    "some", "any", "im", "ive", "id", "ill", "u", "ur", "wondering", "wonder", "question", "thing", "things",
    "lot", "bit", "anyone", "someone", "something", "anything", "too", "quite", "maybe", "actually", "basically",
    "kind", "sort",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_words_are_not_stop_words() {
        for w in ["when", "how", "long", "can", "not", "no", "after", "during", "before", "while", "stop"] {
            assert!(!Language::En.is_stop_word(w), "{w} must stay");
        }
    }

    #[test]
    fn every_language_has_a_code_that_round_trips() {
        for l in Language::ALL {
            assert_eq!(Language::from_code(l.code()), Some(*l));
        }
    }
}
