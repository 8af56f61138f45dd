//! Payment links: insert, read, update under a row lock, and filtered, sorted, keyset-paged
//! listing ([`page`]).

mod column;
mod filter;
mod search;

pub use column::{Column, ColumnKind};
pub use filter::{Cursor, Direction, Filter, Search, Sort, Test};
pub use search::{explain, page};

pub use crate::value::Value;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
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
}

/// Stores a new link.
pub fn insert(conn: &mut PgConnection, row: &PaymentLinkRow) -> Result<PaymentLinkRow, StoreError> {
    Ok(diesel::insert_into(payment_links::table)
        .values(row)
        .returning(PaymentLinkRow::as_returning())
        .get_result(conn)?)
}

/// One of the merchant's links; another merchant's link reads as absent.
pub fn find(
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
pub fn update<E>(
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
        next.link_id = current.link_id;
        next.merchant_uid = current.merchant_uid;
        next.created_date = current.created_date;
        Ok(diesel::update(dsl::payment_links.find(link_id))
            .set(&next)
            .returning(PaymentLinkRow::as_returning())
            .get_result(conn)?)
    })
}

/// How many links of the merchant match `filter` (all of them without one).
pub fn count(
    conn: &mut PgConnection,
    merchant_uid: &str,
    filter: Option<&Filter>,
) -> Result<i64, StoreError> {
    search::count(conn, merchant_uid, filter)
}
