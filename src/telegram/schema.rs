//! The routing table: which updates go to which endpoint. Group messages reach the bot only when they are
//! addressed to it; edited messages are answered again like new ones. A plain match rather than a dptree
//! chain, whose every filter took its own copy of the whole message.

use super::handlers::{self, AdminCommand, Command};
use super::state::App;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Me, UpdateKind};
use teloxide::utils::command::BotCommands;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The kinds of update `route` has an endpoint for: the only ones Telegram is asked to send.
pub const ALLOWED_UPDATES: [AllowedUpdate; 3] =
    [AllowedUpdate::Message, AllowedUpdate::EditedMessage, AllowedUpdate::CallbackQuery];

/// What became of an update.
pub enum Routed {
    Handled,
    /// Not for this bot: a kind it does not use, a group message not addressed to it, a service message.
    Ignored,
}

pub async fn route(update: Update, app: Arc<App>, me: &Me) -> Result<Routed, Error> {
    match update.kind {
        UpdateKind::Message(msg) | UpdateKind::EditedMessage(msg) => message(msg, app, me).await,
        UpdateKind::CallbackQuery(q) => handlers::on_callback(q, app).await.map(|()| Routed::Handled),
        _ => Ok(Routed::Ignored),
    }
}

async fn message(msg: Message, app: Arc<App>, me: &Me) -> Result<Routed, Error> {
    if !handlers::addressed_to_bot(&msg, me) {
        return Ok(Routed::Ignored);
    }
    // Commands may come as a caption too, as teloxide reads them.
    if let Some(text) = msg.text().or(msg.caption()) {
        if let Ok(cmd) = Command::parse(text, me.username()) {
            return handlers::on_command(msg, app, cmd).await.map(|()| Routed::Handled);
        }
        if let Ok(cmd) = AdminCommand::parse(text, me.username()) {
            return handlers::on_admin_command(msg, app, cmd).await.map(|()| Routed::Handled);
        }
    }
    let handled = match msg.text() {
        Some(text) if text.starts_with('/') => handlers::on_unknown_command(msg, app).await,
        Some(_) => handlers::on_text(msg, me, app).await,
        None if is_user_content(&msg) => handlers::on_not_text(msg, app).await,
        None => return Ok(Routed::Ignored),
    };
    handled.map(|()| Routed::Handled)
}

/// Something a person sent (photo, voice, sticker, file…), as opposed to service messages such as "X joined".
fn is_user_content(msg: &Message) -> bool {
    use teloxide::types::{MediaKind, MessageKind};
    matches!(&msg.kind, MessageKind::Common(c) if !matches!(c.media_kind, MediaKind::Text(_)))
}
