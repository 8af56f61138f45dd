//! Payment-plan sessions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::schema::payment_plan_sessions::{self, dsl};

/// Status names as stored (and served).
pub mod status {
    /// Open: its link can be used.
    pub const ACTIVE: &str = "Active";
    /// The customer set up the plan.
    pub const COMPLETED: &str = "Completed";
    /// Past its expiration date (or set so).
    pub const EXPIRED: &str = "Expired";
    /// The merchant cancelled it.
    pub const CANCELLED: &str = "Cancelled";
}

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
pub(crate) fn insert(conn: &mut PgConnection, row: &SessionRow) -> Result<SessionRow, StoreError> {
    Ok(diesel::insert_into(payment_plan_sessions::table)
        .values(row)
        .returning(SessionRow::as_returning())
        .get_result(conn)?)
}

/// One of the merchant's sessions.
pub(crate) fn find(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
) -> Result<Option<SessionRow>, StoreError> {
    find_locked(conn, merchant_uid, id, false)
}

/// One of the merchant's sessions, locked until the transaction ends, so that a check of its
/// state holds while a delivery is queued.
pub(crate) fn find_for_update(
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
pub(crate) fn update<E>(
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

/// A session with what its API view needs: its contact, and its deliveries when asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// The session.
    pub session: SessionRow,
    /// Its contact.
    pub contact: crate::contacts::ContactRow,
    /// Its deliveries, newest first; empty unless asked for.
    pub deliveries: Vec<crate::deliveries::DeliveryRow>,
}

/// Reads the session's contact, and its deliveries when `with_deliveries`.
fn view(
    conn: &mut PgConnection,
    session: SessionRow,
    with_deliveries: bool,
) -> Result<SessionView, StoreError> {
    let contact = crate::contacts::find(conn, &session.merchant_uid, &session.contact_id)?
        .ok_or(StoreError::NotFound)?;
    let deliveries = if with_deliveries {
        crate::deliveries::for_session(conn, &session.merchant_uid, &session.id)?
    } else {
        Vec::new()
    };
    Ok(SessionView {
        session,
        contact,
        deliveries,
    })
}

impl crate::Store {
    /// One of the merchant's sessions, with its contact and, when asked, its deliveries.
    pub async fn find_session(
        &self,
        merchant_uid: &str,
        id: &str,
        with_deliveries: bool,
    ) -> Result<Option<SessionView>, StoreError> {
        let (merchant_uid, id) = (merchant_uid.to_owned(), id.to_owned());
        self.run(move |conn| {
            find(conn, &merchant_uid, &id)?
                .map(|session| view(conn, session, with_deliveries))
                .transpose()
        })
        .await
    }

    /// Stores a session of one of the merchant's contacts, in one transaction with the check
    /// that the contact exists; `None` when it does not.
    pub async fn insert_session(
        &self,
        row: SessionRow,
        with_deliveries: bool,
    ) -> Result<Option<SessionView>, StoreError> {
        self.run(move |conn| {
            conn.transaction(|conn| {
                if crate::contacts::find(conn, &row.merchant_uid, &row.contact_id)?.is_none() {
                    return Ok(None);
                }
                let session = insert(conn, &row)?;
                view(conn, session, with_deliveries).map(Some)
            })
        })
        .await
    }

    /// Changes one of the merchant's sessions (see [`update`]) and reads it back.
    pub async fn update_session<E>(
        &self,
        merchant_uid: &str,
        id: &str,
        with_deliveries: bool,
        change: impl FnOnce(SessionRow) -> Result<SessionRow, E> + Send + 'static,
    ) -> Result<SessionView, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let (merchant_uid, id) = (merchant_uid.to_owned(), id.to_owned());
        self.run(move |conn| {
            let session = update(conn, &merchant_uid, &id, |row| {
                change(row).map_err(crate::Failure::Caller)
            })
            .map_err(crate::Failure::into_caller)?;
            Ok(view(conn, session, with_deliveries)?)
        })
        .await
    }
}
