//! Headless Chromium driven over WebDriver, for the browser tests.
//!
//! Each [`Browser`] starts its own chromedriver on a free loopback port and stops it when
//! dropped. Chromium resolves no host name but 127.0.0.1, so a page can reach nothing but the
//! server under test: a file it tried to load from a CDN would fail. The binaries are Debian's
//! (`make chromium` installs them); `PAYLINK_TEST_CHROMIUM` and `PAYLINK_TEST_CHROMEDRIVER`
//! point elsewhere.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Longest wait for a condition in the page: generous, because a debug server and the browser
/// share two cores with the rest of the test suite. Conditions are polled, so a quick pass
/// takes no longer than it needs.
const WAIT: Duration = Duration::from_secs(60);
/// How often a condition is checked again.
const POLL: Duration = Duration::from_millis(100);
/// Longest wait for chromedriver to listen.
const DRIVER_START: Duration = Duration::from_secs(30);

/// Chromium's switches. Only host names are blocked: the page is opened by its IP address.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1280,800",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-extensions",
];

/// A browser session; its chromedriver (and so its Chromium) stops when this is dropped.
pub(crate) struct Browser {
    client: Client,
    driver: Driver,
}

impl Browser {
    /// Starts chromedriver and opens a session with a new, empty profile.
    pub(crate) async fn start() -> Self {
        let chromium = binary("PAYLINK_TEST_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = binary("PAYLINK_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
        let mut driver = Driver::start(&chromedriver);
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": CHROMIUM_ARGS }),
        );
        // The console, CSP reports included, read back by `console_errors`.
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|error| panic!("no Chromium session from chromedriver: {error}"));
        driver.session = client.session_id().await.ok().flatten();
        Self { client, driver }
    }

    pub(crate) async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("opening {url}: {error}"));
    }

    /// Runs `script`, a function body, in the page and returns what it returns.
    pub(crate) async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|error| panic!("running {script}: {error}"))
    }

    /// Runs `script`, a function body whose last argument is a callback, in the page and
    /// returns what it passes that callback; `args` come before the callback.
    pub(crate) async fn run_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|error| panic!("running {script}: {error}"))
    }

    /// Runs the script file `source` (a library defining its globals) in the page; `name`
    /// stands for it in a failure, the source being too long to print.
    pub(crate) async fn inject(&self, name: &str, source: &str) {
        self.client
            .execute(source, Vec::new())
            .await
            .unwrap_or_else(|error| panic!("running {name} in the page: {error}"));
    }

    /// Polls `script` until it returns something other than `null`, `false` or `""`, and
    /// returns that; fails after [`WAIT`] with `what` and the last value seen.
    pub(crate) async fn wait_for_script(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.run(script).await;
            if !matches!(&value, Value::Null | Value::Bool(false)) && value.as_str() != Some("") {
                return value;
            }
            assert!(
                started.elapsed() < WAIT,
                "waited {WAIT:?} for {what}; the page last gave {value}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The first element matching the CSS `selector`, waiting for it to appear.
    pub(crate) async fn wait_for(&self, selector: &str) -> Element {
        self.wait_for_locator(Locator::Css(selector)).await
    }

    /// The first element `locator` finds, waiting for it to appear.
    pub(crate) async fn wait_for_locator(&self, locator: Locator<'_>) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(locator)
            .await
            .unwrap_or_else(|error| panic!("waited {WAIT:?} for {locator:?}: {error}"))
    }

    pub(crate) async fn click(&self, selector: &str) {
        self.wait_for(selector)
            .await
            .click()
            .await
            .unwrap_or_else(|error| panic!("clicking {selector}: {error}"));
    }

    pub(crate) async fn type_into(&self, selector: &str, text: &str) {
        self.wait_for(selector)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|error| panic!("typing into {selector}: {error}"));
    }

    /// The console messages logged at error level since the last call, CSP violations included.
    pub(crate) async fn console_errors(&self) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .unwrap_or_else(|error| panic!("reading the browser's console: {error}"));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Saves a PNG of the window as `target/screenshots/<name>` for a person to look at.
    pub(crate) async fn save_screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|error| panic!("taking a screenshot: {error}"));
        // CARGO_TARGET_TMPDIR is `<target>/tmp`; screenshots go beside it.
        let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
        std::fs::create_dir_all(&folder).expect("creating target/screenshots");
        let path = folder.join(name);
        std::fs::write(&path, png).expect("writing the screenshot");
        path
    }

    /// Ends the session, which closes Chromium; dropping the browser without this does the same
    /// from `Drop`.
    pub(crate) async fn close(mut self) {
        if self.client.clone().close().await.is_ok() {
            self.driver.session = None;
        }
    }
}

/// The path of a binary the tests need, from `variable` or the Debian default.
fn binary(variable: &str, default: &str) -> String {
    let path = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
    assert!(
        std::path::Path::new(&path).is_file(),
        "{path} is missing: run `make chromium` to install Debian's chromium and \
         chromium-driver, or set {variable} to the binary"
    );
    path
}

/// A running chromedriver.
struct Driver {
    process: Child,
    port: u16,
    /// chromedriver's and Chromium's temporary files (the profile, among others), removed with
    /// the driver: Chromium leaves some behind even when it quits cleanly.
    temp_dir: PathBuf,
    /// The open session, ended by `Drop` when the test did not close it (a failed test).
    session: Option<String>,
}

impl Driver {
    /// Starts chromedriver on a free loopback port. Another process may take the port between
    /// our look and chromedriver's bind; then chromedriver exits and a new port is tried.
    fn start(chromedriver: &str) -> Self {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let temp_dir = std::env::temp_dir().join(format!(
            "paylink-chromium-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        let mut last_failure = String::new();
        for _ in 0..3 {
            // A failed attempt's driver removed it when dropped.
            std::fs::create_dir_all(&temp_dir).expect("a temporary folder for Chromium");
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let process = Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .env("TMPDIR", &temp_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| panic!("starting {chromedriver}: {error}"));
            let mut driver = Self {
                process,
                port,
                temp_dir: temp_dir.clone(),
                session: None,
            };
            match driver.wait_until_listening() {
                Ok(()) => return driver,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("chromedriver did not start: {last_failure}")
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.process.try_wait() {
                return Err(format!("it exited with {status} on port {}", self.port));
            }
            if TcpStream::connect_timeout(&address, POLL).is_ok() {
                return Ok(());
            }
            if started.elapsed() > DRIVER_START {
                return Err(format!("nothing listened on port {}", self.port));
            }
            std::thread::sleep(POLL);
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Asks chromedriver to end `session` and close its Chromium, without an async runtime
    /// (this runs in `Drop`, possibly while a failed test unwinds).
    fn end_session(&self, session: &str) {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(DRIVER_START));
        let request = format!(
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read_to_end(&mut Vec::new());
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Killing chromedriver alone would leave its Chromium running.
        if let Some(session) = self.session.take() {
            self.end_session(&session);
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.temp_dir);
    }
}

/// chromedriver's command for the browser's console log (`goog:loggingPrefs` turns it on).
/// Each read returns the entries logged since the one before.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}
