//! What every handler shares: the live engine (swapped whole on reload, so readers never wait), its answers as
//! rendered, the sender, the flood guard, metrics, the event channel to the statistics store, and the settings.

use super::limit::FloodGuard;
use super::render::RenderedAnswers;
use super::send::Sender;
use crate::events::Event;
use crate::matcher::Engine;
use crate::metrics::Metrics;
use arc_swap::ArcSwap;
use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::Arc;
use teloxide::types::UserId;
use tokio::sync::mpsc;

#[derive(Debug, Clone, Default)]
pub struct BotSettings {
    /// The clinic's urgent contact number, shown under the urgent message.
    pub urgent_contact: Option<String>,
    /// Telegram user ids allowed to use /reload, /unanswered and /stats.
    pub admins: HashSet<u64>,
    pub flood_per_minute: u32,
}

pub struct App {
    pub engine: Arc<ArcSwap<Engine>>,
    pub answers: RenderedAnswers,
    pub sender: Sender,
    pub settings: BotSettings,
    pub flood: FloodGuard,
    pub metrics: Arc<Metrics>,
    pub events: Option<mpsc::Sender<Event>>,
    pub admin_hooks: Option<Arc<dyn AdminHooks>>,
    /// Per-process random key for user hashes: a log line can follow one user within a run, but no hash can be
    /// tied back to a Telegram id.
    salt: std::collections::hash_map::RandomState,
}

/// Admin actions that live outside the Telegram adapter (reload, reports), so it stays a thin adapter.
pub trait AdminHooks: Send + Sync {
    /// Reloads the corpus; `Ok(summary)` or `Err(problems as text)`.
    fn reload(&self) -> Result<String, String>;
    fn unanswered(&self) -> String;
    fn stats(&self) -> String;
}

impl App {
    pub fn new(
        engine: Arc<ArcSwap<Engine>>,
        sender: Sender,
        settings: BotSettings,
        metrics: Arc<Metrics>,
        events: Option<mpsc::Sender<Event>>,
        admin_hooks: Option<Arc<dyn AdminHooks>>,
    ) -> App {
        App {
            engine,
            answers: RenderedAnswers::default(),
            flood: FloodGuard::new(settings.flood_per_minute.max(1)),
            sender,
            settings,
            metrics,
            events,
            admin_hooks,
            salt: std::collections::hash_map::RandomState::new(),
        }
    }

    pub fn user_key(&self, user: UserId) -> u64 {
        self.salt.hash_one(user.0)
    }

    pub fn is_admin(&self, user: Option<UserId>) -> bool {
        user.is_some_and(|u| self.settings.admins.contains(&u.0))
    }

    /// Hands an event to the store without waiting: statistics are best effort, replies are not.
    pub fn record(&self, event: Event) {
        if let Some(tx) = &self.events
            && tx.try_send(event).is_err()
        {
            Metrics::inc(&self.metrics.store_failures);
            log::warn!("statistics queue full or closed: an event was dropped");
        }
    }
}
