//! Counters and a latency histogram for the whole service, shared by the bot and the health endpoint.
//! Plain atomics: incrementing never waits, and nothing here knows about Telegram or holds patient data.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the reply-latency histogram buckets, in seconds.
pub const LATENCY_BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    pub answered: AtomicU64,
    pub suggested: AtomicU64,
    pub no_match: AtomicU64,
    pub urgent: AtomicU64,
    pub votes_up: AtomicU64,
    pub votes_down: AtomicU64,
    pub reloads: AtomicU64,
    pub reload_failures: AtomicU64,
    pub telegram_errors: AtomicU64,
    pub telegram_retries: AtomicU64,
    pub replies_lost: AtomicU64,
    pub flood_notices: AtomicU64,
    pub malformed_updates: AtomicU64,
    pub store_failures: AtomicU64,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    /// Unix time of the last successful request to Telegram (a poll or a sent reply).
    pub last_contact_unix: AtomicU64,
    /// Unix time of the last successful poll for updates (or webhook update received).
    pub last_poll_unix: AtomicU64,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_latency(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn touch_contact(&self) {
        self.last_contact_unix.store(unix_now(), Ordering::Relaxed);
    }

    pub fn touch_poll(&self) {
        self.last_poll_unix.store(unix_now(), Ordering::Relaxed);
        self.touch_contact();
    }

    /// The Prometheus text exposition of every counter and the histogram.
    pub fn prometheus(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, samples: &[(&str, u64)]| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
            for (labels, v) in samples {
                out.push_str(&format!("{name}{labels} {v}\n"));
            }
        };
        counter(
            "immunofaq_questions_total",
            "Questions by outcome.",
            &[
                ("{outcome=\"answer\"}", get(&self.answered)),
                ("{outcome=\"suggest\"}", get(&self.suggested)),
                ("{outcome=\"none\"}", get(&self.no_match)),
            ],
        );
        counter("immunofaq_urgent_total", "Questions that described a warning sign.", &[("", get(&self.urgent))]);
        counter(
            "immunofaq_votes_total",
            "Feedback votes.",
            &[("{vote=\"up\"}", get(&self.votes_up)), ("{vote=\"down\"}", get(&self.votes_down))],
        );
        counter("immunofaq_reloads_total", "Successful corpus reloads.", &[("", get(&self.reloads))]);
        counter(
            "immunofaq_reload_failures_total",
            "Reloads refused because the new corpus was invalid.",
            &[("", get(&self.reload_failures))],
        );
        counter(
            "immunofaq_telegram_errors_total",
            "Failed Telegram requests (each attempt).",
            &[("", get(&self.telegram_errors))],
        );
        counter(
            "immunofaq_telegram_retries_total",
            "Telegram requests retried after a transient failure.",
            &[("", get(&self.telegram_retries))],
        );
        counter(
            "immunofaq_replies_lost_total",
            "Replies given up on after all retries.",
            &[("", get(&self.replies_lost))],
        );
        counter(
            "immunofaq_flood_notices_total",
            "Notices sent to users sending too fast.",
            &[("", get(&self.flood_notices))],
        );
        counter(
            "immunofaq_malformed_updates_total",
            "Updates that could not be read.",
            &[("", get(&self.malformed_updates))],
        );
        counter(
            "immunofaq_store_failures_total",
            "Statistics that could not be written (replies unaffected).",
            &[("", get(&self.store_failures))],
        );
        out.push_str(
            "# HELP immunofaq_reply_seconds Time from receiving a question to its reply being accepted by Telegram.\n",
        );
        out.push_str("# TYPE immunofaq_reply_seconds histogram\n");
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "immunofaq_reply_seconds_bucket{{le=\"{bound}\"}} {}\n",
                get(&self.latency_buckets[i])
            ));
        }
        let count = get(&self.latency_count);
        out.push_str(&format!("immunofaq_reply_seconds_bucket{{le=\"+Inf\"}} {count}\n"));
        out.push_str(&format!("immunofaq_reply_seconds_sum {}\n", get(&self.latency_sum_micros) as f64 / 1e6));
        out.push_str(&format!("immunofaq_reply_seconds_count {count}\n"));
        out
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative() {
        let m = Metrics::default();
        m.observe_latency(Duration::from_micros(800));
        m.observe_latency(Duration::from_millis(30));
        let text = m.prometheus();
        assert!(text.contains("immunofaq_reply_seconds_bucket{le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("immunofaq_reply_seconds_bucket{le=\"0.05\"} 2\n"), "{text}");
        assert!(text.contains("immunofaq_reply_seconds_count 2\n"), "{text}");
    }
}
