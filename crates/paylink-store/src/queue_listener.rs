//! Telling every server that a delivery was queued: PostgreSQL's `NOTIFY`, sent in the
//! transaction that queues the delivery (so it arrives only if the delivery was committed), and
//! `LISTEN` on a connection of its own in each server, whose dispatcher then claims at once
//! instead of at its next poll.

use std::time::Duration;

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};

use crate::StoreError;

/// The channel deliveries are announced on.
const CHANNEL: &str = "paylink_deliveries_queued";

/// Announces a queued delivery, inside the caller's transaction.
pub(crate) fn announce(conn: &mut PgConnection) -> Result<(), StoreError> {
    diesel::sql_query(format!("NOTIFY {CHANNEL}")).execute(conn)?;
    Ok(())
}

/// A connection that listens for queued deliveries; used from one blocking thread.
pub struct QueueListener {
    conn: PgConnection,
}

impl std::fmt::Debug for QueueListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL it was opened with may hold a password.
        f.write_str("QueueListener")
    }
}

impl QueueListener {
    /// Opens a connection to `database_url` and listens.
    pub fn open(database_url: &str) -> Result<Self, StoreError> {
        let mut conn = PgConnection::establish(database_url)?;
        diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn)?;
        Ok(Self { conn })
    }

    /// Whether a delivery was announced since the last call, waiting up to `within` for one.
    /// libpq reads what has arrived without blocking, so the wait is a series of short looks
    /// at the connection's socket buffer, no query: [`CHECK_EVERY`] apart.
    pub fn announced(&mut self, within: Duration) -> Result<bool, StoreError> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let mut any = false;
            for notification in self.conn.notifications_iter() {
                notification?;
                any = true;
            }
            if any || std::time::Instant::now() >= deadline {
                return Ok(any);
            }
            std::thread::sleep(CHECK_EVERY);
        }
    }
}

/// How often the listening connection's buffer is looked at: the longest a dispatcher waits
/// after another server queued a delivery.
pub const CHECK_EVERY: Duration = Duration::from_millis(20);

#[cfg(test)]
mod tests {
    use paylink_testdb::TestDb;

    use super::*;

    #[test]
    fn an_announcement_reaches_a_listener_only_once_committed() {
        let db = TestDb::new();
        let mut listener = QueueListener::open(db.url()).expect("listening");
        let mut conn = PgConnection::establish(db.url()).expect("connecting");
        assert!(!listener.announced(Duration::ZERO).unwrap());

        let rolled_back = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            announce(conn).expect("announce");
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(rolled_back.is_err());
        assert!(!listener.announced(Duration::from_millis(200)).unwrap());

        conn.transaction::<(), StoreError, _>(announce)
            .expect("committed");
        assert!(listener.announced(Duration::from_secs(10)).unwrap());
        assert!(!listener.announced(Duration::ZERO).unwrap(), "drained");
    }
}
