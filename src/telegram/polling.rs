//! Long polling as an update listener of our own, so the service knows when its last successful poll was
//! (for /healthz), backs off on failures, and on shutdown confirms every update it has processed so none is
//! delivered twice or lost across a restart.

use crate::metrics::Metrics;
use futures::Stream;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use teloxide::RequestError;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{StatefulListener, UpdateListener};

pub struct PollState {
    bot: Bot,
    timeout: Duration,
    metrics: Arc<Metrics>,
    token: StopToken,
    flag: Option<StopFlag>,
    allowed: Option<Vec<AllowedUpdate>>,
}

pub fn listener(bot: Bot, timeout: Duration, metrics: Arc<Metrics>) -> impl UpdateListener<Err = RequestError> {
    let (token, flag) = mk_stop_token();
    let state = PollState { bot, timeout, metrics, token, flag: Some(flag), allowed: None };
    StatefulListener::new_with_hints(
        state,
        stream,
        |s: &mut PollState| s.token.clone(),
        Some(|s: &mut PollState, hint: &mut dyn Iterator<Item = AllowedUpdate>| s.allowed = Some(hint.collect())),
    )
}

struct Cursor {
    bot: Bot,
    timeout: u32,
    metrics: Arc<Metrics>,
    allowed: Option<Vec<AllowedUpdate>>,
    offset: i32,
    buffer: VecDeque<Update>,
    flag: std::pin::Pin<Box<StopFlag>>,
    failures: u32,
    done: bool,
    /// The next getUpdates, already on its way while the current batch is handed out, so a busy bot does not
    /// wait a round trip between batches.
    next: Option<tokio::task::JoinHandle<Result<Vec<Update>, RequestError>>>,
}

impl Cursor {
    fn request(&self, offset: i32) -> tokio::task::JoinHandle<Result<Vec<Update>, RequestError>> {
        let mut req = self.bot.get_updates().offset(offset).timeout(self.timeout);
        if let Some(allowed) = &self.allowed {
            req = req.allowed_updates(allowed.clone());
        }
        tokio::spawn(req.send())
    }
}

fn stream(state: &mut PollState) -> impl Stream<Item = Result<Update, RequestError>> + Send + '_ {
    let flag = state.flag.take().unwrap_or_else(|| {
        // A second stream (a restarted dispatcher) gets a fresh stop token.
        let (token, flag) = mk_stop_token();
        state.token = token;
        flag
    });
    let cursor = Cursor {
        bot: state.bot.clone(),
        timeout: state.timeout.as_secs() as u32,
        metrics: state.metrics.clone(),
        allowed: state.allowed.clone(),
        offset: 0,
        buffer: VecDeque::new(),
        flag: Box::pin(flag),
        failures: 0,
        done: false,
        next: None,
    };
    futures::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(update) = c.buffer.pop_front() {
                c.offset = update.id.as_offset();
                return Some((Ok(update), c));
            }
            if c.done {
                return None;
            }
            let mut in_flight = match c.next.take() {
                Some(handle) => handle,
                None => c.request(c.offset),
            };
            let stopped = tokio::select! {
                joined = &mut in_flight => match joined.unwrap_or_else(|e| Err(RequestError::Io(Arc::new(std::io::Error::other(e))))) {
                    Ok(updates) => {
                        c.failures = 0;
                        c.metrics.touch_poll();
                        if let Some(last) = updates.last() {
                            // Ask for what comes after this batch now; it is handed out once this one is.
                            c.next = Some(c.request(last.id.as_offset()));
                        }
                        c.buffer.extend(updates);
                        continue;
                    }
                    Err(e) => {
                        c.failures += 1;
                        let pause = Duration::from_millis(250 * 2u64.pow(c.failures.min(7))).min(Duration::from_secs(30));
                        log::warn!("polling Telegram failed ({} in a row), next try in {pause:?}", c.failures);
                        tokio::select! {
                            _ = tokio::time::sleep(pause) => {}
                            _ = c.flag.as_mut() => { c.done = true; }
                        }
                        return Some((Err(e), c));
                    }
                },
                _ = c.flag.as_mut() => {
                    // Whatever that request would bring is not confirmed, so Telegram sends it again later.
                    in_flight.abort();
                    true
                }
            };
            if stopped {
                // Confirm what was processed (every update before `offset`), take nothing new.
                c.done = true;
                let confirm = c.bot.get_updates().offset(c.offset).timeout(0).limit(1);
                if let Err(e) = confirm.send().await {
                    log::warn!("could not confirm the last updates on shutdown: {e}");
                }
                return None;
            }
        }
    })
}
