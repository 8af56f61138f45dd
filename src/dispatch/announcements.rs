//! Wakes this server's dispatcher when any server queues a delivery: PostgreSQL `LISTEN` on a
//! connection of its own, read on a blocking thread. Lost connections are opened again; until
//! then the dispatcher still finds deliveries at its poll.

use std::sync::Arc;
use std::time::Duration;

use paylink_store::queue_listener::QueueListener;
use tokio::sync::Notify;

/// How long one blocking read of the listener waits before the task looks at its stop signal.
const WAIT: Duration = Duration::from_millis(500);

/// How long to wait before opening a lost listening connection again, the first time; each
/// failure in a row doubles it, up to [`RECONNECT_AT_MOST`], so an outage is not a warning a
/// second.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
const RECONNECT_AT_MOST: Duration = Duration::from_secs(30);

/// Relays announcements to `wake` until the task is aborted.
pub(super) async fn relay(database_url: String, wake: Arc<Notify>) {
    let mut listener: Option<QueueListener> = None;
    let mut backoff = RECONNECT_AFTER;
    loop {
        let url = database_url.clone();
        let taken = listener.take();
        let result = tokio::task::spawn_blocking(move || {
            let mut listener = match taken {
                Some(listener) => listener,
                None => QueueListener::open(&url)?,
            };
            let announced = listener.announced(WAIT)?;
            Ok::<_, paylink_store::StoreError>((listener, announced))
        })
        .await;
        match result {
            Ok(Ok((kept, announced))) => {
                listener = Some(kept);
                backoff = RECONNECT_AFTER;
                if announced {
                    wake.notify_one();
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, retry_in = ?backoff, "listening for queued deliveries failed; the poll still finds them");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RECONNECT_AT_MOST);
            }
            Err(error) => {
                tracing::error!(%error, "the delivery listener panicked");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RECONNECT_AT_MOST);
            }
        }
    }
}
