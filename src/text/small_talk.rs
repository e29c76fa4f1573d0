//! Messages that ask nothing: greetings, thanks, a bare "ok", emoji, or text in another script. They get a reply
//! in kind rather than "I don't know" and topics picked from words that mean nothing.

use super::Language;

/// What a message that asks nothing is, for the reply in kind it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    /// "yes", "no", "ok": an answer to nothing the bot asked.
    Acknowledgement,
    OtherScript,
}

impl SmallTalk {
    /// Whether admins should see it among the unanswered questions: a greeting or thanks is no gap in the FAQ, a
    /// question in another script is (a language to add).
    pub fn is_faq_gap(self) -> bool {
        self == SmallTalk::OtherScript
    }
}

impl Language {
    /// What a message that asks nothing is: only greeting, thanks or "ok" words (with emoji or punctuation), only
    /// emoji or punctuation, or mostly letters of another script. `folded` is the message as `fold` leaves it.
    pub fn small_talk(self, folded: &str) -> Option<SmallTalk> {
        // Plain ASCII, most messages, has no letter of another script to count.
        if !folded.is_ascii() {
            let letters = folded.chars().filter(|c| c.is_alphabetic());
            let (all, own) = letters.fold((0, 0), |(all, own), c| (all + 1, own + usize::from(self.writes_with(c))));
            if all >= 2 && own * 2 < all {
                return Some(SmallTalk::OtherScript);
            }
        }
        let (greetings, thanks, acks, fillers) = match self {
            Language::En => (EN_GREETINGS, EN_THANKS, EN_ACKNOWLEDGEMENTS, EN_SMALL_TALK_FILLERS),
        };
        // One pass that gives up at the first word that asks something (most messages' first word).
        let (mut any, mut kinds) = (false, [false; 3]);
        for word in folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            any = true;
            let mut known = fillers.contains(&word);
            for (list, kind) in [thanks, greetings, acks].into_iter().zip(&mut kinds) {
                if list.contains(&word) {
                    (*kind, known) = (true, true);
                }
            }
            if !known {
                return None;
            }
        }
        // Only emoji or punctuation ("👍", "?"): nothing asked, but something said.
        if !any {
            return (!folded.trim().is_empty()).then_some(SmallTalk::Acknowledgement);
        }
        // Thanks wins over a greeting ("hi, thanks" closes a conversation), and both over "ok".
        let [thanked, greeted, acknowledged] = kinds;
        [(thanked, SmallTalk::Thanks), (greeted, SmallTalk::Greeting), (acknowledged, SmallTalk::Acknowledgement)]
            .into_iter()
            .find_map(|(said, kind)| said.then_some(kind))
    }

    /// Whether the language is written with this letter.
    fn writes_with(self, c: char) -> bool {
        match self {
            // Latin letters, accented ones included (names, borrowed words).
            Language::En => c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c),
        }
    }
}

static EN_GREETINGS: &[&str] =
    &["hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "greetings", "yo", "start"];
static EN_THANKS: &[&str] = &["thanks", "thank", "thx", "ty", "cheers", "ta", "thankyou", "bye", "goodbye"];
static EN_ACKNOWLEDGEMENTS: &[&str] = &[
    "yes", "yeah", "yep", "no", "nope", "ok", "okay", "k", "sure", "maybe", "alright", "fine", "cool", "nice", "good",
    "great",
];
/// Words that go with a greeting, thanks or "ok" and ask nothing by themselves.
static EN_SMALL_TALK_FILLERS: &[&str] = &[
    "there",
    "you",
    "so",
    "much",
    "very",
    "a",
    "lot",
    "lovely",
    "that",
    "this",
    "is",
    "was",
    "it",
    "helps",
    "helped",
    "helpful",
    "again",
    "for",
    "the",
    "info",
    "information",
    "bot",
    "all",
    "many",
    "oh",
    "and",
    "dear",
    "everyone",
    "doctor",
    "nurse",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_thanks_and_other_scripts_are_small_talk_and_questions_are_not() {
        let talk = |text: &str| Language::En.small_talk(&crate::text::fold(text));
        for text in ["hi", "Hello there!", "good morning 👋", "hey bot"] {
            assert_eq!(talk(text), Some(SmallTalk::Greeting), "{text}");
        }
        for text in ["thanks", "Thank you so much, that helps!", "hi, thanks", "cheers"] {
            assert_eq!(talk(text), Some(SmallTalk::Thanks), "{text}");
        }
        for text in ["ما هو العلاج المناعي", "что такое иммунотерапия"] {
            assert_eq!(talk(text), Some(SmallTalk::OtherScript), "{text}");
        }
        for text in ["ok", "No.", "yes sure", "👍", "?"] {
            assert_eq!(talk(text), Some(SmallTalk::Acknowledgement), "{text}");
        }
        for text in
            ["hi, can keytruda cause diarrhoea", "thanks, and how long does it last", "José", "", "  ", "no rash"]
        {
            assert_eq!(talk(text), None, "{text}");
        }
    }
}
