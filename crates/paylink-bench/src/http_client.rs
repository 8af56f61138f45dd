//! A bare HTTP/1.1 client connection (hyper's, no pool): the load generator keeps one per
//! concurrent worker and sends its requests one after the other on it.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Any failure of the connection or of one exchange.
pub(crate) type HttpError = Box<dyn std::error::Error + Send + Sync>;

/// One open connection to a server.
pub(crate) struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Connects to `addr`; the connection's I/O runs as a task of the current runtime.
    pub(crate) async fn open(addr: SocketAddr) -> Result<Self, HttpError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes; errors show on the sender.
            let _ = connection.await;
        });
        Ok(Self { sender })
    }

    /// Sends `request` and reads the whole answer.
    pub(crate) async fn exchange(
        &mut self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), HttpError> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// `GET path` on a new connection, for the occasional request such as `/readyz`.
pub(crate) async fn get(addr: SocketAddr, path: &str) -> Result<(StatusCode, Bytes), HttpError> {
    let mut connection = Connection::open(addr).await?;
    let request = Request::get(path)
        .header(http::header::HOST, addr.to_string())
        .body(Full::new(Bytes::new()))?;
    connection.exchange(request).await
}
