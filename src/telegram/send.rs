//! Every request the bot makes goes through here: wait for a rate-limit slot, send, and on a transient failure
//! (network, time-out, 5xx, a reply that is not JSON, 429 with `retry_after`) retry with backoff, so that no
//! reply is lost to a passing fault. A plain teloxide `Bot` retries nothing.

use super::limit::{SendLimiter, SendLimits};
use super::render::Outgoing;
use crate::metrics::Metrics;
use std::sync::Arc;
use std::time::Duration;
use teloxide::payloads::{EditMessageText, EditMessageTextSetters, SendMessage, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::requests::{JsonRequest, Output, Payload, Request};
use teloxide::types::{ChatAction, LinkPreviewOptions, MessageId, ParseMode, ReplyParameters};
use teloxide::{ApiError, RequestError};

/// A wait before a reply that a patient would notice; a shorter one shows no "typing…".
pub const NOTICEABLE: Duration = Duration::from_millis(300);
/// How long Telegram shows one typing action (5 s), less a margin for the round trip.
const TYPING_SHOWN: Duration = Duration::from_secs(4);
/// The longest a typing action is waited for before the wait goes on without it.
const TYPING_CONFIRMED: Duration = Duration::from_secs(1);

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// About a minute of trying in all: long enough to ride out a Telegram hiccup or a network blip.
    fn default() -> Self {
        RetryPolicy { attempts: 10, first_backoff: Duration::from_millis(200), max_backoff: Duration::from_secs(10) }
    }
}

#[derive(Clone)]
pub struct Sender {
    pub bot: Bot,
    limiter: Arc<SendLimiter>,
    policy: RetryPolicy,
    metrics: Arc<Metrics>,
}

/// Where a message goes, for the rate limits.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub chat: ChatId,
    pub is_group: bool,
}

impl Sender {
    pub fn new(bot: Bot, limits: SendLimits, policy: RetryPolicy, metrics: Arc<Metrics>) -> Self {
        Sender { bot, limiter: Arc::new(SendLimiter::new(limits)), policy, metrics }
    }

    pub async fn send(&self, to: Target, out: &Outgoing, reply_to: Option<MessageId>) -> Result<(), RequestError> {
        let mut req =
            SendMessage::new(to.chat, out.html.clone()).parse_mode(ParseMode::Html).link_preview_options(no_preview());
        if let Some(id) = reply_to {
            req = req.reply_parameters(ReplyParameters {
                allow_sending_without_reply: Some(true),
                ..ReplyParameters::new(id)
            });
        }
        if let Some(k) = &out.keyboard {
            req = req.reply_markup(k.clone());
        }
        self.deliver(Some(to), JsonRequest::new(self.bot.clone(), Unread(req))).await.map(|_| ())
    }

    pub async fn edit(&self, to: Target, message: MessageId, out: &Outgoing) -> Result<(), RequestError> {
        let mut req = EditMessageText::new(to.chat, message, out.html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(k) = &out.keyboard {
            req = req.reply_markup(k.clone());
        }
        match self.deliver(Some(to), JsonRequest::new(self.bot.clone(), Unread(req))).await {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn answer_callback(
        &self,
        id: teloxide::types::CallbackQueryId,
        text: Option<&str>,
    ) -> Result<(), RequestError> {
        let mut req = self.bot.answer_callback_query(id);
        if let Some(t) = text {
            req.text = Some(t.to_string());
        }
        // Callback answers are not messages: they do not count against chat limits.
        self.deliver(None, req).await.map(|_| ())
    }

    /// Waits `wait` before a message to `to` goes out. A wait the patient would notice shows "typing…" first,
    /// renewed before Telegram clears it; a quick reply shows none, as the Bot API advises ("only when a response
    /// from the bot will take a noticeable amount of time"), and costs no extra request. Each typing action is
    /// confirmed before the wait goes on, so it cannot overtake the reply and linger under it.
    pub async fn wait_typing(&self, to: Option<Target>, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        if let Some(t) = to.filter(|_| wait >= NOTICEABLE) {
            loop {
                let typing = self.bot.send_chat_action(t.chat, ChatAction::Typing).send();
                match tokio::time::timeout(TYPING_CONFIRMED, typing).await {
                    Ok(Err(e)) => log::debug!("typing action failed: {e}"),
                    Err(_) => log::debug!("typing action not confirmed in time"),
                    Ok(Ok(_)) => {}
                }
                if until.saturating_duration_since(tokio::time::Instant::now()) <= TYPING_SHOWN {
                    break;
                }
                tokio::time::sleep(TYPING_SHOWN).await;
            }
        }
        tokio::time::sleep_until(until).await;
    }

    /// Sends `req`, waiting for its rate-limit slot and retrying transient failures.
    pub async fn deliver<R>(&self, to: Option<Target>, req: R) -> Result<Output<R>, RequestError>
    where
        R: Request<Err = RequestError>,
    {
        let mut backoff = self.policy.first_backoff;
        let mut attempt = 1;
        loop {
            if let Some(t) = to {
                let wait = self.limiter.reserve(t.chat.0, t.is_group);
                if !wait.is_zero() {
                    self.wait_typing(to, wait).await;
                }
            }
            match req.send_ref().await {
                Ok(output) => {
                    self.metrics.touch_contact();
                    return Ok(output);
                }
                Err(e) => {
                    Metrics::inc(&self.metrics.telegram_errors);
                    let pause = match transient(&e) {
                        Some(_) if attempt >= self.policy.attempts => None,
                        Some(Some(retry_after)) => {
                            self.limiter.freeze(retry_after);
                            Some(retry_after)
                        }
                        Some(None) => Some(backoff),
                        None => None,
                    };
                    let Some(pause) = pause else {
                        if transient(&e).is_some() {
                            Metrics::inc(&self.metrics.replies_lost);
                            log::error!("a Telegram request failed {attempt} times, giving up: {e}");
                        }
                        return Err(e);
                    };
                    log::warn!("a Telegram request failed (attempt {attempt}), retrying in {pause:?}: {e}");
                    Metrics::inc(&self.metrics.telegram_retries);
                    self.wait_typing(to, pause).await;
                    backoff = (backoff * 2).min(self.policy.max_backoff);
                    attempt += 1;
                }
            }
        }
    }
}

/// A request whose answer is read no further than "ok" or the error. Telegram echoes a sent message back whole;
/// nothing here uses it, and parsing it cost more than rendering the reply.
#[derive(serde::Serialize)]
#[serde(transparent)]
struct Unread<P>(P);

impl<P: Payload> Payload for Unread<P> {
    type Output = serde::de::IgnoredAny;
    const NAME: &'static str = P::NAME;

    fn timeout_hint(&self) -> Option<Duration> {
        self.0.timeout_hint()
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// `Some(retry_after)` for failures worth another try (with Telegram's own wait when it gave one), `None` for
/// failures that would fail again the same way (a bad request, a blocked bot).
pub fn transient(e: &RequestError) -> Option<Option<Duration>> {
    match e {
        RequestError::RetryAfter(s) => Some(Some(s.duration())),
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => Some(None),
        RequestError::Api(ApiError::Unknown(text)) if is_server_error(text) => Some(None),
        _ => None,
    }
}

/// Telegram reports its own failures (HTTP 5xx) with descriptions like these.
fn is_server_error(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    ["internal server error", "bad gateway", "service unavailable", "gateway timeout", "too many requests", "timeout"]
        .iter()
        .any(|s| d.contains(s))
}
