//! Service fees: what a merchant's SERVICE_FEE payment links add on top of the amount, one fee
//! per merchant and currency. The store keeps them as given; the rules (bounds, arithmetic,
//! which links they apply to) are the caller's.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::schema::service_fees::{self, dsl};

/// A merchant's service fee in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_fees)]
pub struct ServiceFeeRow {
    /// The merchant.
    pub merchant_uid: String,
    /// ISO 4217 code of the links it applies to; `fixed_minor` is in its minor unit.
    pub currency: String,
    /// The percentage part, in basis points (hundredths of a percent): 290 is 2.9%.
    pub basis_points: i32,
    /// The fixed part, in the currency's minor unit.
    pub fixed_minor: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The merchant's fee in `currency`, if it has one.
pub(crate) fn find(
    conn: &mut PgConnection,
    merchant_uid: &str,
    currency: &str,
) -> Result<Option<ServiceFeeRow>, StoreError> {
    Ok(dsl::service_fees
        .find((merchant_uid, currency))
        .select(ServiceFeeRow::as_select())
        .first(conn)
        .optional()?)
}

fn list(conn: &mut PgConnection, merchant_uid: &str) -> Result<Vec<ServiceFeeRow>, StoreError> {
    Ok(dsl::service_fees
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .order(dsl::currency.asc())
        .select(ServiceFeeRow::as_select())
        .load(conn)?)
}

impl crate::Store {
    /// Sets the merchant's fee in `row.currency`, replacing the one it had; `None` when there is
    /// no such merchant.
    pub async fn set_service_fee(
        &self,
        row: ServiceFeeRow,
    ) -> Result<Option<ServiceFeeRow>, StoreError> {
        self.run(move |conn| {
            conn.transaction(|conn| {
                if crate::merchants::find(conn, &row.merchant_uid)?.is_none() {
                    return Ok(None);
                }
                let stored = diesel::insert_into(service_fees::table)
                    .values(&row)
                    .on_conflict((dsl::merchant_uid, dsl::currency))
                    .do_update()
                    .set((
                        dsl::basis_points.eq(row.basis_points),
                        dsl::fixed_minor.eq(row.fixed_minor),
                        dsl::updated_at.eq(row.updated_at),
                    ))
                    .returning(ServiceFeeRow::as_returning())
                    .get_result(conn)?;
                Ok(Some(stored))
            })
        })
        .await
    }

    /// Removes the merchant's fee in `currency`; whether it had one.
    pub async fn clear_service_fee(
        &self,
        merchant_uid: &str,
        currency: &str,
    ) -> Result<bool, StoreError> {
        let (merchant_uid, currency) = (merchant_uid.to_owned(), currency.to_owned());
        self.run(move |conn| {
            let removed =
                diesel::delete(dsl::service_fees.find((&merchant_uid, &currency))).execute(conn)?;
            Ok(removed > 0)
        })
        .await
    }

    /// The merchant's fees, by currency code.
    pub async fn service_fees(&self, merchant_uid: &str) -> Result<Vec<ServiceFeeRow>, StoreError> {
        let merchant_uid = merchant_uid.to_owned();
        self.run(move |conn| list(conn, &merchant_uid)).await
    }
}
