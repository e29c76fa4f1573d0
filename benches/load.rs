//! Load driver: the real bot binary against the fake Bot API server, both on this machine (loopback only).
//! Pushes updates from many users at a fixed rate for a bounded time, then reports throughput and the time
//! from an update being available to its reply arriving at the server (p50/p90/p99/max), and the fake
//! server's own cost per request, measured the same way without the bot.
//!
//! Run: `cargo bench --bench load` (optional: `-- RATE SECONDS USERS`, default 2500 4 1000).

#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use fake_telegram::FakeTelegram;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn questions() -> Vec<String> {
    std::fs::read_to_string("tests/eval/dev.jsonl")
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| !v["topic"].is_null())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with('-')).skip(1).collect();
    let rate: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(2500);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let users: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let total = (rate * seconds) as usize;
    let questions = questions();

    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("bot.log")).unwrap();
    let mut bot = Command::new(env!("CARGO_BIN_EXE_immunofaq"))
        .args(["serve", "--no-send-limits", "--no-watch", "--poll-timeout", "1", "--flood-per-minute", "1000000"])
        .arg("--db")
        .arg(dir.path().join("stats.db"))
        .env("TELOXIDE_TOKEN", "123456:LOAD")
        .env("TELOXIDE_API_URL", fake.api_url())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the bot starts");
    fake.wait_for("setMyCommands", None, 1, Duration::from_secs(30)).await;

    // Warm-up, not counted.
    for u in 0..50 {
        fake.text(1_000_000 + u, &questions[u as usize % questions.len()]);
    }
    fake.wait_for("sendMessage", None, 50, Duration::from_secs(30)).await;
    let warm = fake.calls().len();

    let mut queued: HashMap<i64, Instant> = HashMap::with_capacity(total);
    let started = Instant::now();
    let tick = Duration::from_millis(5);
    let per_tick = (rate as f64 * tick.as_secs_f64()).max(1.0);
    let mut pushed = 0usize;
    let mut owed = 0.0;
    while pushed < total {
        owed += per_tick;
        while owed >= 1.0 && pushed < total {
            let user = 1 + (pushed as i64 % users);
            let (_, mid) = fake.text(user, &questions[pushed % questions.len()]);
            queued.insert(mid, Instant::now());
            pushed += 1;
            owed -= 1.0;
        }
        tokio::time::sleep_until((started + tick * (pushed as f64 / per_tick) as u32).into()).await;
    }
    let pushed_in = started.elapsed();
    let replies = fake.wait_for("sendMessage", None, 50 + total, Duration::from_secs(120)).await;
    let calls = fake.calls();
    let _ = bot.kill();
    let _ = bot.wait();

    let mut latencies: Vec<Duration> = Vec::with_capacity(total);
    let mut last = started;
    for reply in replies.iter().skip(50) {
        let Some(mid) = reply.body["reply_parameters"]["message_id"].as_i64() else { continue };
        if let Some(at) = queued.get(&mid) {
            latencies.push(reply.at.duration_since(*at));
            last = last.max(reply.at);
        }
    }
    latencies.sort();
    let elapsed = last.duration_since(started);
    let requests = calls.len() - warm;
    println!("load: {total} updates from {users} users offered at {rate}/s (pushed in {pushed_in:.2?})");
    println!(
        "  replies: {} in {:.2?} = {:.0} updates/s; {} requests to the server ({:.0}/s)",
        latencies.len(),
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        requests,
        requests as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  update available → reply at the server: p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );

    // The fake server's own cost: the same requests, sent straight to it from this process.
    let server_cost = fake_server_cost(&fake, 5000).await;
    println!(
        "  fake server alone: {:.1} µs per sendMessage round trip (one connection, loopback)",
        server_cost.as_secs_f64() * 1e6
    );
}

/// Mean round trip of a sendMessage to the fake server over one keep-alive connection.
async fn fake_server_cost(fake: &FakeTelegram, n: usize) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", fake.port)).await.unwrap();
    let body = r#"{"chat_id":5,"text":"<b>hello</b> world","parse_mode":"HTML"}"#;
    let request = format!(
        "POST /bot1:x/SendMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut buffer = vec![0u8; 65536];
    let started = Instant::now();
    for _ in 0..n {
        stream.write_all(request.as_bytes()).await.unwrap();
        // Read one response: headers, then Content-Length bytes.
        let mut got = Vec::new();
        loop {
            let k = stream.read(&mut buffer).await.unwrap();
            got.extend_from_slice(&buffer[..k]);
            if let Some(h) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..h]).to_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                    .unwrap();
                if got.len() >= h + 4 + len {
                    break;
                }
            }
        }
    }
    started.elapsed() / n as u32
}
