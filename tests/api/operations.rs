//! The `paylink` binary run as a process, as operators run it: what its JSON logs carry and never
//! carry, the client address behind a trusted proxy, a graceful stop on SIGTERM that finishes the
//! request in flight, a database outage (through a proxy the test cuts, never by stopping
//! PostgreSQL) and the recovery after it, and `config check`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use paylink_testdb::TestDb;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::deliveries::{
    SEND_SESSION_LINK, SESSION, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, is_final, session_input,
};
use crate::support::parse_raw_response;
use paylink_test_servers::twilio_server::{CannedResponse, TwilioServer};

const PAYLINK: &str = env!("CARGO_BIN_EXE_paylink");

/// The bound on every awaited outcome: generous for a loaded machine, short of a hung test.
const WAIT: Duration = Duration::from_secs(30);

const CREATE_LINK: &str = "mutation CreateLink($input: PaymentLinkInput!) {
  createPaymentLink(input: $input) { link_id link_name }
}";
const COUNT: &str = "query CountLinks { paymentLinks { total_row_count items { link_id } } }";

fn free_port() -> u16 {
    // Released before the server binds it; a port taken in between fails start-up loudly.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A new, empty folder for one test's logs and development outbox.
fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("operations")
        .join(format!(
            "{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// A merchant and an API key, stored straight in the test's database.
fn merchant_key(db: &TestDb) -> (String, String) {
    let mut conn = paylink_store::direct::Connection::open(db.url()).expect("connecting");
    let merchant = conn
        .insert_merchant(&paylink::domain::ids::new_merchant_uid(), "Acme Tutoring")
        .expect("a merchant");
    let key = paylink::api_keys::generate();
    conn.insert_key(paylink_store::api_keys::NewApiKey {
        merchant_uid: &merchant.merchant_uid,
        prefix: paylink::api_keys::visible_prefix(&key),
        key_hash: &paylink::api_keys::digest(&key),
        label: None,
    })
    .expect("an API key");
    (merchant.merchant_uid, key)
}

fn link_input(merchant_uid: &str, name: &str) -> Value {
    json!({ "input": {
        "merchant_uid": merchant_uid, "link_name": name, "payment_name": "Dues", "amount": 1500,
    } })
}

/// `paylink --log-format json serve` on a free port, its stderr in a file; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    client: reqwest::Client,
}

impl Server {
    /// Starts the server with a clean environment (nothing from the developer's shell), the
    /// development email and SMS files in `dir`, and `vars` on top; waits for `/healthz`.
    async fn start(dir: &Path, database_url: &str, vars: &[(&str, String)]) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = dir.join(format!(
            "server-{}.log",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let stderr = std::fs::File::create(&log).expect("log file");
        let child = Command::new(PAYLINK)
            .args(["--log-format", "json", "serve"])
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("PAYLINK_LISTEN", addr.to_string())
            .env("PAYLINK_EMAIL_DIR", dir.join("email"))
            .env("PAYLINK_SMS_FILE", dir.join("sms.jsonl"))
            .env("PAYLINK_DELIVERY_POLL_MS", "50")
            .env("RUST_LOG", "info")
            .envs(vars.iter().map(|(name, value)| (*name, value.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("starting paylink serve");
        let mut server = Self {
            child,
            addr,
            log,
            client: reqwest::Client::builder()
                .timeout(WAIT)
                .build()
                .expect("client"),
        };
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = server.child.try_wait().expect("process state") {
                panic!("paylink serve exited with {status}:\n{}", server.log());
            }
            let health = server.client.get(server.url("/healthz")).send().await;
            if health.is_ok_and(|response| response.status() == 200) {
                return server;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "paylink serve never became healthy:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every log line, parsed; a line that is not a JSON object fails the test.
    fn log_lines(&self) -> Vec<Value> {
        self.log()
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line:?}"));
                assert!(value.is_object(), "{line}");
                value
            })
            .collect()
    }

    /// The fields of the request line with `request_id`, waiting for it to be written.
    async fn request_line(&self, request_id: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = self.log_lines().into_iter().find(|line| {
                line["fields"]["message"] == "request" && line["fields"]["request_id"] == request_id
            });
            if let Some(line) = found {
                return line["fields"].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no request line for {request_id}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// POSTs a GraphQL request; returns the status and the body.
    async fn post(&self, key: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/graphql"))
            .bearer_auth(key)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON"))
    }

    /// POSTs a GraphQL request that must succeed.
    async fn gql(&self, key: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(key, query, variables).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body
    }

    async fn status_of(&self, path: &str) -> u16 {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("an answer")
            .status()
            .as_u16()
    }

    /// Polls `path` until it answers `status`.
    async fn wait_for_status(&self, path: &str, status: u16) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = self.status_of(path).await;
            if now == status {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{path} still answers {now}, not {status}:\n{}",
                self.log()
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

    /// Waits for the process to exit by itself.
    async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
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

    /// Stops the server cleanly, so that its log is complete.
    async fn stop(&mut self) {
        self.terminate();
        let status = self.wait_exit(WAIT).await;
        assert!(status.success(), "{status}:\n{}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates a contact and an Active session for it; returns the session id.
async fn contact_session(server: &Server, key: &str, email: &str, phone: &str) -> String {
    let contact = server
        .gql(
            key,
            "mutation CreateContact($input: CreateContactInput!) { createContact(input: $input) { id } }",
            json!({ "input": { "name": "Jo Redact", "email": email, "phone": phone } }),
        )
        .await;
    let contact_id = contact["data"]["createContact"]["id"].as_str().unwrap();
    let session = server
        .gql(
            key,
            "mutation CreateSession($input: CreatePaymentPlanSessionInput!) { createPaymentPlanSession(input: $input) { id } }",
            json!({ "input": session_input(contact_id) }),
        )
        .await;
    session["data"]["createPaymentPlanSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn send(server: &Server, key: &str, session: &str, channel: &str) {
    let body = server
        .gql(
            key,
            SEND_SESSION_LINK,
            json!({ "input": { "id": session, "channel": channel } }),
        )
        .await;
    assert_eq!(
        body["data"]["sendPaymentPlanSessionLink"]["success"], true,
        "{body}"
    );
}

/// Polls until `count` deliveries of the session exist and all are Sent or Failed.
async fn settled(server: &Server, key: &str, session: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let body = server.gql(key, SESSION, json!({ "id": session })).await;
        let deliveries = body["data"]["paymentPlanSession"]["deliveries"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .clone();
        if deliveries.len() == count && deliveries.iter().all(is_final) {
            return deliveries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries unfinished: {deliveries:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_request_details_and_never_keys_contact_details_or_credentials() {
    const PHONE: &str = "+14155552671";
    const PHONE_DIGITS: &str = "4155552671";
    const EMAIL: &str = "jo.redact@example.com";
    let db = TestDb::new();
    let (merchant_uid, key) = merchant_key(&db);
    // Well-formed but unknown (one character off), and a header of the wrong scheme: both are
    // refused, and neither may be logged as it was sent.
    let unknown_key = format!(
        "{}{}",
        &key[..key.len() - 1],
        if key.ends_with('A') { 'B' } else { 'A' }
    );
    let dir = scratch_dir("redaction");
    let mut server = Server::start(&dir, db.url(), &[("RUST_LOG", "debug".into())]).await;

    // Email and SMS go through the development files, contact details and all.
    let session = contact_session(&server, &key, EMAIL, PHONE).await;
    send(&server, &key, &session, "Email").await;
    send(&server, &key, &session, "Phone").await;
    for delivery in settled(&server, &key, &session, 2).await {
        assert_eq!(delivery["status"], "Sent", "{delivery}");
    }
    let sms = std::fs::read_to_string(dir.join("sms.jsonl")).expect("the SMS file");
    assert!(sms.contains(PHONE_DIGITS), "{sms}");
    let emails: Vec<_> = std::fs::read_dir(dir.join("email"))
        .expect("the email folder")
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].contains(EMAIL));

    // Refusals and bad input that carry the key or the contact details.
    let refused = server
        .client
        .post(server.url("/graphql"))
        .bearer_auth(&unknown_key)
        .header("X-Request-Id", "redaction-unknown-key")
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let refused = server
        .client
        .post(server.url("/graphql"))
        .header("Authorization", format!("Basic {key}"))
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let (status, body) = server
        .post(
            &key,
            "mutation BadContact($input: CreateContactInput!) { createContact(input: $input) { id } }",
            json!({ "input": { "name": "Jo", "email": EMAIL, "phone": format!("{PHONE}999999") } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let named = server
        .client
        .post(server.url("/graphql"))
        .bearer_auth(&key)
        .header("X-Request-Id", "redaction-named")
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status().as_u16(), 200);
    server.stop().await;

    // Twilio configured: its token is a secret, and its failure reason echoes the number and the
    // token back.
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    twilio.push_response(CannedResponse::error(
        400,
        21211,
        &format!("The 'To' number {PHONE} is not valid for account token {TWILIO_TOKEN}"),
    ));
    let twilio_dir = scratch_dir("redaction-twilio");
    let mut twilio_server = Server::start(
        &twilio_dir,
        db.url(),
        &[
            ("RUST_LOG", "debug".into()),
            ("PAYLINK_SMS_PROVIDER", "twilio".into()),
            ("PAYLINK_TWILIO_BASE_URL", twilio.base_url()),
            ("PAYLINK_TWILIO_ACCOUNT_SID", TWILIO_SID.into()),
            ("PAYLINK_TWILIO_AUTH_TOKEN", TWILIO_TOKEN.into()),
            ("PAYLINK_TWILIO_FROM", TWILIO_FROM.into()),
        ],
    )
    .await;
    send(&twilio_server, &key, &session, "Phone").await;
    let deliveries = settled(&twilio_server, &key, &session, 3).await;
    assert!(
        deliveries.iter().any(|d| d["status"] == "Failed"),
        "{deliveries:?}"
    );
    assert_eq!(twilio.requests().len(), 1);
    twilio_server.stop().await;

    for server in [&server, &twilio_server] {
        let log = server.log();
        assert!(log.contains("delivery"), "the log was captured:\n{log}");
        for secret in [
            key.as_str(),
            unknown_key.as_str(),
            PHONE_DIGITS,
            EMAIL,
            "jo.redact",
            TWILIO_TOKEN,
        ] {
            assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
        }
        // Every line is one JSON object.
        server.log_lines();
    }

    // One line per request with its id, operation, merchant, status and duration.
    let line = server.request_line("redaction-named").await;
    assert_eq!(line["operation"], "CountLinks", "{line}");
    assert_eq!(line["merchant"], merchant_uid.as_str(), "{line}");
    assert_eq!(line["status"], 200, "{line}");
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");
    let line = server.request_line("redaction-unknown-key").await;
    assert_eq!(line["status"], 401, "{line}");
    let request_lines: Vec<Value> = server
        .log_lines()
        .into_iter()
        .filter(|line| line["fields"]["message"] == "request")
        .map(|line| line["fields"].clone())
        .collect();
    assert!(request_lines.len() >= 8, "{request_lines:?}");
    for line in &request_lines {
        assert!(
            line["request_id"].as_str().is_some_and(|id| !id.is_empty())
                && line["operation"].is_string()
                && line["merchant"].is_string()
                && line["status"].is_u64()
                && line["duration_ms"].is_number(),
            "{line}"
        );
    }
    assert!(
        request_lines
            .iter()
            .any(|line| line["operation"] == "CreateContact"
                && line["merchant"] == merchant_uid.as_str()),
        "{request_lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() {
    let db = TestDb::new();
    let dir = scratch_dir("proxy");
    let direct = Server::start(&dir, db.url(), &[]).await;
    let proxied = Server::start(
        &dir,
        db.url(),
        &[("PAYLINK_TRUSTED_PROXIES", "127.0.0.1".into())],
    )
    .await;
    for (server, expected) in [(&direct, "127.0.0.1"), (&proxied, "203.0.113.7")] {
        let response = server
            .client
            .get(server.url("/healthz"))
            .header("X-Forwarded-For", "203.0.113.7")
            .header("X-Request-Id", "forwarded-1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let line = server.request_line("forwarded-1").await;
        assert_eq!(line["client"], expected, "{line}");
    }
}

/// Reads a response head (up to the blank line) off `stream`.
pub(crate) async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(WAIT, stream.read(&mut byte))
            .await
            .expect("a response head within the bound")
            .expect("reading");
        assert!(
            read == 1,
            "the connection closed: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_the_request_in_flight_refuses_new_connections_and_exits_0() {
    let db = TestDb::new();
    let (merchant_uid, key) = merchant_key(&db);
    let dir = scratch_dir("shutdown");
    let mut server = Server::start(
        &dir,
        db.url(),
        &[("PAYLINK_SHUTDOWN_GRACE_SECS", "60".into())],
    )
    .await;

    let body = json!({ "query": CREATE_LINK, "variables": link_input(&merchant_uid, "In flight") })
        .to_string();
    let (first_half, second_half) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    // `Expect: 100-continue` makes the server say when the handler starts reading the body, so
    // the signal is sure to land while the request is in flight, not before it arrived.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        server.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let interim = read_head(&mut stream).await;
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");
    stream.write_all(first_half).await.unwrap();
    stream.flush().await.unwrap();

    server.terminate();
    // New connections are refused while the request is still open.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        // A listener that is open but no longer accepting lets connections queue (or hang once
        // its backlog is full): both count as not refused.
        match tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(server.addr)).await {
            // A connection that was queued on the closed listener is reset rather than refused.
            Ok(Err(error))
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                break;
            }
            Ok(Err(error)) => panic!("connecting: {error}"),
            Ok(Ok(_)) | Err(_) => assert!(
                tokio::time::Instant::now() < deadline,
                "still accepting connections after SIGTERM:\n{}",
                server.log()
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        server.child.try_wait().expect("process state").is_none(),
        "the server exited with a request in flight:\n{}",
        server.log()
    );

    stream.write_all(second_half).await.unwrap();
    let mut received = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut received))
        .await
        .expect("the response within the bound")
        .expect("reading the response");
    let response = parse_raw_response(&received).expect("a complete response");
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    let answer = response.json();
    assert_eq!(
        answer["data"]["createPaymentLink"]["link_name"], "In flight",
        "{answer}"
    );

    let status = server.wait_exit(WAIT).await;
    assert!(status.success(), "{status}:\n{}", server.log());
    let links = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM payment_links")
            .get_result::<Count>(&mut db.connect())
            .expect("count")
            .n
    };
    assert_eq!(links, 1, "the in-flight create was committed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_is_503_and_service_resumes_when_the_database_returns() {
    let db = TestDb::new();
    let (merchant_uid, key) = merchant_key(&db);
    let (mut proxy, url) = crate::pg_proxy::proxied(db.url()).await;
    let dir = scratch_dir("outage");
    let server = Server::start(&dir, url.as_str(), &[("PAYLINK_DB_POOL_SIZE", "2".into())]).await;
    assert_eq!(server.status_of("/readyz").await, 200);
    let before = server
        .gql(
            &key,
            CREATE_LINK,
            link_input(&merchant_uid, "Before the outage"),
        )
        .await;
    let before_id = before["data"]["createPaymentLink"]["link_id"]
        .as_str()
        .unwrap()
        .to_owned();

    proxy.cut().await;
    server.wait_for_status("/readyz", 503).await;
    for (query, variables) in [
        (CREATE_LINK, link_input(&merchant_uid, "During the outage")),
        (COUNT, json!({})),
    ] {
        let (status, body) = server.post(&key, query, variables).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
            "{body}"
        );
    }
    assert_eq!(
        server.status_of("/healthz").await,
        200,
        "alive, if not ready"
    );

    proxy.restore();
    server.wait_for_status("/readyz", 200).await;
    // Connections the outage broke are dropped as the pool finds them; no restart needed.
    let deadline = tokio::time::Instant::now() + WAIT;
    let listed = loop {
        let (status, body) = server.post(&key, COUNT, json!({})).await;
        if status == 200 {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "requests still fail after the database returned: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        listed["data"]["paymentLinks"]["total_row_count"], 1,
        "{listed}"
    );
    assert_eq!(
        listed["data"]["paymentLinks"]["items"][0]["link_id"],
        before_id.as_str()
    );
    let after = server
        .gql(
            &key,
            CREATE_LINK,
            link_input(&merchant_uid, "After the outage"),
        )
        .await;
    assert_eq!(
        after["data"]["createPaymentLink"]["link_name"],
        "After the outage"
    );
}

/// Runs `paylink config check --config file` with exactly `env`; returns success, stdout, stderr.
fn config_check(file: &Path, env: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(PAYLINK)
        .args(["config", "check", "--config"])
        .arg(file)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("running paylink config check");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn config_check_prints_the_effective_settings_with_secrets_hidden() {
    let dir = scratch_dir("config");
    let file = dir.join("paylink.toml");
    std::fs::write(
        &file,
        format!(
            r#"database_url = "postgres://paylink:file-db-pa55word@db.internal:5432/paylink"
listen = "127.0.0.1:9099"
db_pool_size = 3
trusted_proxies = ["10.0.0.0/8", "::1"]
sms_provider = "twilio"
twilio_account_sid = "{TWILIO_SID}"
twilio_from = "{TWILIO_FROM}"
twilio_auth_token = "file-twilio-t0ken"
"#
        ),
    )
    .unwrap();
    let (ok, stdout, stderr) = config_check(
        &file,
        &[
            (
                "DATABASE_URL",
                "postgres://paylink:env-db-pa55word@db.internal:5432/paylink",
            ),
            ("PAYLINK_TWILIO_AUTH_TOKEN", "env-twilio-t0ken"),
            ("PAYLINK_DB_POOL_SIZE", "7"),
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    let setting = |key: &str| -> String {
        stdout
            .lines()
            .find(|line| line.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in:\n{stdout}"))
            .to_owned()
    };
    assert!(
        setting("database_url").starts_with("database_url = ***"),
        "{stdout}"
    );
    assert!(
        setting("twilio_auth_token").starts_with("twilio_auth_token = ***"),
        "{stdout}"
    );
    // The environment wins over the file, and the output says where each value came from.
    let pool = setting("db_pool_size");
    assert!(
        pool.starts_with("db_pool_size = 7") && pool.contains("environment"),
        "{pool}"
    );
    let listen = setting("listen");
    assert!(
        listen.starts_with("listen = 127.0.0.1:9099") && listen.contains("config file"),
        "{listen}"
    );
    assert!(
        setting("trusted_proxies").contains("10.0.0.0/8,::1"),
        "{stdout}"
    );
    assert!(setting("max_body_bytes").contains("default"), "{stdout}");
    for secret in ["pa55word", "t0ken"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} shown:\n{stdout}\n{stderr}"
        );
    }

    // A typo is refused by name, never silently replaced by a default.
    let typo = dir.join("typo.toml");
    std::fs::write(
        &typo,
        "database_url = \"postgres://localhost/paylink\"\nlisten_adress = \"127.0.0.1:1\"\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = config_check(&typo, &[]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("listen_adress"), "{stderr}");

    // A bad value in the file is refused naming its setting, unless the environment replaces it.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "database_url = \"postgres://localhost/paylink\"\ndb_pool_size = 0\n",
    )
    .unwrap();
    let (ok, _, stderr) = config_check(&bad, &[]);
    assert!(!ok && stderr.contains("PAYLINK_DB_POOL_SIZE"), "{stderr}");
    let (ok, stdout, stderr) = config_check(&bad, &[("PAYLINK_DB_POOL_SIZE", "5")]);
    assert!(ok, "{stdout}\n{stderr}");
}
