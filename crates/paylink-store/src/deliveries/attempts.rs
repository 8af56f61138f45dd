//! Claims and attempts: dispatchers [`claim`] due rows with `FOR UPDATE SKIP LOCKED`, so any
//! number of servers can share the outbox without sending a row twice, and record each
//! attempt's outcome only while their claim still holds. A claim is a lease: a row left Sending
//! by a server that died becomes due again when its lease ends, with its outcome unknown.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{DeliveryRow, status};
use crate::StoreError;
use crate::schema::link_deliveries::{self, dsl};
use crate::sql::{self, Bind};

/// Claims up to `limit` due rows: Queued and Unknown rows whose time has come, and Sending rows
/// whose lease has run out. Each claimed row is Sending, has one more attempt, and is leased for
/// `lease`. A Sending row taken over was left by a server that died or stopped mid-send: its
/// attempt may have reached the provider, so from then on its outcome is unknown
/// (`unknown_since` is when that attempt began).
pub(crate) fn claim(
    conn: &mut PgConnection,
    limit: i64,
    lease: Duration,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let lease = diesel::data_types::PgInterval::from_microseconds(
        i64::try_from(lease.as_micros()).unwrap_or(i64::MAX),
    );
    // next_attempt_at doubles as the lease's end, so one index range finds both kinds of due row.
    Ok(sql::fixed(
        "UPDATE link_deliveries SET status = 'Sending', attempts = attempts + 1, \
             unknown_since = CASE WHEN status = 'Sending' \
                 THEN COALESCE(unknown_since, attempt_started_at, created_at) \
                 ELSE unknown_since END, \
             attempt_started_at = now(), \
             lease_until = now() + $2, next_attempt_at = now() + $2 \
         WHERE id IN ( \
             SELECT id FROM link_deliveries \
             WHERE status IN ('Queued', 'Sending', 'Unknown') AND next_attempt_at <= now() \
             ORDER BY next_attempt_at \
             LIMIT $1 \
             FOR UPDATE SKIP LOCKED) \
         RETURNING *",
        &[Bind::Count(limit), Bind::Interval(lease)],
    )
    .load(conn)?)
}

/// Records that the provider accepted the attempt `attempt` of delivery `id`. Returns false when
/// the claim was lost (another dispatcher took the row after the lease ran out).
pub(crate) fn mark_sent(
    conn: &mut PgConnection,
    id: &str,
    attempt: i32,
    provider_message_id: Option<&str>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(owned_claim(id, attempt))
        .set((
            dsl::status.eq(status::SENT),
            dsl::provider_message_id.eq(provider_message_id),
            dsl::sent_at.eq(diesel::dsl::now),
            dsl::lease_until.eq(None::<DateTime<Utc>>),
            dsl::unknown_since.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Records a transient failure: the row is Queued again, due at `next_attempt_at`.
pub(crate) fn mark_retry(
    conn: &mut PgConnection,
    id: &str,
    attempt: i32,
    error: &str,
    next_attempt_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(owned_claim(id, attempt))
        .set((
            dsl::status.eq(status::QUEUED),
            dsl::last_error.eq(error),
            dsl::next_attempt_at.eq(next_attempt_at),
            dsl::lease_until.eq(None::<DateTime<Utc>>),
            dsl::unknown_since.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Records that attempt `attempt` may have reached the provider without an answer: the row is
/// Unknown, due at `settle_at` to be settled, and `unknown_since` keeps the start of the
/// earliest attempt in doubt.
pub(crate) fn mark_unknown(
    conn: &mut PgConnection,
    id: &str,
    attempt: i32,
    reason: &str,
    settle_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(owned_claim(id, attempt))
        .set((
            dsl::status.eq(status::UNKNOWN),
            dsl::last_error.eq(reason),
            dsl::next_attempt_at.eq(settle_at),
            dsl::lease_until.eq(None::<DateTime<Utc>>),
            dsl::unknown_since.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("COALESCE(unknown_since, attempt_started_at)")),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Records a final failure.
pub(crate) fn mark_failed(
    conn: &mut PgConnection,
    id: &str,
    attempt: i32,
    error: &str,
) -> Result<bool, StoreError> {
    let updated = diesel::update(owned_claim(id, attempt))
        .set((
            dsl::status.eq(status::FAILED),
            dsl::last_error.eq(error),
            dsl::lease_until.eq(None::<DateTime<Utc>>),
            dsl::unknown_since.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// The query type of [`owned_claim`].
type OwnedClaim = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<link_deliveries::table, diesel::dsl::Eq<dsl::id, String>>,
        diesel::dsl::Eq<dsl::status, &'static str>,
    >,
    diesel::dsl::Eq<dsl::attempts, i32>,
>;

/// The row as this claim left it: still Sending, and not claimed again since.
fn owned_claim(id: &str, attempt: i32) -> OwnedClaim {
    link_deliveries::table
        .filter(dsl::id.eq(id.to_owned()))
        .filter(dsl::status.eq(status::SENDING))
        .filter(dsl::attempts.eq(attempt))
}

/// How an attempt at a delivery ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// The provider accepted it, with its id for the message when it gave one.
    Sent(Option<String>),
    /// It failed in a way worth trying again at this time.
    Retry(String, DateTime<Utc>),
    /// It may have reached the provider; settle it (ask the provider) at this time.
    Unknown(String, DateTime<Utc>),
    /// It failed for good.
    Failed(String),
}

impl crate::Store {
    /// Claims up to `limit` due deliveries for `lease`: see [`claim`].
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.run(move |conn| claim(conn, limit, lease)).await
    }

    /// Records how attempt `attempt` at a claimed delivery ended; `false` when the claim ran
    /// out before (another server may have taken the delivery over).
    pub async fn record_attempt(
        &self,
        id: &str,
        attempt: i32,
        result: AttemptResult,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| match &result {
            AttemptResult::Sent(provider_id) => {
                mark_sent(conn, &id, attempt, provider_id.as_deref())
            }
            AttemptResult::Retry(reason, at) => mark_retry(conn, &id, attempt, reason, *at),
            AttemptResult::Unknown(reason, at) => mark_unknown(conn, &id, attempt, reason, *at),
            AttemptResult::Failed(reason) => mark_failed(conn, &id, attempt, reason),
        })
        .await
    }
}
