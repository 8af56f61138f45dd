//! The HTTP load generator: a fixed number of workers, each with its own connection, sending
//! requests back to back (a closed loop) until the window ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::Full;

use crate::http_client::Connection;
use crate::measure::{Recorder, Window};

/// One request a scenario sends: the API key and the JSON body.
#[derive(Clone, Debug)]
pub(crate) struct RequestTemplate {
    /// `Bearer <key>`.
    pub(crate) authorization: HeaderValue,
    /// The GraphQL request as JSON.
    pub(crate) body: Bytes,
}

/// What a scenario sends and how its answers are judged.
#[derive(Clone, Debug)]
pub(crate) struct Workload {
    /// Requests, used in turn: worker `w` of `n` sends `w`, `w + n`, `w + 2n`, ... so that no two
    /// workers send the same one at once (which matters when a request locks a row).
    pub(crate) requests: Arc<[RequestTemplate]>,
    /// Text every good answer contains, such as `"success":true`.
    pub(crate) expect: &'static str,
    /// Requests sent once before the load, such as one registering a persisted query.
    pub(crate) prime: Vec<RequestTemplate>,
}

/// Runs `concurrency` workers against `addr` for the `window`, and merges what they saw.
pub(crate) async fn run(
    addr: SocketAddr,
    workload: &Workload,
    concurrency: usize,
    window: Window,
) -> Recorder {
    let mut total = Recorder::new();
    for template in &workload.prime {
        if let Err(error) = prime(addr, template, workload.expect).await {
            total.error(|| format!("priming: {error}"));
        }
    }
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let workload = workload.clone();
        workers.spawn(async move { work(addr, workload, worker, concurrency, window).await });
    }
    while let Some(done) = workers.join_next().await {
        match done {
            Ok(recorder) => total.merge(&recorder),
            Err(error) => total.error(|| format!("a load worker failed: {error}")),
        }
    }
    total
}

/// Sends `template` once on a connection of its own and checks the answer.
async fn prime(addr: SocketAddr, template: &RequestTemplate, expect: &str) -> Result<(), String> {
    let mut conn = Connection::open(addr)
        .await
        .map_err(|error| format!("connecting: {error}"))?;
    let host = HeaderValue::from_str(&addr.to_string()).expect("an address is a header value");
    match conn.exchange(request(&host, template)).await {
        Ok((StatusCode::OK, body)) if is_good(&body, expect) => Ok(()),
        Ok((status, body)) => Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        )),
        Err(error) => Err(format!("request failed: {error}")),
    }
}

/// The HTTP request for `template`.
fn request(host: &HeaderValue, template: &RequestTemplate) -> Request<Full<Bytes>> {
    Request::post("/graphql")
        .header(header::HOST, host.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, template.authorization.clone())
        .body(Full::new(template.body.clone()))
        .expect("a valid request")
}

async fn work(
    addr: SocketAddr,
    workload: Workload,
    worker: usize,
    stride: usize,
    window: Window,
) -> Recorder {
    let mut recorder = Recorder::new();
    let host = HeaderValue::from_str(&addr.to_string()).expect("an address is a header value");
    let mut connection: Option<Connection> = None;
    let mut next = worker;
    while Instant::now() < window.end {
        let conn = match connection.as_mut() {
            Some(conn) => conn,
            None => match Connection::open(addr).await {
                Ok(conn) => connection.insert(conn),
                Err(error) => {
                    recorder.error(|| format!("connecting: {error}"));
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let template = &workload.requests[next % workload.requests.len()];
        next += stride;
        let started = Instant::now();
        let outcome = conn.exchange(request(&host, template)).await;
        let finished = Instant::now();
        match outcome {
            Ok((StatusCode::OK, body)) if is_good(&body, workload.expect) => {
                if window.counts(finished) {
                    recorder.success(finished - started);
                }
            }
            Ok((status, body)) => recorder.error(|| {
                format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(500)])
                )
            }),
            Err(error) => {
                recorder.error(|| format!("request failed: {error}"));
                connection = None;
            }
        }
    }
    recorder
}

/// A good answer has the expected data and no GraphQL `errors`.
fn is_good(body: &[u8], expect: &str) -> bool {
    contains(body, expect.as_bytes()) && !contains(body, b"\"errors\"")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_answers() {
        let expect = "\"success\":true";
        assert!(is_good(br#"{"data":{"s":{"success":true}}}"#, expect));
        assert!(!is_good(br#"{"data":{"s":{"success":false}}}"#, expect));
        assert!(!is_good(
            br#"{"data":{"s":{"success":true}},"errors":[{"message":"x"}]}"#,
            expect
        ));
    }
}
