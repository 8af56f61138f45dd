//! Resolvers of payment-plan sessions.

use juniper::ID;
use paylink_store::checkouts::payments::PaymentsOf;
use paylink_store::deliveries::DeliveryRow;
use paylink_store::listing::Listing;
use paylink_store::sessions::{ListedSession, SessionLists, SessionRow, SessionView};

use super::contacts::to_contact;
use super::deliveries::to_link_delivery;
use super::generated::Payment;
use super::generated::{
    CreatePaymentPlanSessionInput, PaymentPlanFrequency, PaymentPlanSession,
    PaymentPlanSessionStatus, PaymentPlanSessions, UpdatePaymentPlanSessionInput,
};
use super::listing::{ListArgs, boundary, list_request, total_row_count, unknown_boundary};
use super::patch::{set_optional, set_required};
use super::payments::{to_callback, with_refunds};
use super::scalars::{Amount, Date, DateTime, Url};
use super::sql_query::fields::SessionFields;
use super::{ApiError, Context};
use crate::domain::session_rules::{self, SessionStatus};
use crate::domain::{ids, timestamps};
use crate::outbound::check_merchant_url;
use paylink_store::lifecycle::Status as _;

/// Which lists of a session a selection asks for; each costs a query.
#[derive(Clone, Copy, Debug)]
pub(super) struct Wanted {
    /// `deliveries`.
    pub(super) deliveries: bool,
    /// `payments`.
    pub(super) payments: bool,
    /// `callbacks`.
    pub(super) callbacks: bool,
}

impl From<Wanted> for SessionLists {
    fn from(wanted: Wanted) -> Self {
        Self {
            deliveries: wanted.deliveries,
            payments: wanted.payments,
            callbacks: wanted.callbacks,
        }
    }
}

/// `paymentPlanSessions`: one page of the caller's sessions, each with its contact and the
/// lists its items select (read for the whole page at once), counted as well when asked.
pub(super) async fn list(
    ctx: &Context,
    wanted: Wanted,
    args: ListArgs,
) -> Result<PaymentPlanSessions, ApiError> {
    let request = list_request::<SessionFields>(args)?;
    let after = boundary(&request);
    let Listing { rows, total } = ctx
        .store
        .list_sessions(&ctx.merchant_uid, request, wanted.into())
        .await?
        .ok_or_else(|| unknown_boundary(after, "payment plan sessions"))?;
    // The page's payments with their refunds, read at once.
    let all = rows
        .iter()
        .flat_map(|listed| listed.payments.iter().cloned())
        .collect();
    let mut payments: std::collections::HashMap<String, Payment> = with_refunds(ctx, all)
        .await?
        .into_iter()
        .map(|payment| (payment.id.to_string(), payment))
        .collect();
    Ok(PaymentPlanSessions {
        items: rows
            .into_iter()
            .map(
                |ListedSession {
                     view,
                     payments: rows,
                     callbacks,
                 }| {
                    let of_it = rows
                        .iter()
                        .filter_map(|row| payments.remove(&row.id))
                        .collect();
                    to_session(ctx, view, of_it, callbacks)
                },
            )
            .collect::<Result<_, _>>()?,
        total_row_count: total_row_count(total),
    })
}

/// `paymentPlanSession(id)`: the caller's session, or null.
pub(super) async fn get(
    ctx: &Context,
    wanted: Wanted,
    id: ID,
) -> Result<Option<PaymentPlanSession>, ApiError> {
    let view = ctx
        .store
        .find_session(&ctx.merchant_uid, &id, wanted.deliveries)
        .await?;
    match view {
        Some(view) => Ok(Some(with_payments(ctx, wanted, view).await?)),
        None => Ok(None),
    }
}

/// The API's view of a session, its payments and callbacks read when asked for.
async fn with_payments(
    ctx: &Context,
    wanted: Wanted,
    view: SessionView,
) -> Result<PaymentPlanSession, ApiError> {
    let payments = if wanted.payments {
        let rows = ctx
            .store
            .payments(&ctx.merchant_uid, PaymentsOf::Session(&view.session.id))
            .await?;
        with_refunds(ctx, rows).await?
    } else {
        Vec::new()
    };
    let callbacks = if wanted.callbacks {
        ctx.store
            .session_callbacks(&ctx.merchant_uid, &view.session.id)
            .await?
    } else {
        Vec::new()
    };
    to_session(ctx, view, payments, callbacks)
}

/// `createPaymentPlanSession` for one of the caller's contacts.
pub(super) async fn create(
    ctx: &Context,
    wanted: Wanted,
    input: CreatePaymentPlanSessionInput,
) -> Result<PaymentPlanSession, ApiError> {
    let now = timestamps::now();
    if let Some(url) = &input.callback_url {
        check_merchant_url(&ctx.outbound, "callbackUrl", &url.0)?;
    }
    let expiration_date = input.expiration_date.map(|d| d.0);
    session_rules::future_expiration(expiration_date, now)?;
    let row = SessionRow {
        id: ids::new_session_id(),
        merchant_uid: ctx.merchant_uid.clone(),
        contact_id: input.contact_id.to_string(),
        amount_minor: input.amount.minor(),
        currency: input.currency,
        status: SessionStatus::Active.name().to_owned(),
        frequency: input.frequency.as_str().to_owned(),
        start_date: input.start_date.0,
        occurrences: input.occurrences,
        callback_url: input.callback_url.map(|u| u.0),
        cancel_url: input.cancel_url.map(|u| u.0),
        success_url: input.success_url.map(|u| u.0),
        expiration_date,
        created_at: now,
        updated_at: now,
    };
    session_rules::validate(&row)?;
    let contact_id = row.contact_id.clone();
    let view = ctx
        .store
        .insert_session(row, wanted.deliveries)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("contact {contact_id} not found")))?;
    // A new session has no payments or callbacks yet.
    to_session(ctx, view, Vec::new(), Vec::new())
}

/// `updatePaymentPlanSession`: omitted fields stay, null clears (or is refused where the field
/// cannot be null). A new status goes through the session's lifecycle (a refusal names both
/// statuses); the terms a payer agrees to are fixed once the session is no longer Active.
pub(super) async fn update(
    ctx: &Context,
    wanted: Wanted,
    input: UpdatePaymentPlanSessionInput,
) -> Result<PaymentPlanSession, ApiError> {
    let id = input.id.to_string();
    // Only a URL given now: one stored before is checked again at each send.
    if let juniper::Nullable::Some(url) = &input.callback_url {
        check_merchant_url(&ctx.outbound, "callbackUrl", &url.0)?;
    }
    let missing = format!("payment plan session {id} not found");
    let now = timestamps::now();
    let view = ctx
        .store
        .update_session(
            &ctx.merchant_uid,
            &id,
            wanted.deliveries,
            now,
            move |mut row| {
                let before = row.clone();
                set_required(
                    "status",
                    &mut row.status,
                    input.status.map(|s| s.as_str().to_owned()),
                )?;
                set_required(
                    "amount",
                    &mut row.amount_minor,
                    input.amount.map(Amount::minor),
                )?;
                set_required(
                    "frequency",
                    &mut row.frequency,
                    input.frequency.map(|f| f.as_str().to_owned()),
                )?;
                set_required(
                    "startDate",
                    &mut row.start_date,
                    input.start_date.map(|d| d.0),
                )?;
                set_required("occurrences", &mut row.occurrences, input.occurrences)?;
                set_optional(&mut row.callback_url, input.callback_url.map(|u| u.0));
                set_optional(&mut row.cancel_url, input.cancel_url.map(|u| u.0));
                set_optional(&mut row.success_url, input.success_url.map(|u| u.0));
                if let juniper::Nullable::Some(expiration) = &input.expiration_date {
                    session_rules::future_expiration(Some(expiration.0), now)?;
                }
                set_optional(&mut row.expiration_date, input.expiration_date.map(|d| d.0));
                let status =
                    session_rules::effective_status(&before, now).map_err(ApiError::internal)?;
                session_rules::terms_may_change(&before, &row, status)?;
                session_rules::validate(&row)?;
                row.updated_at = now;
                Ok::<_, ApiError>(row)
            },
        )
        .await
        .map_err(|error| match error {
            ApiError::NotFound(_) => ApiError::NotFound(missing),
            other => other,
        })?;
    // A cancelled plan's subscription, or a closed checkout, is ended at the processor.
    ctx.paying_tasks.notify_one();
    with_payments(ctx, wanted, view).await
}

/// The API's view of a session.
fn to_session(
    ctx: &Context,
    view: SessionView,
    payments: Vec<Payment>,
    callbacks: Vec<DeliveryRow>,
) -> Result<PaymentPlanSession, ApiError> {
    let SessionView {
        session,
        contact,
        deliveries,
    } = view;
    let status_name = session_rules::effective_status(&session, timestamps::now())
        .map_err(ApiError::internal)?
        .name();
    let status = PaymentPlanSessionStatus::from_sdl_name(status_name)
        .ok_or_else(|| ApiError::internal(format!("unknown session status {status_name:?}")))?;
    let frequency = PaymentPlanFrequency::from_sdl_name(&session.frequency)
        .ok_or_else(|| ApiError::internal(format!("unknown frequency {:?}", session.frequency)))?;
    let link = (status == PaymentPlanSessionStatus::Active)
        .then(|| Url(ctx.links.session_url(&session.id)));
    Ok(PaymentPlanSession {
        id: ID::new(session.id),
        contact_id: ID::new(session.contact_id),
        contact: to_contact(contact),
        amount: Amount::from_minor(session.amount_minor),
        currency: session.currency,
        status,
        frequency,
        start_date: Date(session.start_date),
        occurrences: session.occurrences,
        callback_url: session.callback_url.map(Url),
        cancel_url: session.cancel_url.map(Url),
        success_url: session.success_url.map(Url),
        link,
        expiration_date: session.expiration_date.map(DateTime),
        created_at: DateTime(session.created_at),
        updated_at: DateTime(session.updated_at),
        deliveries: deliveries
            .into_iter()
            .map(to_link_delivery)
            .collect::<Result<_, _>>()?,
        payments,
        callbacks: callbacks
            .into_iter()
            .map(to_callback)
            .collect::<Result<_, _>>()?,
    })
}
