//! Live reload of the FAQ: a new corpus is loaded and fully validated, then swapped in whole; readers keep the
//! engine they hold and never wait. A broken corpus is refused, the old one keeps serving, and the problems go
//! to the log and to the admins. Triggered by file changes (debounced), SIGHUP and /reload.

use crate::matcher::Engine;
use crate::metrics::Metrics;
use arc_swap::ArcSwap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Quiet time after the last file change before reloading: an editor's save is several events, and a file
/// copied in takes a moment to be complete.
pub const DEBOUNCE: Duration = Duration::from_millis(700);

pub struct Reloader {
    pub faq: PathBuf,
    /// Where the built index is kept between starts, if anywhere: a reload saves the new one there.
    pub saved_index: Option<PathBuf>,
    pub live: Arc<ArcSwap<Engine>>,
    pub metrics: Arc<Metrics>,
    /// Messages for the admins (sent to them on Telegram).
    pub notices: Option<mpsc::UnboundedSender<String>>,
    /// One reload at a time.
    busy: Mutex<()>,
}

impl Reloader {
    pub fn new(
        faq: PathBuf,
        saved_index: Option<PathBuf>,
        live: Arc<ArcSwap<Engine>>,
        metrics: Arc<Metrics>,
        notices: Option<mpsc::UnboundedSender<String>>,
    ) -> Self {
        Reloader { faq, saved_index, live, metrics, notices, busy: Mutex::new(()) }
    }

    /// Loads, validates and swaps in the FAQ; `Ok(summary)` or `Err(every problem, one per line)`.
    pub fn reload(&self, why: &str) -> Result<String, String> {
        let _one = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        match crate::matcher::saved::engine(&self.faq, self.saved_index.as_deref()) {
            Ok(ready) => {
                let summary =
                    format!("{} entries, {} warning(s)", ready.engine.corpus().entry_count(), ready.warnings.len());
                self.live.store(Arc::new(ready.engine));
                Metrics::inc(&self.metrics.reloads);
                log::info!("FAQ reloaded ({why}): {summary}");
                Ok(summary)
            }
            Err(problems) => {
                Metrics::inc(&self.metrics.reload_failures);
                let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                let text = list.join("\n");
                log::error!("FAQ reload ({why}) refused; the previous FAQ is still served:\n{text}");
                if let Some(tx) = &self.notices {
                    let _ = tx.send(format!(
                        "❌ The FAQ change was NOT loaded ({why}); the previous version is still served. \
                         Fix these and save again:\n\n{text}"
                    ));
                }
                Err(text)
            }
        }
    }
}

/// Watches the FAQ folder; after changes settle, reloads. The watcher stops when the returned value is dropped.
pub fn watch(reloader: Arc<Reloader>) -> notify::Result<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(e) = event
            && !e.kind.is_access()
        {
            let _ = tx.send(());
        }
    })?;
    watcher.watch(&reloader.faq, RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("faq-watcher".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                // Wait until the folder has been quiet for a moment.
                while rx.recv_timeout(DEBOUNCE).is_ok() {}
                let _ = reloader.reload("files changed");
            }
        })
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(watcher)
}
