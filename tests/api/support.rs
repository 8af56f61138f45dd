//! A running server on an ephemeral port with its own database, and helpers to call it.

use std::collections::HashMap;
use std::net::SocketAddr;

use paylink::config::Config;
use paylink::server::{self, Server};
use paylink_store::Store;
use paylink_testdb::TestDb;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The server under test, stopped when dropped.
pub(crate) struct TestApp {
    /// The test's database, also reached directly by [`TestApp::sql`].
    db: TestDb,
    /// Where the development email (`email/*.eml`) and SMS (`sms.jsonl`) files of this test go.
    pub(crate) outbox: std::path::PathBuf,
    pub(crate) store: Store,
    pub(crate) addr: SocketAddr,
    pub(crate) client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

/// A second server on a [`TestApp`]'s database; it stops when dropped (its stop sender goes).
pub(crate) struct Replica {
    pub(crate) addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

impl Replica {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Serves `database_url` with the test settings and `overrides`; returns its store, address
/// and the sender that stops it.
async fn serve(
    database_url: &str,
    outbox: &std::path::Path,
    overrides: &[(&str, String)],
) -> (Store, SocketAddr, oneshot::Sender<()>) {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.to_owned()),
        ("PAYLINK_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "PAYLINK_PUBLIC_LINK_BASE_URL",
            "https://pay.test/l/".to_owned(),
        ),
        (
            "PAYLINK_PUBLIC_SESSION_BASE_URL",
            "https://pay.test/s/".to_owned(),
        ),
        ("PAYLINK_DB_POOL_SIZE", "4".to_owned()),
        (
            "PAYLINK_EMAIL_DIR",
            outbox.join("email").display().to_string(),
        ),
        (
            "PAYLINK_SMS_FILE",
            outbox.join("sms.jsonl").display().to_string(),
        ),
        ("PAYLINK_DELIVERY_POLL_MS", "50".to_owned()),
        // Tests make requests as fast as they can; the rate-limit tests turn it on.
        ("PAYLINK_RATE_LIMIT_PER_SECOND", "0".to_owned()),
        // Merchants' callbacks go to receivers on loopback over http; the outbound guard's
        // own tests override these with "" to get the safe defaults.
        ("PAYLINK_OUTBOUND_ALLOW_HTTP", "true".to_owned()),
        (
            "PAYLINK_OUTBOUND_ALLOWED_NETWORKS",
            "127.0.0.0/8".to_owned(),
        ),
    ]);
    for (name, value) in overrides {
        vars.insert(*name, value.clone());
    }
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test config");
    let store = Store::new(database_url, &server::pool_settings(&config)).expect("pool");
    let server = Server::bind(&config, store.clone()).await.expect("bind");
    let addr = server.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    (store, addr, stop)
}

/// A merchant with a working API key.
#[derive(Clone, Debug)]
pub(crate) struct Merchant {
    pub(crate) uid: String,
    pub(crate) key: String,
}

impl TestApp {
    pub(crate) async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a server whose settings are the test defaults overridden by `overrides`
    /// (environment variable names, as the README lists them).
    pub(crate) async fn start_with(overrides: &[(&str, String)]) -> Self {
        let db = TestDb::new();
        // Development email and SMS files go to a folder of this test's own.
        let outbox = std::env::temp_dir().join(format!("{}-outbox", db.name()));
        let (store, addr, stop) = serve(db.url(), &outbox, overrides).await;
        Self {
            db,
            outbox,
            store,
            addr,
            client: reqwest::Client::new(),
            stop: Some(stop),
        }
    }

    /// Another server on this one's database, as a second replica behind a proxy would be,
    /// with the test defaults overridden by `overrides`; stopped when dropped.
    pub(crate) async fn replica(&self, overrides: &[(&str, String)]) -> Replica {
        let (_, addr, stop) = serve(self.db.url(), &self.outbox, overrides).await;
        Replica { addr, _stop: stop }
    }

    /// The URL of the test's database.
    pub(crate) fn database_url(&self) -> &str {
        self.db.url()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Makes a merchant and a key for it.
    pub(crate) async fn merchant(&self, name: &str) -> Merchant {
        let merchant = self
            .store
            .insert_merchant(&paylink::domain::ids::new_merchant_uid(), name)
            .await
            .expect("creating a merchant");
        let issued = paylink::api_keys::issue(&self.store, &merchant.merchant_uid, None)
            .await
            .expect("creating an API key");
        Merchant {
            uid: merchant.merchant_uid,
            key: issued.key,
        }
    }

    /// POSTs a GraphQL request with `key` and returns the status and JSON body.
    pub(crate) async fn post(
        &self,
        key: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// POSTs a GraphQL request as `merchant`, expecting HTTP 200.
    pub(crate) async fn gql(&self, merchant: &Merchant, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(&merchant.key), query, variables).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Runs `work` on a connection of the test's own to its database, on a blocking thread:
    /// for seeding and checking what the API cannot, without the server's pool.
    pub(crate) async fn sql<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut diesel::PgConnection) -> T + Send + 'static,
    ) -> T {
        let url = self.db.url().to_owned();
        tokio::task::spawn_blocking(move || {
            use diesel::Connection as _;
            let mut conn =
                diesel::PgConnection::establish(&url).expect("connecting to the test database");
            work(&mut conn)
        })
        .await
        .expect("the test's database work")
    }

    /// Rows in `payment_links`, whoever owns them.
    pub(crate) async fn link_count(&self) -> i64 {
        self.row_count("payment_links").await
    }

    /// Rows of `table`, whoever owns them: "nothing written" is checked in the database itself.
    pub(crate) async fn row_count(&self, table: &'static str) -> i64 {
        self.sql(move |conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
                .get_result::<Count>(conn)
                .expect("count")
                .n
        })
        .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The single error of a response, asserting there is exactly one.
pub(crate) fn only_error(body: &Value) -> &Value {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    &errors[0]
}

/// `extensions.code` of the single error.
pub(crate) fn error_code(body: &Value) -> String {
    only_error(body)["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {body}"))
        .to_owned()
}

pub(crate) const CREATE: &str = "mutation($input: PaymentLinkInput!) {
  createPaymentLink(input: $input) {
    merchant_uid link_id link_url link_name payment_name payment_description amount currency
    fee_mode amount_is_variable min_amount max_amount require_phone call_to_action
    accepted_payment_methods account_code custom_success_message redirect_url is_active created_date
  }
}";

pub(crate) const UPDATE: &str = "mutation($input: UpdatePaymentLinkInput!) {
  updatePaymentLink(input: $input) {
    merchant_uid link_id link_name payment_name payment_description amount currency fee_mode
    amount_is_variable min_amount max_amount require_phone call_to_action accepted_payment_methods
    account_code custom_success_message redirect_url is_active created_date
  }
}";

pub(crate) const LIST: &str =
    "query($direction: MoveDirection, $limit: Int, $offset: String, $offset_id: String) {
  paymentLinks(direction: $direction, limit: $limit, offset: $offset, offset_id: $offset_id) {
    total_row_count
    items { link_id link_name created_date merchant_uid }
  }
}";

/// Creates a fixed-amount link and returns it.
pub(crate) async fn create_link(app: &TestApp, merchant: &Merchant, name: &str) -> Value {
    let body = app
        .gql(
            merchant,
            CREATE,
            json!({ "input": { "merchant_uid": merchant.uid, "link_name": name, "payment_name": "Dues", "amount": 1500 } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["createPaymentLink"].clone()
}

/// A list query taking a `SqlQuery`, selecting every scalar field so that a test can read any
/// item's sort value (the paging cursor) back.
pub(crate) const LIST_QUERY: &str = "query($direction: MoveDirection, $limit: Int, $offset: String,
      $offset_id: String, $query: SqlQuery) {
  paymentLinks(direction: $direction, limit: $limit, offset: $offset, offset_id: $offset_id,
      query: $query) {
    total_row_count
    items {
      merchant_uid link_id link_url link_name payment_name payment_description amount currency
      fee_mode amount_is_variable min_amount max_amount require_phone call_to_action
      accepted_payment_methods account_code custom_success_message redirect_url is_active
      created_date
    }
  }
}";

/// A row with the API's defaults, for tests that then set the fields they care about.
pub(crate) fn link_row(
    merchant_uid: &str,
    link_id: &str,
    created_date: chrono::DateTime<chrono::Utc>,
) -> paylink_store::payment_links::PaymentLinkRow {
    paylink_store::payment_links::PaymentLinkRow {
        link_id: link_id.to_owned(),
        merchant_uid: merchant_uid.to_owned(),
        link_name: "Link".into(),
        payment_name: "Dues".into(),
        payment_description: None,
        amount: Some(1500),
        currency: "USD".into(),
        fee_mode: "SERVICE_FEE".into(),
        amount_is_variable: false,
        min_amount: None,
        max_amount: None,
        require_phone: false,
        call_to_action: "PAY".into(),
        accepted_payment_methods: "ALL".into(),
        account_code: None,
        custom_success_message: None,
        redirect_url: None,
        is_active: true,
        created_date,
        updated_at: created_date,
        expires_at: None,
        max_payments: None,
        payment_count: 0,
    }
}

/// Stores rows directly in one statement: seeding through the API could not choose
/// `created_date`, and would be slow for many links.
pub(crate) async fn insert_links(
    app: &TestApp,
    rows: Vec<paylink_store::payment_links::PaymentLinkRow>,
) {
    if rows.is_empty() {
        return;
    }
    let url = app.db.url().to_owned();
    tokio::task::spawn_blocking(move || {
        paylink_store::direct::Connection::open(&url)
            .expect("connecting to the test database")
            .insert_links(&rows)
            .expect("seeding links")
    })
    .await
    .expect("seeding links");
}

/// A response read off the wire by [`raw_request`].
#[derive(Clone, Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    /// Header names in lower case, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// The first header called `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends `request` (head and body, exactly as given; it should say `Connection: close`) on a new
/// connection and reads the response until the server closes it. reqwest always adds headers
/// such as `Accept: */*`; this sends nothing the test did not write. An error means the server
/// dropped the connection without an answer.
pub(crate) async fn raw_request(addr: SocketAddr, request: &[u8]) -> std::io::Result<RawResponse> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(request).await?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received).await?;
    parse_raw_response(&received)
}

/// Parses an HTTP/1.1 response with a `Content-Length` body (all this server sends).
pub(crate) fn parse_raw_response(received: &[u8]) -> std::io::Result<RawResponse> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let end = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no complete response head"))?;
    let head = String::from_utf8_lossy(&received[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = received[end + 4..].to_vec();
    if let Some(length) = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        if body.len() < length {
            return Err(invalid("the body was cut short"));
        }
        body.truncate(length);
    }
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// POSTs `query` as `key` to `url` and checks the answer is the rate limit's refusal: 429 with
/// a whole number of seconds in `Retry-After` and `RATE_LIMITED`.
pub(crate) async fn assert_rate_limited(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    query: &str,
) {
    let response = client
        .post(url)
        .bearer_auth(key)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in whole seconds");
    assert!(retry_after >= 1, "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
}

/// `paylink_rate_limit_unavailable_total` read from the `/metrics` at `metrics_url`: requests a
/// server let through because the shared limit's Redis could not say.
pub(crate) async fn rate_limit_unavailable(metrics_url: &str) -> usize {
    let metrics = reqwest::get(metrics_url)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("paylink_rate_limit_unavailable_total "))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0)
}
