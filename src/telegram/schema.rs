//! The routing table: which updates go to which endpoint. Group messages reach the bot only when they are
//! addressed to it; edited messages are answered again like new ones.

use super::handlers::{self, AdminCommand, Command};
use teloxide::dispatching::{HandlerExt, UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::Me;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub fn schema() -> UpdateHandler<Error> {
    dptree::entry()
        .branch(Update::filter_message().chain(messages()))
        .branch(Update::filter_edited_message().chain(messages()))
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback))
}

fn messages() -> UpdateHandler<Error> {
    dptree::filter(|msg: Message, me: Me| handlers::addressed_to_bot(&msg, &me))
        .branch(dptree::entry().filter_command::<Command>().endpoint(handlers::on_command))
        .branch(dptree::entry().filter_command::<AdminCommand>().endpoint(handlers::on_admin_command))
        .branch(
            dptree::filter(|msg: Message| msg.text().is_some_and(|t| t.starts_with('/')))
                .endpoint(handlers::on_unknown_command),
        )
        .branch(dptree::filter(|msg: Message| msg.text().is_some()).endpoint(handlers::on_text))
        .branch(dptree::filter(|msg: Message| is_user_content(&msg)).endpoint(handlers::on_not_text))
}

/// Something a person sent (photo, voice, sticker, file…), as opposed to service messages such as "X joined".
fn is_user_content(msg: &Message) -> bool {
    use teloxide::types::{MediaKind, MessageKind};
    matches!(&msg.kind, MessageKind::Common(c) if !matches!(c.media_kind, MediaKind::Text(_)))
}
