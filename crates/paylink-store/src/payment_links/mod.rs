//! Payment links: insert, read, and update under a row lock. Their filtered, sorted, keyset-paged
//! listing is [`crate::listing`]'s, described by [`crate::listing::Links`].

pub use crate::value::Value;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{Cause, LinkState, LinkStatus, step};

use crate::StoreError;
use crate::listing::{LinkColumn, Links, ListRequest, Listing};
use crate::schema::payment_links::{self, dsl};

/// A payment link row. Enum-valued columns hold the SDL value names (`SERVICE_FEE`, ...).
#[derive(
    Clone, Debug, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = payment_links, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct PaymentLinkRow {
    /// Public id.
    pub link_id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The merchant's name for the link.
    pub link_name: String,
    /// Payment name shown to payers.
    pub payment_name: String,
    /// Payment description shown to payers.
    pub payment_description: Option<String>,
    /// Fixed amount in minor units.
    pub amount: Option<i32>,
    /// ISO 4217 code.
    pub currency: String,
    /// Fee mode name.
    pub fee_mode: String,
    /// Whether the payer chooses the amount.
    pub amount_is_variable: bool,
    /// Lower bound of a variable amount.
    pub min_amount: Option<i32>,
    /// Upper bound of a variable amount.
    pub max_amount: Option<i32>,
    /// Whether a phone number is required.
    pub require_phone: bool,
    /// Call-to-action name.
    pub call_to_action: String,
    /// Accepted-payment-methods name.
    pub accepted_payment_methods: String,
    /// Accounting code.
    pub account_code: Option<String>,
    /// Message after payment.
    pub custom_success_message: Option<String>,
    /// Redirect after payment.
    pub redirect_url: Option<String>,
    /// Whether the link takes payments.
    pub is_active: bool,
    /// Creation time (microseconds kept).
    pub created_date: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it stops taking payments, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// How many payments it takes at most, if limited.
    pub max_payments: Option<i32>,
    /// Payments it has taken (kept ones: a payment refunded because it arrived too late does
    /// not count).
    pub payment_count: i32,
}

impl PaymentLinkRow {
    /// The fields its status is read from.
    pub fn state(&self) -> LinkState {
        LinkState {
            is_active: self.is_active,
            expires_at: self.expires_at,
            max_payments: self.max_payments,
            payment_count: self.payment_count,
        }
    }

    /// Its status at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> LinkStatus {
        LinkStatus::of(self.state(), now)
    }
}

/// Stores a new link.
pub(crate) fn insert(
    conn: &mut PgConnection,
    row: &PaymentLinkRow,
) -> Result<PaymentLinkRow, StoreError> {
    Ok(diesel::insert_into(payment_links::table)
        .values(row)
        .returning(PaymentLinkRow::as_returning())
        .get_result(conn)?)
}

/// One of the merchant's links; another merchant's link reads as absent.
pub(crate) fn find(
    conn: &mut PgConnection,
    merchant_uid: &str,
    link_id: &str,
) -> Result<Option<PaymentLinkRow>, StoreError> {
    if !crate::storable(link_id) {
        return Ok(None);
    }
    Ok(dsl::payment_links
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .filter(dsl::link_id.eq(link_id))
        .select(PaymentLinkRow::as_select())
        .first(conn)
        .optional()?)
}

/// Changes one of the merchant's links in one transaction: locks the row, lets `change` compute
/// the new row from the current one (it may refuse with its own error, and then nothing is
/// written), and writes it back. The link id, owner and creation time never change.
pub(crate) fn update<E>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    link_id: &str,
    change: impl FnOnce(PaymentLinkRow) -> Result<PaymentLinkRow, E>,
) -> Result<PaymentLinkRow, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
{
    if !crate::storable(link_id) {
        return Err(StoreError::NotFound.into());
    }
    conn.transaction(|conn| {
        let current = dsl::payment_links
            .filter(dsl::merchant_uid.eq(merchant_uid))
            .filter(dsl::link_id.eq(link_id))
            .select(PaymentLinkRow::as_select())
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let mut next = change(current.clone())?;
        next.link_id = current.link_id.clone();
        next.merchant_uid = current.merchant_uid.clone();
        next.created_date = current.created_date;
        next.payment_count = current.payment_count;
        let from = current.status(next.updated_at);
        let to = next.status(next.updated_at);
        step(from, to, Cause::Merchant).map_err(StoreError::from)?;
        // Open checkouts were made for the link as it was: one that can no longer be paid, or
        // whose terms changed, is closed (and expired at the processor).
        if !to.is_payable() || terms_changed(&current, &next) {
            crate::checkouts::close_open(
                conn,
                crate::checkouts::Open::Link(&current.link_id),
                Cause::Merchant,
                next.updated_at,
            )?;
        }
        Ok(diesel::update(dsl::payment_links.find(link_id))
            .set(&next)
            .returning(PaymentLinkRow::as_returning())
            .get_result(conn)?)
    })
}

/// Whether two versions of a link differ in what a payer pays or how.
fn terms_changed(before: &PaymentLinkRow, after: &PaymentLinkRow) -> bool {
    (
        before.amount,
        &before.currency,
        before.amount_is_variable,
        before.min_amount,
        before.max_amount,
        &before.accepted_payment_methods,
        &before.fee_mode,
    ) != (
        after.amount,
        &after.currency,
        after.amount_is_variable,
        after.min_amount,
        after.max_amount,
        &after.accepted_payment_methods,
        &after.fee_mode,
    )
}

impl crate::Store {
    /// Stores a new link.
    pub async fn insert_link(&self, row: PaymentLinkRow) -> Result<PaymentLinkRow, StoreError> {
        self.run(move |conn| insert(conn, &row)).await
    }

    /// One of the merchant's links; another merchant's link reads as absent.
    pub async fn find_link(
        &self,
        merchant_uid: &str,
        link_id: &str,
    ) -> Result<Option<PaymentLinkRow>, StoreError> {
        let (merchant_uid, link_id) = (merchant_uid.to_owned(), link_id.to_owned());
        self.run(move |conn| find(conn, &merchant_uid, &link_id))
            .await
    }

    /// Changes one of the merchant's links: see [`update`].
    pub async fn update_link<E>(
        &self,
        merchant_uid: &str,
        link_id: &str,
        change: impl FnOnce(PaymentLinkRow) -> Result<PaymentLinkRow, E> + Send + 'static,
    ) -> Result<PaymentLinkRow, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let (merchant_uid, link_id) = (merchant_uid.to_owned(), link_id.to_owned());
        self.run(move |conn| {
            update(conn, &merchant_uid, &link_id, |row| {
                change(row).map_err(crate::Failure::Caller)
            })
            .map_err(crate::Failure::into_caller)
        })
        .await
    }

    /// One page of the merchant's links, on one connection. `None` when the request starts
    /// after a link the merchant does not have.
    pub async fn list_links(
        &self,
        merchant_uid: &str,
        request: ListRequest<LinkColumn>,
    ) -> Result<Option<Listing<PaymentLinkRow>>, StoreError> {
        self.list_then::<Links, _, _>(merchant_uid, request, |_, _, rows| Ok(rows))
            .await
    }
}

/// How many links of the merchant match `filter` (all of them without one).
#[cfg(any(test, feature = "direct"))]
pub(crate) fn count(
    conn: &mut PgConnection,
    merchant_uid: &str,
    filter: Option<&crate::listing::Filter<LinkColumn>>,
) -> Result<i64, StoreError> {
    use crate::listing::Table as _;
    Links::count(conn, merchant_uid, filter)
}
