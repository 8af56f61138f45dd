//! The `paylink` binary run as separate processes, as it is deployed: configuration errors stop
//! start-up, secrets stay out of the log, two servers on one database send every delivery exactly
//! once, a server killed mid-send leaves nothing behind for the next one to miss, and a stop
//! signal ends claiming at once and sending within the grace period.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use paylink_testdb::TestDb;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::deliveries::{
    CREATE_CONTACT, CREATE_SESSION, SEND_SESSION_LINK, SESSION, SETTLE_WITHIN, TWILIO_FROM,
    TWILIO_SID, TWILIO_TOKEN, delivery_id_in, delivery_of, is_final, session_input,
};
use crate::operations::read_head;
use crate::support::parse_raw_response;
use paylink_test_servers::smtp_server::{SmtpAction, SmtpCommand, SmtpServer};
use paylink_test_servers::twilio_server::{CannedResponse, TwilioServer};

const PAYLINK: &str = env!("CARGO_BIN_EXE_paylink");

/// Settings every server process of these tests gets, besides its database and port.
pub(crate) fn base_env(twilio: &TwilioServer) -> Vec<(&'static str, String)> {
    vec![
        (
            "PAYLINK_PUBLIC_SESSION_BASE_URL",
            "https://pay.test/s".into(),
        ),
        ("PAYLINK_DB_POOL_SIZE", "4".into()),
        // One key drives hundreds of sends and polls here; per-key limits are tested elsewhere.
        ("PAYLINK_RATE_LIMIT_PER_SECOND", "100000".into()),
        ("PAYLINK_RATE_LIMIT_BURST", "100000".into()),
        ("PAYLINK_DELIVERY_RETRY_BASE_MS", "50".into()),
        ("PAYLINK_DELIVERY_RETRY_MAX_MS", "200".into()),
        // Generous for a loaded machine: a slow answer leaves its outcome unknown and is
        // settled by asking Twilio, but these tests count attempts nowhere.
        ("PAYLINK_DELIVERY_TIMEOUT_MS", "2000".into()),
        ("PAYLINK_DELIVERY_LEASE_SECS", "3".into()),
        ("PAYLINK_DELIVERY_POLL_MS", "50".into()),
        ("PAYLINK_SMS_PROVIDER", "twilio".into()),
        ("PAYLINK_TWILIO_BASE_URL", twilio.base_url()),
        ("PAYLINK_TWILIO_ACCOUNT_SID", TWILIO_SID.into()),
        ("PAYLINK_TWILIO_AUTH_TOKEN", TWILIO_TOKEN.into()),
        ("PAYLINK_TWILIO_FROM", TWILIO_FROM.into()),
        // Each text then names its delivery in its StatusCallback, which is how the tests tell
        // which delivery a text at the stand-in belongs to (nothing posts to it here).
        ("PAYLINK_PUBLIC_BASE_URL", "https://paylink.test".into()),
    ]
}

/// Where a process's stderr goes: a file, so that a chatty log never fills a pipe and blocks
/// the server, and so that a failing test can show it.
fn log_file(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("processes");
    std::fs::create_dir_all(&dir).expect("log folder");
    dir.join(format!(
        "{name}-{}-{}.log",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

fn free_port() -> u16 {
    // The port is released before the server binds it; another process taking it in between
    // would make start-up fail loudly, not silently.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Runs an administrative command against `db` and returns its standard output, trimmed.
fn cli(db: &TestDb, args: &[&str]) -> String {
    let output = Command::new(PAYLINK)
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("running paylink");
    assert!(
        output.status.success(),
        "paylink {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A merchant and API key made through the command line, as an operator would.
pub(crate) fn merchant_key(db: &TestDb) -> String {
    let migrated = cli(db, &["migrate"]);
    assert!(
        migrated.contains("up to date") || migrated.contains("applied"),
        "{migrated}"
    );
    let merchant = cli(db, &["merchant", "create", "--name", "Acme Tutoring"]);
    assert!(merchant.starts_with("mer_"), "{merchant}");
    let key = cli(db, &["key", "create", "--merchant", &merchant]);
    assert!(key.starts_with("plk_"), "{key}");
    key
}

/// A `paylink serve` process, killed when dropped.
pub(crate) struct ServerProcess {
    child: Child,
    pub(crate) base: String,
    log: PathBuf,
    key: String,
    client: reqwest::Client,
}

impl ServerProcess {
    /// Starts `paylink serve` on a free port and waits until `/healthz` answers.
    pub(crate) async fn start(name: &str, db: &TestDb, key: &str, vars: &[(&str, String)]) -> Self {
        let port = free_port();
        let log = log_file(name);
        let stderr = std::fs::File::create(&log).expect("log file");
        // A clean environment, so that nothing from the developer's shell changes the server.
        let child = Command::new(PAYLINK)
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", db.url())
            .env("PAYLINK_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info")
            // Merchants' callbacks may reach receivers on loopback over http; `vars` may
            // override these.
            .env("PAYLINK_OUTBOUND_ALLOW_HTTP", "true")
            .env("PAYLINK_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")
            .envs(vars.iter().map(|(name, value)| (*name, value.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("starting paylink serve");
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            key: key.to_owned(),
            client: reqwest::Client::new(),
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&mut self) {
        let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().expect("process state") {
                panic!("paylink serve exited with {status}:\n{}", self.log());
            }
            let health = self
                .client
                .get(format!("{}/healthz", self.base))
                .send()
                .await;
            if health.is_ok_and(|response| response.status() == 200) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "paylink serve never became healthy:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn gql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.key)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        assert!(body.get("errors").is_none(), "{body}");
        body
    }

    /// A contact with a phone number and an Active session for it; returns the session id.
    pub(crate) async fn session(&self, phone: &str) -> String {
        let contact = self
            .gql(
                CREATE_CONTACT,
                json!({ "input": { "name": "Jo", "phone": phone, "email": "jo@example.com" } }),
            )
            .await;
        let contact_id = contact["data"]["createContact"]["id"].as_str().unwrap();
        let session = self
            .gql(
                CREATE_SESSION,
                json!({ "input": session_input(contact_id) }),
            )
            .await;
        session["data"]["createPaymentPlanSession"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Queues a send and returns the delivery id.
    async fn send(&self, session: &str, channel: &str) -> String {
        let body = self
            .gql(
                SEND_SESSION_LINK,
                json!({ "input": { "id": session, "channel": channel } }),
            )
            .await;
        let answer = &body["data"]["sendPaymentPlanSessionLink"];
        assert_eq!(answer["success"], true, "{body}");
        delivery_id_in(answer["message"].as_str().unwrap())
    }

    async fn deliveries(&self, session: &str) -> Vec<Value> {
        let body = self.gql(SESSION, json!({ "id": session })).await;
        body["data"]["paymentPlanSession"]["deliveries"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone()
    }

    /// Polls until every delivery of `sessions` is Sent or Failed, and returns them all.
    async fn settled(&self, sessions: &[String]) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
        loop {
            let mut all = Vec::new();
            for session in sessions {
                all.extend(self.deliveries(session).await);
            }
            if all.iter().all(is_final) {
                return all;
            }
            let open = all.iter().filter(|d| !is_final(d)).count();
            assert!(
                tokio::time::Instant::now() < deadline,
                "{open} deliveries unfinished after {SETTLE_WITHIN:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, as a process supervisor stops a service.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit by itself; `within` only guards against a hang.
    async fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("process state") {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "paylink serve still running {within:?} after the stop signal:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the log has a line containing `text`.
    async fn wait_for_log(&self, text: &str) {
        let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
        while !self.log().contains(text) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {text:?} in the log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no shutdown hook runs, as when a host dies.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Delivery counts by status, straight from the database.
fn statuses(db: &TestDb) -> HashMap<String, i64> {
    let mut conn = paylink_store::direct::Connection::open(db.url()).expect("connecting");
    conn.delivery_counts()
        .expect("counting deliveries")
        .into_iter()
        .collect()
}

/// Runs `paylink serve` with a bad setting; returns its exit success and standard error.
fn serve_refuses(vars: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(PAYLINK)
        .arg("serve")
        .env_clear()
        // Never reached: configuration is checked before the database is touched.
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused")
        .env("PAYLINK_LISTEN", format!("127.0.0.1:{}", free_port()))
        .envs(vars.iter().copied())
        .output()
        .expect("running paylink serve");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn configuration_errors_stop_start_up_naming_the_setting() {
    let (ok, stderr) = serve_refuses(&[("PAYLINK_SMTP_URL", "ftp://x")]);
    assert!(!ok && stderr.contains("PAYLINK_SMTP_URL"), "{stderr}");

    let (ok, stderr) = serve_refuses(&[
        ("PAYLINK_SMS_PROVIDER", "twilio"),
        ("PAYLINK_TWILIO_FROM", TWILIO_FROM),
    ]);
    assert!(
        !ok && stderr.contains("PAYLINK_TWILIO_ACCOUNT_SID"),
        "{stderr}"
    );
    let (ok, stderr) = serve_refuses(&[
        ("PAYLINK_SMS_PROVIDER", "twilio"),
        ("PAYLINK_TWILIO_FROM", TWILIO_FROM),
        ("PAYLINK_TWILIO_ACCOUNT_SID", TWILIO_SID),
    ]);
    assert!(
        !ok && stderr.contains("PAYLINK_TWILIO_AUTH_TOKEN"),
        "{stderr}"
    );
    // With nothing given, the first setting found missing is named.
    let (ok, stderr) = serve_refuses(&[("PAYLINK_SMS_PROVIDER", "twilio")]);
    assert!(!ok && stderr.contains("PAYLINK_TWILIO_"), "{stderr}");

    // The value of a secret is not echoed back in the error.
    let (ok, stderr) = serve_refuses(&[("PAYLINK_SMTP_URL", "ftp://mailer:hunter2-secret@x")]);
    assert!(!ok && stderr.contains("PAYLINK_SMTP_URL"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");

    let (ok, stderr) = serve_refuses(&[
        ("PAYLINK_DELIVERY_TIMEOUT_MS", "5000"),
        ("PAYLINK_DELIVERY_LEASE_SECS", "2"),
    ]);
    assert!(
        !ok && stderr.contains("PAYLINK_DELIVERY_LEASE_SECS"),
        "{stderr}"
    );
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_the_servers_log() {
    const SMTP_USER: &str = "mailer";
    const SMTP_PASSWORD: &str = "smtp-pa55word-n0t-for-logs";
    let db = TestDb::new();
    let key = merchant_key(&db);
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    let smtp = SmtpServer::start_with_auth(SMTP_USER, SMTP_PASSWORD).await;
    let mut vars = base_env(&twilio);
    vars.push((
        "PAYLINK_SMTP_URL",
        format!("smtp://{SMTP_USER}:{SMTP_PASSWORD}@{}", smtp.addr()),
    ));
    vars.push(("RUST_LOG", "debug".into()));
    let mut server = ServerProcess::start("secrets", &db, &key, &vars).await;
    // Providers that echo the credential in a failure reason, which is logged and stored.
    twilio.push_response(CannedResponse::error(
        503,
        20503,
        &format!("overloaded while checking token {TWILIO_TOKEN}"),
    ));
    smtp.respond_once(
        SmtpCommand::RcptTo,
        SmtpAction::reply(451, format!("4.7.0 password {SMTP_PASSWORD} is busy")),
    );

    let session = server.session("+14155552671").await;
    server.send(&session, "Phone").await;
    server.send(&session, "Email").await;
    let deliveries = server.settled(std::slice::from_ref(&session)).await;
    for delivery in &deliveries {
        assert_eq!(delivery["status"], "Sent", "{delivery}");
        assert_eq!(delivery["attempts"], 2, "{delivery}");
        let error = delivery["lastError"].as_str().unwrap_or_default();
        assert!(
            !error.contains(TWILIO_TOKEN) && !error.contains(SMTP_PASSWORD),
            "{error}"
        );
    }
    assert_eq!(smtp.messages()[0].auth_user.as_deref(), Some(SMTP_USER));
    assert_eq!(twilio.messages().len(), 1);
    server.kill();

    let log = server.log();
    assert!(
        log.contains("delivery sent"),
        "the log was captured:\n{log}"
    );
    for secret in [
        TWILIO_TOKEN.to_owned(),
        SMTP_PASSWORD.to_owned(),
        // As they travel: HTTP basic auth, and SMTP AUTH PLAIN and LOGIN.
        base64(format!("{TWILIO_SID}:{TWILIO_TOKEN}").as_bytes()),
        base64(format!("\0{SMTP_USER}\0{SMTP_PASSWORD}").as_bytes()),
        base64(SMTP_PASSWORD.as_bytes()),
    ] {
        assert!(!log.contains(&secret), "{secret:?} is in the log:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_database_send_each_delivery_once() {
    const SENDS: usize = 200;
    let db = TestDb::new();
    let key = merchant_key(&db);
    // Half the sends go by SMS, half by email; both stand-ins count every message they accept.
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    let smtp = SmtpServer::start().await;
    let mut vars = base_env(&twilio);
    vars.push(("PAYLINK_SMTP_URL", smtp.url()));
    let servers = [
        ServerProcess::start("pair-a", &db, &key, &vars).await,
        ServerProcess::start("pair-b", &db, &key, &vars).await,
    ];
    let sessions = [
        servers[0].session("+14155552671").await,
        servers[1].session("+442079460958").await,
    ];

    let (mut sms, mut email) = (HashSet::new(), HashSet::new());
    for i in 0..SENDS {
        let (server, session) = (&servers[i % 2], &sessions[i % 2]);
        if i % 4 < 2 {
            assert!(sms.insert(server.send(session, "Phone").await));
        } else {
            assert!(email.insert(server.send(session, "Email").await));
        }
    }
    assert_eq!(sms.len() + email.len(), SENDS);

    let deliveries = servers[0].settled(&sessions).await;
    assert_eq!(deliveries.len(), SENDS);

    let messages = twilio.messages();
    assert_eq!(messages.len(), sms.len(), "one text message per delivery");
    let mut provider_ids: HashMap<String, String> = HashMap::new();
    for message in &messages {
        let token = delivery_of(message);
        assert!(sms.contains(&token), "{token} is not an SMS delivery");
        assert!(
            provider_ids
                .insert(token.clone(), message.sid.clone())
                .is_none(),
            "delivery {token} was sent twice"
        );
    }
    let emails = smtp.messages();
    assert_eq!(emails.len(), email.len(), "one email per delivery");
    for message in &emails {
        let message_id = message.header("Message-ID").expect("Message-ID");
        let id = delivery_id_in(&message_id);
        assert!(email.contains(&id), "{id} is not an email delivery");
        assert!(
            provider_ids.insert(id.clone(), message_id).is_none(),
            "delivery {id} was sent twice"
        );
    }
    assert_eq!(provider_ids.len(), SENDS);
    for delivery in &deliveries {
        let id = delivery["id"].as_str().unwrap();
        assert_eq!(delivery["status"], "Sent", "{delivery}");
        assert_eq!(
            delivery["providerMessageId"].as_str(),
            provider_ids.get(id).map(String::as_str),
            "{delivery}"
        );
    }
    let sent_by = |server: &ServerProcess| server.log().matches("delivery sent").count();
    eprintln!(
        "deliveries sent by server a: {}, by server b: {}",
        sent_by(&servers[0]),
        sent_by(&servers[1])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_servers_deliveries_are_finished_by_the_next_one() {
    const SENDS: usize = 20;
    let db = TestDb::new();
    let key = merchant_key(&db);
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    // A provider that takes each message but never answers within the attempt timeout (2 s,
    // ample for the kill to land while attempts are in flight), and no giving up meanwhile.
    let mut vars = base_env(&twilio);
    vars.push(("PAYLINK_DELIVERY_MAX_ATTEMPTS", "100".to_owned()));
    twilio.set_delay(Duration::from_secs(60));

    let mut first = ServerProcess::start("crash-a", &db, &key, &vars).await;
    let session = first.session("+14155552671").await;
    let mut ids = Vec::with_capacity(SENDS);
    for _ in 0..SENDS {
        ids.push(first.send(&session, "Phone").await);
    }
    // The dispatcher claims a batch (16) at once, so that many requests are soon in flight.
    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    while twilio.requests().len() < 16 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first server never sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    let at_kill = statuses(&db);
    assert!(
        at_kill.get("Sending").copied().unwrap_or(0) >= 1,
        "some deliveries were mid-send: {at_kill:?}"
    );
    assert_eq!(
        at_kill.get("Sent").copied().unwrap_or(0) + at_kill.get("Failed").copied().unwrap_or(0),
        0,
        "{at_kill:?}"
    );

    twilio.set_delay(Duration::ZERO);
    let second = ServerProcess::start("crash-b", &db, &key, &vars).await;
    let deliveries = second.settled(std::slice::from_ref(&session)).await;
    assert_eq!(deliveries.len(), SENDS);
    for delivery in &deliveries {
        assert_eq!(delivery["status"], "Sent", "{delivery}");
    }
    let after = statuses(&db);
    assert_eq!(after.get("Sent").copied(), Some(SENDS as i64), "{after:?}");

    let messages = twilio.messages();
    let tokens: Vec<String> = messages.iter().map(delivery_of).collect();
    let unique: HashSet<&str> = tokens.iter().map(String::as_str).collect();
    assert_eq!(tokens.len(), unique.len(), "a delivery was sent twice");
    assert_eq!(unique, ids.iter().map(String::as_str).collect());
    // The texts are identical (one session, one number); each delivery taken over was settled
    // from Twilio's list with a message of its own.
    let held: HashSet<&str> = deliveries
        .iter()
        .map(|delivery| {
            delivery["providerMessageId"]
                .as_str()
                .expect("a message id")
        })
        .collect();
    let sids: HashSet<&str> = messages.iter().map(|m| m.sid.as_str()).collect();
    assert_eq!(held, sids, "each message is one delivery's");
}

/// One delivery row, straight from the database.
fn delivery_row(db: &TestDb, id: &str) -> paylink_store::deliveries::DeliveryRow {
    let mut conn = paylink_store::direct::Connection::open(db.url()).expect("connecting");
    conn.delivery(id)
        .expect("reading a delivery")
        .unwrap_or_else(|| panic!("no delivery {id}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_claiming_at_once_and_abandons_an_unanswered_send_after_the_grace_period() {
    let db = TestDb::new();
    let key = merchant_key(&db);
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    // A provider that takes the message and does not answer while the test runs, with an
    // attempt timeout and a lease far beyond the grace period: only the grace period can end
    // the send, and nothing but the next claim after the lease may retry it.
    twilio.set_delay(Duration::from_secs(600));
    let mut vars = base_env(&twilio);
    vars.extend([
        ("PAYLINK_DELIVERY_TIMEOUT_MS", "120000".to_owned()),
        ("PAYLINK_DELIVERY_LEASE_SECS", "600".to_owned()),
        // Ample for the one request held open below to finish once the test lets it go.
        ("PAYLINK_SHUTDOWN_GRACE_SECS", "10".to_owned()),
    ]);
    let mut server = ServerProcess::start("grace", &db, &key, &vars).await;
    let session = server.session("+14155552671").await;
    let unanswered = server.send(&session, "Phone").await;
    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    while twilio.requests().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the delivery was never sent:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A send request in flight when the signal lands: it queues its delivery after the signal.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let body = json!({
        "query": SEND_SESSION_LINK,
        "variables": { "input": { "id": session, "channel": "Phone" } },
    })
    .to_string();
    let (first_half, second_half) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    // `Expect: 100-continue` makes the server say when the handler starts reading the body.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let interim = read_head(&mut stream).await;
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");
    stream.write_all(first_half).await.unwrap();
    stream.flush().await.unwrap();

    server.terminate();
    server.wait_for_log("stop signal received").await;
    stream.write_all(second_half).await.unwrap();
    let mut received = Vec::new();
    tokio::time::timeout(SETTLE_WITHIN, stream.read_to_end(&mut received))
        .await
        .expect("the response within the bound")
        .expect("reading the response");
    let response = parse_raw_response(&received).expect("a complete response");
    let answer = response.json();
    let queued = &answer["data"]["sendPaymentPlanSessionLink"];
    assert_eq!(queued["success"], true, "{answer}");
    let queued = delivery_id_in(queued["message"].as_str().unwrap());

    // The provider never answers, yet the process exits (the bound only guards against a hang;
    // the attempt timeout alone would take two minutes).
    let status = server.wait_exit(Duration::from_secs(60)).await;
    assert!(status.success(), "{status}:\n{}", server.log());

    // Nothing was claimed after the signal: the request queued after it was never sent.
    assert_eq!(twilio.requests().len(), 1, "{:?}", twilio.requests());
    let after = delivery_row(&db, &queued);
    assert_eq!(
        (after.status.as_str(), after.attempts),
        ("Queued", 0),
        "{after:?}"
    );
    // The abandoned send is recorded neither way: it stays claimed until its lease runs out.
    let abandoned = delivery_row(&db, &unanswered);
    assert_eq!(
        (abandoned.status.as_str(), abandoned.attempts),
        ("Sending", 1),
        "{abandoned:?}"
    );
    assert_eq!(abandoned.last_error, None, "{abandoned:?}");
    assert_eq!(abandoned.sent_at, None, "{abandoned:?}");
    assert_eq!(abandoned.lease_until, Some(abandoned.next_attempt_at));

    // Once the lease has run out (moved back here rather than waited for), the next claim takes
    // both deliveries up again.
    {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE link_deliveries SET next_attempt_at = now() WHERE id = $1")
            .bind::<diesel::sql_types::Text, _>(&unanswered)
            .execute(&mut db.connect())
            .expect("ending the lease");
    }
    let mut conn = paylink_store::direct::Connection::open(db.url()).expect("connecting");
    let claimed = conn
        .claim_deliveries(10, Duration::from_secs(60))
        .expect("claiming");
    let mut claimed: Vec<(String, i32)> = claimed.into_iter().map(|d| (d.id, d.attempts)).collect();
    claimed.sort();
    let mut expected = vec![(unanswered, 2), (queued, 1)];
    expected.sort();
    assert_eq!(claimed, expected);
}
