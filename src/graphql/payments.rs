//! Resolvers of payments: what payers paid through a merchant's links and sessions.

use juniper::ID;
use paylink_store::checkouts::payments::{PaymentRow, PaymentsOf};
use paylink_store::deliveries::DeliveryRow;
use paylink_store::listing::Listing;

use super::generated::{CallbackDelivery, Payment, PaymentStatus, Payments};
use super::listing::{ListArgs, boundary, list_request, total_row_count, unknown_boundary};
use super::scalars::{DateTime, Url};
use super::sql_query::fields::PaymentFields;
use super::{ApiError, Context};

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
        items: rows.into_iter().map(to_payment).collect::<Result<_, _>>()?,
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
    ctx.store
        .payments(&ctx.merchant_uid, PaymentsOf::Link(&link_id))
        .await?
        .into_iter()
        .map(to_payment)
        .collect()
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

/// The API's view of a payment.
pub(super) fn to_payment(row: PaymentRow) -> Result<Payment, ApiError> {
    let status = PaymentStatus::from_sdl_name(&row.status)
        .ok_or_else(|| ApiError::internal(format!("unknown payment status {:?}", row.status)))?;
    let amount = i32::try_from(row.amount_minor)
        .map_err(|_| ApiError::internal(format!("payment {} amount out of Int range", row.id)))?;
    let amount_refunded = i32::try_from(row.amount_refunded)
        .map_err(|_| ApiError::internal(format!("payment {} refunds out of Int range", row.id)))?;
    Ok(Payment {
        id: ID::new(row.id),
        amount,
        currency: row.currency,
        status,
        amount_refunded,
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
