//! Sending links and reading their deliveries. A send checks the session (or payment link), the
//! channel and the recipient, and queues a delivery row in the same transaction (the outbox);
//! the dispatcher sends it. A refused send is `success: false` with the reason, not an error.

use juniper::ID;
use paylink_store::deliveries::{DeliveryRow, NewDelivery, status as delivery_status};
use paylink_store::sending::{LinkSend, SessionSend};

use super::generated::{
    DeliveryStatus, LinkDelivery, OperationSuccess, PaymentSessionLinkChannel,
    SendPaymentLinkInput, SendPaymentPlanSessionLinkInput,
};
use super::scalars::DateTime;
use super::{ApiError, Context};
use crate::domain::checkout_rules;
use crate::domain::link_sending::{self, Channel, SendRefusal};
use crate::domain::messages::{self, LinkMessage};
use crate::domain::{ids, timestamps};
use paylink_store::lifecycle::Status as _;

/// `paymentLinkDeliveries(link_id)`: the deliveries of one of the caller's payment links.
pub(super) async fn for_payment_link(
    ctx: &Context,
    link_id: String,
) -> Result<Vec<LinkDelivery>, ApiError> {
    let rows = ctx
        .store
        .link_deliveries(&ctx.merchant_uid, &link_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("payment link {link_id:?} not found")))?;
    rows.into_iter().map(to_link_delivery).collect()
}

/// `sendPaymentPlanSessionLink`.
pub(super) async fn send_session_link(
    ctx: &Context,
    input: SendPaymentPlanSessionLinkInput,
) -> Result<OperationSuccess, ApiError> {
    let merchant_uid = ctx.merchant_uid.clone();
    let links = ctx.links.clone();
    let channel = channel(input.channel);
    let session_id = input.id.to_string();
    let id = session_id.clone();
    let outcome = ctx
        .store
        .queue_session_send(&ctx.merchant_uid, &session_id, move |send| {
            let Some(SessionSend {
                session,
                contact,
                merchant_name,
            }) = send
            else {
                return Ok(Err(SendRefusal::SessionNotFound(id)));
            };
            if let Some(status) = checkout_rules::session_closed(&session, timestamps::now()) {
                return Ok(Err(SendRefusal::SessionNotActive {
                    id,
                    status: status.name().to_owned(),
                }));
            }
            let recipient = link_sending::recipient(
                channel,
                input.to.as_deref(),
                contact.as_ref().and_then(|c| c.email.as_deref()),
                contact.as_ref().and_then(|c| c.phone.as_deref()),
                Some(&session.contact_id),
            );
            let recipient = match recipient {
                Ok(recipient) => recipient,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let merchant = known_merchant(merchant_name, &merchant_uid)?;
            let link = links.session_url(&session.id);
            let message = messages::session_link(&merchant, &session, &link);
            Ok::<_, ApiError>(Ok(delivery(
                &merchant_uid,
                Target::Session(session.id),
                channel,
                recipient,
                &message,
                &link,
            )))
        })
        .await?;
    Ok(answer(ctx, outcome))
}

/// `sendPaymentLink`.
pub(super) async fn send_payment_link(
    ctx: &Context,
    input: SendPaymentLinkInput,
) -> Result<OperationSuccess, ApiError> {
    let merchant_uid = ctx.merchant_uid.clone();
    let links = ctx.links.clone();
    let channel = channel(input.channel);
    let link_id = input.link_id.clone();
    let outcome = ctx
        .store
        .queue_link_send(&ctx.merchant_uid, &link_id, move |send| {
            let Some(LinkSend {
                link,
                merchant_name,
            }) = send
            else {
                return Ok(Err(SendRefusal::LinkNotFound(input.link_id)));
            };
            if let Some(status) = checkout_rules::link_closed(&link, timestamps::now()) {
                return Ok(Err(SendRefusal::LinkNotActive {
                    id: link.link_id,
                    status: status.name().to_owned(),
                }));
            }
            let recipient =
                match link_sending::recipient(channel, input.to.as_deref(), None, None, None) {
                    Ok(recipient) => recipient,
                    Err(refusal) => return Ok(Err(refusal)),
                };
            let merchant = known_merchant(merchant_name, &merchant_uid)?;
            let url = links.link_url(&link.link_id);
            let message = messages::payment_link(&merchant, &link, &url);
            Ok::<_, ApiError>(Ok(delivery(
                &merchant_uid,
                Target::PaymentLink(link.link_id),
                channel,
                recipient,
                &message,
                &url,
            )))
        })
        .await?;
    Ok(answer(ctx, outcome))
}

/// What a delivery sends.
enum Target {
    Session(String),
    PaymentLink(String),
}

fn channel(channel: PaymentSessionLinkChannel) -> Channel {
    match channel {
        PaymentSessionLinkChannel::Email => Channel::Email,
        PaymentSessionLinkChannel::Phone => Channel::Phone,
    }
}

/// The merchant's name; a key whose merchant is gone is a broken invariant.
fn known_merchant(name: Option<String>, merchant_uid: &str) -> Result<String, ApiError> {
    name.ok_or_else(|| {
        ApiError::internal(format!("merchant {merchant_uid} of a valid key is missing"))
    })
}

/// The Queued outbox row of a send.
fn delivery(
    merchant_uid: &str,
    target: Target,
    channel: Channel,
    recipient: String,
    message: &LinkMessage,
    link: &str,
) -> DeliveryRow {
    let now = timestamps::now();
    let (session_id, link_id) = match target {
        Target::Session(id) => (Some(id), None),
        Target::PaymentLink(id) => (None, Some(id)),
    };
    let body_text = match channel {
        Channel::Email => message.text.clone(),
        Channel::Phone => messages::sms_body(message, link),
    };
    DeliveryRow::queued(
        NewDelivery {
            id: ids::new_delivery_id(),
            merchant_uid: merchant_uid.to_owned(),
            session_id,
            link_id,
            channel: channel.as_str().to_owned(),
            recipient,
            subject: message.subject.clone(),
            body_text,
            body_html: message.html.clone(),
        },
        now,
    )
}

/// The contract's answer; a queued delivery wakes the dispatcher.
fn answer(ctx: &Context, outcome: Result<DeliveryRow, SendRefusal>) -> OperationSuccess {
    match outcome {
        Ok(row) => {
            ctx.deliveries_queued.notify_one();
            OperationSuccess {
                success: true,
                message: Some(format!(
                    "delivery {} queued: {} to {}",
                    row.id, row.channel, row.recipient
                )),
            }
        }
        Err(refusal) => OperationSuccess {
            success: false,
            message: Some(refusal.to_string()),
        },
    }
}

/// A delivery's or callback's status as served. An attempt in doubt is still being worked on,
/// as far as a merchant is concerned: paylink asks the provider before anything is sent again.
pub(super) fn served_status(stored: &str) -> Result<DeliveryStatus, ApiError> {
    let shown = if stored == delivery_status::UNKNOWN {
        delivery_status::SENDING
    } else {
        stored
    };
    DeliveryStatus::from_sdl_name(shown)
        .ok_or_else(|| ApiError::internal(format!("unknown delivery status {stored:?}")))
}

/// The API's view of a delivery.
pub(super) fn to_link_delivery(row: DeliveryRow) -> Result<LinkDelivery, ApiError> {
    let channel = PaymentSessionLinkChannel::from_sdl_name(&row.channel)
        .ok_or_else(|| ApiError::internal(format!("unknown channel {:?}", row.channel)))?;
    let status = served_status(&row.status)?;
    Ok(LinkDelivery {
        id: ID::new(row.id),
        channel,
        recipient: row.recipient,
        status,
        attempts: row.attempts,
        last_error: row.last_error,
        provider_message_id: row.provider_message_id,
        created_at: DateTime(row.created_at),
        sent_at: row.sent_at.map(DateTime),
        provider_status: row.provider_status,
        provider_error_code: row.provider_error_code,
        receipt_at: row.receipt_at.map(DateTime),
    })
}
