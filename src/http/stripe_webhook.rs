//! Stripe's events: `POST /webhooks/stripe`, the endpoint a Stripe account's webhook points at.
//!
//! Steps, each refusing in the one way the error policy says: the route exists only when Stripe
//! takes payments (404); POST only (405); the body within the limit (413); a valid
//! `Stripe-Signature` over the raw body, made with the endpoint's secret within the tolerance
//! (400, as Stripe's guide answers a failed check, and nothing is read of the event before);
//! then the event is applied once, whatever order and however often Stripe delivers it (200).
//! A plan's invoices and refunds the processor reports are applied too (see
//! `paying::processor_events`). Events of other types, and for sessions paylink did not make,
//! are acknowledged and ignored;
//! an event that contradicts its checkout (another amount, currency or session) is logged and
//! not applied. A plan's subscription is told when to end before its completion is recorded.
//! Only a failure to store the event, or to set that end, answers 503, so that Stripe tries
//! again.

use std::time::SystemTime;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use paylink_store::checkouts::Applied;

use super::App;
use super::body::read_body;
use super::media::ResponseMedia;
use super::refusal::Refusal;
use super::responses::{self, Body};
use crate::paying::{MoneyEvent, Provider, ProviderOutcome};

/// Where Stripe posts events.
pub(crate) const PATH: &str = "/webhooks/stripe";

/// How long an event about a payment or plan paylink does not know is answered 503, so that
/// Stripe delivers it again once what it is about has arrived.
const NOT_YET_KNOWN_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// How old an event is, by the time Stripe says it was created.
fn event_age(event: &paylink_payments::Event) -> std::time::Duration {
    let created = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(event.created).unwrap_or(0));
    SystemTime::now()
        .duration_since(created)
        .unwrap_or_default()
}

/// The header Stripe signs events with.
const SIGNATURE_HEADER: &str = "stripe-signature";

/// Handles a request at [`PATH`].
pub(super) async fn handle(app: &App, request: Request<Incoming>) -> Response<Body> {
    match receive(app, request).await {
        Ok(()) => responses::json(
            StatusCode::OK,
            ResponseMedia::Json,
            br#"{"received":true}"#.to_vec(),
        ),
        Err(refusal) => refusal.render(ResponseMedia::Json),
    }
}

async fn receive(app: &App, request: Request<Incoming>) -> Result<(), Refusal> {
    let Provider::Stripe(stripe) = &app.paying.provider else {
        return Err(Refusal::NotFound(
            "Stripe does not take payments on this server",
        ));
    };
    if request.method() != Method::POST {
        return Err(Refusal::MethodNotAllowed {
            allow: "POST",
            message: "Stripe posts events",
        });
    }
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = read_body(request.into_body(), app.max_body_bytes).await?;
    let event = stripe
        .verify_event(&body, signature.as_deref(), SystemTime::now())
        .map_err(|error| {
            tracing::warn!(%error, "a Stripe webhook was refused");
            Refusal::bad_request(error.to_string())
        })?;
    // A plan's subscription gets its end before its completion is recorded (plan_end.rs).
    app.paying
        .end_plan_subscription(&event)
        .await
        .map_err(|error| {
            tracing::warn!(event = %event.id, %error, "a plan's end could not be set; Stripe will deliver the event again");
            Refusal::Unavailable
        })?;
    let Some(outcome) = ProviderOutcome::of_stripe(&event) else {
        let applied = app
            .paying
            .apply_money_event(&event)
            .await
            .map_err(|error| Refusal::from_store(error, "applying a Stripe event"))?;
        match applied {
            MoneyEvent::Applied(what) => {
                tracing::info!(event = %event.id, what, "Stripe event applied")
            }
            MoneyEvent::NotMine => {
                tracing::debug!(event = %event.id, "a Stripe event of no interest was acknowledged");
            }
            // Stripe delivers in no order: a refund or invoice can come before the completion
            // that makes its payment or plan known. Asked again, Stripe retries for days; after
            // a day the event is taken to be another integration's and acknowledged.
            MoneyEvent::NotYetKnown(what) if event_age(&event) < NOT_YET_KNOWN_FOR => {
                tracing::info!(event = %event.id, what, "a Stripe event came before what it is about; Stripe will deliver it again");
                return Err(Refusal::Unavailable);
            }
            MoneyEvent::NotYetKnown(what) => {
                tracing::warn!(event = %event.id, what, "a Stripe event about nothing paylink knows was acknowledged");
            }
        }
        return Ok(());
    };
    let checkout = outcome.checkout_id().to_owned();
    match app
        .paying
        .apply(outcome)
        .await
        .map_err(|error| Refusal::from_store(error, "applying a Stripe event"))?
    {
        Applied::Recorded(_) => {
            tracing::info!(event = %event.id, checkout, "Stripe event applied");
        }
        Applied::Repeated => {
            tracing::debug!(event = %event.id, checkout, "a Stripe event delivered again was ignored");
        }
        Applied::NoSuchCheckout => {
            tracing::warn!(event = %event.id, checkout, "a Stripe event names no checkout of paylink's");
        }
        Applied::Mismatch(reason) => {
            tracing::error!(event = %event.id, checkout, reason, "a Stripe event contradicts its checkout and was not applied");
        }
    }
    Ok(())
}
