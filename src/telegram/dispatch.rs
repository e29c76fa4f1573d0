//! Hands each update to the handlers: one chat's updates in the order they came, different chats at once.
//! Teloxide's `Dispatcher` does the same with a worker task per chat, but under load it keeps retiring idle
//! workers, waiting for each in turn while no update is handed out. Here a chat has a task only while it has
//! work, and handing an update out never waits.

use super::schema::{self, Routed};
use super::state::App;
use futures::{FutureExt, Stream, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use teloxide::error_handlers::{ErrorHandler, LoggingErrorHandler};
use teloxide::prelude::*;
use teloxide::types::{ChatId, Me};
use tokio::sync::mpsc;

pub struct Dispatch {
    app: Arc<App>,
    me: Me,
    errors: Arc<LoggingErrorHandler>,
    /// Chats whose task is at work, with the updates waiting behind it.
    busy: Mutex<HashMap<ChatId, VecDeque<Update>>>,
    /// Dropped with the last reference to this, which every task holds: the channel closing says all are done.
    _working: mpsc::Sender<()>,
}

impl Dispatch {
    /// Handles every update `updates` brings until it ends, then waits for the replies in flight.
    pub async fn run<E: Debug>(app: Arc<App>, me: Me, updates: impl Stream<Item = Result<Update, E>>) {
        let (working, mut all_done) = mpsc::channel(1);
        let dispatch = Arc::new(Dispatch {
            app,
            me,
            errors: LoggingErrorHandler::with_custom_text("a reply could not be sent"),
            busy: Mutex::new(HashMap::new()),
            _working: working,
        });
        let listener_errors = LoggingErrorHandler::with_custom_text("receiving updates failed");
        let mut updates = std::pin::pin!(updates);
        while let Some(update) = updates.next().await {
            match update {
                Ok(update) => dispatch.hand_out(update),
                Err(e) => listener_errors.clone().handle_error(e).await,
            }
        }
        drop(dispatch);
        let _ = all_done.recv().await;
    }

    fn hand_out(self: &Arc<Self>, update: Update) {
        let Some(chat) = update.chat().map(|c| c.id) else {
            // Updates from no chat have no order to keep.
            let this = self.clone();
            tokio::spawn(async move { this.handle(update).await });
            return;
        };
        {
            let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(waiting) = busy.get_mut(&chat) {
                waiting.push_back(update);
                return;
            }
            busy.insert(chat, VecDeque::new());
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut next = Some(update);
            while let Some(update) = next {
                this.handle(update).await;
                let mut busy = this.busy.lock().unwrap_or_else(PoisonError::into_inner);
                next = busy.get_mut(&chat).and_then(VecDeque::pop_front);
                if next.is_none() {
                    busy.remove(&chat);
                }
            }
        });
    }

    async fn handle(&self, update: Update) {
        let id = update.id.0;
        // A panicking handler must not leave its chat marked busy for good.
        let routed = AssertUnwindSafe(schema::route(update, self.app.clone(), &self.me)).catch_unwind().await;
        match routed {
            Ok(Ok(Routed::Handled)) => {}
            Ok(Ok(Routed::Ignored)) => log::debug!("update {id} is not for this bot"),
            Ok(Err(e)) => self.errors.clone().handle_error(e).await,
            Err(_) => log::error!("handling update {id} panicked"),
        }
    }
}
