//! Remembered responses of requests sent with an `Idempotency-Key`.

use std::time::Duration;

use diesel::data_types::PgInterval;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Bytea, Integer, Nullable, Text};

use crate::StoreError;
use crate::payment_links::Value;
use crate::sql::{self, Bind};

/// A response stored for replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status_code: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// What [`begin`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    /// This request holds the key now and must [`complete`] or [`release`] it.
    Acquired,
    /// The key's first request finished; answer with its response.
    Replay(StoredResponse),
    /// The key's first request is still running.
    InProgress,
    /// The key was used with a different request.
    Mismatch,
}

fn interval(duration: Duration) -> PgInterval {
    PgInterval::from_microseconds(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}

/// Claims `key` for a request whose body hashes to `request_hash`, unless a live entry exists.
/// An expired entry, or a running one whose lock ran out (its server died), is taken over.
pub(crate) fn begin(
    conn: &mut PgConnection,
    merchant_uid: &str,
    key: &str,
    request_hash: &[u8],
    ttl: Duration,
    lock: Duration,
) -> Result<Begin, StoreError> {
    #[derive(QueryableByName)]
    struct Acquired {
        #[diesel(sql_type = Bool)]
        #[allow(dead_code, reason = "only its presence matters")]
        acquired: bool,
    }
    let acquired = sql::fixed(
        "INSERT INTO idempotency_keys (merchant_uid, key, request_hash, locked_until, expires_at) \
         VALUES ($1, $2, $3, now() + $5, now() + $4) \
         ON CONFLICT (merchant_uid, key) DO UPDATE SET \
             request_hash = EXCLUDED.request_hash, status_code = NULL, content_type = NULL, \
             response_body = NULL, locked_until = EXCLUDED.locked_until, created_at = now(), \
             expires_at = EXCLUDED.expires_at \
         WHERE idempotency_keys.expires_at <= now() \
            OR (idempotency_keys.status_code IS NULL AND idempotency_keys.locked_until <= now() \
                AND idempotency_keys.request_hash = EXCLUDED.request_hash) \
         RETURNING true AS acquired",
        &[
            text(merchant_uid),
            text(key),
            Bind::Bytes(request_hash.to_vec()),
            Bind::Interval(interval(ttl)),
            Bind::Interval(interval(lock)),
        ],
    )
    .get_result::<Acquired>(conn)
    .optional()?;
    if acquired.is_some() {
        return Ok(Begin::Acquired);
    }

    #[derive(QueryableByName)]
    struct Existing {
        #[diesel(sql_type = Bytea)]
        request_hash: Vec<u8>,
        #[diesel(sql_type = Nullable<Integer>)]
        status_code: Option<i32>,
        #[diesel(sql_type = Nullable<Text>)]
        content_type: Option<String>,
        #[diesel(sql_type = Nullable<Bytea>)]
        response_body: Option<Vec<u8>>,
    }
    let existing = sql::fixed(
        "SELECT request_hash, status_code, content_type, response_body FROM idempotency_keys \
         WHERE merchant_uid = $1 AND key = $2",
        &[text(merchant_uid), text(key)],
    )
    .get_result::<Existing>(conn)
    .optional()?;
    Ok(match existing {
        // Deleted between the two statements (released): the caller simply tries again.
        None => Begin::InProgress,
        Some(existing) if existing.request_hash != request_hash => Begin::Mismatch,
        Some(Existing {
            status_code: Some(status),
            content_type,
            response_body,
            ..
        }) => Begin::Replay(StoredResponse {
            status_code: u16::try_from(status).unwrap_or(500),
            content_type: content_type.unwrap_or_default(),
            body: response_body.unwrap_or_default(),
        }),
        Some(_) => Begin::InProgress,
    })
}

/// Stores the response of the request that holds `key`.
pub(crate) fn complete(
    conn: &mut PgConnection,
    merchant_uid: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    sql::fixed(
        "UPDATE idempotency_keys SET status_code = $3, content_type = $4, response_body = $5 \
         WHERE merchant_uid = $1 AND key = $2",
        &[
            text(merchant_uid),
            text(key),
            Bind::One(Value::Integer(i32::from(response.status_code))),
            text(&response.content_type),
            Bind::Bytes(response.body.clone()),
        ],
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets `key`, so that a retry runs afresh (after a failure that should not be replayed).
pub(crate) fn release(
    conn: &mut PgConnection,
    merchant_uid: &str,
    key: &str,
) -> Result<(), StoreError> {
    sql::fixed(
        "DELETE FROM idempotency_keys WHERE merchant_uid = $1 AND key = $2 AND status_code IS NULL",
        &[text(merchant_uid), text(key)],
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes expired entries; returns how many.
pub(crate) fn delete_expired(conn: &mut PgConnection) -> Result<usize, StoreError> {
    Ok(
        diesel::sql_query("DELETE FROM idempotency_keys WHERE expires_at <= now()")
            .execute(conn)?,
    )
}

/// A text bind.
impl crate::Store {
    /// Claims `key`: see [`begin`].
    pub async fn begin_idempotent(
        &self,
        merchant_uid: &str,
        key: &str,
        request_hash: Vec<u8>,
        ttl: Duration,
        lock: Duration,
    ) -> Result<Begin, StoreError> {
        let (merchant_uid, key) = (merchant_uid.to_owned(), key.to_owned());
        self.run(move |conn| begin(conn, &merchant_uid, &key, &request_hash, ttl, lock))
            .await
    }

    /// Stores the response of the request that holds `key`.
    pub async fn complete_idempotent(
        &self,
        merchant_uid: &str,
        key: &str,
        response: StoredResponse,
    ) -> Result<(), StoreError> {
        let (merchant_uid, key) = (merchant_uid.to_owned(), key.to_owned());
        self.run(move |conn| complete(conn, &merchant_uid, &key, &response))
            .await
    }

    /// Forgets `key`, so that a retry runs again.
    pub async fn release_idempotent(
        &self,
        merchant_uid: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        let (merchant_uid, key) = (merchant_uid.to_owned(), key.to_owned());
        self.run(move |conn| release(conn, &merchant_uid, &key))
            .await
    }

    /// Deletes expired keys; returns how many.
    pub async fn delete_expired_idempotency_keys(&self) -> Result<usize, StoreError> {
        self.run(delete_expired).await
    }
}

fn text(value: &str) -> Bind {
    Bind::One(Value::Text(value.to_owned()))
}
