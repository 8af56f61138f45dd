//! A TCP proxy in front of PostgreSQL, for tests that take the database away from a server.

use std::net::{SocketAddr, ToSocketAddrs};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A TCP proxy in front of PostgreSQL that the test can cut (closing the port and every open
/// connection, as when the database host goes away) and restore on the same port.
pub(crate) struct PgProxy {
    pub(crate) addr: SocketAddr,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl PgProxy {
    pub(crate) async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let addr = listener.local_addr().unwrap();
        Self {
            addr,
            upstream,
            task: Some(tokio::spawn(proxy(listener, upstream))),
        }
    }

    /// Closes the port and drops every connection.
    pub(crate) async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens on the same port again.
    pub(crate) fn restore(&mut self) {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket.bind(self.addr).expect("the proxy's port again");
        let listener = socket.listen(128).expect("listen");
        self.task = Some(tokio::spawn(proxy(listener, self.upstream)));
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Copies bytes both ways for every connection; dropping the future (on abort) drops the
/// listener and, with the `JoinSet`, every connection.
async fn proxy(listener: TcpListener, upstream: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((mut client, _)) = listener.accept().await else {
            continue;
        };
        connections.spawn(async move {
            if let Ok(mut server) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
        while connections.try_join_next().is_some() {}
    }
}

/// `database_url` and a proxy in front of its server: the URL to give a server so that its
/// connections pass through the proxy.
pub(crate) async fn proxied(database_url: &str) -> (PgProxy, String) {
    let mut url = url::Url::parse(database_url).expect("the test database URL");
    let upstream = (
        url.host_str().expect("a host").to_owned(),
        url.port().unwrap_or(5432),
    )
        .to_socket_addrs()
        .expect("resolving the database host")
        .next()
        .expect("an address");
    let proxy = PgProxy::start(upstream).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();
    (proxy, url.to_string())
}
