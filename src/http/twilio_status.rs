//! Twilio's status callbacks (delivery receipts): `POST /webhooks/twilio/status/{delivery}`.
//!
//! Steps, each refusing in the one way the error policy says: the route exists only when
//! receipts are on (404); POST only (405); a form body (415) within the body limit (413); a valid
//! `X-Twilio-Signature` for the URL Twilio called, which is the configured public address plus
//! this path (403, and nothing is read of the parameters before); a status callback Twilio
//! documents (400); then the receipt is recorded, which repeated and out-of-order callbacks
//! leave unchanged (204 either way), for a delivery that exists (404).

use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use paylink_notify::{ReceiptState, TwilioWebhooks};
use paylink_store::deliveries::status;
use paylink_store::receipts::{DeliveryReceipt, ReceiptRecorded};

use super::App;
use super::body::read_body;
use super::media::ResponseMedia;
use super::refusal::Refusal;
use super::responses::Body;
use crate::receipts::{self, Receipts};

/// The header Twilio signs its requests with.
const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// The form type Twilio posts callbacks as.
const FORM: &str = "application/x-www-form-urlencoded";

/// Handles a request under [`receipts::TWILIO_STATUS_PATH`].
pub(super) async fn handle(app: &App, request: Request<Incoming>) -> Response<Body> {
    match receive(app, request).await {
        Ok(()) => {
            let mut response = Response::new(Body::default());
            *response.status_mut() = StatusCode::NO_CONTENT;
            response
        }
        Err(refusal) => refusal.render(ResponseMedia::Json),
    }
}

async fn receive(app: &App, request: Request<Incoming>) -> Result<(), Refusal> {
    let receipts = app.receipts.as_ref().ok_or(Refusal::NotFound(
        "delivery receipts are not enabled on this server",
    ))?;
    let delivery_id = receipts::delivery_of_twilio_status(request.uri().path())
        .ok_or(Refusal::NotFound("no such delivery"))?
        .to_owned();
    if request.method() != Method::POST {
        return Err(Refusal::MethodNotAllowed {
            allow: "POST",
            message: "Twilio posts status callbacks",
        });
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(FORM));
    if !is_form {
        return Err(Refusal::UnsupportedMediaType(
            "send the callback as application/x-www-form-urlencoded",
        ));
    }
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let signed_url = signed_url(receipts, &request);
    let body = read_body(request.into_body(), app.max_body_bytes).await?;
    let params: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let verified = signature
        .as_deref()
        .is_some_and(|signature| receipts.twilio.verify(&signed_url, &params, signature));
    if !verified {
        tracing::warn!(
            delivery = %delivery_id,
            signed = signature.is_some(),
            "a Twilio status callback without a valid signature was refused"
        );
        return Err(Refusal::Forbidden(
            "X-Twilio-Signature is missing or is not Twilio's signature of this request",
        ));
    }
    let receipt = TwilioWebhooks::status_receipt(&params).map_err(|error| {
        tracing::warn!(delivery = %delivery_id, %error, "a signed Twilio callback was not a status callback");
        Refusal::bad_request("not a message status callback")
    })?;
    let stored = DeliveryReceipt {
        provider_message_id: receipt.provider_message_id,
        provider_status: receipt.provider_status,
        rank: receipt.rank,
        status: match receipt.state {
            ReceiptState::Accepted => status::SENT,
            ReceiptState::Delivered => status::DELIVERED,
            ReceiptState::Undelivered => status::UNDELIVERED,
        },
        error_code: receipt.error_code,
    };
    let provider_status = stored.provider_status.clone();
    match app
        .store
        .record_receipt(&delivery_id, stored)
        .await
        .map_err(|error| Refusal::from_store(error, "recording a delivery receipt"))?
    {
        ReceiptRecorded::Applied => {
            tracing::info!(delivery = %delivery_id, provider_status, "delivery receipt recorded");
            Ok(())
        }
        ReceiptRecorded::Stale => {
            tracing::debug!(delivery = %delivery_id, provider_status, "an older or repeated delivery receipt was ignored");
            Ok(())
        }
        ReceiptRecorded::NoSuchDelivery => Err(Refusal::NotFound("no such delivery")),
    }
}

/// The URL Twilio called: the configured public address and the path and query as received.
fn signed_url(receipts: &Receipts, request: &Request<Incoming>) -> String {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path(), |value| value.as_str());
    receipts.signed_url(path_and_query)
}
