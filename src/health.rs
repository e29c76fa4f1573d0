//! The operator's HTTP endpoints: `GET /healthz` (is a corpus loaded, when did the bot last hear from
//! Telegram) and `GET /metrics` (Prometheus text).

use crate::matcher::Engine;
use crate::metrics::{Metrics, unix_now};
use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(Clone)]
pub struct Health {
    pub live: Arc<ArcSwap<Engine>>,
    pub metrics: Arc<Metrics>,
    /// Polls further apart than this mean the bot is not receiving updates.
    pub stale_after: Duration,
}

pub fn router(health: Health) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics)).with_state(health)
}

/// Serves the endpoints on an already bound listener (so a busy port fails the start, not a later task).
pub async fn serve(listener: tokio::net::TcpListener, health: Health) -> std::io::Result<()> {
    axum::serve(listener, router(health)).await
}

async fn healthz(State(h): State<Health>) -> impl IntoResponse {
    let entries = h.live.load().corpus().entry_count();
    let last = h.metrics.last_poll_unix.load(Ordering::Relaxed);
    let age = (last > 0).then(|| unix_now().saturating_sub(last));
    let fresh = age.is_some_and(|a| a <= h.stale_after.as_secs());
    let status = if entries > 0 && fresh { "ok" } else { "unhealthy" };
    let body = format!(
        "{{\"status\":\"{status}\",\"corpus_loaded\":{},\"entries\":{entries},\"last_poll_unix\":{},\"seconds_since_poll\":{}}}",
        entries > 0,
        if last > 0 { last.to_string() } else { "null".into() },
        age.map_or("null".into(), |a| a.to_string())
    );
    let code = if status == "ok" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, [(header::CONTENT_TYPE, "application/json")], body)
}

async fn metrics(State(h): State<Health>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], h.metrics.prometheus())
}
