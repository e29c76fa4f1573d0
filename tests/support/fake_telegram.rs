//! A fake Telegram Bot API server on 127.0.0.1: it queues updates for long polling, records every request the
//! bot makes, answers like Telegram does, and injects faults on demand (429 with retry_after, 500, a dropped
//! connection, a slow reply, a rejected token). Plain HTTP/1.1 over tokio, so faults are exact. For the load
//! driver it also keeps when each update was handed to the bot and when each request reached its socket.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::AsyncWriteExt;
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
    /// When the fake server had read it.
    pub at: Instant,
    /// When its last byte reached the server's socket: the kernel's receive time stamp where the system gives
    /// one, else `at`. This is when the bot had sent it, however busy the fake server itself was.
    pub arrived: Instant,
    /// For sendMessage/editMessageText: the message id the fake gave it.
    pub message_id: Option<i64>,
}

/// How an update reached the bot: the getUpdates request that took it, and when its answer was written.
#[derive(Debug, Clone, Copy)]
pub struct Handoff {
    /// When that getUpdates request reached the server's socket.
    pub polled: Instant,
    /// When the server began to write the answer carrying the update (taken before the write, so that a pause
    /// of the server after it cannot make the bot look faster than it was).
    pub sent: Instant,
    /// When that write returned: on loopback the answer is in the bot's socket by then, so the bot had it
    /// between `sent` and `written`.
    pub written: Instant,
}

#[derive(Default)]
struct State {
    /// Each update with its JSON text, written once when it is pushed rather than at every poll.
    updates: VecDeque<(i64, String)>,
    next_update: i64,
    next_message: i64,
    calls: Vec<Call>,
    /// Calls per method, so that waiting for thousands of them does not scan them all on every new one.
    counts: HashMap<String, usize>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// When each update was made available, for latency figures.
    queued_at: HashMap<i64, Instant>,
    /// When each update was first handed to the bot.
    handoffs: HashMap<i64, Handoff>,
    /// For every request but getUpdates: from having read it to beginning to write the answer.
    service: Vec<Duration>,
}

/// A request as read from the bot.
struct Request {
    method: String,
    body: Value,
    arrived: Instant,
    read: Instant,
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
                stamps::enable(&stream);
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
            s.updates.push_back((id, json!({ "update_id": id, kind: payload }).to_string()));
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
            s.updates.push_back((id, update.to_string()));
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

    /// When an update was first handed to the bot, if it was.
    pub fn handoff(&self, update: i64) -> Option<Handoff> {
        self.state.lock().unwrap().handoffs.get(&update).copied()
    }

    /// The server's own time per request (getUpdates aside): from having read it to writing the answer.
    pub fn service_times(&self) -> Vec<Duration> {
        self.state.lock().unwrap().service.clone()
    }

    /// Waits until `count` calls of `method` to `chat` (any chat when None) were made, or panics after `within`.
    pub async fn wait_for(&self, method: &str, chat: Option<i64>, count: usize, within: Duration) -> Vec<Call> {
        let deadline = Instant::now() + within;
        let matches = |c: &Call| c.method == method && chat.is_none_or(|id| chat_of(&c.body) == Some(id));
        loop {
            let notified = self.calls_changed.notified();
            // Copy only once enough have arrived: the load driver waits for thousands.
            {
                let state = self.state.lock().unwrap();
                let made = match chat {
                    None => state.counts.get(method).copied().unwrap_or(0),
                    Some(_) => state.calls.iter().filter(|c| matches(c)).count(),
                };
                if made >= count {
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
            let Some(request) = read_request(&mut stream, &mut buffer).await else {
                return;
            };
            let (method, arrived, read) = (request.method.clone(), request.arrived, request.read);
            let fault = self.state.lock().unwrap().faults.get_mut(&method).and_then(VecDeque::pop_front);
            let error = |code: u16, description: &str| {
                json!({"ok": false, "error_code": code, "description": description}).to_string()
            };
            let (status, text, handed) = match fault {
                Some(Fault::Drop) => {
                    self.record(request, None);
                    return;
                }
                Some(Fault::RetryAfter(s)) => {
                    self.record(request, None);
                    let text = json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {s}"), "parameters": {"retry_after": s}});
                    (429, text.to_string(), Vec::new())
                }
                Some(Fault::ServerError) => {
                    self.record(request, None);
                    (500, error(500, "Internal Server Error"), Vec::new())
                }
                Some(Fault::Unauthorized) => {
                    self.record(request, None);
                    (401, error(401, "Unauthorized"), Vec::new())
                }
                Some(Fault::Slow(d)) => {
                    tokio::time::sleep(d).await;
                    let (text, handed) = self.answer(request).await;
                    (200, text, handed)
                }
                None => {
                    let (text, handed) = self.answer(request).await;
                    (200, text, handed)
                }
            };
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                if status == 200 { "OK" } else { "Error" },
                text.len()
            );
            let response = head + &text;
            let sent = Instant::now();
            // One write per response: a header and a body in two writes meet Nagle's algorithm and delayed ACKs,
            // which put 40 ms on every round trip.
            let written = stream.write_all(response.as_bytes()).await;
            let done = Instant::now();
            let mut state = self.state.lock().unwrap();
            if method == "getUpdates" {
                for id in handed {
                    state.handoffs.entry(id).or_insert(Handoff { polled: arrived, sent, written: done });
                }
            } else {
                state.service.push(sent - read);
            }
            if written.is_err() {
                return;
            }
        }
    }

    fn record(&self, request: Request, message_id: Option<i64>) {
        if request.method != "getUpdates" {
            let mut state = self.state.lock().unwrap();
            *state.counts.entry(request.method.clone()).or_default() += 1;
            state.calls.push(Call {
                method: request.method,
                body: request.body,
                at: request.read,
                arrived: request.arrived,
                message_id,
            });
            drop(state);
            self.calls_changed.notify_waiters();
        }
    }

    /// The answer's JSON text, and for getUpdates the ids of the updates it hands over.
    async fn answer(&self, request: Request) -> (String, Vec<i64>) {
        let body = &request.body;
        let result = match request.method.as_str() {
            "getMe" => json!({
                "id": BOT_ID, "is_bot": true, "first_name": "Immunotherapy FAQ", "username": BOT_USERNAME,
                "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
                "can_connect_to_business": false, "has_main_web_app": false
            })
            .to_string(),
            "getUpdates" => return self.updates(body).await,
            "sendMessage" | "editMessageText" | "editMessageReplyMarkup" => {
                let mid = if request.method == "sendMessage" {
                    self.next_message_id()
                } else {
                    body["message_id"].as_i64().unwrap_or(0)
                };
                let chat_id = body["chat_id"].as_i64().unwrap_or(0);
                // Written straight from the request, without building the message as a JSON tree first.
                let message = Sent {
                    message_id: mid,
                    date: unix_now(),
                    chat: if chat_id < 0 { group_chat(chat_id) } else { private_chat(chat_id) },
                    from: json!({"id": BOT_ID, "is_bot": true, "first_name": "Pat"}),
                    text: body["text"].as_str().unwrap_or(""),
                    reply_markup: body.get("reply_markup"),
                };
                let text = serde_json::to_string(&message).expect("a message serialises");
                self.record(request, Some(mid));
                text
            }
            _ => {
                self.record(request, None);
                "true".to_string()
            }
        };
        (format!(r#"{{"ok":true,"result":{result}}}"#), Vec::new())
    }

    /// Long polling: confirms updates before `offset`, answers with the rest (and their ids), or waits up to
    /// `timeout` for some.
    async fn updates(&self, body: &Value) -> (String, Vec<i64>) {
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
                    let mut text = String::from(r#"{"ok":true,"result":["#);
                    let mut ids = Vec::new();
                    for (id, update) in s.updates.iter().take(limit) {
                        if !ids.is_empty() {
                            text.push(',');
                        }
                        text.push_str(update);
                        ids.push(*id);
                    }
                    text.push_str("]}");
                    return (text, ids);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return (r#"{"ok":true,"result":[]}"#.to_string(), Vec::new());
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

/// A message the bot sent, as Telegram echoes it back.
#[derive(serde::Serialize)]
struct Sent<'a> {
    message_id: i64,
    date: u64,
    chat: Value,
    from: Value,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_markup: Option<&'a Value>,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

pub fn message_json(message_id: i64, chat: Value, from: i64, content: Value) -> Value {
    let mut m = json!({
        "message_id": message_id,
        "date": unix_now(),
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

/// Reads one HTTP/1.1 request (headers + Content-Length body): the Bot API method, the JSON body, and when the
/// request reached the socket and was read.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    let mut chunk = [0u8; 8192];
    // A request already whole in the buffer arrived with the read that brought it; clients here do not pipeline.
    let mut arrived = Instant::now();
    let header_end = loop {
        if let Some(i) = find(buffer, b"\r\n\r\n") {
            break i + 4;
        }
        let (n, at) = stamps::read(stream, &mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        arrived = at;
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let path = head.split_whitespace().nth(1)?.to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let (n, at) = stamps::read(stream, &mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        arrived = at;
        buffer.extend_from_slice(&chunk[..n]);
    }
    let read = Instant::now();
    let raw = &buffer[header_end..header_end + length];
    // teloxide sends methods that may carry a file (setWebhook's certificate) as multipart forms.
    let boundary = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))
        .and_then(|l| l.split("boundary=").nth(1))
        .map(|b| b.trim().to_string());
    let body = match boundary {
        Some(boundary) => form_fields(raw, &boundary),
        None => serde_json::from_slice(raw).unwrap_or(Value::Null),
    };
    buffer.drain(..header_end + length);
    // Method names are case-insensitive; teloxide writes them as "SendMessage".
    let name = path.rsplit('/').next()?;
    let mut chars = name.chars();
    let method = chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())?;
    Some(Request { method, body, arrived: arrived.min(read), read })
}

/// The text fields of a multipart form as a JSON object (a field that holds JSON is kept as JSON).
fn form_fields(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else { continue };
        let Some(name) = head.split("name=\"").nth(1).and_then(|n| n.split('"').next()) else { continue };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        fields.insert(name.to_string(), serde_json::from_str(value).unwrap_or_else(|_| json!(value)));
    }
    Value::Object(fields)
}

/// The kernel's receive time stamps (Linux): when the bytes of a read reached the socket, as opposed to when
/// this server got round to reading them. Elsewhere the time of the read stands in.
#[cfg(target_os = "linux")]
mod stamps {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
    use std::io::{self, IoSliceMut};
    use std::os::fd::AsRawFd;
    use std::time::{Duration, Instant, SystemTime};
    use tokio::io::Interest;
    use tokio::net::TcpStream;

    pub fn enable(stream: &TcpStream) {
        let _ = setsockopt(stream, sockopt::ReceiveTimestampns, &true);
    }

    /// Reads what is there; returns the byte count and when the last of those bytes arrived.
    pub async fn read(stream: &TcpStream, chunk: &mut [u8]) -> io::Result<(usize, Instant)> {
        loop {
            stream.readable().await?;
            let received = stream.try_io(Interest::READABLE, || {
                let mut iov = [IoSliceMut::new(chunk)];
                let mut space = nix::cmsg_space!(nix::sys::time::TimeSpec);
                let msg = recvmsg::<()>(stream.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::empty())?;
                let stamp = msg.cmsgs().ok().and_then(|mut all| {
                    all.find_map(|c| match c {
                        ControlMessageOwned::ScmTimestampns(t) => {
                            Some(SystemTime::UNIX_EPOCH + Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32))
                        }
                        _ => None,
                    })
                });
                Ok((msg.bytes, stamp))
            });
            match received {
                Ok((n, stamp)) => return Ok((n, stamp.map_or_else(Instant::now, to_instant))),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The stamps are wall-clock time; the rest of the server counts in `Instant`s.
    fn to_instant(stamp: SystemTime) -> Instant {
        let (now, wall) = (Instant::now(), SystemTime::now());
        now.checked_sub(wall.duration_since(stamp).unwrap_or_default()).unwrap_or(now)
    }
}

#[cfg(not(target_os = "linux"))]
mod stamps {
    use std::io;
    use std::time::Instant;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpStream;

    pub fn enable(_: &TcpStream) {}

    pub async fn read(stream: &mut TcpStream, chunk: &mut [u8]) -> io::Result<(usize, Instant)> {
        Ok((stream.read(chunk).await?, Instant::now()))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
