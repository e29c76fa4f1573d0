//! Replies as Telegram HTML: only the tags the Bot API accepts (b, i, a), every text escaped, split into
//! messages of at most 4096 characters at block boundaries, never inside a tag or an entity.

use super::callback::Callback;
use crate::matcher::Engine;
use crate::reply::{AnswerView, Block, Body, Choice, Reply, Urgent};
use crate::text::Language;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

pub const LIMIT: usize = crate::reply::TELEGRAM_MESSAGE_LIMIT;

/// One message to send: HTML text and its buttons.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub html: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// Answers as rendered, per entry, for the engine they came from. An answer reads the same for everyone who
/// gets it, and rendering it (escaping, packing, buttons) was about a tenth of the work per question.
#[derive(Default)]
pub struct RenderedAnswers {
    cache: Mutex<Option<Rendered>>,
}

/// The rendered answers of one engine, in two generations: when the current one is full it becomes the previous
/// one, and an answer asked for again moves back to the current one. So the answers people keep asking for stay
/// rendered, and at most `2 × GENERATION` are held: a large FAQ's answers would otherwise all end up rendered
/// beside the corpus (about 2 KB each, 200 MB at 100,000 entries).
struct Rendered {
    /// Kept, not just its address, so a reloaded engine can never be taken for it.
    engine: Arc<Engine>,
    current: AnswerMessages,
    previous: AnswerMessages,
}

const GENERATION: usize = 1024;

/// The messages of each rendered answer, by language and entry number.
type AnswerMessages = HashMap<(Language, usize), Arc<[Outgoing]>>;

impl RenderedAnswers {
    /// The messages of entry `entry` of the `lang` part of `engine`, rendered by `render` the first time.
    pub fn get(
        &self,
        engine: &Arc<Engine>,
        lang: Language,
        entry: usize,
        render: impl FnOnce() -> Vec<Outgoing>,
    ) -> Arc<[Outgoing]> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        // After a reload, start afresh (and let the old engine go).
        if cache.as_ref().is_some_and(|r| !Arc::ptr_eq(&r.engine, engine)) {
            *cache = None;
        }
        let rendered = cache.get_or_insert_with(|| Rendered {
            engine: engine.clone(),
            current: HashMap::new(),
            previous: HashMap::new(),
        });
        let key = (lang, entry);
        if let Some(messages) = rendered.current.get(&key) {
            return messages.clone();
        }
        let messages = rendered.previous.remove(&key).unwrap_or_else(|| render().into());
        if rendered.current.len() >= GENERATION {
            rendered.previous = std::mem::take(&mut rendered.current);
        }
        rendered.current.insert(key, messages.clone());
        messages
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

pub fn urgent_html(urgent: &Urgent, lang: Language) -> String {
    let mut blocks = vec![format!("⚠️ <b>{}</b>", escape(&urgent_title(lang)))];
    blocks.extend(urgent.message.split("\n\n").map(|p| escape(p.trim())));
    if let Some(contact) = &urgent.contact {
        blocks.push(format!("<b>{}</b> {}", escape(crate::reply::wording(lang).urgent_contact), escape(contact)));
    }
    blocks.join("\n\n")
}

fn urgent_title(lang: Language) -> String {
    match lang {
        Language::En => "Please act now".to_string(),
    }
}

/// The body of a reply (without the urgent notice) as one or more messages; buttons go on the last.
pub fn body_messages(reply: &Reply, with_feedback: bool) -> Vec<Outgoing> {
    let mut blocks: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    match &reply.body {
        Body::Answer(a) => {
            blocks.extend(answer_blocks(a));
            rows.extend(choice_rows(&a.related, Callback::Answer));
            if with_feedback {
                rows.push(feedback_row(&a.id));
            }
        }
        Body::Suggest { intro, choices } => {
            blocks.push(escape(intro));
            rows.extend(choice_rows(choices, Callback::Answer));
        }
        Body::NoMatch { text, closest_intro, choices } => {
            blocks.push(escape(text));
            if !choices.is_empty() {
                blocks.push(escape(closest_intro));
                rows.extend(choice_rows(choices, Callback::Answer));
            }
            rows.push(vec![InlineKeyboardButton::callback(browse_label(reply.lang), Callback::Menu.encode())]);
        }
    }
    blocks.push(format!("<i>{}</i>", escape(reply.reminder)));
    let mut messages: Vec<Outgoing> = pack(&blocks).into_iter().map(|html| Outgoing { html, keyboard: None }).collect();
    if let Some(last) = messages.last_mut()
        && !rows.is_empty()
    {
        last.keyboard = Some(InlineKeyboardMarkup::new(rows));
    }
    messages
}

pub fn answer_blocks(a: &AnswerView) -> Vec<String> {
    let mut blocks = vec![format!("<b>{}</b>", escape(&a.question))];
    for block in &a.blocks {
        blocks.push(match block {
            Block::Paragraph(p) => escape(p),
            Block::Bullets(items) => items.iter().map(|i| format!("• {}", escape(i))).collect::<Vec<_>>().join("\n"),
        });
    }
    let mut sources = format!("<b>{}</b>", escape(a.sources_heading));
    for s in &a.sources {
        sources.push_str(&format!("\n• <a href=\"{}\">{}</a>", escape(&s.url), escape(&s.title)));
    }
    blocks.push(sources);
    blocks
}

pub fn browse_label(lang: Language) -> &'static str {
    match lang {
        Language::En => "📚 Browse all topics",
    }
}

pub fn back_label(lang: Language) -> &'static str {
    match lang {
        Language::En => "⬅️ Back",
    }
}

pub fn feedback_row(id: &str) -> Vec<InlineKeyboardButton> {
    vec![
        InlineKeyboardButton::callback("👍 Helpful", Callback::Vote { id: id.to_string(), up: true }.encode()),
        InlineKeyboardButton::callback("👎 Not helpful", Callback::Vote { id: id.to_string(), up: false }.encode()),
    ]
}

pub fn choice_rows(choices: &[Choice], make: impl Fn(String) -> Callback) -> Vec<Vec<InlineKeyboardButton>> {
    choices
        .iter()
        .map(|c| vec![InlineKeyboardButton::callback(c.question.clone(), make(c.id.clone()).encode())])
        .collect()
}

/// Packs blocks into messages of at most `LIMIT` characters, joined by blank lines. A block too long for one
/// message is cut at whitespace into pieces that each keep the block's enclosing tag, so tags stay balanced.
pub fn pack(blocks: &[String]) -> Vec<String> {
    let mut messages = Vec::new();
    let mut current = String::new();
    for block in blocks.iter().flat_map(|b| split_block(b, LIMIT)) {
        let joined = if current.is_empty() {
            block.chars().count()
        } else {
            current.chars().count() + 2 + block.chars().count()
        };
        if joined > LIMIT && !current.is_empty() {
            messages.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(&block);
    }
    if !current.is_empty() {
        messages.push(current);
    }
    messages
}

fn split_block(block: &str, limit: usize) -> Vec<String> {
    if block.chars().count() <= limit {
        return vec![block.to_string()];
    }
    // Our blocks are either plain escaped text or wrapped whole in one tag (<b>…</b>, <i>…</i>).
    let (open, close, inner) = match (block.find('>'), block.rfind("</")) {
        (Some(o), Some(c)) if block.starts_with('<') && block.ends_with('>') && o < c => {
            (&block[..=o], &block[c..], &block[o + 1..c])
        }
        _ => ("", "", block),
    };
    let room = limit - open.chars().count() - close.chars().count();
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for word in inner.split_inclusive(char::is_whitespace) {
        if piece.chars().count() + word.chars().count() > room && !piece.is_empty() {
            pieces.push(format!("{open}{}{close}", piece.trim_end()));
            piece.clear();
        }
        // A single "word" longer than a message (no whitespace at all) is cut between characters, but never
        // inside an entity such as &amp;.
        let mut rest = word;
        while rest.chars().count() > room {
            let mut cut = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
            if let Some(amp) = rest[..cut].rfind('&')
                && !rest[amp..cut].contains(';')
            {
                cut = amp;
            }
            pieces.push(format!("{open}{}{close}", &rest[..cut]));
            rest = &rest[cut..];
        }
        piece.push_str(rest);
    }
    if !piece.trim().is_empty() {
        pieces.push(format!("{open}{}{close}", piece.trim_end()));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// However many answers are asked for, at most two generations stay rendered, and one that keeps being
    /// asked for is rendered once.
    #[test]
    fn rendered_answers_stay_bounded_and_keep_the_ones_asked_for() {
        let loaded = crate::corpus::load(std::path::Path::new("faq")).expect("the shipped FAQ loads");
        let engine = Arc::new(Engine::new(loaded.corpus));
        let answers = RenderedAnswers::default();
        let renders = std::cell::Cell::new(0);
        let render = || {
            renders.set(renders.get() + 1);
            vec![Outgoing { html: "an answer".into(), keyboard: None }]
        };
        let hot = (Language::En, 0);
        for entry in 1..=5 * GENERATION {
            answers.get(&engine, hot.0, hot.1, render);
            answers.get(&engine, Language::En, entry, render);
            let cache = answers.cache.lock().unwrap();
            let held = cache.as_ref().map_or(0, |r| r.current.len() + r.previous.len());
            assert!(held <= 2 * GENERATION, "{held} answers held");
        }
        // The hot answer once, every other one once: nothing was rendered twice.
        assert_eq!(renders.get(), 1 + 5 * GENERATION);
        answers.get(&engine, Language::En, 1, render);
        assert_eq!(renders.get(), 2 + 5 * GENERATION, "an answer asked for long ago was let go and is rendered again");
    }

    #[test]
    fn everything_is_escaped() {
        assert_eq!(escape("<b>&\"x\""), "&lt;b&gt;&amp;&quot;x&quot;");
    }

    #[test]
    fn long_text_splits_at_block_boundaries_within_the_limit() {
        let blocks: Vec<String> = (0..10).map(|i| format!("<b>{i}</b> {}", "word ".repeat(180))).collect();
        let messages = pack(&blocks);
        assert!(messages.len() > 1);
        for m in &messages {
            assert!(m.chars().count() <= LIMIT);
            assert_eq!(m.matches("<b>").count(), m.matches("</b>").count());
        }
    }

    #[test]
    fn one_huge_block_keeps_its_tag_balanced_and_entities_whole() {
        let block = format!("<i>{}</i>", "a&amp;b ".repeat(1200));
        let messages = pack(&[block]);
        assert!(messages.len() >= 2);
        for m in &messages {
            assert!(m.chars().count() <= LIMIT, "{}", m.chars().count());
            assert!(m.starts_with("<i>") && m.ends_with("</i>"));
            assert!(!m.contains("&amp</i>") && !m.contains("<i>amp;"));
        }
    }
}
