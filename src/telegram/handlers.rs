//! The endpoints, one per thing a user wants: start, help, topics, about, privacy, ask (free text), a button
//! tap, a message that is not text, an admin command. Each reads the live engine and replies through `Sender`.

use super::callback::Callback;
use super::limit::FloodCheck;
use super::render::{self, Outgoing};
use super::send::Target;
use super::state::App;
use super::texts::texts;
use crate::corpus::LanguageCorpus;
use crate::events::Event;
use crate::matcher::{Engine, Outcome};
use crate::metrics::Metrics;
use crate::reply::{self, Reply, Urgent};
use crate::text::{Language, SmallTalk};
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use teloxide::macros::BotCommands;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, Me, MessageId};

pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The public commands; these doc lines are the /help menu Telegram shows.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// What this bot can and cannot do
    Start(String),
    /// How to ask a question
    Help,
    /// Browse all topics
    Topics,
    /// Where the answers come from
    About,
    /// What is and is not stored
    Privacy,
}

/// Admin commands: never listed, and answered like any unknown command for everyone else.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub enum AdminCommand {
    Reload,
    Unanswered,
    Stats,
}

fn target(msg: &Message) -> Target {
    Target { chat: msg.chat.id, is_group: !msg.chat.is_private() }
}

pub async fn on_command(msg: Message, app: Arc<App>, cmd: Command) -> HandlerResult {
    let engine = app.engine.load_full();
    let lang = engine.corpus().parts[0].lang;
    let t = texts(lang);
    let to = target(&msg);
    match cmd {
        Command::Start(payload) => {
            let payload = payload.trim();
            if !payload.is_empty()
                && let Some((part, i)) = engine.corpus().locate(payload)
            {
                let body = answer_messages(&app, &engine, part, i);
                return send_messages(&app, to, None, part.lang, &body, Some(msg.id)).await;
            }
            let mut html = t.welcome.to_string();
            for example in t.examples {
                html.push_str(&format!("\n• <i>{}</i>", render::escape(example)));
            }
            let out = Outgoing { html, keyboard: Some(menu_keyboard(&engine)) };
            app.sender.send(to, &out, None).await?;
        }
        Command::Help => send_plain(&app, to, t.help).await?,
        Command::Privacy => send_plain(&app, to, t.privacy).await?,
        Command::About => {
            let part = &engine.corpus().parts[0];
            let latest = part.entries.iter().map(|e| e.reviewed).max().map(|d| d.to_string()).unwrap_or_default();
            let html = format!(
                "{}\n\n• Entries: {}\n• Last reviewed: {}\n• Version: {}",
                t.about,
                engine.corpus().entry_count(),
                render::escape(&latest),
                env!("CARGO_PKG_VERSION")
            );
            send_plain(&app, to, &html).await?;
        }
        Command::Topics => {
            let out = Outgoing { html: t.menu.to_string(), keyboard: Some(menu_keyboard(&engine)) };
            app.sender.send(to, &out, None).await?;
        }
    }
    Ok(())
}

pub async fn on_admin_command(msg: Message, app: Arc<App>, cmd: AdminCommand) -> HandlerResult {
    let to = target(&msg);
    if !app.is_admin(msg.from.as_ref().map(|u| u.id)) {
        return on_unknown_command(msg, app).await;
    }
    let Some(hooks) = app.admin_hooks.clone() else {
        return send_plain(&app, to, "Admin tools are not available in this run.").await;
    };
    log::info!("admin command: {cmd:?}");
    let text = match cmd {
        AdminCommand::Reload => match tokio::task::spawn_blocking(move || hooks.reload()).await? {
            Ok(summary) => format!("✅ Reloaded: {summary}"),
            Err(problems) => {
                format!("❌ The FAQ was NOT reloaded; the previous version is still served.\n\n{problems}")
            }
        },
        AdminCommand::Unanswered => tokio::task::spawn_blocking(move || hooks.unanswered()).await?,
        AdminCommand::Stats => tokio::task::spawn_blocking(move || hooks.stats()).await?,
    };
    send_long_plain(&app, to, &text).await
}

pub async fn on_unknown_command(msg: Message, app: Arc<App>) -> HandlerResult {
    let lang = app.engine.load().corpus().parts[0].lang;
    send_plain(&app, target(&msg), texts(lang).unknown_command).await
}

/// Free text: match it and reply by outcome, urgent notice first.
pub async fn on_text(msg: Message, me: &Me, app: Arc<App>) -> HandlerResult {
    let started = Instant::now();
    let Some(raw) = msg.text() else { return Ok(()) };
    let text = strip_mention(raw, me.username());
    let to = target(&msg);
    if let Some(user) = &msg.from {
        let key = app.user_key(user.id);
        if let FloodCheck::Slow { wait, notify } = app.flood.check(key) {
            log::debug!("user {key:016x} is over the flood limit; waiting {wait:?}");
            if notify {
                Metrics::inc(&app.metrics.flood_notices);
                log::info!("a user is sending too fast: told once, slowed down");
                let lang = app.engine.load().corpus().parts[0].lang;
                send_plain(&app, to, texts(lang).flood).await?;
            }
            app.sender.wait_typing(Some(to), wait).await;
        }
    }
    let engine = app.engine.load_full();
    let m = engine.ask(&text);
    let part = engine.part(m.lang);
    let contact = app.settings.urgent_contact.as_deref();
    let body = match m.outcome {
        Outcome::Answer(i) => answer_messages(&app, &engine, part, i),
        _ => render::body_messages(&reply::compose(part, &m, contact), true).into(),
    };
    count_outcome(&app.metrics, &m.outcome, m.is_urgent());
    let urgent = reply::urgent(part, &m, contact);
    send_messages(&app, to, urgent.as_ref(), part.lang, &body, Some(msg.id)).await?;
    app.metrics.observe_latency(started.elapsed());
    let entry = match &m.outcome {
        Outcome::Answer(i) => Some(part.entries[*i].id.to_string()),
        _ => None,
    };
    // Debug only: a line per question is noise at thousands a second; /metrics counts outcomes and latency.
    log::debug!(
        "question answered: outcome={} entry={} urgent={} in {:?}",
        m.outcome.name(),
        entry.as_deref().unwrap_or("-"),
        m.is_urgent(),
        started.elapsed()
    );
    app.record(Event::Question {
        at: SystemTime::now(),
        outcome: m.outcome.name(),
        entry,
        urgent: m.is_urgent(),
        unanswered: (!matches!(m.outcome, Outcome::Answer(_)) && m.small_talk.is_none_or(SmallTalk::is_faq_gap))
            .then(|| crate::scrub::scrub(&text)),
        candidates: m.candidates.iter().take(3).map(|c| part.entries[c.entry].id.to_string()).collect(),
    });
    Ok(())
}

fn count_outcome(metrics: &Metrics, outcome: &Outcome, urgent: bool) {
    Metrics::inc(match outcome {
        Outcome::Answer(_) => &metrics.answered,
        Outcome::Suggest(_) => &metrics.suggested,
        Outcome::NoMatch => &metrics.no_match,
    });
    if urgent {
        Metrics::inc(&metrics.urgent);
    }
}

/// Photos, voice, stickers, documents…: a short note that only text is read.
pub async fn on_not_text(msg: Message, app: Arc<App>) -> HandlerResult {
    let lang = app.engine.load().corpus().parts[0].lang;
    send_plain(&app, target(&msg), texts(lang).text_only).await
}

pub async fn on_callback(q: CallbackQuery, app: Arc<App>) -> HandlerResult {
    let engine = app.engine.load_full();
    let lang = engine.corpus().parts[0].lang;
    let t = texts(lang);
    let Some(callback) = q.data.as_deref().and_then(Callback::decode) else {
        app.sender.answer_callback(q.id.clone(), None).await?;
        return Ok(());
    };
    let Some(msg) = q.regular_message() else {
        app.sender.answer_callback(q.id.clone(), None).await?;
        return Ok(());
    };
    let to = target(msg);
    match callback {
        Callback::Answer(id) => {
            app.sender.answer_callback(q.id.clone(), None).await?;
            match engine.corpus().locate(&id) {
                Some((part, i)) => {
                    send_messages(&app, to, None, part.lang, &answer_messages(&app, &engine, part, i), None).await?
                }
                None => send_plain(&app, to, t.gone).await?,
            }
        }
        Callback::Menu => {
            app.sender.answer_callback(q.id.clone(), None).await?;
            let out = Outgoing { html: t.menu.to_string(), keyboard: Some(menu_keyboard(&engine)) };
            app.sender.edit(to, msg.id, &out).await?;
        }
        Callback::Group(g) => {
            app.sender.answer_callback(q.id.clone(), None).await?;
            let out = group_view(&engine, g).unwrap_or_else(|| menu_view(&engine, t.menu));
            app.sender.edit(to, msg.id, &out).await?;
        }
        Callback::MenuAnswer(id) => {
            app.sender.answer_callback(q.id.clone(), None).await?;
            show_in_menu(&app, &engine, to, msg.id, &id).await?;
        }
        Callback::Vote { id, up } => {
            Metrics::inc(if up { &app.metrics.votes_up } else { &app.metrics.votes_down });
            app.record(Event::Vote { at: SystemTime::now(), entry: id, up });
            app.sender.answer_callback(q.id.clone(), Some(t.vote_thanks)).await?;
            // One vote per answer: the thumbs go, other buttons stay.
            if let Some(markup) = msg.reply_markup() {
                let rows: Vec<Vec<InlineKeyboardButton>> =
                    markup.inline_keyboard.iter().filter(|row| !row.iter().any(is_vote_button)).cloned().collect();
                let req = app
                    .sender
                    .bot
                    .edit_message_reply_markup(to.chat, msg.id)
                    .reply_markup(InlineKeyboardMarkup::new(rows));
                if let Err(e) = app.sender.deliver(Some(to), req).await {
                    log::debug!("could not remove the vote buttons: {e}");
                }
            }
        }
    }
    Ok(())
}

fn menu_view(engine: &Engine, menu: &str) -> Outgoing {
    Outgoing { html: menu.to_string(), keyboard: Some(menu_keyboard(engine)) }
}

fn is_vote_button(b: &InlineKeyboardButton) -> bool {
    match &b.kind {
        teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => {
            matches!(Callback::decode(d), Some(Callback::Vote { .. }))
        }
        _ => false,
    }
}

/// Shows an entry inside the menu message, with Back to its group; falls back to new messages when too long.
async fn show_in_menu(app: &App, engine: &Engine, to: Target, message: MessageId, id: &str) -> HandlerResult {
    let Some((part, entry)) = engine.corpus().find(id) else {
        return send_plain(app, to, texts(engine.corpus().parts[0].lang).gone).await;
    };
    let group = part.groups.iter().position(|g| g.entries.iter().any(|&i| *part.entries[i].id == *id)).unwrap_or(0);
    let reply = reply::entry_reply(part, entry);
    let mut messages = render::body_messages(&reply, true);
    if messages.len() == 1 {
        let mut out = messages.remove(0);
        let mut rows = out.keyboard.take().map(|k| k.inline_keyboard).unwrap_or_default();
        rows.push(vec![InlineKeyboardButton::callback(render::back_label(part.lang), Callback::Group(group).encode())]);
        out.keyboard = Some(InlineKeyboardMarkup::new(rows));
        app.sender.edit(to, message, &out).await?;
        Ok(())
    } else {
        send_reply(app, to, &reply, None).await
    }
}

pub fn menu_keyboard(engine: &Engine) -> InlineKeyboardMarkup {
    let part = &engine.corpus().parts[0];
    InlineKeyboardMarkup::new(
        part.groups
            .iter()
            .enumerate()
            .map(|(i, g)| vec![InlineKeyboardButton::callback(g.title.clone(), Callback::Group(i).encode())]),
    )
}

fn group_view(engine: &Engine, g: usize) -> Option<Outgoing> {
    let part = &engine.corpus().parts[0];
    let group = part.groups.get(g)?;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = group
        .entries
        .iter()
        .map(|&i| {
            let e = &part.entries[i];
            vec![InlineKeyboardButton::callback(
                e.question.to_string(),
                Callback::MenuAnswer(e.id.to_string()).encode(),
            )]
        })
        .collect();
    rows.push(vec![InlineKeyboardButton::callback(render::back_label(part.lang), Callback::Menu.encode())]);
    Some(Outgoing {
        html: format!("📚 <b>{}</b>", render::escape(&group.title)),
        keyboard: Some(InlineKeyboardMarkup::new(rows)),
    })
}

/// Entry `entry`'s answer as messages, rendered once per engine and kept while it is asked for
/// (`render::RenderedAnswers`): a typed question, a tapped suggestion and a deep link all send it.
fn answer_messages(app: &App, engine: &Arc<Engine>, part: &LanguageCorpus, entry: usize) -> Arc<[Outgoing]> {
    app.answers
        .get(engine, part.lang, entry, || render::body_messages(&reply::entry_reply(part, &part.entries[entry]), true))
}

/// Sends a reply: the urgent notice first in a message of its own, then the body (split if needed); the first
/// message answers the patient's message.
async fn send_reply(app: &App, to: Target, reply: &Reply, reply_to: Option<MessageId>) -> HandlerResult {
    send_messages(app, to, reply.urgent.as_ref(), reply.lang, &render::body_messages(reply, true), reply_to).await
}

async fn send_messages(
    app: &App,
    to: Target,
    urgent: Option<&Urgent>,
    lang: Language,
    body: &[Outgoing],
    reply_to: Option<MessageId>,
) -> HandlerResult {
    let mut reply_to = reply_to;
    if let Some(urgent) = urgent {
        let out = Outgoing { html: render::urgent_html(urgent, lang), keyboard: None };
        app.sender.send(to, &out, reply_to.take()).await?;
    }
    for out in body {
        app.sender.send(to, out, reply_to.take()).await?;
    }
    Ok(())
}

async fn send_plain(app: &App, to: Target, html: &str) -> HandlerResult {
    app.sender.send(to, &Outgoing { html: html.to_string(), keyboard: None }, None).await?;
    Ok(())
}

/// Admin reports and notices can be long: plain text escaped and split like any reply.
pub(super) async fn send_long_plain(app: &App, to: Target, text: &str) -> HandlerResult {
    let blocks: Vec<String> = text.split("\n\n").map(render::escape).collect();
    for html in render::pack(&blocks) {
        app.sender.send(to, &Outgoing { html, keyboard: None }, None).await?;
    }
    Ok(())
}

/// In groups the bot is addressed as @name; the mention is not part of the question.
pub fn strip_mention(text: &str, username: &str) -> String {
    let mention = format!("@{}", username.to_lowercase());
    let lower = text.to_lowercase();
    match lower.find(&mention) {
        Some(i)
            if lower.is_char_boundary(i) && text.is_char_boundary(i) && text.is_char_boundary(i + mention.len()) =>
        {
            format!("{} {}", &text[..i], &text[i + mention.len()..]).trim().to_string()
        }
        _ => text.to_string(),
    }
}

/// In a private chat every message is for the bot; in a group only commands, mentions and replies to it are.
pub fn addressed_to_bot(msg: &Message, me: &Me) -> bool {
    if msg.chat.is_private() {
        return true;
    }
    let text = msg.text().or(msg.caption()).unwrap_or("");
    let mention = format!("@{}", me.username().to_lowercase());
    if text.to_lowercase().contains(&mention) {
        return true;
    }
    if text.starts_with('/') {
        // "/help" or "/help@thisbot": ours; "/help@otherbot" is not.
        let first = text.split_whitespace().next().unwrap_or("");
        return match first.split_once('@') {
            Some((_, bot)) => bot.eq_ignore_ascii_case(me.username()),
            None => true,
        };
    }
    msg.reply_to_message().and_then(|r| r.from.as_ref()).is_some_and(|u| u.id == me.id)
}
