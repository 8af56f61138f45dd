//! Payments: what finished checkouts produced, one per checkout, listed newest first for the
//! merchant.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use paylink_lifecycle::{Cause, PaymentStatus, Status, Step, step};

use crate::StoreError;
use crate::listing::{ListRequest, Listing, PaymentColumn, Payments};
use crate::schema::payments::{self, dsl};

/// A payment row.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The checkout that produced it.
    pub checkout_id: String,
    /// The link paid (or `session_id`).
    pub link_id: Option<String>,
    /// The session paid (or `link_id`).
    pub session_id: Option<String>,
    /// What was charged, in minor units: the amount and any service fee together.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// `card` or `ach`.
    pub payment_method: String,
    /// The payer's phone number, E.164, when given.
    pub payer_phone: Option<String>,
    /// `test` or `stripe`.
    pub provider: String,
    /// The provider's id of the payment (Stripe's PaymentIntent or Subscription).
    pub provider_reference: Option<String>,
    /// See [`PaymentStatus`].
    pub status: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Refunds asked for and not failed, in minor units: never more than `amount_minor`.
    pub amount_refunded: i64,
    /// The link's `account_code`.
    pub account_code: Option<String>,
    /// What was paid for.
    pub reference: Option<String>,
    /// The payer's email, when known.
    pub payer_email: Option<String>,
    /// The processor's invoice, for a plan's later charge; `None` for a checkout's first payment.
    pub provider_invoice_id: Option<String>,
    /// The service fee within `amount_minor`, in minor units; 0 when none was charged.
    pub fee_amount: i64,
}

/// What a page of payments is for.
#[derive(Clone, Copy, Debug)]
pub enum PaymentsOf<'a> {
    /// One of the merchant's links.
    Link(&'a str),
    /// One of the merchant's sessions.
    Session(&'a str),
}

/// The first payment of a checkout (not a plan's later charge), if any.
pub(crate) fn for_checkout(
    conn: &mut PgConnection,
    checkout_id: &str,
) -> Result<Option<PaymentRow>, StoreError> {
    Ok(dsl::payments
        .filter(dsl::checkout_id.eq(checkout_id))
        .filter(dsl::provider_invoice_id.is_null())
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a payment.
pub(crate) fn insert(conn: &mut PgConnection, row: &PaymentRow) -> Result<PaymentRow, StoreError> {
    Ok(diesel::insert_into(payments::table)
        .values(row)
        .returning(PaymentRow::as_returning())
        .get_result(conn)?)
}

/// One payment by id.
pub(crate) fn find(conn: &mut PgConnection, id: &str) -> Result<PaymentRow, StoreError> {
    Ok(dsl::payments
        .filter(dsl::id.eq(id))
        .select(PaymentRow::as_select())
        .first(conn)?)
}

/// One payment by id, locked until the transaction ends.
pub(crate) fn find_for_update(conn: &mut PgConnection, id: &str) -> Result<PaymentRow, StoreError> {
    Ok(dsl::payments
        .filter(dsl::id.eq(id))
        .select(PaymentRow::as_select())
        .for_update()
        .first(conn)?)
}

/// Moves `payment` to `to` for `cause`, as the lifecycle allows: the row after the change, or
/// `None` when it already was there. A change the table refuses is an error and writes nothing.
pub(crate) fn move_to(
    conn: &mut PgConnection,
    payment: &PaymentRow,
    to: PaymentStatus,
    cause: Cause,
    provider_reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<PaymentRow>, StoreError> {
    let from = PaymentStatus::stored(&payment.status)?;
    if step(from, to, cause)? == Step::Stay {
        return Ok(None);
    }
    Ok(Some(
        diesel::update(dsl::payments.filter(dsl::id.eq(&payment.id)))
            .set((
                dsl::status.eq(to.name()),
                dsl::provider_reference
                    .eq(provider_reference.or(payment.provider_reference.as_deref())),
                dsl::updated_at.eq(now),
            ))
            .returning(PaymentRow::as_returning())
            .get_result(conn)?,
    ))
}

/// The merchant's payments of a link or session, newest first.
fn list(
    conn: &mut PgConnection,
    merchant_uid: &str,
    of: PaymentsOf<'_>,
) -> Result<Vec<PaymentRow>, StoreError> {
    let query = dsl::payments
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .select(PaymentRow::as_select())
        .order((dsl::created_at.desc(), dsl::id.desc()))
        .into_boxed();
    let query = match of {
        PaymentsOf::Link(link_id) => query.filter(dsl::link_id.eq(link_id)),
        PaymentsOf::Session(session_id) => query.filter(dsl::session_id.eq(session_id)),
    };
    Ok(query.load(conn)?)
}

/// The merchant's payments of `session_ids`, newest first.
pub(crate) fn of_sessions(
    conn: &mut PgConnection,
    merchant_uid: &str,
    session_ids: &[String],
) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(dsl::payments
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .filter(dsl::session_id.eq_any(session_ids))
        .select(PaymentRow::as_select())
        .order((dsl::created_at.desc(), dsl::id.desc()))
        .load(conn)?)
}

impl crate::Store {
    /// One page of the merchant's payments, whatever they paid: see [`crate::listing`]. `None`
    /// when the request starts after a payment the merchant does not have.
    pub async fn list_payments(
        &self,
        merchant_uid: &str,
        request: ListRequest<PaymentColumn>,
    ) -> Result<Option<Listing<PaymentRow>>, StoreError> {
        self.list_then::<Payments, _, _>(merchant_uid, request, |_, _, rows| Ok(rows))
            .await
    }

    /// The merchant's payments of one of its links or sessions, newest first; another
    /// merchant's link or session has none.
    pub async fn payments(
        &self,
        merchant_uid: &str,
        of: PaymentsOf<'_>,
    ) -> Result<Vec<PaymentRow>, StoreError> {
        let merchant_uid = merchant_uid.to_owned();
        let (is_link, id) = match of {
            PaymentsOf::Link(id) => (true, id.to_owned()),
            PaymentsOf::Session(id) => (false, id.to_owned()),
        };
        if !crate::storable(&id) {
            return Ok(Vec::new());
        }
        self.run(move |conn| {
            let of = if is_link {
                PaymentsOf::Link(&id)
            } else {
                PaymentsOf::Session(&id)
            };
            list(conn, &merchant_uid, of)
        })
        .await
    }
}
