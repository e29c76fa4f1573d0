//! Admin and operations end to end: live reload (SIGHUP, file watcher, /reload), refused broken corpora,
//! admin-only commands, what the database keeps, and the health and metrics endpoints.

#[path = "support/bot.rs"]
mod bot;
mod common;
#[path = "support/fake_telegram.rs"]
mod fake_telegram;

use bot::BotProcess;
use fake_telegram::FakeTelegram;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);
const ADMIN: i64 = 900;

fn copy_faq(to: &Path) {
    for dir in ["en"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for f in std::fs::read_dir(common::faq_dir().join(dir)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, to.join(dir).join(f.file_name().unwrap())).unwrap();
        }
    }
}

/// Replaces the hair-loss answer's first sentence in the copy with one carrying `marker`.
fn change_hair_answer(faq: &Path, marker: &str) {
    let path = faq.join("en/side-effects.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("id = \"hair-loss\"").unwrap();
    let answer = start + text[start..].find("answer = \"\"\"\n").unwrap() + "answer = \"\"\"\n".len();
    let changed = format!("{}{marker} {}", &text[..answer], &text[answer..]);
    std::fs::write(&path, changed).unwrap();
}

async fn ask(fake: &FakeTelegram, user: i64, text: &str, nth: usize) -> String {
    fake.text(user, text);
    let sent = fake.wait_for("sendMessage", Some(user), nth, WAIT).await;
    sent[nth - 1].body["text"].as_str().unwrap_or("").to_string()
}

async fn eventually_contains(fake: &FakeTelegram, user: i64, needle: &str) -> bool {
    for n in 1..=20 {
        if ask(fake, user, "will my hair fall out", n).await.contains(needle) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    false
}

#[tokio::test]
async fn sighup_reloads_a_valid_change_and_the_new_answer_is_served() {
    let faq = tempfile::tempdir().unwrap();
    copy_faq(faq.path());
    let fake = FakeTelegram::start().await;
    let bot = BotProcess::start(&fake, &["--faq", faq.path().to_str().unwrap(), "--no-send-limits"]).await;
    change_hair_answer(faq.path(), "Reloaded-by-sighup.");
    bot.signal("HUP");
    assert!(eventually_contains(&fake, 301, "Reloaded-by-sighup.").await, "{}", bot.logs());
}

#[tokio::test]
async fn the_file_watcher_reloads_without_a_signal() {
    let faq = tempfile::tempdir().unwrap();
    copy_faq(faq.path());
    let fake = FakeTelegram::start().await;
    let bot = BotProcess::start(&fake, &["--faq", faq.path().to_str().unwrap(), "--no-send-limits", "--watch"]).await;
    change_hair_answer(faq.path(), "Reloaded-by-watcher.");
    assert!(eventually_contains(&fake, 307, "Reloaded-by-watcher.").await, "{}", bot.logs());
    assert!(bot.logs().contains("FAQ reloaded (files changed)"), "{}", bot.logs());
}

#[tokio::test]
async fn a_broken_change_is_refused_the_old_answer_served_and_the_admin_told() {
    let faq = tempfile::tempdir().unwrap();
    copy_faq(faq.path());
    let fake = FakeTelegram::start().await;
    let admin = ADMIN.to_string();
    let bot =
        BotProcess::start(&fake, &["--faq", faq.path().to_str().unwrap(), "--admins", &admin, "--no-send-limits"])
            .await;
    let before = ask(&fake, 302, "will my hair fall out", 1).await;
    let path = faq.path().join("en/side-effects.toml");
    let text = std::fs::read_to_string(&path).unwrap().replacen("alternates = [", "alternatives = [", 1);
    std::fs::write(&path, text).unwrap();
    bot.signal("HUP");
    let notice = fake.wait_for("sendMessage", Some(ADMIN), 1, WAIT).await.remove(0);
    let notice = notice.body["text"].as_str().unwrap();
    assert!(
        notice.contains("NOT loaded") && notice.contains("side-effects.toml:") && notice.contains("alternatives"),
        "{notice}"
    );
    let after = ask(&fake, 302, "will my hair fall out", 2).await;
    assert_eq!(before, after, "the previous FAQ is still served");
    assert!(bot.logs().contains("refused"), "{}", bot.logs());
}

/// A restarted bot starts from the index its first run saved and answers as before; a reload after a change
/// serves the change and saves its index.
#[tokio::test]
async fn a_restart_starts_from_the_saved_index() {
    let faq = tempfile::tempdir().unwrap();
    copy_faq(faq.path());
    let state = tempfile::tempdir().unwrap();
    let saved = state.path().join("faq.index");
    let args = ["--faq", faq.path().to_str().unwrap(), "--no-send-limits", "--saved-index", saved.to_str().unwrap()];
    let fake = FakeTelegram::start().await;
    let mut bot = BotProcess::start(&fake, &args).await;
    let first = ask(&fake, 310, "will my hair fall out", 1).await;
    bot.signal("TERM");
    assert_eq!(bot.wait_exit(WAIT).await, Some(0));
    assert!(bot.logs().contains("FAQ index saved to") && saved.exists(), "{}", bot.logs());

    let fake = FakeTelegram::start().await;
    let bot = BotProcess::start(&fake, &args).await;
    assert!(bot.logs().contains("FAQ index read from"), "{}", bot.logs());
    assert_eq!(ask(&fake, 310, "will my hair fall out", 1).await, first);
    change_hair_answer(faq.path(), "Reloaded-from-a-saved-start.");
    bot.signal("HUP");
    assert!(eventually_contains(&fake, 311, "Reloaded-from-a-saved-start.").await, "{}", bot.logs());
    assert!(bot.logs().contains("FAQ index saved to"), "the reload saved its index: {}", bot.logs());
}

#[tokio::test]
async fn a_half_written_file_is_refused_until_it_is_complete() {
    let faq = tempfile::tempdir().unwrap();
    copy_faq(faq.path());
    let fake = FakeTelegram::start().await;
    let bot = BotProcess::start(&fake, &["--faq", faq.path().to_str().unwrap(), "--no-send-limits"]).await;
    let path = faq.path().join("en/side-effects.toml");
    change_hair_answer(faq.path(), "Complete-file-marker.");
    let changed = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, &changed[..changed.len() / 2]).unwrap();
    bot.signal("HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = ask(&fake, 303, "will my hair fall out", 1).await;
    assert!(!during.contains("Complete-file-marker."));
    assert!(bot.logs().contains("refused"), "the half-written file was refused: {}", bot.logs());
    std::fs::write(&path, &changed).unwrap();
    bot.signal("HUP");
    assert!(eventually_contains(&fake, 303, "Complete-file-marker.").await, "{}", bot.logs());
}

#[tokio::test]
async fn admin_commands_are_refused_to_others_without_a_hint() {
    let fake = FakeTelegram::start().await;
    let admin = ADMIN.to_string();
    let _bot = BotProcess::start(&fake, &["--admins", &admin, "--no-send-limits"]).await;
    let refusal = ask(&fake, 304, "/reload", 1).await;
    let unknown = ask(&fake, 304, "/nosuchcommand", 2).await;
    assert_eq!(refusal, unknown, "a non-admin cannot tell /reload exists");
    let commands = fake.wait_for("setMyCommands", None, 1, WAIT).await;
    let public = commands.iter().find(|c| c.body.get("scope").is_none()).unwrap();
    assert!(!public.body.to_string().contains("reload"), "not in the public list");
    let ok = ask(&fake, ADMIN, "/reload", 1).await;
    assert!(ok.contains("Reloaded"), "{ok}");
    let stats = ask(&fake, ADMIN, "/stats", 2).await;
    assert!(stats.contains("Questions per day"), "{stats}");
}

#[tokio::test]
async fn unanswered_questions_are_stored_scrubbed_with_no_ids() {
    let fake = FakeTelegram::start().await;
    let admin = ADMIN.to_string();
    let mut bot = BotProcess::start(&fake, &["--admins", &admin, "--no-send-limits"]).await;
    let user = 555_123_987;
    let question = "my name is Jane Smith, call me on +44 20 7946 0958 or jane@example.org about the football";
    // Thanks is no gap in the FAQ: it is answered in kind and not listed.
    assert!(ask(&fake, user, "thank you so much!", 1).await.contains("welcome"));
    ask(&fake, user, question, 2).await;
    // The statistics writer works in the background: ask until the question shows up.
    let mut listed = String::new();
    for n in 1..=20 {
        listed = ask(&fake, ADMIN, "/unanswered", n).await;
        if listed.contains("football") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(listed.contains("[name]") && listed.contains("[number]") && listed.contains("[email]"), "{listed}");
    assert!(!listed.contains("thank"), "{listed}");
    bot.signal("TERM");
    bot.wait_exit(WAIT).await;
    let db = bot.dir.path().join("stats.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut dump = String::new();
    for table in ["unanswered", "daily", "entries"] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for c in 0..columns {
                let v: rusqlite::types::Value = row.get(c).unwrap();
                dump.push_str(&format!("{v:?} "));
            }
        }
    }
    assert!(dump.contains("football"), "the question is kept: {dump}");
    for secret in ["Jane", "Smith", "7946", "jane@example.org", &user.to_string()] {
        assert!(!dump.contains(secret), "{secret} must not be stored: {dump}");
    }
    let schema: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let schema = schema.join("\n").to_lowercase();
    assert!(!schema.contains("user") && !schema.contains("chat"), "no column for a user or chat: {schema}");
}

fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, out.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn health_and_metrics_endpoints_report_the_service() {
    let fake = FakeTelegram::start().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _bot = BotProcess::start(&fake, &["--health-addr", &addr, "--no-send-limits"]).await;
    ask(&fake, 306, "will my hair fall out", 1).await;
    let (code, body) = http_get(port, "/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\"") && body.contains("\"corpus_loaded\":true"), "{body}");
    // The latency is recorded once Telegram has accepted the reply, a moment after the fake saw it.
    let mut body = String::new();
    for _ in 0..50 {
        let (code, b) = http_get(port, "/metrics");
        assert_eq!(code, 200);
        body = b;
        if body.contains("immunofaq_reply_seconds_count 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(body.contains("immunofaq_questions_total{outcome=\"answer\"} 1"), "{body}");
    assert!(body.contains("immunofaq_reply_seconds_count 1"), "{body}");
    assert!(body.contains("immunofaq_reload_failures_total 0"), "{body}");
}

#[tokio::test]
async fn a_damaged_database_stops_the_start_with_a_recovery_hint() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bad.db");
    std::fs::write(&db, b"garbage that is not sqlite".repeat(200)).unwrap();
    let mut bot = BotProcess::spawn(&fake, &["--db", db.to_str().unwrap()], &[]);
    let code = bot.wait_exit(WAIT).await;
    assert_ne!(code, Some(0));
    assert!(bot.logs().contains("damaged") && bot.logs().contains("mv "), "{}", bot.logs());
}
