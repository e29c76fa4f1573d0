//! The Telegram adapter, the only module that knows Telegram: it starts the bot (token, commands,
//! descriptions), routes updates (`schema`), answers them (`handlers`) as HTML (`render`), and sends through a
//! rate-limited, retrying `Sender`. Everything it says comes from the core's `Reply`.

mod callback;
mod dispatch;
mod handlers;
mod limit;
mod polling;
mod render;
mod schema;
mod send;
mod state;
mod texts;
mod unreadable;

pub use limit::SendLimits;
pub use send::RetryPolicy;
pub use state::{AdminHooks, BotSettings};

use crate::events::Event;
use crate::matcher::Engine;
use crate::metrics::Metrics;
use arc_swap::ArcSwap;
use dispatch::Dispatch;
use handlers::Command;
use send::Sender;
use state::App;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::{BotCommandScope, Me, Recipient};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use teloxide::utils::command::BotCommands;
use teloxide::{ApiError, RequestError};
use tokio::sync::mpsc;

pub struct Options {
    pub token: String,
    pub api_url: Option<reqwest::Url>,
    /// Webhook mode: (public URL, local listen address). Long polling otherwise.
    pub webhook: Option<(reqwest::Url, SocketAddr)>,
    pub settings: BotSettings,
    pub limits: SendLimits,
    pub retry: RetryPolicy,
    pub poll_timeout: Duration,
}

/// Runs the bot until SIGTERM or SIGINT, then stops taking updates, finishes the replies in flight and returns.
pub async fn run(
    options: Options,
    live: Arc<ArcSwap<Engine>>,
    metrics: Arc<Metrics>,
    events: Option<mpsc::Sender<Event>>,
    hooks: Option<Arc<dyn AdminHooks>>,
    notices: Option<mpsc::UnboundedReceiver<String>>,
) -> Result<(), String> {
    let bot = connect(&options)?;
    // Polling has a client of its own: its connection then lives on the polling thread.
    let poll_bot = connect(&options)?;
    let sender = Sender::new(bot.clone(), options.limits, options.retry, metrics.clone());
    let me = sender.deliver(None, bot.get_me()).await.map_err(|e| match e {
        RequestError::Api(ApiError::InvalidToken) => {
            "Telegram rejected the token: check TELOXIDE_TOKEN (it comes from @BotFather)".to_string()
        }
        e => format!("cannot reach Telegram to start: {e}"),
    })?;
    log::info!("connected to Telegram as @{}", me.username());
    announce(&sender, &options.settings).await;

    let app = Arc::new(App::new(live, sender, options.settings, metrics.clone(), events, hooks));
    if let Some(notices) = notices {
        tokio::spawn(forward_notices(app.clone(), notices));
    }
    match options.webhook {
        Some((url, address)) => {
            let listener = teloxide::update_listeners::webhooks::axum(
                bot.clone(),
                teloxide::update_listeners::webhooks::Options::new(address, url),
            )
            .await
            .map_err(|e| format!("cannot set up the webhook: {e}"))?;
            serve(unreadable::SkipUnreadable { inner: listener, metrics: metrics.clone() }, app, me).await?;
        }
        None => {
            // Polling takes over from any webhook left from an earlier run.
            if let Err(e) = app.sender.deliver(None, bot.delete_webhook()).await {
                log::warn!("could not remove an old webhook: {e}");
            }
            let listener = polling::listener(bot.clone(), poll_bot, options.poll_timeout, metrics.clone());
            serve(unreadable::SkipUnreadable { inner: listener, metrics: metrics.clone() }, app, me).await?;
        }
    }
    log::info!("stopped cleanly");
    Ok(())
}

/// A client for the Bot API, with its own connection pool.
fn connect(options: &Options) -> Result<Bot, String> {
    let client = teloxide::net::default_reqwest_settings().build().map_err(|e| format!("cannot set up HTTP: {e}"))?;
    let bot = Bot::with_client(options.token.clone(), client);
    Ok(match &options.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    })
}

/// Handles updates from `listener` until SIGTERM or SIGINT stops it, then finishes the replies in flight.
/// The work is a task of its own: with several threads it runs on a worker rather than on the thread that
/// waits for it, so an update does not cross to another thread on its way in.
async fn serve<L>(mut listener: L, app: Arc<App>, me: Me) -> Result<(), String>
where
    L: UpdateListener + Send + 'static,
    L::Err: std::fmt::Debug + Send,
    for<'a> <L as AsUpdateStream<'a>>::Stream: Send,
{
    listener.hint_allowed_updates(&mut schema::ALLOWED_UPDATES.into_iter());
    tokio::spawn(stop_on_signal(listener.stop_token()));
    let work = tokio::spawn(async move { Dispatch::run(app, me, listener.as_stream()).await });
    work.await.map_err(|e| format!("handling updates failed: {e}"))
}

async fn stop_on_signal(token: StopToken) {
    let signal = stop_signal().await;
    log::info!("{signal} received: no new updates; finishing the replies in flight");
    token.stop();
}

/// Tells Telegram the public commands and the descriptions; admins also see their commands in their own chats.
async fn announce(sender: &Sender, settings: &BotSettings) {
    let bot = &sender.bot;
    let texts = texts::texts(crate::text::Language::En);
    // Telegram wants command names without the slash.
    let strip = |mut c: teloxide::types::BotCommand| {
        c.command = c.command.trim_start_matches('/').to_string();
        c
    };
    let public: Vec<_> = Command::bot_commands().into_iter().map(strip).collect();
    let steps: Vec<(&str, Result<(), RequestError>)> = vec![
        ("setMyCommands", sender.deliver(None, bot.set_my_commands(public.clone())).await.map(|_| ())),
        ("setMyDescription", {
            let mut r = bot.set_my_description();
            r.description = Some(texts.description.to_string());
            sender.deliver(None, r).await.map(|_| ())
        }),
        ("setMyShortDescription", {
            let mut r = bot.set_my_short_description();
            r.short_description = Some(texts.short_description.to_string());
            sender.deliver(None, r).await.map(|_| ())
        }),
    ];
    for (what, result) in steps {
        if let Err(e) = result {
            log::warn!("{what} failed (the bot works without it): {e}");
        }
    }
    let mut admin_commands = public;
    admin_commands.extend(handlers::AdminCommand::bot_commands().into_iter().map(strip).map(|mut c| {
        c.description = match c.command.as_str() {
            "reload" => "Reload the FAQ files",
            "unanswered" => "Questions the bot could not answer",
            _ => "Usage statistics",
        }
        .to_string();
        c
    }));
    for admin in &settings.admins {
        let mut r = bot.set_my_commands(admin_commands.clone());
        r.scope = Some(BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(*admin as i64)) });
        if let Err(e) = sender.deliver(None, r).await {
            log::debug!("could not set the admin command list for one admin: {e}");
        }
    }
}

/// Sends operational notices (a refused reload) to every admin.
async fn forward_notices(app: Arc<App>, mut notices: mpsc::UnboundedReceiver<String>) {
    while let Some(text) = notices.recv().await {
        for admin in &app.settings.admins {
            let to = send::Target { chat: ChatId(*admin as i64), is_group: false };
            if let Err(e) = handlers::send_long_plain(&app, to, &text).await {
                log::warn!("could not notify an admin: {e}");
            }
        }
    }
}

async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
