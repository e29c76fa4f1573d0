//! Long polling as an update listener of our own, so the service knows when its last successful poll was
//! (for /healthz), backs off on failures, and on shutdown confirms every update it has received, and handled,
//! so none is delivered twice or lost across a restart.
//!
//! A poller task asks for the next updates as soon as a batch arrives, while the batch is still being handed
//! out, so Telegram always has a request waiting. It has a connection of its own, so a long poll never holds up
//! a reply, nor a reply a poll.

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
use tokio::sync::mpsc;

/// Batches received but not yet handed out; past this the poller waits, so a bot that falls behind stops
/// taking updates it cannot handle yet.
const AHEAD: usize = 4;

pub struct PollState {
    bot: Bot,
    /// The poller's own client.
    poll_bot: Bot,
    timeout: Duration,
    metrics: Arc<Metrics>,
    token: StopToken,
    flag: Option<StopFlag>,
    allowed: Option<Vec<AllowedUpdate>>,
}

/// Polls with `poll_bot` (which should have a client of its own); `bot` confirms the last updates on shutdown.
pub fn listener(
    bot: Bot,
    poll_bot: Bot,
    timeout: Duration,
    metrics: Arc<Metrics>,
) -> impl UpdateListener<Err = RequestError> {
    let (token, flag) = mk_stop_token();
    let state = PollState { bot, poll_bot, timeout, metrics, token, flag: Some(flag), allowed: None };
    StatefulListener::new_with_hints(
        state,
        stream,
        |s: &mut PollState| s.token.clone(),
        Some(|s: &mut PollState, hint: &mut dyn Iterator<Item = AllowedUpdate>| s.allowed = Some(hint.collect())),
    )
}

/// What the stream hands out: the batches the poller sends, one update at a time.
struct Cursor {
    bot: Bot,
    batches: mpsc::Receiver<Result<Vec<Update>, RequestError>>,
    buffer: VecDeque<Update>,
    /// One past the last update handed out: confirming it tells Telegram all before it were handled.
    offset: Option<i32>,
}

fn stream(state: &mut PollState) -> impl Stream<Item = Result<Update, RequestError>> + Send + '_ {
    let flag = state.flag.take().unwrap_or_else(|| {
        // A second stream (a restarted dispatcher) gets a fresh stop token.
        let (token, flag) = mk_stop_token();
        state.token = token;
        flag
    });
    let (sender, batches) = mpsc::channel(AHEAD);
    let poller = Poller {
        bot: state.poll_bot.clone(),
        timeout: state.timeout.as_secs() as u32,
        metrics: state.metrics.clone(),
        allowed: state.allowed.clone(),
    };
    tokio::spawn(poller.run(sender, flag));
    let cursor = Cursor { bot: state.bot.clone(), batches, buffer: VecDeque::new(), offset: None };
    futures::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(update) = c.buffer.pop_front() {
                c.offset = Some(update.id.as_offset());
                return Some((Ok(update), c));
            }
            match c.batches.recv().await {
                Some(Ok(updates)) => c.buffer.extend(updates),
                Some(Err(e)) => return Some((Err(e), c)),
                None => {
                    // Stopped, and everything received was handed out: confirm it, take nothing new.
                    if let Some(offset) = c.offset {
                        let confirm = c.bot.get_updates().offset(offset).timeout(0).limit(1);
                        if let Err(e) = confirm.send().await {
                            log::warn!("could not confirm the last updates on shutdown: {e}");
                        }
                    }
                    return None;
                }
            }
        }
    })
}

struct Poller {
    bot: Bot,
    timeout: u32,
    metrics: Arc<Metrics>,
    allowed: Option<Vec<AllowedUpdate>>,
}

impl Poller {
    /// Polls until stopped. Each request confirms the batches before it, which are then already on their way
    /// to the handlers; what a request cut short by the stop would have brought stays unconfirmed, so Telegram
    /// sends it again to the next run.
    async fn run(self, batches: mpsc::Sender<Result<Vec<Update>, RequestError>>, flag: StopFlag) {
        let mut flag = std::pin::pin!(flag);
        let mut offset = 0;
        let mut failures = 0u32;
        loop {
            let mut request = self.bot.get_updates().offset(offset).timeout(self.timeout);
            if let Some(allowed) = &self.allowed {
                request = request.allowed_updates(allowed.clone());
            }
            let result = tokio::select! {
                result = request.send() => result,
                _ = flag.as_mut() => return,
            };
            let result = match result {
                Ok(updates) => {
                    failures = 0;
                    self.metrics.touch_poll();
                    if updates.is_empty() {
                        continue;
                    }
                    if let Some(last) = updates.last() {
                        offset = last.id.as_offset();
                    }
                    Ok(updates)
                }
                Err(e) => {
                    failures += 1;
                    let pause = Duration::from_millis(250 * 2u64.pow(failures.min(7))).min(Duration::from_secs(30));
                    log::warn!("polling Telegram failed ({failures} in a row), next try in {pause:?}");
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = flag.as_mut() => return,
                    }
                    Err(e)
                }
            };
            // Waits while the handlers are behind; stopping does not wait for them.
            tokio::select! {
                sent = batches.send(result) => if sent.is_err() { return },
                _ = flag.as_mut() => return,
            }
        }
    }
}
