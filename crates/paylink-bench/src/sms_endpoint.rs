//! A lean stand-in for Twilio's Messages API on 127.0.0.1, so that sending a link by SMS costs
//! what it costs in paylink and nothing more: every `POST .../Messages.json` is answered at once
//! with 201 and a message resource, over keep-alive connections. Credentials and fields are not
//! checked (the tests' Twilio server does that); messages are only counted.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The account SID the server is configured with.
pub(crate) const ACCOUNT_SID: &str = "AC00000000000000000000000000000bench";
/// The auth token the server is configured with.
pub(crate) const AUTH_TOKEN: &str = "bench-token";
/// The sender number the server is configured with.
pub(crate) const FROM: &str = "+15005550006";

/// The running endpoint; stopped when dropped.
pub(crate) struct SmsEndpoint {
    addr: SocketAddr,
    messages: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl SmsEndpoint {
    /// Listens on a free loopback port, serving on the current runtime.
    pub(crate) async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let messages = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(accept(listener, Arc::clone(&messages)));
        Ok(Self {
            addr,
            messages,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, for `PAYLINK_TWILIO_BASE_URL`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Messages accepted so far.
    pub(crate) fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }
}

impl Drop for SmsEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, messages: Arc<AtomicU64>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let messages = Arc::clone(&messages);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, Arc::clone(&messages)));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    messages: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let is_send =
        request.method() == Method::POST && request.uri().path().ends_with("/Messages.json");
    // Read the form so that the connection can carry the next request.
    let _ = request.into_body().collect().await;
    let (status, body) = if is_send {
        let n = messages.fetch_add(1, Ordering::Relaxed) + 1;
        (
            StatusCode::CREATED,
            format!(
                r#"{{"sid":"SM{n:032x}","account_sid":"{ACCOUNT_SID}","status":"queued","error_code":null}}"#
            ),
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            r#"{"code":20404,"message":"not found","status":404}"#.to_owned(),
        )
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
