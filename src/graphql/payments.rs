//! Resolvers of payments: what payers paid through a merchant's links and sessions, and the
//! refunds a merchant gives.

use std::collections::HashMap;

use juniper::ID;
use paylink_store::checkouts::payments::{PaymentRow, PaymentsOf};
use paylink_store::checkouts::refunds::{
    Initiator, NewRefund, RefundReason as StoredReason, RefundRefusal, RefundRow,
};
use paylink_store::deliveries::DeliveryRow;
use paylink_store::lifecycle::PaymentStatus as Stored;

use super::generated::{
    CallbackDelivery, Payment, PaymentStatus, Refund, RefundPaymentInput, RefundReason,
    RefundStatus,
};
use paylink_store::listing::Listing;

use super::generated::Payments;
use super::listing::{ListArgs, boundary, list_request, total_row_count, unknown_boundary};
use super::scalars::{DateTime, Url};
use super::sql_query::fields::PaymentFields;
use super::{ApiError, Context};
use crate::domain::{ids, money, timestamps};

/// `payments`: one page of the caller's payments, whatever they paid, counted as well when
/// asked.
pub(super) async fn list(ctx: &Context, args: ListArgs) -> Result<Payments, ApiError> {
    let request = list_request::<PaymentFields>(args)?;
    let after = boundary(&request);
    let Listing { rows, total } = ctx
        .store
        .list_payments(&ctx.merchant_uid, request)
        .await?
        .ok_or_else(|| unknown_boundary(after, "payments"))?;
    Ok(Payments {
        items: with_refunds(ctx, rows).await?,
        total_row_count: total_row_count(total),
    })
}

/// `paymentLinkPayments(link_id)`: the payments of one of the caller's links; another
/// merchant's link is not found, as an unknown one is.
pub(super) async fn for_payment_link(
    ctx: &Context,
    link_id: String,
) -> Result<Vec<Payment>, ApiError> {
    if ctx
        .store
        .find_link(&ctx.merchant_uid, &link_id)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound(format!(
            "payment link {link_id:?} not found"
        )));
    }
    let rows = ctx
        .store
        .payments(&ctx.merchant_uid, PaymentsOf::Link(&link_id))
        .await?;
    with_refunds(ctx, rows).await
}

/// The API's view of payments, each with its refunds (read in one query for all of them).
pub(super) async fn with_refunds(
    ctx: &Context,
    rows: Vec<PaymentRow>,
) -> Result<Vec<Payment>, ApiError> {
    let ids = rows.iter().map(|row| row.id.clone()).collect();
    let mut refunds: HashMap<String, Vec<Refund>> = HashMap::new();
    for refund in ctx
        .store
        .refunds_of_payments(&ctx.merchant_uid, ids)
        .await?
    {
        refunds
            .entry(refund.payment_id.clone())
            .or_default()
            .push(to_refund(refund)?);
    }
    rows.into_iter()
        .map(|row| {
            let of_it = refunds.remove(&row.id).unwrap_or_default();
            to_payment(row, of_it)
        })
        .collect()
}

/// `refundPayment`: a refund of one of the caller's payments, reserved at once and carried out
/// by the processor task runner.
pub(super) async fn refund(ctx: &Context, input: RefundPaymentInput) -> Result<Refund, ApiError> {
    let reason = match input.reason {
        Some(RefundReason::NotPayable) => {
            return Err(ApiError::bad_input(
                "reason",
                "NotPayable is paylink's own reason; use Duplicate, Fraudulent or RequestedByCustomer",
            ));
        }
        Some(RefundReason::Duplicate) => Some(StoredReason::Duplicate),
        Some(RefundReason::Fraudulent) => Some(StoredReason::Fraudulent),
        Some(RefundReason::RequestedByCustomer) => Some(StoredReason::RequestedByCustomer),
        None => None,
    };
    if input.amount.is_some_and(|amount| amount <= 0) {
        return Err(ApiError::bad_input("amount", "must be greater than 0"));
    }
    let payment_id = input.payment_id.to_string();
    let new = NewRefund {
        id: ids::new_refund_id(),
        amount_minor: input.amount.map(i64::from),
        reason,
        initiated_by: Initiator::Merchant,
    };
    let refunded = ctx
        .store
        .refund_payment(&ctx.merchant_uid, &payment_id, new, timestamps::now())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("payment {payment_id} not found")))?;
    match refunded {
        Ok(refund) => {
            ctx.paying_tasks.notify_one();
            to_refund(refund)
        }
        Err(RefundRefusal::NotRefundable(Stored::Pending)) => Err(ApiError::bad_input(
            "paymentId",
            "the payment is still settling (a bank debit); it can be refunded once it has succeeded",
        )),
        Err(RefundRefusal::NotRefundable(Stored::Refunded)) => Err(ApiError::bad_input(
            "paymentId",
            "the payment has been refunded in full already",
        )),
        Err(RefundRefusal::NotRefundable(status)) => Err(ApiError::bad_input(
            "paymentId",
            format!("a {status:?} payment took no money, so there is nothing to refund"),
        )),
        Err(RefundRefusal::TooMuch {
            refundable,
            currency,
        }) => Err(ApiError::bad_input(
            "amount",
            format!(
                "is more than is left to refund: at most {} ({refundable} in minor units)",
                money::for_payers(&currency, refundable)
            ),
        )),
    }
}

/// The API's view of a refund.
fn to_refund(row: RefundRow) -> Result<Refund, ApiError> {
    let amount = i32::try_from(row.amount_minor)
        .map_err(|_| ApiError::internal(format!("refund {} amount out of Int range", row.id)))?;
    let status = RefundStatus::from_sdl_name(&row.status)
        .ok_or_else(|| ApiError::internal(format!("unknown refund status {:?}", row.status)))?;
    let reason = match row.reason.as_deref().map(StoredReason::of_name) {
        None => None,
        Some(Some(StoredReason::NotPayable)) => Some(RefundReason::NotPayable),
        Some(Some(StoredReason::Duplicate)) => Some(RefundReason::Duplicate),
        Some(Some(StoredReason::Fraudulent)) => Some(RefundReason::Fraudulent),
        Some(Some(StoredReason::RequestedByCustomer)) => Some(RefundReason::RequestedByCustomer),
        Some(None) => {
            return Err(ApiError::internal(format!(
                "unknown refund reason {:?}",
                row.reason
            )));
        }
    };
    Ok(Refund {
        id: ID::new(row.id),
        payment_id: ID::new(row.payment_id),
        amount,
        currency: row.currency,
        status,
        reason,
        initiated_by: row.initiated_by,
        provider_reference: row.provider_refund_id,
        failure_reason: row.failure_reason,
        created_at: DateTime(row.created_at),
        updated_at: DateTime(row.updated_at),
    })
}

/// The API's view of a callback to the merchant, from its outbox row.
pub(super) fn to_callback(row: DeliveryRow) -> Result<CallbackDelivery, ApiError> {
    let status = super::deliveries::served_status(&row.status)?;
    Ok(CallbackDelivery {
        id: ID::new(row.id),
        event: row.subject,
        url: Url(row.recipient),
        status,
        attempts: row.attempts,
        last_error: row.last_error,
        created_at: DateTime(row.created_at),
        sent_at: row.sent_at.map(DateTime),
    })
}

/// The API's view of a payment with its refunds, newest first.
fn to_payment(row: PaymentRow, refunds: Vec<Refund>) -> Result<Payment, ApiError> {
    let status = PaymentStatus::from_sdl_name(&row.status)
        .ok_or_else(|| ApiError::internal(format!("unknown payment status {:?}", row.status)))?;
    let amount = i32::try_from(row.amount_minor)
        .map_err(|_| ApiError::internal(format!("payment {} amount out of Int range", row.id)))?;
    let fee_amount = i32::try_from(row.fee_amount)
        .map_err(|_| ApiError::internal(format!("payment {} fee out of Int range", row.id)))?;
    let amount_refunded = i32::try_from(row.amount_refunded)
        .map_err(|_| ApiError::internal(format!("payment {} refunds out of Int range", row.id)))?;
    Ok(Payment {
        id: ID::new(row.id),
        amount,
        fee_amount,
        currency: row.currency,
        status,
        amount_refunded,
        refunds,
        payment_method: row.payment_method,
        link_id: row.link_id,
        session_id: row.session_id.map(ID::new),
        payer_phone: row.payer_phone,
        payer_email: row.payer_email,
        account_code: row.account_code,
        reference: row.reference,
        provider: row.provider,
        provider_reference: row.provider_reference,
        created_at: DateTime(row.created_at),
        updated_at: DateTime(row.updated_at),
    })
}
