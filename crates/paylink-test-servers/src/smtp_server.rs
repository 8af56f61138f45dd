//! A small SMTP server for tests: plain TCP on 127.0.0.1, no TLS, records what it receives.
//!
//! Self-contained (tokio and std only) so it can be copied as one file into another crate's
//! `tests/support/`. It needs tokio's `net`, `io-util`, `time`, `sync`, `rt` and `macros`.
//!
//! ```ignore
//! let server = SmtpServer::start().await;
//! server.respond_once(SmtpCommand::RcptTo, SmtpAction::reply(450, "4.2.1 try later"));
//! // point the client at server.url() ("smtp://127.0.0.1:PORT") ...
//! let messages = server.wait_for_messages(1, Duration::from_secs(5)).await;
//! assert_eq!(messages[0].rcpt_to, ["bob@example.com"]);
//! assert_eq!(messages[0].header("Subject").as_deref(), Some("Hello"));
//! ```
//!
//! Speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP, QUIT and,
//! when [`SmtpServer::start_with_auth`] is used, AUTH PLAIN and AUTH LOGIN. Any command can be
//! answered with a chosen reply, or made to close the connection or to stall, once or always.
//! Dropping the server stops it and every open connection.

#![allow(
    missing_docs,
    reason = "a test fixture; the module docs say how to use it"
)]

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream, tcp::OwnedWriteHalf},
    sync::Notify,
    task::{JoinHandle, JoinSet},
};

/// Longest line accepted; longer ones get 500, as RFC 5321 allows.
const MAX_LINE: usize = 64 * 1024;

/// A point in the conversation whose answer can be programmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmtpCommand {
    /// The 220 greeting sent on connect.
    Greeting,
    /// `EHLO` (the reply replaces the whole capability list).
    Ehlo,
    /// `HELO`.
    Helo,
    /// `AUTH` (the final answer, after any challenges).
    Auth,
    /// `MAIL FROM`.
    MailFrom,
    /// `RCPT TO`.
    RcptTo,
    /// `DATA` (the 354 go-ahead).
    Data,
    /// The end of the message data (the `.` line); a non-2xx answer here discards the message.
    DataEnd,
    /// `RSET`.
    Rset,
    /// `NOOP`.
    Noop,
    /// `QUIT`.
    Quit,
}

/// What the server does instead of its usual answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpAction {
    /// Answers with this code and text; a `\n` in the text makes a multi-line reply.
    Reply {
        /// Three-digit reply code, e.g. 450 or 550.
        code: u16,
        /// Text after the code, e.g. `5.1.1 no such user`.
        text: String,
    },
    /// Closes the connection without answering.
    Close,
    /// At the end of the message data: takes the message (records it, as a relay that queued
    /// it would) and closes the connection before its reply, so the client cannot tell. Like
    /// [`SmtpAction::Close`] anywhere else.
    AcceptThenClose,
    /// Never answers, reading (and ignoring) input until the client goes away: a client-side
    /// timeout test.
    Stall,
}

impl SmtpAction {
    /// Shorthand for [`SmtpAction::Reply`].
    pub fn reply(code: u16, text: impl Into<String>) -> Self {
        SmtpAction::Reply {
            code,
            text: text.into(),
        }
    }
}

/// One message the server accepted (answered 250 after its data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The name the client gave in EHLO/HELO.
    pub helo: String,
    /// The user that authenticated on this connection, if any.
    pub auth_user: Option<String>,
    /// Envelope sender, without angle brackets (empty for the null sender `<>`).
    pub mail_from: String,
    /// Envelope recipients the server accepted, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as transmitted (headers and body, CRLF line ends), dot-unstuffed, without
    /// the final `.` line.
    pub data: String,
}

impl ReceivedMessage {
    /// The first header with this name (case-insensitive), unfolded, as raw text: an encoded
    /// word (`=?utf-8?...?=`) stays encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((key, value)) = line.split_once(':')
                && key.trim().eq_ignore_ascii_case(name)
            {
                found = Some(value.trim().to_owned());
            }
        }
        found
    }

    /// Everything after the header block.
    pub fn body(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Rules {
    once: HashMap<SmtpCommand, VecDeque<SmtpAction>>,
    always: HashMap<SmtpCommand, SmtpAction>,
    chaos: Option<Chaos>,
}

/// A fault chaos can inject, with the name it is counted under.
type NamedFault = (&'static str, fn() -> SmtpAction);

/// Faults at random: a seeded generator, a rate, and what was injected.
struct Chaos {
    rng: rand::rngs::StdRng,
    rate: f64,
    injected: HashMap<&'static str, usize>,
}

impl Rules {
    fn take(&mut self, command: SmtpCommand) -> Option<SmtpAction> {
        if let Some(action) = self.once.get_mut(&command).and_then(VecDeque::pop_front) {
            return Some(action);
        }
        if let Some(action) = self.always.get(&command) {
            return Some(action.clone());
        }
        self.chaos.as_mut().and_then(|chaos| chaos.pick(command))
    }
}

impl Chaos {
    /// A fault for `command`, or none, as the dice say.
    fn pick(&mut self, command: SmtpCommand) -> Option<SmtpAction> {
        use rand::Rng as _;
        let choices: &[NamedFault] = match command {
            SmtpCommand::MailFrom => &[
                ("hang up at MAIL", || SmtpAction::Close),
                ("421 at MAIL", || {
                    SmtpAction::reply(421, "4.3.2 shutting down")
                }),
            ],
            SmtpCommand::DataEnd => &[
                ("take the data, then hang up", || {
                    SmtpAction::AcceptThenClose
                }),
                ("451 after the data", || {
                    SmtpAction::reply(451, "4.3.0 try again later")
                }),
                ("hang up after the data", || SmtpAction::Close),
            ],
            _ => return None,
        };
        if !self.rng.random_bool(self.rate) {
            return None;
        }
        let (name, action) = choices[self.rng.random_range(0..choices.len())];
        *self.injected.entry(name).or_default() += 1;
        Some(action())
    }
}

#[derive(Default)]
struct State {
    rules: Rules,
    messages: Vec<ReceivedMessage>,
    transcript: Vec<String>,
    connections: usize,
}

struct Shared {
    state: Mutex<State>,
    changed: Notify,
    auth: Option<(String, String)>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded messages from the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The running server; dropping it stops it.
pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Starts a server on 127.0.0.1 on a free port, without AUTH.
    pub async fn start() -> SmtpServer {
        Self::spawn(None).await
    }

    /// Starts a server that offers AUTH PLAIN and LOGIN and accepts only this user and password
    /// (others get `535 5.7.8`). It does not require AUTH before MAIL.
    pub async fn start_with_auth(user: &str, password: &str) -> SmtpServer {
        Self::spawn(Some((user.to_owned(), password.to_owned()))).await
    }

    async fn spawn(auth: Option<(String, String)>) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test SMTP server");
        let addr = listener.local_addr().expect("test SMTP server address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            auth,
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        SmtpServer { addr, shared, task }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers the next occurrence of `command` (on any connection) with `action`; several
    /// calls queue up, and they win over [`SmtpServer::respond_always`].
    pub fn respond_once(&self, command: SmtpCommand, action: SmtpAction) {
        let mut state = self.shared.lock();
        state
            .rules
            .once
            .entry(command)
            .or_default()
            .push_back(action);
    }

    /// Answers every occurrence of `command` with `action` until [`SmtpServer::reset_responses`].
    pub fn respond_always(&self, command: SmtpCommand, action: SmtpAction) {
        self.shared.lock().rules.always.insert(command, action);
    }

    /// From now on, each `MAIL FROM` and each end of message data meets a fault with
    /// probability `rate` (a hang-up, a 4xx, or the data taken and the reply lost), drawn from a
    /// generator seeded with `seed`, so a run can be repeated. Programmed answers still win.
    pub fn set_chaos(&self, seed: u64, rate: f64) {
        use rand::SeedableRng as _;
        self.shared.lock().rules.chaos = Some(Chaos {
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            rate: rate.clamp(0.0, 1.0),
            injected: HashMap::new(),
        });
    }

    /// The faults chaos injected, by kind.
    pub fn faults_injected(&self) -> Vec<(&'static str, usize)> {
        crate::sorted_counts(self.shared.lock().rules.chaos.as_ref().map(|c| &c.injected))
    }

    /// Back to normal answers.
    pub fn reset_responses(&self) {
        self.shared.lock().rules = Rules::default();
    }

    /// Messages accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.lock().messages.clone()
    }

    /// Every line exchanged, prefixed `C: ` (client) or `S: ` (server); message data is not
    /// included. AUTH lines are kept as sent, so they hold the base64 credentials.
    pub fn transcript(&self) -> Vec<String> {
        self.shared.lock().transcript.clone()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// Waits until at least `count` messages arrived, and returns all of them; panics after
    /// `timeout` so a test fails instead of hanging.
    pub async fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedMessage> {
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
                panic!("test SMTP server: expected {count} messages within {timeout:?}, got {got}");
            }
        }
    }
}

impl Drop for SmtpServer {
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
                shared.lock().connections += 1;
                connections.spawn(serve(stream, Arc::clone(&shared)));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What the current transaction has collected.
#[derive(Default)]
struct Session {
    helo: String,
    auth_user: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

enum Flow {
    Continue,
    Stop,
    /// The message was taken; the connection closes without a reply.
    AcceptedThenStop,
}

struct Conn {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: OwnedWriteHalf,
    shared: Arc<Shared>,
}

impl Conn {
    async fn read_line(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .await
            .ok()?;
        if n == 0 {
            return None;
        }
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        Some(String::from_utf8_lossy(&buf).into_owned())
    }

    async fn send(&mut self, code: u16, text: &str) -> Flow {
        let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            out.push_str(&format!("{code}{sep}{line}\r\n"));
        }
        {
            let mut state = self.shared.lock();
            for line in out.lines() {
                state.transcript.push(format!("S: {line}"));
            }
        }
        match self.writer.write_all(out.as_bytes()).await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// Sends a fixed reply (no programmed action applies) and reports it like `answer`.
    async fn reply(&mut self, code: u16, text: &str) -> Result<u16, Flow> {
        match self.send(code, text).await {
            Flow::Continue => Ok(code),
            stop => Err(stop),
        }
    }

    /// Applies a programmed action for `command`, or runs `normal` when there is none.
    /// Returns the reply code that was sent, so callers know whether the command succeeded.
    async fn answer(&mut self, command: SmtpCommand, code: u16, text: &str) -> Result<u16, Flow> {
        let rule = self.shared.lock().rules.take(command);
        match rule {
            None => self.reply(code, text).await,
            Some(SmtpAction::Reply { code, text }) => self.reply(code, &text).await,
            Some(SmtpAction::Close) => Err(Flow::Stop),
            Some(SmtpAction::AcceptThenClose) => Err(Flow::AcceptedThenStop),
            Some(SmtpAction::Stall) => {
                while self.read_line().await.is_some() {}
                Err(Flow::Stop)
            }
        }
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, writer) = stream.into_split();
    let mut conn = Conn {
        reader: BufReader::new(read),
        writer,
        shared,
    };
    let mut session = Session::default();
    if conn
        .answer(
            SmtpCommand::Greeting,
            220,
            "localhost ESMTP paylink test server",
        )
        .await
        .is_err()
    {
        return;
    }
    while let Some(line) = conn.read_line().await {
        conn.shared.lock().transcript.push(format!("C: {line}"));
        match command(&mut conn, &mut session, &line).await {
            Flow::Continue => {}
            Flow::Stop | Flow::AcceptedThenStop => return,
        }
    }
}

async fn command(conn: &mut Conn, session: &mut Session, line: &str) -> Flow {
    let (verb, rest) = match line.split_once(' ') {
        Some((verb, rest)) => (verb.to_ascii_uppercase(), rest.trim()),
        None => (line.trim().to_ascii_uppercase(), ""),
    };
    let result = match verb.as_str() {
        "EHLO" => {
            let mut capabilities =
                vec!["localhost".to_owned(), "8BITMIME".into(), "SMTPUTF8".into()];
            if conn.shared.auth.is_some() {
                capabilities.push("AUTH PLAIN LOGIN".into());
            }
            let code = conn
                .answer(SmtpCommand::Ehlo, 250, &capabilities.join("\n"))
                .await;
            if code.as_ref().is_ok_and(|c| *c == 250) {
                *session = Session {
                    helo: rest.to_owned(),
                    ..Session::default()
                };
            }
            code
        }
        "HELO" => {
            let code = conn.answer(SmtpCommand::Helo, 250, "localhost").await;
            if code.as_ref().is_ok_and(|c| *c == 250) {
                *session = Session {
                    helo: rest.to_owned(),
                    ..Session::default()
                };
            }
            code
        }
        "AUTH" => auth(conn, session, rest).await,
        "MAIL" => {
            let Some(address) = path_argument(rest, "FROM:") else {
                return conn.send(501, "5.5.4 syntax: MAIL FROM:<address>").await;
            };
            if session.mail_from.is_some() {
                return conn.send(503, "5.5.1 sender already given").await;
            }
            let code = conn.answer(SmtpCommand::MailFrom, 250, "2.1.0 OK").await;
            if code.as_ref().is_ok_and(|c| *c == 250) {
                session.mail_from = Some(address);
            }
            code
        }
        "RCPT" => {
            let Some(address) = path_argument(rest, "TO:") else {
                return conn.send(501, "5.5.4 syntax: RCPT TO:<address>").await;
            };
            if session.mail_from.is_none() {
                return conn.send(503, "5.5.1 need MAIL before RCPT").await;
            }
            let code = conn.answer(SmtpCommand::RcptTo, 250, "2.1.5 OK").await;
            if code.as_ref().is_ok_and(|c| *c == 250 || *c == 251) {
                session.rcpt_to.push(address);
            }
            code
        }
        "DATA" => {
            if session.mail_from.is_none() || session.rcpt_to.is_empty() {
                return conn.send(503, "5.5.1 need MAIL and RCPT before DATA").await;
            }
            match conn
                .answer(SmtpCommand::Data, 354, "end data with <CR><LF>.<CR><LF>")
                .await
            {
                Ok(354) => data(conn, session).await,
                other => other,
            }
        }
        "RSET" => {
            let code = conn.answer(SmtpCommand::Rset, 250, "2.0.0 OK").await;
            session.mail_from = None;
            session.rcpt_to.clear();
            code
        }
        "NOOP" => conn.answer(SmtpCommand::Noop, 250, "2.0.0 OK").await,
        "QUIT" => {
            let _ = conn.answer(SmtpCommand::Quit, 221, "2.0.0 bye").await;
            return Flow::Stop;
        }
        "" => conn.reply(500, "5.5.2 empty command").await,
        _ => conn.reply(502, "5.5.2 command not implemented").await,
    };
    match result {
        Ok(_) => Flow::Continue,
        Err(stop) => stop,
    }
}

/// Reads message data up to the lone `.`, then answers and records it.
async fn data(conn: &mut Conn, session: &mut Session) -> Result<u16, Flow> {
    let mut data = String::new();
    loop {
        let Some(line) = conn.read_line().await else {
            return Err(Flow::Stop);
        };
        if line == "." {
            break;
        }
        // Dot-unstuffing (RFC 5321 4.5.2): the client doubled every leading dot.
        let line = line.strip_prefix('.').unwrap_or(&line);
        data.push_str(line);
        data.push_str("\r\n");
    }
    conn.shared.lock().transcript.push("C: <data> .".to_owned());
    let code = conn
        .answer(SmtpCommand::DataEnd, 250, "2.0.0 OK: queued")
        .await;
    if code.as_ref().is_ok_and(|c| *c == 250) || matches!(code, Err(Flow::AcceptedThenStop)) {
        let message = ReceivedMessage {
            helo: session.helo.clone(),
            auth_user: session.auth_user.clone(),
            mail_from: session.mail_from.take().unwrap_or_default(),
            rcpt_to: std::mem::take(&mut session.rcpt_to),
            data,
        };
        conn.shared.lock().messages.push(message);
        conn.shared.changed.notify_waiters();
    } else {
        session.mail_from = None;
        session.rcpt_to.clear();
    }
    code
}

async fn auth(conn: &mut Conn, session: &mut Session, rest: &str) -> Result<u16, Flow> {
    let Some((user, password)) = conn.shared.auth.clone() else {
        return conn.reply(502, "5.5.1 AUTH not offered").await;
    };
    let mut words = rest.split_whitespace();
    let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
    let initial = words.next().map(str::to_owned);
    let given = match mechanism.as_str() {
        "PLAIN" => {
            let encoded = match initial {
                Some(encoded) => encoded,
                None => {
                    conn.reply(334, "").await?;
                    conn.read_line().await.ok_or(Flow::Stop)?
                }
            };
            // authzid NUL authcid NUL password
            decode_base64(&encoded).and_then(|bytes| {
                let text = String::from_utf8(bytes).ok()?;
                let mut parts = text.split('\0');
                let _authzid = parts.next()?;
                Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
            })
        }
        "LOGIN" => {
            let user_b64 = match initial {
                Some(encoded) => encoded,
                None => {
                    conn.reply(334, "VXNlcm5hbWU6").await?;
                    conn.read_line().await.ok_or(Flow::Stop)?
                }
            };
            conn.reply(334, "UGFzc3dvcmQ6").await?;
            let password_b64 = conn.read_line().await.ok_or(Flow::Stop)?;
            let decode = |s: &str| decode_base64(s).and_then(|b| String::from_utf8(b).ok());
            decode(&user_b64).zip(decode(&password_b64))
        }
        _ => {
            return conn
                .reply(504, "5.5.4 unrecognized authentication type")
                .await;
        }
    };
    let ok = given
        .as_ref()
        .is_some_and(|(u, p)| *u == user && *p == password);
    if ok {
        let code = conn
            .answer(SmtpCommand::Auth, 235, "2.7.0 authentication successful")
            .await;
        if code.as_ref().is_ok_and(|c| *c == 235) {
            session.auth_user = Some(user);
        }
        code
    } else {
        conn.reply(535, "5.7.8 authentication credentials invalid")
            .await
    }
}

/// `FROM:<a@b> SIZE=1` → `a@b`; tolerates a space after the colon.
fn path_argument(rest: &str, keyword: &str) -> Option<String> {
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = rest[keyword.len()..].trim_start();
    let path = path.strip_prefix('<')?;
    let end = path.find('>')?;
    Some(path[..end].to_owned())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
}
