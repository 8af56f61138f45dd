//! Payment-plan sessions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::schema::payment_plan_sessions::{self, dsl};

/// A session row. `status` holds the stored status; whether it has expired is the caller's
/// reading of `expiration_date`.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = payment_plan_sessions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct SessionRow {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The contact.
    pub contact_id: String,
    /// Amount of each payment in minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Stored status name.
    pub status: String,
    /// Frequency name.
    pub frequency: String,
    /// First payment date.
    pub start_date: NaiveDate,
    /// Number of payments.
    pub occurrences: i32,
    /// Callback URL.
    pub callback_url: Option<String>,
    /// Cancel URL.
    pub cancel_url: Option<String>,
    /// Success URL.
    pub success_url: Option<String>,
    /// Expiry.
    pub expiration_date: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Stores a new session.
pub fn insert(conn: &mut PgConnection, row: &SessionRow) -> Result<SessionRow, StoreError> {
    Ok(diesel::insert_into(payment_plan_sessions::table)
        .values(row)
        .returning(SessionRow::as_returning())
        .get_result(conn)?)
}

/// One of the merchant's sessions.
pub fn find(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
) -> Result<Option<SessionRow>, StoreError> {
    find_locked(conn, merchant_uid, id, false)
}

/// One of the merchant's sessions, locked until the transaction ends, so that a check of its
/// state holds while a delivery is queued.
pub fn find_for_update(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
) -> Result<Option<SessionRow>, StoreError> {
    find_locked(conn, merchant_uid, id, true)
}

fn find_locked(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
    lock: bool,
) -> Result<Option<SessionRow>, StoreError> {
    if !crate::storable(id) {
        return Ok(None);
    }
    let query = dsl::payment_plan_sessions
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .filter(dsl::id.eq(id))
        .select(SessionRow::as_select());
    let found = if lock {
        query.for_update().first(conn)
    } else {
        query.first(conn)
    };
    Ok(found.optional()?)
}

/// Changes one of the merchant's sessions under a row lock; see
/// [`payment_links::update`](crate::payment_links::update) for the contract of `change`.
pub fn update<E>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
    change: impl FnOnce(SessionRow) -> Result<SessionRow, E>,
) -> Result<SessionRow, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
{
    if !crate::storable(id) {
        return Err(StoreError::NotFound.into());
    }
    conn.transaction(|conn| {
        let current = find_for_update(conn, merchant_uid, id)?.ok_or(StoreError::NotFound)?;
        let mut next = change(current.clone())?;
        next.id = current.id;
        next.merchant_uid = current.merchant_uid;
        next.contact_id = current.contact_id;
        next.created_at = current.created_at;
        Ok(diesel::update(dsl::payment_plan_sessions.find(id))
            .set(&next)
            .returning(SessionRow::as_returning())
            .get_result(conn)?)
    })
}
