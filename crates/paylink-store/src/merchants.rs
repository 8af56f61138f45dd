//! Merchants: the tenants every other row belongs to.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::schema::merchants;

/// A merchant row.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = merchants)]
pub struct Merchant {
    /// Public id.
    pub merchant_uid: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Whether paylink emails payers their receipts (in test mode it always does).
    pub payer_receipts: bool,
}

/// Inserts a merchant with the given id and name.
pub(crate) fn insert(
    conn: &mut PgConnection,
    merchant_uid: &str,
    name: &str,
) -> Result<Merchant, StoreError> {
    Ok(diesel::insert_into(merchants::table)
        .values((
            merchants::merchant_uid.eq(merchant_uid),
            merchants::name.eq(name),
        ))
        .returning(Merchant::as_returning())
        .get_result(conn)?)
}

/// The merchant with this id.
pub(crate) fn find(
    conn: &mut PgConnection,
    merchant_uid: &str,
) -> Result<Option<Merchant>, StoreError> {
    Ok(merchants::table
        .find(merchant_uid)
        .select(Merchant::as_select())
        .first(conn)
        .optional()?)
}

/// The oldest merchant with exactly this name.
pub(crate) fn find_by_name(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<Merchant>, StoreError> {
    Ok(merchants::table
        .filter(merchants::name.eq(name))
        .order((merchants::created_at.asc(), merchants::merchant_uid.asc()))
        .select(Merchant::as_select())
        .first(conn)
        .optional()?)
}

/// Every merchant, oldest first.
pub(crate) fn list(conn: &mut PgConnection) -> Result<Vec<Merchant>, StoreError> {
    Ok(merchants::table
        .order((merchants::created_at.asc(), merchants::merchant_uid.asc()))
        .select(Merchant::as_select())
        .load(conn)?)
}

impl crate::Store {
    /// Stores a merchant.
    pub async fn insert_merchant(
        &self,
        merchant_uid: &str,
        name: &str,
    ) -> Result<Merchant, StoreError> {
        let (merchant_uid, name) = (merchant_uid.to_owned(), name.to_owned());
        self.run(move |conn| insert(conn, &merchant_uid, &name))
            .await
    }

    /// A merchant by id.
    pub async fn find_merchant(&self, merchant_uid: &str) -> Result<Option<Merchant>, StoreError> {
        let merchant_uid = merchant_uid.to_owned();
        self.run(move |conn| find(conn, &merchant_uid)).await
    }

    /// A merchant by name.
    pub async fn find_merchant_by_name(&self, name: &str) -> Result<Option<Merchant>, StoreError> {
        let name = name.to_owned();
        self.run(move |conn| find_by_name(conn, &name)).await
    }

    /// Every merchant.
    pub async fn list_merchants(&self) -> Result<Vec<Merchant>, StoreError> {
        self.run(list).await
    }

    /// The key paylink signs a merchant's callbacks with; `None` when there is no such merchant.
    /// Kept apart from [`Merchant`], whose `Debug` is printed freely.
    pub async fn callback_secret(&self, merchant_uid: &str) -> Result<Option<String>, StoreError> {
        let merchant_uid = merchant_uid.to_owned();
        self.run(move |conn| callback_secret(conn, &merchant_uid))
            .await
    }
}

/// The key of a merchant's callback signatures.
pub(crate) fn callback_secret(
    conn: &mut PgConnection,
    merchant_uid: &str,
) -> Result<Option<String>, StoreError> {
    Ok(merchants::table
        .filter(merchants::merchant_uid.eq(merchant_uid))
        .select(merchants::callback_secret)
        .first(conn)
        .optional()?)
}

impl crate::Store {
    /// Whether paylink emails the merchant's payers their receipts itself.
    pub async fn payer_receipts(&self, merchant_uid: &str) -> Result<bool, StoreError> {
        let merchant_uid = merchant_uid.to_owned();
        self.run(move |conn| {
            Ok(merchants::table
                .find(&merchant_uid)
                .select(merchants::payer_receipts)
                .first(conn)
                .optional()?
                .unwrap_or(false))
        })
        .await
    }

    /// Turns paylink's own receipts to payers on or off for a merchant; `false` when there is
    /// no such merchant.
    pub async fn set_payer_receipts(
        &self,
        merchant_uid: &str,
        on: bool,
    ) -> Result<bool, StoreError> {
        let merchant_uid = merchant_uid.to_owned();
        self.run(move |conn| {
            let updated = diesel::update(merchants::table.find(&merchant_uid))
                .set(merchants::payer_receipts.eq(on))
                .execute(conn)?;
            Ok(updated == 1)
        })
        .await
    }
}
