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

mod callbacks;
mod chaos;
mod list;
pub(crate) mod wire;

use callbacks::report;
pub use callbacks::{post_form, signature};
use chaos::{Chaos, PlannedCallback};
use list::list_messages;
use wire::*;

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
        crate::sorted_counts(self.shared.lock().chaos.as_ref().map(|c| &c.injected))
    }

    /// Makes status callbacks reach their URL's host at one of `addrs`, picked at random: the
    /// replicas behind a proxy.
    pub fn route_callbacks_to_any(&self, addrs: Vec<SocketAddr>) {
        self.shared.lock().callback_routes = addrs;
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
        assert_eq!(
            super::callbacks::form_encode(&params),
            "To=%2B1+555%2F%C3%A9"
        );
    }
}
