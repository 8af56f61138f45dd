//! The HTTP side: accepting connections, routing a request, writing the answer.

use std::{sync::Arc, time::Duration};

use tokio::{
    io::{AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinSet,
};

use super::{Event, ReceivedRequest, Shared, api, page, webhooks};

pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
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

/// What to do with one request.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    pub(super) body: String,
    pub(super) headers: Vec<(&'static str, String)>,
    /// Close the connection without answering.
    pub(super) drop: bool,
    /// A stalled endpoint: wait, then run it and answer with its result.
    /// Boxed: it is rare, and keeps every other answer small.
    pub(super) pending: Option<Box<(Duration, api::Pending)>>,
    /// Events to deliver in the background.
    pub(super) events: Vec<Event>,
}

impl Answer {
    pub(super) fn new(status: u16, content_type: &'static str, body: String) -> Self {
        Answer {
            status,
            content_type,
            body,
            headers: Vec::new(),
            drop: false,
            pending: None,
            events: Vec::new(),
        }
    }

    pub(super) fn json(status: u16, body: String) -> Self {
        Self::new(status, "application/json", body)
    }

    pub(super) fn html(status: u16, body: String) -> Self {
        Self::new(status, "text/html; charset=utf-8", body)
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// One request per connection (`Connection: close`), which every HTTP client handles.
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let Some(request) = crate::twilio_server::wire::read_request(&mut reader).await else {
        return;
    };
    let request = ReceivedRequest {
        method: request.method,
        path: request.path,
        headers: request.headers,
        form: request.form,
    };
    shared.lock().requests.push(request.clone());
    let path = request
        .path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut answer = if path.starts_with("/v1/") {
        api::respond(&shared, &request, &path)
    } else if path.starts_with("/c/pay/") {
        page::respond(&shared, &request, &path)
    } else {
        Answer::html(
            404,
            "<!doctype html><title>Not found</title><p>Not found".into(),
        )
    };
    shared.changed.notify_waiters();
    for event in std::mem::take(&mut answer.events) {
        tokio::spawn(webhooks::dispatch(Arc::clone(&shared), event));
    }
    if answer.drop {
        // Closed without a word: the client cannot tell whether the endpoint ran.
        return;
    }
    if let Some((stall, pending)) = answer.pending.take().map(|boxed| *boxed) {
        tokio::time::sleep(stall).await;
        let (status, body, events) = api::finish(&shared, pending);
        shared.changed.notify_waiters();
        for event in events {
            tokio::spawn(webhooks::dispatch(Arc::clone(&shared), event));
        }
        answer.status = status;
        answer.body = body;
    }
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        reason(answer.status),
        answer.content_type,
        answer.body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = write.write_all(head.as_bytes()).await;
    let _ = write.write_all(answer.body.as_bytes()).await;
    let _ = write.shutdown().await;
}

fn reason(status: u16) -> &'static str {
    match status {
        303 => "See Other",
        402 => "Payment Required",
        other => crate::twilio_server::wire::reason_phrase(other),
    }
}
