//! A local stand-in for Twilio's Messages API, for tests: plain HTTP/1.1 on 127.0.0.1.
//!
//! Built on tokio and std, with hmac, sha1 and base64 for Twilio's request signature.
//!
//! ```ignore
//! let twilio = TwilioServer::start("AC123", "secret-token").await;
//! // point the client at twilio.base_url() ("http://127.0.0.1:PORT") ...
//! let sent = twilio.wait_for_messages(1, Duration::from_secs(5)).await;
//! assert_eq!(sent[0].to, "+15551234567");
//! twilio.push_response(CannedResponse::error(500, 20500, "Internal Server Error"));
//! ```
//!
//! It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` as Twilio does: basic auth
//! must be the account SID and auth token (else 401, code 20003), the form needs `To`, `From` or
//! `MessagingServiceSid`, and `Body` (else 400 with Twilio's codes; a `To` that is not E.164
//! gets 21211), and success is 201 with a message resource whose `sid` is `SM` + 32 hex digits.
//! Like Twilio, it de-duplicates nothing: every accepted POST is a new message, whatever its
//! headers (`I-Twilio-Idempotency-Token` is a header Twilio sends on its webhooks, not one its
//! Messages API reads). `GET` of the same path lists the messages newest first, filtered by
//! `To` and `From`, in pages of `PageSize` with `next_page_uri`, as Twilio's list does.
//!
//! Faults, served first and in order: canned responses (status, JSON body, optional
//! `Retry-After` and delay) create no message; [`Fault::CreateThenDrop`] creates the message
//! and closes the connection without answering (the answer lost on the way back);
//! [`Fault::CreateThenStall`] creates it and answers only after a delay (a client times out).
//! [`TwilioServer::set_delay`] holds every answer back. Every request is recorded. Dropping the
//! server stops it and every open connection.
//!
//! Status callbacks: a message created with a `StatusCallback` URL remembers it, and
//! [`TwilioServer::report`] posts one status change there as Twilio does: a form with
//! `AccountSid`, `MessageSid`, `MessageStatus` (and the legacy `SmsSid`/`SmsStatus`), `To`,
//! `From` or `MessagingServiceSid`, `ApiVersion` and, with a failure, `ErrorCode`, signed with
//! `X-Twilio-Signature` over the callback URL and the sorted parameters. Twilio promises no
//! order and no single delivery of callbacks, so a test reports whatever sequence it wants.
//! [`TwilioServer::route_callbacks_to`] plays the network between Twilio and paylink: a
//! callback URL's host (the public address, behind a proxy) is reached at that local address.

#![allow(
    missing_docs,
    reason = "a test fixture; the module docs say how to use it"
)]

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::Notify,
    task::{JoinHandle, JoinSet},
};

/// Largest request head or body accepted.
const MAX_BYTES: usize = 1024 * 1024;

/// An answer to serve instead of the normal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    /// HTTP status, e.g. 500.
    pub status: u16,
    /// Response body, sent as `application/json`.
    pub body: String,
    /// How long to wait before answering.
    pub delay: Duration,
    /// A `Retry-After` header, in seconds.
    pub retry_after: Option<u64>,
}

/// A status callback to post: how long after the message was created, the status, and its
/// error code.
type PlannedCallback = (Duration, &'static str, Option<u32>);

/// Faults at random: a seeded generator, a rate, how long a stalled answer waits, and what was
/// injected.
struct Chaos {
    rng: rand::rngs::StdRng,
    rate: f64,
    stall: Duration,
    injected: HashMap<&'static str, usize>,
}

impl Chaos {
    /// A fault for the next POST, or none, as the dice say.
    fn pick(&mut self) -> Option<Fault> {
        use rand::Rng as _;
        if !self.rng.random_bool(self.rate) {
            return None;
        }
        let (name, fault) = match self.rng.random_range(0..12) {
            0..=2 => ("answer lost: connection closed", Fault::CreateThenDrop),
            3..=5 => (
                "answer after the client's timeout",
                Fault::CreateThenStall(self.stall),
            ),
            6 | 7 => (
                "429 with Retry-After",
                Fault::Answer(CannedResponse::too_many_requests(1)),
            ),
            8 => (
                "500",
                Fault::Answer(CannedResponse::error(500, 20500, "Internal Server Error")),
            ),
            9 | 10 => (
                "503",
                Fault::Answer(CannedResponse::error(503, 20503, "Service Unavailable")),
            ),
            _ => (
                "21610 (permanent)",
                Fault::Answer(CannedResponse::error(
                    400,
                    21610,
                    "Attempt to send to unsubscribed recipient",
                )),
            ),
        };
        *self.injected.entry(name).or_default() += 1;
        Some(fault)
    }

    /// The status callbacks of one created message: `sent`, then a final state, each after a
    /// short wait; sometimes reordered, sometimes one twice, sometimes none at all (a callback
    /// Twilio could not deliver is not sent again).
    fn callbacks(&mut self) -> Vec<PlannedCallback> {
        use rand::Rng as _;
        if self.rng.random_bool(0.3) {
            *self.injected.entry("status callbacks lost").or_default() += 1;
            return Vec::new();
        }
        let last = if self.rng.random_bool(0.1) {
            ("undelivered", Some(30003))
        } else {
            ("delivered", None)
        };
        let mut plan = vec![("sent", None), last];
        if self.rng.random_bool(0.25) {
            plan.reverse();
            *self
                .injected
                .entry("status callbacks out of order")
                .or_default() += 1;
        }
        if self.rng.random_bool(0.25) {
            let again = plan[self.rng.random_range(0..plan.len())];
            plan.push(again);
            *self.injected.entry("status callback repeated").or_default() += 1;
        }
        let mut at = Duration::ZERO;
        plan.into_iter()
            .map(|(status, code)| {
                at += Duration::from_millis(self.rng.random_range(0..150));
                (at, status, code)
            })
            .collect()
    }
}

/// Something going wrong with one request, served before any normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This answer instead of the normal one; no message is created.
    Answer(CannedResponse),
    /// The message is created, and the connection closed before any answer.
    CreateThenDrop,
    /// The message is created, and the normal answer comes only after this long.
    CreateThenStall(Duration),
}

impl CannedResponse {
    /// This status and JSON body, at once.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        CannedResponse {
            status,
            body: body.into(),
            delay: Duration::ZERO,
            retry_after: None,
        }
    }

    /// Twilio's 429, `Too Many Requests` (code 20429), with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        CannedResponse {
            retry_after: Some(retry_after_secs),
            ..Self::error(429, 20429, "Too Many Requests")
        }
    }

    /// Twilio's error body: `{"code", "message", "more_info", "status"}`.
    pub fn error(status: u16, code: u32, message: &str) -> Self {
        Self::json(status, error_body(status, code, message))
    }

    /// The same answer, `delay` later.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One HTTP request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `POST`, `GET`, ...
    pub method: String,
    /// Path and query as sent, e.g. `/2010-04-01/Accounts/AC123/Messages.json`.
    pub path: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The decoded `application/x-www-form-urlencoded` body, in order (empty otherwise).
    pub form: Vec<(String, String)>,
    /// User and password from `Authorization: Basic`, if present and decodable.
    pub basic_auth: Option<(String, String)>,
}

impl ReceivedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The first form field with this name (case-sensitive, as Twilio's are).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The `I-Twilio-Idempotency-Token` header.
    pub fn idempotency_token(&self) -> Option<&str> {
        self.header("I-Twilio-Idempotency-Token")
    }
}

/// A message the server created (answered 201 for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// `SM…` id returned to the client.
    pub sid: String,
    /// `To` field.
    pub to: String,
    /// `From` field, if given.
    pub from: Option<String>,
    /// `MessagingServiceSid` field, if given.
    pub messaging_service_sid: Option<String>,
    /// `Body` field.
    pub body: String,
    /// The request's `I-Twilio-Idempotency-Token`, if any.
    pub idempotency_token: Option<String>,
    /// `StatusCallback` field, if given.
    pub status_callback: Option<String>,
}

#[derive(Default)]
struct State {
    faults: VecDeque<Fault>,
    delay: Duration,
    requests: Vec<ReceivedRequest>,
    messages: Vec<SentMessage>,
    /// Each message's resource as JSON, in the order created.
    resources: Vec<String>,
    callback_routes: Vec<SocketAddr>,
    chaos: Option<Chaos>,
}

struct Shared {
    state: Mutex<State>,
    changed: Notify,
    account_sid: String,
    auth_token: String,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded requests from the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The running server; dropping it stops it.
pub struct TwilioServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl TwilioServer {
    /// Starts a server on 127.0.0.1 on a free port that accepts these credentials.
    pub async fn start(account_sid: &str, auth_token: &str) -> TwilioServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test Twilio server");
        let addr = listener.local_addr().expect("test Twilio server address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        TwilioServer { addr, shared, task }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the value for the client's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `response` to the next request instead of the normal answer; several queue up.
    pub fn push_response(&self, response: CannedResponse) {
        self.push_fault(Fault::Answer(response));
    }

    /// Applies `fault` to the next request that would create a message (or to the next
    /// request, for an answer); several queue up.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Holds back every normal answer by `delay` (the message is created before the wait, as
    /// a slow Twilio would); `Duration::ZERO` turns it off.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.lock().delay = delay;
    }

    /// Makes status callbacks reach their URL's host at `addr`, as a proxy in front of paylink
    /// would; the URL, as signed, is unchanged.
    pub fn route_callbacks_to(&self, addr: SocketAddr) {
        self.shared.lock().callback_routes = vec![addr];
    }

    /// Posts one status change of `message` (`queued`, `sent`, `delivered`, `undelivered`,
    /// `failed`, ...) to its `StatusCallback`, signed as Twilio signs it, and returns the HTTP
    /// status the receiver answered.
    pub async fn report(
        &self,
        message: &SentMessage,
        status: &str,
        error_code: Option<u32>,
    ) -> u16 {
        report(&self.shared, message, status, error_code).await
    }

    /// From now on each POST meets a fault with probability `rate`, drawn from a generator
    /// seeded with `seed` (so a run can be repeated): the answer lost after the message was
    /// created (the connection closed, or the answer held for `stall`, past the client's
    /// timeout), 429 with `Retry-After`, 500, 503, or Twilio's 21610 (a recipient who replied
    /// STOP; permanent). Every created message with a `StatusCallback` is then reported, after a
    /// short random wait, `sent` and then `delivered` (or, one time in ten, `undelivered` with
    /// 30003), sometimes in the other order, sometimes twice and sometimes not at all, as Twilio
    /// does not promise otherwise. Queued faults still come first.
    pub fn set_chaos(&self, seed: u64, rate: f64, stall: Duration) {
        use rand::SeedableRng as _;
        self.shared.lock().chaos = Some(Chaos {
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            rate: rate.clamp(0.0, 1.0),
            stall,
            injected: HashMap::new(),
        });
    }

    /// The faults chaos injected, by kind (status callbacks repeated or reordered included).
    pub fn faults_injected(&self) -> Vec<(&'static str, usize)> {
        let state = self.shared.lock();
        let mut faults: Vec<_> = state
            .chaos
            .as_ref()
            .map(|chaos| chaos.injected.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        faults.sort();
        faults
    }

    /// Makes status callbacks reach their URL's host at one of `addrs`, picked at random: the
    /// replicas behind a proxy.
    pub fn route_callbacks_to_any(&self, addrs: Vec<SocketAddr>) {
        self.shared.lock().callback_routes = addrs;
    }
}

/// Posts one status change of `message` to its `StatusCallback`, signed; the receiver's status.
async fn report(
    shared: &Shared,
    message: &SentMessage,
    status: &str,
    error_code: Option<u32>,
) -> u16 {
    {
        let url = message
            .status_callback
            .clone()
            .unwrap_or_else(|| panic!("message {} has no StatusCallback", message.sid));
        let mut params = vec![
            ("AccountSid".to_owned(), shared.account_sid.clone()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ("MessageSid".to_owned(), message.sid.clone()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("SmsSid".to_owned(), message.sid.clone()),
            ("SmsStatus".to_owned(), status.to_owned()),
            ("To".to_owned(), message.to.clone()),
        ];
        if let Some(from) = &message.from {
            params.push(("From".to_owned(), from.clone()));
        }
        if let Some(service) = &message.messaging_service_sid {
            params.push(("MessagingServiceSid".to_owned(), service.clone()));
        }
        if let Some(code) = error_code {
            params.push(("ErrorCode".to_owned(), code.to_string()));
        }
        let signature = signature(&shared.auth_token, &url, &params);
        let route = {
            let mut state = shared.lock();
            let routes = state.callback_routes.clone();
            match (routes.len(), state.chaos.as_mut()) {
                (0, _) => None,
                (1, _) | (_, None) => routes.first().copied(),
                (n, Some(chaos)) => {
                    use rand::Rng as _;
                    Some(routes[chaos.rng.random_range(0..n)])
                }
            }
        };
        post_form(&url, route, &params, &[("X-Twilio-Signature", &signature)]).await
    }
}

impl TwilioServer {
    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Messages created, oldest first.
    pub fn messages(&self) -> Vec<SentMessage> {
        self.shared.lock().messages.clone()
    }

    /// Waits until at least `count` messages were created, and returns all of them; panics
    /// after `timeout` so a test fails instead of hanging.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<SentMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            {
                let state = self.shared.lock();
                if state.messages.len() >= count {
                    return state.messages.clone();
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let got = self.shared.lock().messages.len();
                panic!(
                    "test Twilio server: expected {count} messages within {timeout:?}, got {got}"
                );
            }
        }
    }
}

impl Drop for TwilioServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Owning the connection tasks here means aborting this task ends them too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                connections.spawn(serve(stream, Arc::clone(&shared)));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One request per connection (`Connection: close`), which every HTTP client handles.
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let Some(request) = read_request(&mut reader).await else {
        return;
    };
    let mut answer = respond(&shared, request);
    if let Some((message, plan)) = answer.callbacks.take() {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            for (at, status, code) in plan {
                tokio::time::sleep_until(started + at).await;
                report(&shared, &message, status, code).await;
            }
        });
    }
    if answer.drop {
        // Closed without a word: the client cannot tell whether the message was created.
        return;
    }
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let (status, body) = (answer.status, answer.body);
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason_phrase(status),
        body.len()
    );
    if status == 401 {
        head.push_str("WWW-Authenticate: Basic realm=\"Twilio API\"\r\n");
    }
    if let Some(seconds) = answer.retry_after {
        head.push_str(&format!("Retry-After: {seconds}\r\n"));
    }
    head.push_str("\r\n");
    let _ = write.write_all(head.as_bytes()).await;
    let _ = write.write_all(body.as_bytes()).await;
    let _ = write.shutdown().await;
}

async fn read_request(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> Option<ReceivedRequest> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).await.ok()?;
        total += n;
        if n == 0 || total > MAX_BYTES {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let mut first = lines.first()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines[1..]
        .iter()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let length: usize = header("Content-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BYTES {
        return None;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    let is_form =
        header("Content-Type").is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form = if is_form {
        parse_form(&String::from_utf8_lossy(&body))
    } else {
        Vec::new()
    };
    let basic_auth = header("Authorization").and_then(|value| {
        let encoded = value.strip_prefix("Basic ")?;
        let decoded = String::from_utf8(decode_base64(encoded)?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_owned(), password.to_owned()))
    });
    Some(ReceivedRequest {
        method,
        path,
        headers,
        form,
        basic_auth,
    })
}

/// What to do with one request.
struct Answer {
    status: u16,
    body: String,
    delay: Duration,
    retry_after: Option<u64>,
    /// Close the connection without answering.
    drop: bool,
    /// Status callbacks to post for the message created: when, which status, which code.
    callbacks: Option<(SentMessage, Vec<PlannedCallback>)>,
}

impl Answer {
    fn new(status: u16, body: String, delay: Duration) -> Self {
        Answer {
            status,
            body,
            delay,
            retry_after: None,
            drop: false,
            callbacks: None,
        }
    }
}

/// Decides the answer; everything that changes state happens here, before any delay.
fn respond(shared: &Shared, request: ReceivedRequest) -> Answer {
    let mut state = shared.lock();
    state.requests.push(request.clone());
    let mut delay = state.delay;
    let mut drop_answer = false;
    if request.method == "POST" {
        let fault = match state.faults.pop_front() {
            Some(fault) => Some(fault),
            None => state.chaos.as_mut().and_then(Chaos::pick),
        };
        match fault {
            Some(Fault::Answer(canned)) => {
                return Answer {
                    retry_after: canned.retry_after,
                    ..Answer::new(canned.status, canned.body, canned.delay)
                };
            }
            Some(Fault::CreateThenDrop) => drop_answer = true,
            Some(Fault::CreateThenStall(stall)) => delay = stall,
            None => {}
        }
    }

    let expected_path = format!("/2010-04-01/Accounts/{}/Messages.json", shared.account_sid);
    let path = request.path.split('?').next().unwrap_or_default();
    let credentials_ok = request.basic_auth.as_ref().is_some_and(|(user, password)| {
        *user == shared.account_sid && *password == shared.auth_token
    });
    if !credentials_ok {
        return Answer::new(401, error_body(401, 20003, "Authenticate"), delay);
    }
    if path != expected_path {
        let message = format!("The requested resource {path} was not found");
        return Answer::new(404, error_body(404, 20404, &message), delay);
    }
    match request.method.as_str() {
        "GET" => {
            let body = list_messages(&state, &request.path);
            return Answer::new(200, body, delay);
        }
        "POST" => {}
        _ => return Answer::new(405, error_body(405, 20004, "Method not allowed"), delay),
    }

    let token = request.idempotency_token().map(str::to_owned);
    let (status, body) = create_message(shared, &mut state, &request, token);
    let created = state.messages.last().cloned().filter(|_| status == 201);
    let callbacks = match (created, state.chaos.as_mut()) {
        (Some(message), Some(chaos)) if message.status_callback.is_some() => {
            Some((message, chaos.callbacks()))
        }
        _ => None,
    };
    drop(state);
    shared.changed.notify_waiters();
    Answer {
        drop: drop_answer,
        callbacks,
        ..Answer::new(status, body, delay)
    }
}

/// Twilio's Messages list: newest first, filtered by `To` and `From`, `PageSize` a page (50 by
/// default), the next page named by `next_page_uri`.
fn list_messages(state: &State, path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let params = parse_form(query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let page_size: usize = param("PageSize")
        .and_then(|size| size.parse().ok())
        .unwrap_or(50)
        .clamp(1, 1000);
    let page: usize = param("Page")
        .and_then(|page| page.parse().ok())
        .unwrap_or(0);
    let matching: Vec<&str> = state
        .messages
        .iter()
        .zip(&state.resources)
        .rev()
        .filter(|(message, _)| param("To").is_none_or(|to| message.to == to))
        .filter(|(message, _)| {
            param("From").is_none_or(|from| message.from.as_deref() == Some(from))
        })
        .map(|(_, resource)| resource.as_str())
        .collect();
    let start = page * page_size;
    let shown: Vec<&str> = matching
        .iter()
        .skip(start)
        .take(page_size)
        .copied()
        .collect();
    let with_page = |page: usize| {
        let mut kept: Vec<String> = query
            .split('&')
            .filter(|pair| {
                !pair.is_empty() && !pair.starts_with("Page=") && !pair.starts_with("PageToken=")
            })
            .map(str::to_owned)
            .collect();
        kept.push(format!("Page={page}"));
        kept.push(format!("PageToken=PA{page}"));
        json_string(&format!("{path}?{}", kept.join("&")))
    };
    let next = if start + page_size < matching.len() {
        with_page(page + 1)
    } else {
        "null".to_owned()
    };
    let previous = if page > 0 {
        with_page(page - 1)
    } else {
        "null".to_owned()
    };
    format!(
        "{{\"end\":{},\"first_page_uri\":{},\"messages\":[{}],\"next_page_uri\":{next},\"page\":{page},\"page_size\":{page_size},\"previous_page_uri\":{previous},\"start\":{start},\"uri\":{}}}",
        (start + shown.len()).saturating_sub(1),
        with_page(0),
        shown.join(","),
        json_string(path_and_query),
    )
}

fn create_message(
    shared: &Shared,
    state: &mut State,
    request: &ReceivedRequest,
    idempotency_token: Option<String>,
) -> (u16, String) {
    let field = |name: &str| {
        request
            .field(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let Some(to) = field("To") else {
        return (
            400,
            error_body(400, 21604, "A 'To' phone number is required."),
        );
    };
    let from = field("From");
    let messaging_service_sid = field("MessagingServiceSid");
    let status_callback = field("StatusCallback");
    if from.is_none() && messaging_service_sid.is_none() {
        return (
            400,
            error_body(400, 21603, "A 'From' phone number is required."),
        );
    }
    let Some(body) = field("Body") else {
        return (400, error_body(400, 21602, "Message body is required."));
    };
    if !is_e164(&to) {
        let message = format!("The 'To' number {to} is not a valid phone number.");
        return (400, error_body(400, 21211, &message));
    }
    let sid = format!("SM{:032x}", state.messages.len() + 1);
    let now = http_date(SystemTime::now());
    let account = &shared.account_sid;
    let status = if from.is_some() { "queued" } else { "accepted" };
    let resource = format!(
        concat!(
            "{{\"account_sid\":{},\"api_version\":\"2010-04-01\",\"body\":{},",
            "\"date_created\":{},\"date_sent\":null,\"date_updated\":{},",
            "\"direction\":\"outbound-api\",\"error_code\":null,\"error_message\":null,",
            "\"from\":{},\"messaging_service_sid\":{},\"num_media\":\"0\",\"num_segments\":\"1\",",
            "\"price\":null,\"price_unit\":\"USD\",\"sid\":{},\"status\":{},",
            "\"subresource_uris\":{{\"media\":{}}},\"to\":{},\"uri\":{}}}"
        ),
        json_string(account),
        json_string(&body),
        json_string(&now),
        json_string(&now),
        json_or_null(from.as_deref()),
        json_or_null(messaging_service_sid.as_deref()),
        json_string(&sid),
        json_string(status),
        json_string(&format!(
            "/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"
        )),
        json_string(&to),
        json_string(&format!(
            "/2010-04-01/Accounts/{account}/Messages/{sid}.json"
        )),
    );
    state.resources.push(resource.clone());
    state.messages.push(SentMessage {
        sid,
        to,
        from,
        messaging_service_sid,
        body,
        idempotency_token,
        status_callback,
    });
    (201, resource)
}

/// `X-Twilio-Signature` as Twilio computes it: Base64 of HMAC-SHA1, keyed by the auth token, over
/// the full URL followed by each parameter's name and value, sorted by name.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("HMAC takes a key of any size");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// POSTs `params` as a form to `url` (over plain HTTP, at `route` when given, else at the URL's
/// own host and port) and returns the response's status; 0 when there was no answer.
pub async fn post_form(
    url: &str,
    route: Option<SocketAddr>,
    params: &[(String, String)],
    headers: &[(&str, &str)],
) -> u16 {
    let (scheme, rest) = url.split_once("://").expect("an absolute URL");
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    let address = match route {
        Some(address) => address.to_string(),
        None if scheme == "http" && authority.contains(':') => authority.to_owned(),
        None if scheme == "http" => format!("{authority}:80"),
        None => panic!("{url}: https callbacks need route_callbacks_to"),
    };
    let body = form_encode(params);
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: TwilioProxy/1.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return 0;
    };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// `application/x-www-form-urlencoded`, as browsers and Twilio write it.
fn form_encode(params: &[(String, String)]) -> String {
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    char::from(byte).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
    params
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn error_body(status: u16, code: u32, message: &str) -> String {
    format!(
        "{{\"code\":{code},\"message\":{},\"more_info\":\"https://www.twilio.com/docs/errors/{code}\",\"status\":{status}}}",
        json_string(message)
    )
}

/// `+` and 8 to 15 digits, or a `whatsapp:` address around one.
fn is_e164(number: &str) -> bool {
    let number = number.strip_prefix("whatsapp:").unwrap_or(number);
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_or_null(text: Option<&str>) -> String {
    text.map_or_else(|| "null".to_owned(), json_string)
}

fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}

/// RFC 2822 date in UTC, the format of Twilio's `date_created`.
fn http_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    /// The example of Twilio's request-validation documentation and of its SDKs' tests.
    #[test]
    fn signs_as_twilio_documents() {
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            super::signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
    }

    #[test]
    fn forms_are_encoded_as_browsers_do() {
        let params = vec![("To".to_owned(), "+1 555/é".to_owned())];
        assert_eq!(super::form_encode(&params), "To=%2B1+555%2F%C3%A9");
    }
}
