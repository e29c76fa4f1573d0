//! The statistics database (SQLite): aggregates per day and per entry, votes, and the scrubbed text of
//! questions the bot could not answer. No user id, chat id or name is ever written. A writer thread takes
//! events from a queue, so a slow, full or broken disk never delays a reply.

use crate::events::Event;
use crate::metrics::Metrics;
use rusqlite::{Connection, OpenFlags, params};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Events waiting for the writer; beyond this they are dropped (and counted), never waited for.
pub const QUEUE: usize = 10_000;

/// How long the writer lets events gather before writing them in one transaction. Statistics a moment late
/// cost nothing; a wake-up and a transaction per event cost the bot a tenth of its CPU under load.
const GATHER: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub enum StoreError {
    /// The file exists but is not a healthy SQLite database.
    Corrupt(String),
    /// It could not be opened or created (permissions, missing disk).
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Corrupt(m) | StoreError::Unavailable(m) => f.write_str(m),
        }
    }
}

pub struct Store {
    conn: Connection,
}

/// One stored unanswered question.
#[derive(Debug, Clone, PartialEq)]
pub struct Unanswered {
    pub day: String,
    pub text: String,
    pub outcome: String,
    pub candidates: Vec<String>,
}

/// Per-entry counters.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryStats {
    pub entry: String,
    pub asked: u64,
    pub up: u64,
    pub down: u64,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS unanswered (
        id INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        text TEXT NOT NULL,
        outcome TEXT NOT NULL,
        candidates TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS unanswered_day ON unanswered(day);
    CREATE TABLE IF NOT EXISTS daily (
        day TEXT NOT NULL,
        outcome TEXT NOT NULL,
        urgent INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, outcome, urgent)
    );
    CREATE TABLE IF NOT EXISTS entries (
        entry TEXT PRIMARY KEY,
        asked INTEGER NOT NULL DEFAULT 0,
        up INTEGER NOT NULL DEFAULT 0,
        down INTEGER NOT NULL DEFAULT 0
    );
";

impl Store {
    /// Opens (creating the file and its folder on first run) and checks the database.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        let corrupt = |e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!(
                "the statistics database {} is damaged ({e}). The bot does not need it to answer: move it aside \
                 (mv {0} {0}.damaged) and start again, and a new empty one is created; keep the damaged copy if \
                 you want to try `sqlite3 {0}.damaged .recover`.",
                path.display()
            ))
        };
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
            .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| corrupt(&e))?;
        if check != "ok" {
            return Err(corrupt(&check));
        }
        conn.busy_timeout(Duration::from_secs(2)).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // WAL lets reports read while the writer writes; NORMAL sync is safe with WAL and spares an fsync per
        // event (a power cut may lose the last few counts, never corrupt the file).
        let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(|e| corrupt(&e))?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| corrupt(&e))?;
        conn.execute_batch(SCHEMA).map_err(|e| corrupt(&e))?;
        Ok(Store { conn })
    }

    pub fn record(&mut self, event: &Event) -> rusqlite::Result<()> {
        self.record_all(std::slice::from_ref(event))
    }

    /// Records a batch of events in one transaction.
    pub fn record_all(&mut self, events: &[Event]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for event in events {
            Self::record_in(&tx, event)?;
        }
        tx.commit()
    }

    fn record_in(tx: &rusqlite::Transaction<'_>, event: &Event) -> rusqlite::Result<()> {
        match event {
            Event::Question { at, outcome, entry, urgent, unanswered, candidates } => {
                let secs = unix(*at);
                // Cached statements: parsing the SQL again for every event cost more than running it.
                tx.prepare_cached(
                    "INSERT INTO daily (day, outcome, urgent, count) VALUES (date(?1, 'unixepoch'), ?2, ?3, 1)
                     ON CONFLICT (day, outcome, urgent) DO UPDATE SET count = count + 1",
                )?
                .execute(params![secs, outcome, *urgent as i64])?;
                if let Some(entry) = entry {
                    tx.prepare_cached(
                        "INSERT INTO entries (entry, asked) VALUES (?1, 1)
                         ON CONFLICT (entry) DO UPDATE SET asked = asked + 1",
                    )?
                    .execute(params![entry])?;
                }
                if let Some(text) = unanswered {
                    tx.prepare_cached(
                        "INSERT INTO unanswered (day, text, outcome, candidates) VALUES (date(?1, 'unixepoch'), ?2, ?3, ?4)",
                    )?
                    .execute(params![secs, text, outcome, candidates.join(",")])?;
                }
            }
            Event::Vote { entry, up, .. } => {
                let sql = if *up {
                    "INSERT INTO entries (entry, up) VALUES (?1, 1) ON CONFLICT (entry) DO UPDATE SET up = up + 1"
                } else {
                    "INSERT INTO entries (entry, down) VALUES (?1, 1) ON CONFLICT (entry) DO UPDATE SET down = down + 1"
                };
                tx.prepare_cached(sql)?.execute(params![entry])?;
            }
        }
        Ok(())
    }

    /// Deletes unanswered questions older than `days`; returns how many.
    pub fn purge(&mut self, days: u32, now: SystemTime) -> rusqlite::Result<usize> {
        self.conn.execute(
            "DELETE FROM unanswered WHERE day < date(?1, 'unixepoch', ?2)",
            params![unix(now), format!("-{days} days")],
        )
    }

    pub fn unanswered(&self) -> rusqlite::Result<Vec<Unanswered>> {
        let mut stmt = self.conn.prepare("SELECT day, text, outcome, candidates FROM unanswered ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            let candidates: String = r.get(3)?;
            Ok(Unanswered {
                day: r.get(0)?,
                text: r.get(1)?,
                outcome: r.get(2)?,
                candidates: candidates.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
            })
        })?;
        rows.collect()
    }

    /// (day, outcome, urgent, count) for the last `days` days, newest first.
    pub fn daily(&self, days: u32) -> rusqlite::Result<Vec<(String, String, bool, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT day, outcome, urgent, count FROM daily WHERE day >= date('now', ?1) ORDER BY day DESC, outcome",
        )?;
        let rows = stmt.query_map(params![format!("-{days} days")], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0, r.get::<_, i64>(3)? as u64))
        })?;
        rows.collect()
    }

    pub fn entries(&self) -> rusqlite::Result<Vec<EntryStats>> {
        let mut stmt = self.conn.prepare("SELECT entry, asked, up, down FROM entries ORDER BY asked DESC, entry")?;
        let rows = stmt.query_map([], |r| {
            Ok(EntryStats {
                entry: r.get(0)?,
                asked: r.get::<_, i64>(1)? as u64,
                up: r.get::<_, i64>(2)? as u64,
                down: r.get::<_, i64>(3)? as u64,
            })
        })?;
        rows.collect()
    }
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Starts the writer thread: it records every event, purges old questions at start and once a day, and logs
/// (never panics) when the disk refuses a write. The thread ends once every sender is dropped and the queue is
/// written; join it to be sure nothing is lost at exit.
pub fn spawn_writer(
    mut store: Store,
    retention_days: u32,
    metrics: Arc<Metrics>,
) -> (mpsc::Sender<Event>, std::thread::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Event>(QUEUE);
    let thread = std::thread::Builder::new()
        .name("stats-writer".into())
        .spawn(move || {
            let mut last_purge: Option<SystemTime> = None;
            loop {
                let due = last_purge.is_none_or(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(24 * 3600));
                if due {
                    match store.purge(retention_days, SystemTime::now()) {
                        Ok(n) => {
                            log::info!("retention: deleted {n} stored question(s) older than {retention_days} days")
                        }
                        Err(e) => log::warn!("retention purge failed: {e}"),
                    }
                    last_purge = Some(SystemTime::now());
                }
                let Some(event) = rx.blocking_recv() else { break };
                std::thread::sleep(GATHER);
                let mut batch = vec![event];
                while batch.len() < QUEUE
                    && let Ok(more) = rx.try_recv()
                {
                    batch.push(more);
                }
                if let Err(e) = store.record_all(&batch) {
                    Metrics::inc(&metrics.store_failures);
                    log::error!("{} statistics event(s) not saved (replies are unaffected): {e}", batch.len());
                }
            }
        })
        .expect("the writer thread starts");
    (tx, thread)
}
