//! The delivery outbox: its rows and states. A send request inserts a Queued row in the
//! caller's transaction; dispatchers claim and record attempts ([`attempts`]).

mod attempts;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

pub use attempts::AttemptResult;
#[cfg(any(test, feature = "direct"))]
pub(crate) use attempts::claim;

use crate::StoreError;
use crate::schema::link_deliveries::{self, dsl};

/// Delivery states, as stored.
pub mod status {
    /// Waiting to be sent.
    pub const QUEUED: &str = "Queued";
    /// Claimed by a dispatcher.
    pub const SENDING: &str = "Sending";
    /// An attempt may have reached the provider without an answer; due again when it is time
    /// to ask the provider.
    pub const UNKNOWN: &str = "Unknown";
    /// Accepted by the provider.
    pub const SENT: &str = "Sent";
    /// The provider reported it delivered.
    pub const DELIVERED: &str = "Delivered";
    /// The provider reported it could not be delivered.
    pub const UNDELIVERED: &str = "Undelivered";
    /// Given up.
    pub const FAILED: &str = "Failed";
    /// Every state, in the order a delivery passes through them.
    pub const ALL: [&str; 7] = [
        QUEUED,
        SENDING,
        UNKNOWN,
        SENT,
        DELIVERED,
        UNDELIVERED,
        FAILED,
    ];
}

/// A delivery row.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = link_deliveries, treat_none_as_default_value = false)]
pub struct DeliveryRow {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The session whose link is sent.
    pub session_id: Option<String>,
    /// The payment link that is sent.
    pub link_id: Option<String>,
    /// `Email` or `Phone`.
    pub channel: String,
    /// Address or number.
    pub recipient: String,
    /// Email subject.
    pub subject: String,
    /// Plain-text body; the SMS body for Phone.
    pub body_text: String,
    /// HTML body.
    pub body_html: String,
    /// One of [`status`].
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Last failure reason.
    pub last_error: Option<String>,
    /// Provider's message id.
    pub provider_message_id: Option<String>,
    /// When the row is next due.
    pub next_attempt_at: DateTime<Utc>,
    /// Until when the current claim holds.
    pub lease_until: Option<DateTime<Utc>>,
    /// Request time.
    pub created_at: DateTime<Utc>,
    /// Acceptance time.
    pub sent_at: Option<DateTime<Utc>>,
    /// The provider's last word on the message (a delivery receipt), e.g. `delivered`.
    pub provider_status: Option<String>,
    /// Orders receipts: one whose rank is not above this is old news. 0 before any receipt.
    pub provider_status_rank: i16,
    /// The provider's error code with a failed delivery, e.g. Twilio's `30003`.
    pub provider_error_code: Option<String>,
    /// When the last receipt was recorded.
    pub receipt_at: Option<DateTime<Utc>>,
    /// When the current or last attempt began.
    pub attempt_started_at: Option<DateTime<Utc>>,
    /// When the earliest attempt whose outcome is unknown began: the provider may hold a
    /// message from then on. `None` when no attempt's outcome is in doubt.
    pub unknown_since: Option<DateTime<Utc>>,
}

/// What a new delivery is: everything but its state, which every delivery starts from alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The session whose link is sent (or `link_id`).
    pub session_id: Option<String>,
    /// The payment link that is sent (or `session_id`).
    pub link_id: Option<String>,
    /// `Email` or `Phone`.
    pub channel: String,
    /// Address or number.
    pub recipient: String,
    /// Email subject.
    pub subject: String,
    /// Plain-text body; the SMS body for Phone.
    pub body_text: String,
    /// HTML body.
    pub body_html: String,
}

impl DeliveryRow {
    /// The row of a delivery queued at `now`: due at once, never tried.
    pub fn queued(new: NewDelivery, now: DateTime<Utc>) -> Self {
        Self {
            id: new.id,
            merchant_uid: new.merchant_uid,
            session_id: new.session_id,
            link_id: new.link_id,
            channel: new.channel,
            recipient: new.recipient,
            subject: new.subject,
            body_text: new.body_text,
            body_html: new.body_html,
            status: status::QUEUED.to_owned(),
            attempts: 0,
            last_error: None,
            provider_message_id: None,
            next_attempt_at: now,
            lease_until: None,
            created_at: now,
            sent_at: None,
            provider_status: None,
            provider_status_rank: 0,
            provider_error_code: None,
            receipt_at: None,
            attempt_started_at: None,
            unknown_since: None,
        }
    }
}

/// Stores a delivery request.
pub(crate) fn insert(
    conn: &mut PgConnection,
    row: &DeliveryRow,
) -> Result<DeliveryRow, StoreError> {
    Ok(diesel::insert_into(link_deliveries::table)
        .values(row)
        .returning(DeliveryRow::as_returning())
        .get_result(conn)?)
}

/// The channel of a merchant's callback in the outbox: not a delivery of a link, so never
/// listed with them.
pub const CALLBACK_CHANNEL: &str = "Webhook";

/// The channel of a payer's receipt for a payment: an email, but not a delivery of a link, so
/// never listed with them.
pub const RECEIPT_CHANNEL: &str = "Receipt";

/// Whose outbox rows a listing reads.
#[derive(Clone, Copy, Debug)]
enum Listed<'a> {
    /// A session's deliveries of its link.
    SessionLink(&'a str),
    /// A session's callbacks to the merchant.
    SessionCallbacks(&'a str),
    /// A payment link's deliveries.
    Link(&'a str),
    /// The deliveries of the links of these sessions.
    SessionsLinks(&'a [String]),
    /// The callbacks of these sessions.
    SessionsCallbacks(&'a [String]),
}

/// The merchant's outbox rows of `listed`, newest first.
fn listing(
    conn: &mut PgConnection,
    merchant_uid: &str,
    listed: Listed<'_>,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let query = dsl::link_deliveries
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .order((dsl::created_at.desc(), dsl::id.desc()))
        .select(DeliveryRow::as_select())
        .into_boxed();
    let query = match listed {
        Listed::SessionLink(id) => query
            .filter(dsl::session_id.eq(id))
            .filter(dsl::channel.ne_all([CALLBACK_CHANNEL, RECEIPT_CHANNEL])),
        Listed::SessionCallbacks(id) => query
            .filter(dsl::session_id.eq(id))
            .filter(dsl::channel.eq(CALLBACK_CHANNEL)),
        Listed::Link(id) => query
            .filter(dsl::link_id.eq(id))
            .filter(dsl::channel.ne(RECEIPT_CHANNEL)),
        Listed::SessionsLinks(ids) => query
            .filter(dsl::session_id.eq_any(ids))
            .filter(dsl::channel.ne_all([CALLBACK_CHANNEL, RECEIPT_CHANNEL])),
        Listed::SessionsCallbacks(ids) => query
            .filter(dsl::session_id.eq_any(ids))
            .filter(dsl::channel.eq(CALLBACK_CHANNEL)),
    };
    Ok(query.load(conn)?)
}

/// A session's deliveries of its link, newest first.
pub(crate) fn for_session(
    conn: &mut PgConnection,
    merchant_uid: &str,
    session_id: &str,
) -> Result<Vec<DeliveryRow>, StoreError> {
    listing(conn, merchant_uid, Listed::SessionLink(session_id))
}

/// A session's callbacks to the merchant, newest first.
pub(crate) fn callbacks_for_session(
    conn: &mut PgConnection,
    merchant_uid: &str,
    session_id: &str,
) -> Result<Vec<DeliveryRow>, StoreError> {
    listing(conn, merchant_uid, Listed::SessionCallbacks(session_id))
}

/// The deliveries of the links of `session_ids`, newest first.
pub(crate) fn for_sessions(
    conn: &mut PgConnection,
    merchant_uid: &str,
    session_ids: &[String],
) -> Result<Vec<DeliveryRow>, StoreError> {
    listing(conn, merchant_uid, Listed::SessionsLinks(session_ids))
}

/// The callbacks of `session_ids`, newest first.
pub(crate) fn callbacks_for_sessions(
    conn: &mut PgConnection,
    merchant_uid: &str,
    session_ids: &[String],
) -> Result<Vec<DeliveryRow>, StoreError> {
    listing(conn, merchant_uid, Listed::SessionsCallbacks(session_ids))
}

/// A payment link's deliveries, newest first.
pub(crate) fn for_link(
    conn: &mut PgConnection,
    merchant_uid: &str,
    link_id: &str,
) -> Result<Vec<DeliveryRow>, StoreError> {
    listing(conn, merchant_uid, Listed::Link(link_id))
}

/// One delivery by id, whoever owns it (for tests).
#[cfg(any(test, feature = "direct"))]
pub(crate) fn get(conn: &mut PgConnection, id: &str) -> Result<Option<DeliveryRow>, StoreError> {
    if !crate::storable(id) {
        return Ok(None);
    }
    Ok(dsl::link_deliveries
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?)
}

/// How many deliveries are in each state, for metrics and tests.
pub(crate) fn count_by_status(conn: &mut PgConnection) -> Result<Vec<(String, i64)>, StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    Ok(diesel::sql_query(
        "SELECT status, count(*) AS count FROM link_deliveries GROUP BY status ORDER BY status",
    )
    .load::<Count>(conn)?
    .into_iter()
    .map(|row| (row.status, row.count))
    .collect())
}

impl crate::Store {
    /// The deliveries of one of the merchant's payment links, newest first; `None` when the
    /// merchant has no such link.
    pub async fn link_deliveries(
        &self,
        merchant_uid: &str,
        link_id: &str,
    ) -> Result<Option<Vec<DeliveryRow>>, StoreError> {
        let (merchant_uid, link_id) = (merchant_uid.to_owned(), link_id.to_owned());
        self.run(move |conn| {
            if crate::payment_links::find(conn, &merchant_uid, &link_id)?.is_none() {
                return Ok(None);
            }
            for_link(conn, &merchant_uid, &link_id).map(Some)
        })
        .await
    }

    /// The callbacks of one of the merchant's sessions, newest first.
    pub async fn session_callbacks(
        &self,
        merchant_uid: &str,
        session_id: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let (merchant_uid, session_id) = (merchant_uid.to_owned(), session_id.to_owned());
        if !crate::storable(&session_id) {
            return Ok(Vec::new());
        }
        self.run(move |conn| callbacks_for_session(conn, &merchant_uid, &session_id))
            .await
    }

    /// Of the provider's message ids `candidates`, those another delivery than `id` already
    /// holds.
    pub async fn provider_ids_held_by_others(
        &self,
        id: &str,
        candidates: Vec<String>,
    ) -> Result<Vec<String>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            Ok(dsl::link_deliveries
                .filter(dsl::provider_message_id.eq_any(&candidates))
                .filter(dsl::id.ne(&id))
                .select(dsl::provider_message_id.assume_not_null())
                .load(conn)?)
        })
        .await
    }

    /// How many deliveries there are in each status.
    pub async fn delivery_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.run(count_by_status).await
    }
}
