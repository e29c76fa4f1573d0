//! Load driver: the real bot binary against the fake Bot API server, both on this machine (loopback only).
//! Pushes updates from many users at a steady rate for a bounded time, then reports throughput, the latency the
//! bot adds, the end-to-end latency, where the CPU went, and the fake server's own cost.
//!
//! Run: `cargo bench --bench load` (optional: `-- RATE SECONDS USERS`, default 2000 5 1000). Environment:
//! `LOAD_DUMP=FILE` writes each update's queue time and added latency; `LOAD_BOT_LOG` sets the bot's log level
//! (default info, as in production); `LOAD_BOT_BIN` runs another build of the bot, to compare two.
//!
//! What "added by the bot" is, per update (all times taken by the fake server; arrivals are the kernel's
//! receive time stamps, so they do not depend on when the server got round to reading):
//!
//!   added = (reply arrived − answer carrying the update began to be written)
//!         + (getUpdates that took it arrived − update queued, when positive)
//!
//! The first term is the bot reading the update, answering and sending the reply (its first message to that
//! chat that replies to the update). The second is time the update waited because the bot had no getUpdates
//! waiting at the server: the bot's doing, so it counts. What is left out is only the server's own part: waking
//! its parked getUpdates and building the answer (reported as the server's hand-off). The end-to-end figure
//! (update queued → reply read by the server) includes everything. Counting from when the server's write
//! returned instead (the answer is in the bot's socket by then) gives a lower bound: a server descheduled in
//! the middle of its write is charged to the bot above, and not in the bound.

#[path = "../tests/support/bot.rs"]
mod bot;
#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use bot::BotProcess;
use fake_telegram::FakeTelegram;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn questions() -> Vec<String> {
    std::fs::read_to_string("tests/eval/dev.jsonl")
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| !v["topic"].is_null())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect()
}

/// Percentiles of a sample, for printing.
struct Spread(Vec<Duration>);

impl Spread {
    fn new(mut sample: Vec<Duration>) -> Spread {
        sample.sort();
        Spread(sample)
    }

    fn at(&self, p: f64) -> Duration {
        self.0.get(((self.0.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default()
    }

    fn mean(&self) -> Duration {
        self.0.iter().sum::<Duration>() / self.0.len().max(1) as u32
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            ms(self.at(0.5)),
            ms(self.at(0.9)),
            ms(self.at(0.99)),
            ms(self.at(0.999)),
            ms(self.0.last().copied().unwrap_or_default())
        )
    }
}

/// CPU time used so far, in clock ticks of 10 ms (Linux `/proc`; zero elsewhere).
mod cpu {
    fn ticks_of(stat: &str) -> u64 {
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<u64>().ok()).sum()
    }

    pub fn process(pid: u32) -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map(|s| ticks_of(&s)).unwrap_or(0)
    }

    pub fn this_thread() -> u64 {
        std::fs::read_to_string("/proc/thread-self/stat").map(|s| ticks_of(&s)).unwrap_or(0)
    }

    /// Ticks every core spent busy (not idle, not waiting for I/O), and of those, taken by the hypervisor.
    pub fn machine() -> (u64, u64) {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let first = stat.lines().next().unwrap_or("");
        let fields: Vec<u64> = first.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or(0);
        (fields.iter().take(8).sum::<u64>() - field(3) - field(4), field(7))
    }

    pub fn seconds(ticks: u64) -> f64 {
        ticks as f64 / 100.0
    }

    /// How long the process's threads have waited, runnable, for a core (the scheduler's own account).
    pub fn waited(pid: u32) -> std::time::Duration {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
        let ns: u64 = tasks
            .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
            .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        std::time::Duration::from_nanos(ns)
    }
}

/// What the pushing thread did.
struct Pushed {
    /// (update id, message id) in push order.
    updates: Vec<(i64, i64)>,
    /// How late each push was against its schedule.
    lateness: Vec<Duration>,
    cpu_ticks: u64,
    took: Duration,
    /// Whether the thread ran at real-time priority.
    real_time: bool,
}

/// Pushes `total` updates at `rate` per second from its own thread, sleeping to each update's due time rather
/// than in bursts on a coarse async timer, so the bot sees a steady stream.
fn push_steadily(fake: FakeTelegram, rate: u64, total: usize, users: i64, questions: Vec<String>) -> Pushed {
    let real_time = real_time_priority();
    let cpu_before = cpu::this_thread();
    let start = Instant::now() + Duration::from_millis(5);
    let mut updates = Vec::with_capacity(total);
    let mut lateness = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let user = 1 + (i as i64 % users);
        updates.push(fake.text(user, &questions[i % questions.len()]));
        lateness.push(Instant::now().saturating_duration_since(due));
    }
    Pushed { updates, lateness, cpu_ticks: cpu::this_thread() - cpu_before, took: start.elapsed(), real_time }
}

/// Puts the calling thread at real-time priority (where permitted), so that the pushes keep to their schedule
/// however busy the cores are: a late pusher catches up in a burst, which would show as the bot's latency. The
/// thread sleeps between pushes, so it takes a core only for the moments it pushes.
fn real_time_priority() -> bool {
    let Some(thread) = std::fs::read_link("/proc/thread-self").ok().and_then(|p| Some(p.file_name()?.to_owned()))
    else {
        return false;
    };
    std::process::Command::new("chrt")
        .args(["--fifo", "--pid", "10"])
        .arg(thread)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with('-')).skip(1).collect();
    let rate: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let users: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    assert!(
        (1..=10_000).contains(&rate) && (1..=60).contains(&seconds) && users >= 1,
        "RATE SECONDS USERS out of range"
    );
    let total = (rate * seconds) as usize;
    let questions = questions();

    let fake = FakeTelegram::start().await;
    // Logging as in production (info) unless LOAD_BOT_LOG says otherwise; the kill on drop ends the bot if this
    // driver stops early.
    let log = std::env::var("LOAD_BOT_LOG").unwrap_or_else(|_| "info".to_string());
    let bot = BotProcess::spawn(&fake, &["--no-send-limits", "--flood-per-minute", "1000000"], &[("RUST_LOG", &log)]);
    fake.wait_for("setMyCommands", None, 1, Duration::from_secs(30)).await;

    // Warm-up, not counted: connections opened, caches filled.
    let warm = 200;
    for u in 0..warm {
        fake.text(1_000_000 + u, &questions[u as usize % questions.len()]);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    fake.wait_for("sendMessage", None, warm as usize, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (machine_before, bot_before, driver_before) =
        (cpu::machine(), cpu::process(bot.child.id()), cpu::process(std::process::id()));
    let (bot_waited_before, driver_waited_before) = (cpu::waited(bot.child.id()), cpu::waited(std::process::id()));
    let started = Instant::now();
    let pusher = {
        let (fake, questions) = (fake.clone(), questions.clone());
        std::thread::spawn(move || push_steadily(fake, rate, total, users, questions))
    };
    let pushed = tokio::task::spawn_blocking(move || pusher.join().expect("the pushing thread"))
        .await
        .expect("the pushing thread");
    let wanted: HashMap<i64, i64> = pushed.updates.iter().map(|&(update, mid)| (mid, update)).collect();

    // Every update's reply is the first message replying to it (an urgent notice comes before the answer), so
    // there are at least as many messages as updates; count first, and copy the calls only then.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut replies: HashMap<i64, fake_telegram::Call> = HashMap::new();
    let mut expected = warm as usize + total;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let calls = fake.wait_for("sendMessage", None, expected, left).await;
        expected = calls.len() + 1;
        for call in calls {
            if let Some(mid) = call.body["reply_parameters"]["message_id"].as_i64()
                && wanted.contains_key(&mid)
            {
                replies.entry(mid).or_insert(call);
            }
        }
        if replies.len() == wanted.len() {
            break;
        }
    }
    let finished = Instant::now();
    let machine_after = cpu::machine();
    let (machine_ticks, steal_ticks, bot_ticks, driver_ticks) = (
        machine_after.0 - machine_before.0,
        machine_after.1 - machine_before.1,
        cpu::process(bot.child.id()) - bot_before,
        cpu::process(std::process::id()) - driver_before,
    );
    let bot_waited = cpu::waited(bot.child.id()) - bot_waited_before;
    let driver_waited = cpu::waited(std::process::id()) - driver_waited_before;
    drop(bot);

    let mut added = Vec::with_capacity(total);
    let mut end_to_end = Vec::with_capacity(total);
    let mut poll_wait = Vec::with_capacity(total);
    let mut handoff = Vec::with_capacity(total);
    let mut added_from_written = Vec::with_capacity(total);
    let mut writing = Vec::with_capacity(total);
    let mut read_delay = Vec::with_capacity(total);
    let mut last_reply = started;
    let mut dump = std::env::var("LOAD_DUMP").ok().map(|path| std::fs::File::create(path).expect("LOAD_DUMP file"));
    for (mid, reply) in &replies {
        let update = wanted[mid];
        let queued = fake.queued_at(update).expect("queued");
        let given = fake.handoff(update).expect("handed to the bot");
        let ready = queued.max(given.polled);
        let waited = ready - queued;
        added.push(reply.arrived.saturating_duration_since(given.sent) + waited);
        added_from_written.push(reply.arrived.saturating_duration_since(given.written) + waited);
        writing.push(given.written.saturating_duration_since(given.sent));
        if let Some(file) = dump.as_mut() {
            use std::io::Write;
            let at = queued.saturating_duration_since(started).as_secs_f64() * 1e3;
            let _ = writeln!(file, "{at:.3} {:.3}", added.last().unwrap().as_secs_f64() * 1e3);
        }
        end_to_end.push(reply.at - queued);
        poll_wait.push(waited);
        handoff.push(given.sent.saturating_duration_since(ready));
        read_delay.push(reply.at - reply.arrived);
        last_reply = last_reply.max(reply.at);
    }
    // The bot shows "typing…" only before a reply that has to wait; none should here.
    let typing = fake.wait_for("sendChatAction", None, 0, Duration::ZERO).await.len();
    // Updates handed out by the same getUpdates answer share its time stamp.
    let batches = wanted
        .values()
        .filter_map(|&u| fake.handoff(u))
        .map(|h| h.sent)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let service = Spread::new(fake.service_times());
    let elapsed = last_reply - started;
    let secs = elapsed.as_secs_f64();

    println!("load: {total} updates from {users} users offered at {rate}/s, pushed in {:.2?}", pushed.took);
    println!(
        "  replies: {} in {:.2?} = {:.0} updates/s; typing actions (only before replies that wait): {typing}",
        replies.len(),
        elapsed,
        replies.len() as f64 / secs,
    );
    println!(
        "  getUpdates answers that brought updates: {batches} ({:.1} updates each)",
        wanted.len() as f64 / batches.max(1) as f64
    );
    println!("  added by the bot:             {}", Spread::new(added));
    println!("    from the end of the server's write (a lower bound): {}", Spread::new(added_from_written));
    println!("    of which waiting for a poll: {}", Spread::new(poll_wait));
    println!("  end to end (queued → read):   {}", Spread::new(end_to_end));
    println!("  fake server, during the run:");
    println!("    hand-off (poll ready → answer written): {}", Spread::new(handoff));
    println!("    writing a getUpdates answer:            {}", Spread::new(writing));
    println!("    reading a reply after it arrived:      {}", Spread::new(read_delay));
    println!("    per request, read → answer written:     {}", service);
    let late = Spread::new(pushed.lateness);
    println!(
        "  driver: pushes late against schedule p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} priority)",
        late.at(0.5).as_secs_f64() * 1e6,
        late.at(0.99).as_secs_f64() * 1e6,
        late.0.last().copied().unwrap_or_default().as_secs_f64() * 1e6,
        if pushed.real_time { "real-time" } else { "normal" }
    );
    let wall = (finished - started).as_secs_f64();
    let core = |ticks: u64| cpu::seconds(ticks) / wall * 100.0;
    let others = machine_ticks.saturating_sub(bot_ticks + driver_ticks + steal_ticks);
    println!(
        "  CPU over {wall:.2} s (of 200 % on 2 cores): bot {:.0} % ({:.0} µs/update), fake server + driver {:.0} % \
         (pushing thread {:.0} %), other processes {:.0} %, taken by the hypervisor {:.0} %",
        core(bot_ticks),
        cpu::seconds(bot_ticks) / replies.len() as f64 * 1e6,
        core(driver_ticks),
        core(pushed.cpu_ticks),
        core(others),
        core(steal_ticks)
    );
    println!(
        "  runnable but waiting for a core: bot {:.0} ms, fake server + driver {:.0} ms (summed over threads)",
        bot_waited.as_secs_f64() * 1e3,
        driver_waited.as_secs_f64() * 1e3
    );

    // The fake server's own cost with the bot gone, on an idle connection.
    let round_trip = Spread::new(fake_server_round_trips(&fake, 3000).await);
    let handoffs = Spread::new(fake_server_handoffs(&fake, 500).await);
    println!(
        "  fake server alone: sendMessage round trip mean {:.0} µs ({round_trip})",
        round_trip.mean().as_secs_f64() * 1e6
    );
    println!(
        "  fake server alone: update queued → parked getUpdates answered, mean {:.0} µs ({handoffs})",
        handoffs.mean().as_secs_f64() * 1e6
    );
}

/// Writes one request and reads one response on a keep-alive connection.
async fn exchange(stream: &mut tokio::net::TcpStream, method: &str, body: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!(
        "POST /bot1:x/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buffer = [0u8; 65536];
    let mut got = Vec::new();
    loop {
        let k = stream.read(&mut buffer).await.unwrap();
        assert!(k > 0, "the fake server closed the connection");
        got.extend_from_slice(&buffer[..k]);
        if let Some(h) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..h]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap();
            if got.len() >= h + 4 + len {
                return;
            }
        }
    }
}

/// Round trips of a sendMessage to the fake server over one keep-alive connection.
async fn fake_server_round_trips(fake: &FakeTelegram, n: usize) -> Vec<Duration> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", fake.port)).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let body = r#"{"chat_id":5,"text":"<b>hello</b> world","parse_mode":"HTML"}"#;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        exchange(&mut stream, "SendMessage", body).await;
        times.push(started.elapsed());
    }
    times
}

/// From an update being queued to a getUpdates that was already waiting at the server receiving it.
async fn fake_server_handoffs(fake: &FakeTelegram, n: usize) -> Vec<Duration> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", fake.port)).await.unwrap();
    stream.set_nodelay(true).unwrap();
    // Confirm whatever the bot left behind.
    let mut offset = fake.push("message", serde_json::json!({})) + 1;
    exchange(&mut stream, "GetUpdates", &format!(r#"{{"offset":{offset},"timeout":0}}"#)).await;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let poll = {
            let mut stream = stream;
            let body = format!(r#"{{"offset":{offset},"timeout":5}}"#);
            tokio::spawn(async move {
                exchange(&mut stream, "GetUpdates", &body).await;
                (stream, Instant::now())
            })
        };
        // Let the request get parked before the update comes.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let update = fake.push("message", serde_json::json!({}));
        let (back, answered) = poll.await.unwrap();
        stream = back;
        times.push(answered - fake.queued_at(update).unwrap());
        offset = update + 1;
    }
    times
}
