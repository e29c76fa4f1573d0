//! A fake Telegram Bot API server on 127.0.0.1: it queues updates for long polling, records every request the
//! bot makes, answers like Telegram does, and injects faults on demand (429 with retry_after, 500, a dropped
//! connection, a slow reply, a rejected token). Plain HTTP/1.1 over tokio, so faults are exact.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "immunofaq_bot";

#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 Too Many Requests with this retry_after.
    RetryAfter(u32),
    /// 500 Internal Server Error.
    ServerError,
    /// Close the connection without answering.
    Drop,
    /// 401 Unauthorized.
    Unauthorized,
    /// Answer normally, but only after this long.
    Slow(Duration),
}

/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    pub at: Instant,
    /// For sendMessage/editMessageText: the message id the fake gave it.
    pub message_id: Option<i64>,
}

#[derive(Default)]
struct State {
    updates: VecDeque<(i64, Value)>,
    next_update: i64,
    next_message: i64,
    calls: Vec<Call>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// When each update was made available, for latency figures.
    queued_at: HashMap<i64, Instant>,
}

#[derive(Clone)]
pub struct FakeTelegram {
    pub port: u16,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    calls_changed: Arc<Notify>,
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let fake = FakeTelegram {
            port,
            state: Arc::new(Mutex::new(State { next_update: 1, next_message: 1000, ..State::default() })),
            changed: Arc::new(Notify::new()),
            calls_changed: Arc::new(Notify::new()),
        };
        let server = fake.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let server = server.clone();
                tokio::spawn(async move { server.serve_connection(stream).await });
            }
        });
        fake
    }

    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.state.lock().unwrap().faults.entry(method.to_string()).or_default().push_back(fault);
    }

    /// Makes an update available to getUpdates; returns its id.
    pub fn push(&self, kind: &str, payload: Value) -> i64 {
        let id = {
            let mut s = self.state.lock().unwrap();
            let id = s.next_update;
            s.next_update += 1;
            s.updates.push_back((id, json!({ "update_id": id, kind: payload })));
            s.queued_at.insert(id, Instant::now());
            id
        };
        self.changed.notify_waiters();
        id
    }

    /// A raw update body (for malformed updates); returns its id.
    pub fn push_raw(&self, mut update: Value) -> i64 {
        let id = {
            let mut s = self.state.lock().unwrap();
            let id = s.next_update;
            s.next_update += 1;
            update["update_id"] = json!(id);
            s.updates.push_back((id, update));
            s.queued_at.insert(id, Instant::now());
            id
        };
        self.changed.notify_waiters();
        id
    }

    pub fn next_message_id(&self) -> i64 {
        let mut s = self.state.lock().unwrap();
        s.next_message += 1;
        s.next_message
    }

    /// A text message from a user in their private chat (chat id = user id); returns (update id, message id).
    pub fn text(&self, user: i64, text: &str) -> (i64, i64) {
        let mid = self.next_message_id();
        let update = self.push("message", message_json(mid, private_chat(user), user, json!({ "text": text })));
        (update, mid)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn calls_to(&self, method: &str, chat: i64) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.method == method && chat_of(&c.body) == Some(chat)).collect()
    }

    pub fn queued_at(&self, update: i64) -> Option<Instant> {
        self.state.lock().unwrap().queued_at.get(&update).copied()
    }

    /// Waits until `count` calls of `method` to `chat` (any chat when None) were made, or panics after `within`.
    pub async fn wait_for(&self, method: &str, chat: Option<i64>, count: usize, within: Duration) -> Vec<Call> {
        let deadline = Instant::now() + within;
        let matches = |c: &Call| c.method == method && chat.is_none_or(|id| chat_of(&c.body) == Some(id));
        loop {
            let notified = self.calls_changed.notified();
            // Count under the lock; copy only once enough have arrived (the load driver waits for thousands).
            {
                let state = self.state.lock().unwrap();
                if state.calls.iter().filter(|c| matches(c)).count() >= count {
                    return state.calls.iter().filter(|c| matches(c)).cloned().collect();
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let all: Vec<String> = self.calls().iter().map(|c| format!("{} {}", c.method, c.body)).collect();
                panic!(
                    "expected {count} {method} call(s) to {chat:?} within {within:?}; calls were:\n{}",
                    all.join("\n")
                );
            }
            let _ = tokio::time::timeout(left, notified).await;
        }
    }

    async fn serve_connection(&self, mut stream: TcpStream) {
        let mut buffer = Vec::new();
        loop {
            let Some((method, body)) = read_request(&mut stream, &mut buffer).await else {
                return;
            };
            let fault = self.state.lock().unwrap().faults.get_mut(&method).and_then(VecDeque::pop_front);
            let (status, reply) = match fault {
                Some(Fault::Drop) => {
                    self.record(&method, body, None);
                    return;
                }
                Some(Fault::RetryAfter(s)) => {
                    self.record(&method, body, None);
                    (
                        429,
                        json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {s}"), "parameters": {"retry_after": s}}),
                    )
                }
                Some(Fault::ServerError) => {
                    self.record(&method, body, None);
                    (500, json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}))
                }
                Some(Fault::Unauthorized) => {
                    self.record(&method, body, None);
                    (401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"}))
                }
                Some(Fault::Slow(d)) => {
                    tokio::time::sleep(d).await;
                    (200, self.answer(&method, body).await)
                }
                None => (200, self.answer(&method, body).await),
            };
            let text = reply.to_string();
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                if status == 200 { "OK" } else { "Error" },
                text.len()
            );
            // One write per response: a header and a body in two writes meet Nagle's algorithm and delayed ACKs,
            // which put 40 ms on every round trip.
            if stream.write_all((head + &text).as_bytes()).await.is_err() {
                return;
            }
        }
    }

    fn record(&self, method: &str, body: Value, message_id: Option<i64>) {
        if method != "getUpdates" {
            self.state.lock().unwrap().calls.push(Call {
                method: method.to_string(),
                body,
                at: Instant::now(),
                message_id,
            });
            self.calls_changed.notify_waiters();
        }
    }

    async fn answer(&self, method: &str, body: Value) -> Value {
        let result = match method {
            "getMe" => json!({
                "id": BOT_ID, "is_bot": true, "first_name": "Immunotherapy FAQ", "username": BOT_USERNAME,
                "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
                "can_connect_to_business": false, "has_main_web_app": false
            }),
            "getUpdates" => return json!({"ok": true, "result": self.updates(&body).await}),
            "sendMessage" | "editMessageText" | "editMessageReplyMarkup" => {
                let mid = if method == "sendMessage" {
                    self.next_message_id()
                } else {
                    body["message_id"].as_i64().unwrap_or(0)
                };
                let chat_id = body["chat_id"].as_i64().unwrap_or(0);
                let chat = if chat_id < 0 { group_chat(chat_id) } else { private_chat(chat_id) };
                let mut message = message_json(mid, chat, BOT_ID, json!({"text": body["text"].as_str().unwrap_or("")}));
                message["from"]["is_bot"] = json!(true);
                if let Some(markup) = body.get("reply_markup") {
                    message["reply_markup"] = markup.clone();
                }
                self.record(method, body, Some(mid));
                message
            }
            _ => {
                self.record(method, body, None);
                json!(true)
            }
        };
        json!({"ok": true, "result": result})
    }

    /// Long polling: confirms updates before `offset`, returns the rest, or waits up to `timeout` for some.
    async fn updates(&self, body: &Value) -> Value {
        let offset = body["offset"].as_i64().unwrap_or(0);
        let timeout = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
        let limit = body["limit"].as_u64().unwrap_or(100) as usize;
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            {
                let mut s = self.state.lock().unwrap();
                s.updates.retain(|(id, _)| *id >= offset);
                if !s.updates.is_empty() {
                    return Value::Array(s.updates.iter().take(limit).map(|(_, u)| u.clone()).collect());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return json!([]);
            }
            let _ = tokio::time::timeout(left, notified).await;
        }
    }

    /// Updates not yet confirmed by the bot.
    pub fn pending_updates(&self) -> usize {
        self.state.lock().unwrap().updates.len()
    }
}

pub fn chat_of(body: &Value) -> Option<i64> {
    body["chat_id"].as_i64()
}

pub fn private_chat(user: i64) -> Value {
    json!({"id": user, "type": "private", "first_name": "Pat"})
}

pub fn group_chat(id: i64) -> Value {
    json!({"id": id, "type": "group", "title": "Oncology ward carers"})
}

pub fn message_json(message_id: i64, chat: Value, from: i64, content: Value) -> Value {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let mut m = json!({
        "message_id": message_id,
        "date": now,
        "chat": chat,
        "from": {"id": from, "is_bot": false, "first_name": "Pat"},
    });
    if let (Some(m), Some(c)) = (m.as_object_mut(), content.as_object()) {
        for (k, v) in c {
            m.insert(k.clone(), v.clone());
        }
    }
    m
}

/// Reads one HTTP/1.1 request (headers + Content-Length body); returns the Bot API method and JSON body.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(String, Value)> {
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = find(buffer, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let path = head.split_whitespace().nth(1)?.to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buffer[header_end..header_end + length]).unwrap_or(Value::Null);
    buffer.drain(..header_end + length);
    // Method names are case-insensitive; teloxide writes them as "SendMessage".
    let name = path.rsplit('/').next()?;
    let mut chars = name.chars();
    let method = chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())?;
    Some((method, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
