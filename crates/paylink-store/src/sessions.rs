//! Payment-plan sessions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{Cause, SessionStatus, Status, Step, step};

use crate::StoreError;
use crate::checkouts::{Open, close_open};
use crate::listing::{ListRequest, Listing, SessionColumn, Sessions};
use crate::processor_tasks::{self, TaskKind};
use crate::schema::payment_plan_sessions::{self, dsl};

/// A session row. `status` holds the stored status; an Active session whose `expiration_date`
/// has passed is Expired ([`SessionStatus::at`]), which is recorded the next time it is written.
#[derive(
    Clone, Debug, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
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

/// Whether two versions of a session differ in what a payer agrees to.
fn money_changed(before: &SessionRow, after: &SessionRow) -> bool {
    (
        before.amount_minor,
        &before.currency,
        &before.frequency,
        before.start_date,
        before.occurrences,
    ) != (
        after.amount_minor,
        &after.currency,
        &after.frequency,
        after.start_date,
        after.occurrences,
    )
}

/// What a change of a session's status sets off, inside the transaction that makes it: a
/// session that can no longer be set up closes its open checkouts (expired at the processor);
/// a plan cancelled after it was set up has its subscription ended at the processor.
fn effects(
    conn: &mut PgConnection,
    session: &SessionRow,
    from: SessionStatus,
    to: SessionStatus,
    cause: Cause,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match (from, to) {
        (SessionStatus::Active, SessionStatus::Cancelled | SessionStatus::Expired) => {
            close_open(conn, Open::Session(&session.id), cause, now)?;
        }
        (SessionStatus::Completed, SessionStatus::Cancelled) => {
            use crate::schema::checkouts::dsl as checkouts;
            let set_up: Vec<String> = checkouts::checkouts
                .filter(checkouts::session_id.eq(&session.id))
                .filter(checkouts::provider_subscription_id.is_not_null())
                .select(checkouts::id)
                .load(conn)?;
            for checkout_id in set_up {
                processor_tasks::queue(
                    conn,
                    &session.merchant_uid,
                    TaskKind::CancelSubscription,
                    &checkout_id,
                    now,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Moves a locked session to `to` for `cause`, as the lifecycle allows, with its effects; the
/// clock's expiry is recorded first when it has come. The row after the change.
pub(crate) fn move_locked(
    conn: &mut PgConnection,
    session: &SessionRow,
    to: SessionStatus,
    cause: Cause,
    now: DateTime<Utc>,
) -> Result<SessionRow, StoreError> {
    let mut next = session.clone();
    next.status = to.name().to_owned();
    write_locked(conn, session, next, cause, now)
}

/// Writes `next` over the locked `current`: its status checked against the lifecycle from the
/// status `current` has at `now` (so the clock's expiry is recorded first), and the effects of
/// a change set off. A Completed, Cancelled or Expired session's money fields never
/// change; an Active session whose money fields change closes its open checkouts, which were
/// made for the old terms.
fn write_locked(
    conn: &mut PgConnection,
    current: &SessionRow,
    mut next: SessionRow,
    cause: Cause,
    now: DateTime<Utc>,
) -> Result<SessionRow, StoreError> {
    let stored = SessionStatus::stored(&current.status)?;
    let effective = stored.at(current.expiration_date, now);
    let asked = SessionStatus::stored(&next.status)?;
    let moved = step(effective, asked, cause)?;
    if money_changed(current, &next) {
        if !effective.money_may_change() {
            return Err(StoreError::Database(format!(
                "the terms of a {} session cannot change",
                effective.name()
            )));
        }
        close_open(conn, Open::Session(&current.id), cause, now)?;
    }
    next.id = current.id.clone();
    next.merchant_uid = current.merchant_uid.clone();
    next.contact_id = current.contact_id.clone();
    next.created_at = current.created_at;
    next.status = asked.name().to_owned();
    if next.status != current.status || next != *current {
        next.updated_at = now;
    }
    let written = diesel::update(dsl::payment_plan_sessions.find(&current.id))
        .set(&next)
        .returning(SessionRow::as_returning())
        .get_result(conn)?;
    if stored != effective {
        // The clock's change, with its own effects, before the one asked for.
        effects(conn, current, stored, effective, Cause::Clock, now)?;
    }
    if moved == Step::Move {
        effects(conn, current, effective, asked, cause, now)?;
    }
    Ok(written)
}

/// Changes one of the merchant's sessions under a row lock; see
/// [`payment_links::update`](crate::payment_links::update) for the contract of `change`, which
/// sees the session with the status it has at `now` (an Active session past its expiration is
/// Expired). The change goes through [`write_locked`], so the lifecycle holds whoever asks
/// (`cause`).
pub(crate) fn update<E>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
    cause: Cause,
    now: DateTime<Utc>,
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
        let mut seen = current.clone();
        seen.status = SessionStatus::stored(&current.status)
            .map_err(StoreError::from)?
            .at(current.expiration_date, now)
            .name()
            .to_owned();
        let next = change(seen)?;
        Ok(write_locked(conn, &current, next, cause, now)?)
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

/// Which lists of each listed session to read as well as its contact; each costs one query
/// for the whole page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionLists {
    /// Its deliveries.
    pub deliveries: bool,
    /// Its payments.
    pub payments: bool,
    /// Its callbacks to the merchant.
    pub callbacks: bool,
}

/// A session of a listing, with what its API view needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedSession {
    /// The session, its contact and (when asked) its deliveries.
    pub view: SessionView,
    /// Its payments, newest first; empty unless asked for.
    pub payments: Vec<crate::checkouts::payments::PaymentRow>,
    /// Its callbacks, newest first; empty unless asked for.
    pub callbacks: Vec<crate::deliveries::DeliveryRow>,
}

/// The page's sessions with their contacts and the lists asked for, read for the whole page at
/// once.
fn listed(
    conn: &mut PgConnection,
    merchant_uid: &str,
    sessions: Vec<SessionRow>,
    lists: SessionLists,
) -> Result<Vec<ListedSession>, StoreError> {
    use std::collections::HashMap;

    fn by_session<T>(
        rows: Vec<T>,
        session: impl Fn(&T) -> Option<&str>,
    ) -> HashMap<String, Vec<T>> {
        let mut grouped: HashMap<String, Vec<T>> = HashMap::new();
        for row in rows {
            if let Some(id) = session(&row) {
                grouped.entry(id.to_owned()).or_default().push(row);
            }
        }
        grouped
    }
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
    let contact_ids: Vec<String> = sessions.iter().map(|s| s.contact_id.clone()).collect();
    let contacts: HashMap<String, crate::contacts::ContactRow> =
        crate::contacts::of_ids(conn, merchant_uid, &contact_ids)?
            .into_iter()
            .map(|contact| (contact.id.clone(), contact))
            .collect();
    let mut deliveries = if lists.deliveries {
        by_session(
            crate::deliveries::for_sessions(conn, merchant_uid, &ids)?,
            |row| row.session_id.as_deref(),
        )
    } else {
        HashMap::new()
    };
    let mut payments = if lists.payments {
        by_session(
            crate::checkouts::payments::of_sessions(conn, merchant_uid, &ids)?,
            |row| row.session_id.as_deref(),
        )
    } else {
        HashMap::new()
    };
    let mut callbacks = if lists.callbacks {
        by_session(
            crate::deliveries::callbacks_for_sessions(conn, merchant_uid, &ids)?,
            |row| row.session_id.as_deref(),
        )
    } else {
        HashMap::new()
    };
    sessions
        .into_iter()
        .map(|session| {
            // Several sessions may share a contact.
            let contact = contacts
                .get(&session.contact_id)
                .cloned()
                .ok_or(StoreError::NotFound)?;
            let id = session.id.clone();
            Ok(ListedSession {
                view: SessionView {
                    session,
                    contact,
                    deliveries: deliveries.remove(&id).unwrap_or_default(),
                },
                payments: payments.remove(&id).unwrap_or_default(),
                callbacks: callbacks.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

impl crate::Store {
    /// One page of the merchant's sessions (see [`crate::listing`]), each with its contact and
    /// the lists asked for. `None` when the request starts after a session the merchant does not
    /// have.
    pub async fn list_sessions(
        &self,
        merchant_uid: &str,
        request: ListRequest<SessionColumn>,
        lists: SessionLists,
    ) -> Result<Option<Listing<ListedSession>>, StoreError> {
        self.list_then::<Sessions, _, _>(merchant_uid, request, move |conn, merchant_uid, rows| {
            listed(conn, merchant_uid, rows, lists)
        })
        .await
    }

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

    /// Changes one of the merchant's sessions at the merchant's request (see [`update`]) and
    /// reads it back.
    pub async fn update_session<E>(
        &self,
        merchant_uid: &str,
        id: &str,
        with_deliveries: bool,
        now: DateTime<Utc>,
        change: impl FnOnce(SessionRow) -> Result<SessionRow, E> + Send + 'static,
    ) -> Result<SessionView, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let (merchant_uid, id) = (merchant_uid.to_owned(), id.to_owned());
        self.run(move |conn| {
            let session = update(conn, &merchant_uid, &id, Cause::Merchant, now, |row| {
                change(row).map_err(crate::Failure::Caller)
            })
            .map_err(crate::Failure::into_caller)?;
            Ok(view(conn, session, with_deliveries)?)
        })
        .await
    }
}
