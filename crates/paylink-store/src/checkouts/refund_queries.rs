//! The store's operations on refunds: a merchant's refund of a payment, the refunds of
//! payments for the API, and what the processor task runner reads and records.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{RefundStatus, Status};

use super::payments::{self, PaymentRow};
use super::refunds::{
    NewRefund, RefundOutcome, RefundRefusal, RefundRow, RefundWork, reserve, settle,
};
use crate::StoreError;
use crate::schema::payments::dsl as payment_dsl;
use crate::schema::refunds::dsl;

impl crate::Store {
    /// Refunds one of the merchant's payments as `new` asks, with the payment locked: the
    /// refund (Pending, its processor task queued), or why it cannot be; `None` when the
    /// merchant has no such payment.
    pub async fn refund_payment(
        &self,
        merchant_uid: &str,
        payment_id: &str,
        new: NewRefund,
        now: DateTime<Utc>,
    ) -> Result<Option<Result<RefundRow, RefundRefusal>>, StoreError> {
        let (merchant_uid, payment_id) = (merchant_uid.to_owned(), payment_id.to_owned());
        if !crate::storable(&payment_id) {
            return Ok(None);
        }
        self.run(move |conn| {
            conn.transaction(|conn| {
                let payment = payment_dsl::payments
                    .filter(payment_dsl::merchant_uid.eq(&merchant_uid))
                    .filter(payment_dsl::id.eq(&payment_id))
                    .select(PaymentRow::as_select())
                    .for_update()
                    .first(conn)
                    .optional()?;
                match payment {
                    Some(payment) => reserve(conn, &payment, &new, now).map(Some),
                    None => Ok(None),
                }
            })
        })
        .await
    }

    /// The merchant's refunds of these payments, newest first.
    pub async fn refunds_of_payments(
        &self,
        merchant_uid: &str,
        payment_ids: Vec<String>,
    ) -> Result<Vec<RefundRow>, StoreError> {
        if payment_ids.is_empty() {
            return Ok(Vec::new());
        }
        let merchant_uid = merchant_uid.to_owned();
        self.run(move |conn| {
            Ok(dsl::refunds
                .filter(dsl::merchant_uid.eq(&merchant_uid))
                .filter(dsl::payment_id.eq_any(&payment_ids))
                .order((dsl::created_at.desc(), dsl::id.desc()))
                .select(RefundRow::as_select())
                .load(conn)?)
        })
        .await
    }

    /// A refund and its payment.
    pub async fn refund_work(&self, refund_id: &str) -> Result<Option<RefundWork>, StoreError> {
        let id = refund_id.to_owned();
        self.run(move |conn| {
            let Some(refund) = dsl::refunds
                .filter(dsl::id.eq(&id))
                .select(RefundRow::as_select())
                .first(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let payment = payments::find(conn, &refund.payment_id)?;
            Ok(Some(RefundWork { refund, payment }))
        })
        .await
    }

    /// Records that the processor made a Pending refund for less than was reserved (`actual`
    /// minor units: what was left of the payment at the processor), releasing the rest.
    pub async fn shrink_refund(
        &self,
        refund_id: &str,
        actual: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = refund_id.to_owned();
        self.run(move |conn| {
            conn.transaction(|conn| {
                let refund: RefundRow = dsl::refunds
                    .filter(dsl::id.eq(&id))
                    .select(RefundRow::as_select())
                    .for_update()
                    .first(conn)?;
                let released = refund.amount_minor - actual;
                if actual <= 0
                    || released <= 0
                    || RefundStatus::stored(&refund.status)? != RefundStatus::Pending
                {
                    return Ok(());
                }
                diesel::update(dsl::refunds.filter(dsl::id.eq(&id)))
                    .set((dsl::amount_minor.eq(actual), dsl::updated_at.eq(now)))
                    .execute(conn)?;
                diesel::update(
                    payment_dsl::payments.filter(payment_dsl::id.eq(&refund.payment_id)),
                )
                .set(payment_dsl::amount_refunded.eq(payment_dsl::amount_refunded - released))
                .execute(conn)?;
                Ok(())
            })
        })
        .await
    }

    /// Records what the processor said of a refund (see [`settle`]).
    pub async fn settle_refund(
        &self,
        refund_id: &str,
        outcome: RefundOutcome,
        now: DateTime<Utc>,
    ) -> Result<Option<RefundRow>, StoreError> {
        let id = refund_id.to_owned();
        self.run(move |conn| conn.transaction(|conn| settle(conn, &id, &outcome, now)))
            .await
    }
}
