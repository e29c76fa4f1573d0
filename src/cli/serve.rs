//! `immunofaq serve`: the bot as a service. Settings come from flags, then `IMMUNOFAQ_*` environment
//! variables, then an optional TOML file (`--config`), then defaults; the token only from `TELOXIDE_TOKEN`.

use crate::metrics::Metrics;
use crate::reload::{self, Reloader};
use crate::store::{self, Store, StoreError};
use crate::telegram::{self, AdminHooks, BotSettings, RetryPolicy, SendLimits};
use crate::{health, report};
use arc_swap::ArcSwap;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below (by their long names with `_`); flags and environment win.
    #[arg(long, env = "IMMUNOFAQ_CONFIG")]
    pub config: Option<PathBuf>,
    /// Webhook mode: the public HTTPS URL Telegram posts updates to. Without it the bot uses long polling.
    #[arg(long, env = "IMMUNOFAQ_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// Webhook mode: the local address to listen on, e.g. 127.0.0.1:8443 behind a reverse proxy.
    #[arg(long, env = "IMMUNOFAQ_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Telegram user ids allowed to use /reload, /unanswered and /stats (comma-separated).
    #[arg(long, env = "IMMUNOFAQ_ADMINS", value_delimiter = ',')]
    pub admins: Option<Vec<u64>>,
    /// The statistics database [default: ./data/immunofaq.db].
    #[arg(long, env = "IMMUNOFAQ_DB")]
    pub db: Option<PathBuf>,
    /// Days after which stored unanswered questions are deleted [default: 90].
    #[arg(long, env = "IMMUNOFAQ_RETENTION_DAYS")]
    pub retention_days: Option<u32>,
    /// Serve GET /healthz and GET /metrics on this address, e.g. 127.0.0.1:9090.
    #[arg(long, env = "IMMUNOFAQ_HEALTH_ADDR")]
    pub health_addr: Option<SocketAddr>,
    /// Messages a user may send per minute before being slowed down [default: 20].
    #[arg(long, env = "IMMUNOFAQ_FLOOD_PER_MINUTE")]
    pub flood_per_minute: Option<u32>,
    /// Do not apply Telegram's send limits: only for a local test server that has none.
    #[arg(long, env = "IMMUNOFAQ_NO_SEND_LIMITS")]
    pub no_send_limits: bool,
    /// Long-polling time-out in seconds [default: 10].
    #[arg(long, env = "IMMUNOFAQ_POLL_TIMEOUT")]
    pub poll_timeout: Option<u64>,
    /// Do not watch the FAQ folder for changes (SIGHUP and /reload still reload).
    #[arg(long, env = "IMMUNOFAQ_NO_WATCH")]
    pub no_watch: bool,
    /// Threads that handle updates [default: 1]. One thread answers thousands of questions a second; more pay
    /// off only with a very large FAQ on many cores (reloads and the statistics have threads of their own).
    #[arg(long, env = "IMMUNOFAQ_THREADS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
}

/// The optional configuration file: the same settings as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub faq: Option<PathBuf>,
    pub saved_index: Option<PathBuf>,
    pub urgent_contact: Option<String>,
    pub webhook_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub admins: Option<Vec<u64>>,
    pub db: Option<PathBuf>,
    pub retention_days: Option<u32>,
    pub health_addr: Option<SocketAddr>,
    pub flood_per_minute: Option<u32>,
    pub send_limits: Option<bool>,
    pub poll_timeout: Option<u64>,
    pub watch: Option<bool>,
    pub threads: Option<u16>,
}

/// Every setting resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub faq: PathBuf,
    /// Where the built index is kept between starts (`--saved-index`), if anywhere.
    pub saved_index: Option<PathBuf>,
    pub urgent_contact: Option<String>,
    pub webhook: Option<(reqwest::Url, SocketAddr)>,
    pub admins: Vec<u64>,
    pub db: PathBuf,
    pub retention_days: u32,
    pub health_addr: Option<SocketAddr>,
    pub flood_per_minute: u32,
    pub send_limits: bool,
    pub poll_timeout: Duration,
    pub watch: bool,
    pub threads: u16,
}

pub fn resolve(
    faq: Option<&Path>,
    saved_index: Option<&Path>,
    urgent_contact: Option<&str>,
    args: &ServeArgs,
) -> Result<Settings, String> {
    let file: FileConfig = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.to_string().trim()))?
        }
        None => FileConfig::default(),
    };
    let webhook_url = args.webhook_url.clone().or(file.webhook_url);
    let listen = args.listen.or(file.listen);
    let webhook = match (webhook_url, listen) {
        (Some(url), Some(addr)) => {
            let url = reqwest::Url::parse(&url).map_err(|e| format!("--webhook-url `{url}` is not a URL: {e}"))?;
            Some((url, addr))
        }
        (None, None) => None,
        _ => return Err("webhook mode needs both --webhook-url and --listen".into()),
    };
    Ok(Settings {
        faq: faq.map(Path::to_path_buf).or(file.faq).unwrap_or_else(|| PathBuf::from("faq")),
        saved_index: saved_index.map(Path::to_path_buf).or(file.saved_index),
        urgent_contact: urgent_contact.map(str::to_string).or(file.urgent_contact),
        webhook,
        admins: args.admins.clone().or(file.admins).unwrap_or_default(),
        db: args.db.clone().or(file.db).unwrap_or_else(|| PathBuf::from("data/immunofaq.db")),
        retention_days: args.retention_days.or(file.retention_days).unwrap_or(90),
        health_addr: args.health_addr.or(file.health_addr),
        flood_per_minute: args.flood_per_minute.or(file.flood_per_minute).unwrap_or(20),
        send_limits: !args.no_send_limits && file.send_limits.unwrap_or(true),
        poll_timeout: Duration::from_secs(args.poll_timeout.or(file.poll_timeout).unwrap_or(10)),
        watch: !args.no_watch && file.watch.unwrap_or(true),
        threads: args.threads.or(file.threads).unwrap_or(1).max(1),
    })
}

pub fn run(settings: Settings) -> Result<(), String> {
    let token = std::env::var("TELOXIDE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or("TELOXIDE_TOKEN is not set: get a token from @BotFather and export TELOXIDE_TOKEN=…")?;
    let api_url = match std::env::var("TELOXIDE_API_URL") {
        Ok(url) if !url.is_empty() => {
            Some(reqwest::Url::parse(&url).map_err(|e| format!("TELOXIDE_API_URL `{url}` is not a URL: {e}"))?)
        }
        _ => None,
    };
    let engine = super::load_engine(&settings.faq, settings.saved_index.as_deref())?;
    log::info!("FAQ loaded: {} entries from {}", engine.corpus().entry_count(), settings.faq.display());
    let live = Arc::new(ArcSwap::from_pointee(engine));
    let metrics = Arc::new(Metrics::default());
    let (events, writer, db) = open_store(&settings, &metrics)?;
    let (notice_tx, notice_rx) = tokio::sync::mpsc::unbounded_channel();
    let reloader = Arc::new(Reloader::new(
        settings.faq.clone(),
        settings.saved_index.clone(),
        live.clone(),
        metrics.clone(),
        Some(notice_tx),
    ));
    let _watcher = if settings.watch {
        match reload::watch(reloader.clone()) {
            Ok(w) => Some(w),
            Err(e) => {
                log::warn!("cannot watch {} for changes ({e}); SIGHUP and /reload still work", settings.faq.display());
                None
            }
        }
    } else {
        None
    };
    let hooks: Arc<dyn AdminHooks> = Arc::new(Admin { reloader: reloader.clone(), db, live: live.clone() });
    let options = telegram::Options {
        token,
        api_url,
        webhook: settings.webhook.clone(),
        settings: BotSettings {
            urgent_contact: settings.urgent_contact.clone(),
            admins: settings.admins.iter().copied().collect(),
            flood_per_minute: settings.flood_per_minute,
        },
        limits: if settings.send_limits { SendLimits::telegram() } else { SendLimits::none() },
        retry: RetryPolicy::default(),
        poll_timeout: settings.poll_timeout,
    };
    // One thread by default: under load (2,000 updates/s on 2 cores) the bot used a sixth less CPU than with a
    // worker per core, and its slowest replies were two to three times faster, as updates no longer hop between
    // threads (each hop a wake-up, dear on a virtual machine).
    let runtime = match settings.threads {
        1 => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        n => tokio::runtime::Builder::new_multi_thread().worker_threads(n.into()).enable_all().build(),
    }
    .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let result = runtime.block_on(async move {
        spawn_sighup(reloader);
        if let Some(address) = settings.health_addr {
            let stale_after = if settings.webhook.is_some() {
                Duration::from_secs(24 * 3600)
            } else {
                settings.poll_timeout * 3 + Duration::from_secs(30)
            };
            let health = health::Health { live: live.clone(), metrics: metrics.clone(), stale_after };
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| format!("cannot listen on {address} for /healthz: {e}"))?;
            log::info!("health and metrics on http://{address}");
            tokio::spawn(async move {
                if let Err(e) = health::serve(listener, health).await {
                    log::error!("the health endpoint stopped: {e}");
                }
            });
        }
        telegram::run(options, live, metrics, events, Some(hooks), Some(notice_rx)).await
    });
    // Dropping the runtime drops the last senders of statistics events; the writer then saves what is queued.
    drop(runtime);
    if let Some(writer) = writer
        && writer.join().is_err()
    {
        log::error!("the statistics writer stopped unexpectedly");
    }
    result
}

type EventSender = tokio::sync::mpsc::Sender<crate::events::Event>;

/// The statistics queue, the writer thread behind it and the database file; all `None` when statistics are off.
type OpenStore = (Option<EventSender>, Option<std::thread::JoinHandle<()>>, Option<PathBuf>);

/// Opens the statistics database and starts its writer. A damaged file stops the start with a recovery hint;
/// a database that cannot be opened at all (permissions, missing disk) only costs the statistics.
fn open_store(settings: &Settings, metrics: &Arc<Metrics>) -> Result<OpenStore, String> {
    match Store::open(&settings.db) {
        Ok(store) => {
            log::info!("statistics database: {}", settings.db.display());
            let (events, writer) = store::spawn_writer(store, settings.retention_days, metrics.clone());
            Ok((Some(events), Some(writer), Some(settings.db.clone())))
        }
        Err(e @ StoreError::Corrupt(_)) => Err(e.to_string()),
        Err(StoreError::Unavailable(e)) => {
            log::error!("statistics are off: {e}. The bot answers as usual.");
            Ok((None, None, None))
        }
    }
}

fn spawn_sighup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            let r = reloader.clone();
            let _ = tokio::task::spawn_blocking(move || r.reload("SIGHUP")).await;
        }
    });
}

/// What /reload, /unanswered and /stats do.
struct Admin {
    reloader: Arc<Reloader>,
    db: Option<PathBuf>,
    live: Arc<ArcSwap<crate::matcher::Engine>>,
}

impl Admin {
    fn with_store(&self, f: impl FnOnce(&Store) -> String) -> String {
        match self.db.as_ref().map(|p| Store::open(p)) {
            Some(Ok(store)) => f(&store),
            Some(Err(e)) => format!("The statistics database could not be opened: {e}"),
            None => "Statistics are off in this run.".to_string(),
        }
    }
}

impl AdminHooks for Admin {
    fn reload(&self) -> Result<String, String> {
        self.reloader.reload("/reload")
    }

    fn unanswered(&self) -> String {
        self.with_store(|store| report::unanswered_text(&self.live.load(), store))
    }

    fn stats(&self) -> String {
        self.with_store(report::stats_text)
    }
}
