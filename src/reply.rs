//! The words of a reply, as plain structured data: the urgent notice, the answer with its sources and related
//! questions, "did you mean" choices, or an honest "no match"; and the physician reminder on every one. The CLI
//! prints it as text; the Telegram adapter renders it as HTML.

use crate::corpus::{Entry, LanguageCorpus, Source};
use crate::matcher::{Match, Outcome};
use crate::text::{Language, SmallTalk};

pub const TELEGRAM_MESSAGE_LIMIT: usize = 4096;
/// How many "did you mean" or closest-topic choices a reply offers.
pub const MAX_CHOICES: usize = 3;

/// The fixed sentences of a reply, per language.
pub struct Wording {
    pub reminder: &'static str,
    pub sources: &'static str,
    pub related: &'static str,
    pub suggest: &'static str,
    pub no_match: &'static str,
    pub no_match_closest: &'static str,
    pub urgent_contact: &'static str,
    pub greeting: &'static str,
    pub acknowledgement: &'static str,
    pub thanks: &'static str,
    pub other_script: &'static str,
}

pub fn wording(lang: Language) -> &'static Wording {
    match lang {
        Language::En => &EN,
    }
}

static EN: Wording = Wording {
    reminder: "This is general information, not medical advice. Always check with your doctor or care team \
               about your own treatment.",
    sources: "Sources",
    related: "Related questions",
    suggest: "I'm not sure I understood. Did you mean one of these?",
    no_match: "Sorry, I don't have a good answer to that. I only answer common questions about cancer \
               immunotherapy (what it is, how it is given, side effects, and living with treatment). \
               Please ask your care team: they know your situation best.",
    no_match_closest: "These topics are the closest I have:",
    urgent_contact: "Your clinic's number:",
    greeting: "Hello! I answer common questions about cancer immunotherapy: what it is, how it is given, side \
               effects, and living with treatment. Ask in your own words, for example \"will my hair fall out?\", \
               or browse the topics.",
    acknowledgement: "Ask me a question about cancer immunotherapy in your own words, or browse the topics.",
    thanks: "You're welcome. Ask me another question whenever you like, and keep your care team up to date on \
             how you feel.",
    other_script: "Sorry, I can only read questions in English for now. Please ask in English, or ask your care \
                   team.",
};

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub lang: Language,
    /// Comes first, in a message of its own, when the message describes a warning sign.
    pub urgent: Option<Urgent>,
    pub body: Body,
    pub reminder: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Urgent {
    pub message: String,
    /// The clinic's own number, from configuration.
    pub contact: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Answer(AnswerView),
    Suggest { intro: &'static str, choices: Vec<Choice> },
    NoMatch { text: &'static str, closest_intro: &'static str, choices: Vec<Choice> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerView {
    pub id: String,
    pub question: String,
    pub blocks: Vec<Block>,
    pub sources_heading: &'static str,
    pub sources: Vec<std::sync::Arc<Source>>,
    pub related_heading: &'static str,
    pub related: Vec<Choice>,
}

/// A piece of answer text: a paragraph, or a run of "- " bullets.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    Bullets(Vec<String>),
}

/// An entry offered as a button or numbered choice.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub id: String,
    pub question: String,
}

/// The reply to a matched question.
pub fn compose(part: &LanguageCorpus, m: &Match, contact: Option<&str>) -> Reply {
    let words = wording(part.lang);
    let urgent = urgent(part, m, contact);
    let choice =
        |i: &usize| Choice { id: part.entries[*i].id.to_string(), question: part.entries[*i].question.to_string() };
    let body = match &m.outcome {
        Outcome::Answer(i) => Body::Answer(answer_view(part, &part.entries[*i])),
        Outcome::Suggest(ids) => Body::Suggest { intro: words.suggest, choices: ids.iter().map(choice).collect() },
        // A message that asks nothing gets a reply in kind, without topics picked from words that mean nothing.
        Outcome::NoMatch => match m.small_talk {
            Some(kind) => Body::NoMatch {
                text: match kind {
                    SmallTalk::Greeting => words.greeting,
                    SmallTalk::Thanks => words.thanks,
                    SmallTalk::Acknowledgement => words.acknowledgement,
                    SmallTalk::OtherScript => words.other_script,
                },
                closest_intro: words.no_match_closest,
                choices: Vec::new(),
            },
            None => Body::NoMatch {
                text: words.no_match,
                closest_intro: words.no_match_closest,
                choices: m
                    .candidates
                    .iter()
                    .take(MAX_CHOICES)
                    .filter(|c| c.score > 0.0)
                    .map(|c| choice(&c.entry))
                    .collect(),
            },
        },
    };
    Reply { lang: part.lang, urgent, body, reminder: words.reminder }
}

/// The urgent notice a matched question gets, if it describes a warning sign.
pub fn urgent(part: &LanguageCorpus, m: &Match, contact: Option<&str>) -> Option<Urgent> {
    if !m.is_urgent() {
        return None;
    }
    // A sign with a message of its own (not a side effect) says it first, each message once; the urgent message
    // follows when any sign found has none (or the corpus was reloaded between match and reply).
    let signs: Vec<&crate::corpus::Sign> =
        m.urgent.iter().filter_map(|id| part.warnings.signs.iter().find(|s| &s.id == id)).collect();
    let mut messages: Vec<&str> = Vec::new();
    for message in signs.iter().filter_map(|s| s.message.as_deref()) {
        if !messages.contains(&message) {
            messages.push(message);
        }
    }
    if signs.len() < m.urgent.len() || signs.iter().any(|s| s.message.is_none()) {
        messages.push(&part.warnings.urgent_message);
    }
    Some(Urgent { message: messages.join("\n\n"), contact: contact.map(str::to_string) })
}

/// The reply that shows one entry (a button tap, a deep link).
pub fn entry_reply(part: &LanguageCorpus, entry: &Entry) -> Reply {
    Reply {
        lang: part.lang,
        urgent: None,
        body: Body::Answer(answer_view(part, entry)),
        reminder: wording(part.lang).reminder,
    }
}

fn answer_view(part: &LanguageCorpus, entry: &Entry) -> AnswerView {
    let words = wording(part.lang);
    AnswerView {
        id: entry.id.to_string(),
        question: entry.question.to_string(),
        blocks: blocks(&entry.answer.text()),
        sources_heading: words.sources,
        sources: entry.sources.to_vec(),
        related_heading: words.related,
        related: entry
            .related
            .iter()
            .filter_map(|id| part.entry(id))
            .map(|e| Choice { id: e.id.to_string(), question: e.question.to_string() })
            .collect(),
    }
}

/// Splits answer text into paragraphs and bullet lists (the only structure admins write).
pub fn blocks(answer: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in answer.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        let mut paragraph: Vec<&str> = Vec::new();
        let mut bullets: Vec<String> = Vec::new();
        for line in chunk.lines().map(str::trim) {
            if let Some(item) = line.strip_prefix("- ") {
                if !paragraph.is_empty() {
                    out.push(Block::Paragraph(paragraph.join(" ")));
                    paragraph.clear();
                }
                bullets.push(item.trim().to_string());
            } else {
                if !bullets.is_empty() {
                    out.push(Block::Bullets(std::mem::take(&mut bullets)));
                }
                paragraph.push(line);
            }
        }
        if !paragraph.is_empty() {
            out.push(Block::Paragraph(paragraph.join(" ")));
        }
        if !bullets.is_empty() {
            out.push(Block::Bullets(bullets));
        }
    }
    out
}

impl Reply {
    /// The reply as a patient reads it in a terminal; choices are numbered from 1.
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(urgent) = &self.urgent {
            parts.push(urgent.to_text(self.lang));
        }
        parts.push(self.body_text());
        parts.join("\n\n")
    }

    /// The body and the reminder, without the urgent notice.
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        match &self.body {
            Body::Answer(a) => out.push_str(&a.to_text()),
            Body::Suggest { intro, choices } => {
                out.push_str(intro);
                push_choices(&mut out, choices);
            }
            Body::NoMatch { text, closest_intro, choices } => {
                out.push_str(text);
                if !choices.is_empty() {
                    out.push_str("\n\n");
                    out.push_str(closest_intro);
                    push_choices(&mut out, choices);
                }
            }
        }
        out.push_str("\n\n");
        out.push_str(self.reminder);
        out
    }

    /// The choices a user can pick from (suggestions, closest topics, or related questions).
    pub fn choices(&self) -> &[Choice] {
        match &self.body {
            Body::Answer(a) => &a.related,
            Body::Suggest { choices, .. } | Body::NoMatch { choices, .. } => choices,
        }
    }
}

impl Urgent {
    pub fn to_text(&self, lang: Language) -> String {
        match &self.contact {
            Some(number) => format!("{}\n{} {number}", self.message, wording(lang).urgent_contact),
            None => self.message.clone(),
        }
    }
}

impl AnswerView {
    pub fn to_text(&self) -> String {
        let mut out = self.question.clone();
        for block in &self.blocks {
            out.push_str("\n\n");
            match block {
                Block::Paragraph(p) => out.push_str(p),
                Block::Bullets(items) => {
                    let lines: Vec<String> = items.iter().map(|i| format!("• {i}")).collect();
                    out.push_str(&lines.join("\n"));
                }
            }
        }
        out.push_str("\n\n");
        out.push_str(self.sources_heading);
        out.push(':');
        for s in &self.sources {
            out.push_str(&format!("\n• {} ({})", s.title, s.url));
        }
        out
    }
}

fn push_choices(out: &mut String, choices: &[Choice]) {
    for (i, c) in choices.iter().enumerate() {
        out.push_str(&format!("\n{}. {}", i + 1, c.question));
    }
}

/// How long an entry's reply is in Telegram's units (UTF-16 code units of the visible text).
pub fn answer_length(entry: &Entry) -> usize {
    let view = AnswerView {
        id: entry.id.to_string(),
        question: entry.question.to_string(),
        blocks: blocks(&entry.answer.text()),
        sources_heading: EN.sources,
        sources: entry.sources.to_vec(),
        related_heading: EN.related,
        related: Vec::new(),
    };
    let text = format!("{}\n\n{}", view.to_text(), EN.reminder);
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_text_splits_into_paragraphs_and_bullets() {
        let b = blocks("First line.\n\n- one\n- two\n\nLast.");
        assert_eq!(
            b,
            vec![
                Block::Paragraph("First line.".into()),
                Block::Bullets(vec!["one".into(), "two".into()]),
                Block::Paragraph("Last.".into())
            ]
        );
    }

    #[test]
    fn a_paragraph_directly_followed_by_bullets_keeps_both() {
        let b = blocks("Call if you have:\n- fever\n- rash");
        assert_eq!(
            b,
            vec![Block::Paragraph("Call if you have:".into()), Block::Bullets(vec!["fever".into(), "rash".into()])]
        );
    }
}
