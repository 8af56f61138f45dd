//! The subscriptions that completed subscription-mode sessions made: `GET`, `POST` and
//! `DELETE /v1/subscriptions/{id}`, the update modelling `cancel_at` and `proration_behavior`
//! only, the cancellation `invoice_now` and `prorate` only.

use serde_json::{Value, json};

use super::{
    Answer, Event, State,
    param_error::{ParamError, invalid},
    session::Session,
    stripe_error::{error, refusal},
    unix_now,
    webhooks::record_event,
};

/// One update the stand-in applied to a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionUpdate {
    /// `sub_…`.
    pub subscription: String,
    /// The subscription's `cancel_at` after the update, Unix seconds; `None` when it has none
    /// (never set, or unset with an empty `cancel_at=`).
    pub cancel_at: Option<i64>,
    /// `proration_behavior` as sent.
    pub proration_behavior: Option<String>,
    /// The `Idempotency-Key` it came with.
    pub idempotency_key: Option<String>,
}

/// One cancellation (`DELETE /v1/subscriptions/{id}`) the stand-in applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionCancellation {
    /// `sub_…`.
    pub subscription: String,
    /// Unix seconds.
    pub canceled_at: i64,
    /// `invoice_now` as sent.
    pub invoice_now: Option<bool>,
    /// `prorate` as sent.
    pub prorate: Option<bool>,
}

/// A cancellation that passed validation, not yet applied.
#[derive(Debug, Clone)]
pub(super) struct Cancel {
    id: String,
    invoice_now: Option<bool>,
    prorate: Option<bool>,
}

/// An update that passed validation, not yet applied.
#[derive(Debug, Clone)]
pub(super) struct Update {
    id: String,
    /// `None`: not sent; `Some(None)`: sent empty, which unsets it.
    cancel_at: Option<Option<i64>>,
    proration_behavior: Option<String>,
}

/// `proration_behavior`'s values.
const PRORATION_BEHAVIORS: [&str; 3] = ["always_invoice", "create_prorations", "none"];

/// Checks an update of subscription `id` as Stripe does: the subscription exists (404
/// `resource_missing` otherwise) and is not cancelled, every parameter is modelled, `cancel_at`
/// is an integer in the future (or empty), `proration_behavior` one of Stripe's values.
pub(super) fn parse(state: &State, id: &str, form: &[(String, String)]) -> Result<Update, Answer> {
    let Some(session) = session_of(state, id) else {
        return Err(missing(id));
    };
    for (key, _) in form {
        if key != "cancel_at" && key != "proration_behavior" {
            return Err(refusal(ParamError {
                param: Some(key.clone()),
                code: "parameter_unknown",
                message: format!("Received unknown parameter: {key}"),
            }));
        }
    }
    let now = unix_now();
    if status(state, id, session, now) == "canceled" {
        return Err(error(
            400,
            "invalid_request_error",
            None,
            None,
            "You cannot update a subscription that is `canceled` or `incomplete_expired`.",
        ));
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let cancel_at = match field("cancel_at") {
        None => None,
        Some(value) if value.is_empty() => Some(None),
        Some(value) => {
            let at: i64 = value
                .parse()
                .map_err(|_| refusal(invalid("cancel_at", format!("Invalid integer: {value}"))))?;
            if at <= now {
                return Err(refusal(invalid(
                    "cancel_at",
                    "Invalid cancel_at: must be in the future.",
                )));
            }
            Some(Some(at))
        }
    };
    let proration_behavior = field("proration_behavior").filter(|v| !v.is_empty());
    if let Some(behavior) = &proration_behavior
        && !PRORATION_BEHAVIORS.contains(&behavior.as_str())
    {
        return Err(refusal(invalid(
            "proration_behavior",
            format!(
                "Invalid proration_behavior: must be one of {}",
                PRORATION_BEHAVIORS.join(", ")
            ),
        )));
    }
    Ok(Update {
        id: id.to_owned(),
        cancel_at,
        proration_behavior,
    })
}

/// Applies a validated update, records it, and answers with the subscription.
pub(super) fn apply(
    state: &mut State,
    update: &Update,
    idempotency_key: Option<String>,
) -> (u16, String) {
    let cancel_at = update
        .cancel_at
        .unwrap_or_else(|| cancel_at(state, &update.id));
    state.subscription_updates.push(SubscriptionUpdate {
        subscription: update.id.clone(),
        cancel_at,
        proration_behavior: update.proration_behavior.clone(),
        idempotency_key,
    });
    match session_of(state, &update.id) {
        Some(session) => (200, to_json(state, session, &update.id).to_string()),
        // Sessions are never removed, so the one found at validation is still there.
        None => (404, missing(&update.id).body),
    }
}

/// Checks a cancellation of subscription `id`: one the stand-in knows and not yet canceled
/// (Stripe answers a second cancellation as it answers an unknown id, 404 "No such
/// subscription", although `GET` still returns the canceled subscription), and of the
/// parameters only `invoice_now` and `prorate`, booleans.
pub(super) fn parse_cancel(
    state: &State,
    id: &str,
    params: &[(String, String)],
) -> Result<Cancel, Answer> {
    for (key, _) in params {
        if key != "invoice_now" && key != "prorate" {
            return Err(refusal(ParamError {
                param: Some(key.clone()),
                code: "parameter_unknown",
                message: format!("Received unknown parameter: {key}"),
            }));
        }
    }
    let flag = |name: &str| -> Result<Option<bool>, Answer> {
        match params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
        {
            None | Some("") => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(refusal(invalid(name, format!("Invalid boolean: {other}")))),
        }
    };
    let cancel = Cancel {
        id: id.to_owned(),
        invoice_now: flag("invoice_now")?,
        prorate: flag("prorate")?,
    };
    live(state, id)?;
    Ok(cancel)
}

/// Cancels a validated subscription now, checked again (a stalled request may find it
/// canceled meanwhile), records it, answers with the canceled subscription and sends
/// `customer.subscription.deleted`, caused by `request`.
pub(super) fn cancel(
    state: &mut State,
    cancel: &Cancel,
    request: Value,
) -> (u16, String, Vec<Event>) {
    let session = match live(state, &cancel.id) {
        Ok(session) => session.clone(),
        Err(answer) => return (answer.status, answer.body, Vec::new()),
    };
    state
        .subscription_cancellations
        .push(SubscriptionCancellation {
            subscription: cancel.id.clone(),
            canceled_at: unix_now(),
            invoice_now: cancel.invoice_now,
            prorate: cancel.prorate,
        });
    let object = to_json(state, &session, &cancel.id);
    let event = record_event(
        state,
        "customer.subscription.deleted",
        &session.id,
        object.clone(),
        request,
    );
    (200, object.to_string(), vec![event])
}

/// The session of subscription `id` when it is not canceled; else Stripe's 404.
fn live<'a>(state: &'a State, id: &str) -> Result<&'a Session, Answer> {
    match session_of(state, id) {
        Some(session) if status(state, id, session, unix_now()) != "canceled" => Ok(session),
        _ => Err(missing(id)),
    }
}

/// `GET /v1/subscriptions/{id}`.
pub(super) fn retrieve(state: &State, id: &str) -> Answer {
    match session_of(state, id) {
        Some(session) => Answer::json(200, to_json(state, session, id).to_string()),
        None => missing(id),
    }
}

/// The subscription's `cancel_at` as the last update left it.
pub(super) fn cancel_at(state: &State, id: &str) -> Option<i64> {
    state
        .subscription_updates
        .iter()
        .rev()
        .find(|update| update.subscription == id)
        .and_then(|update| update.cancel_at)
}

/// When subscription `id` was canceled through the API, Unix seconds.
pub(super) fn canceled_at(state: &State, id: &str) -> Option<i64> {
    state
        .subscription_cancellations
        .iter()
        .find(|c| c.subscription == id)
        .map(|c| c.canceled_at)
}

/// The completed session that made subscription `id`.
pub(super) fn session_of<'a>(state: &'a State, id: &str) -> Option<&'a Session> {
    state
        .sessions
        .iter()
        .find(|s| s.subscription.as_deref() == Some(id))
}

fn missing(id: &str) -> Answer {
    error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        Some("id"),
        &format!("No such subscription: '{id}'"),
    )
}

/// `canceled` once cancelled or once `cancel_at` has passed; `past_due` while its latest
/// invoice is unpaid; `trialing` before `trial_end` until an invoice ends the trial; else
/// `active`.
pub(super) fn status(state: &State, id: &str, session: &Session, now: i64) -> &'static str {
    let latest_invoice = state.invoices.iter().rev().find(|i| i.subscription == id);
    if ended_at(state, id, now).is_some() {
        "canceled"
    } else if latest_invoice.is_some_and(|invoice| invoice.status == "open") {
        "past_due"
    } else if latest_invoice.is_none() && session.trial_end.is_some_and(|end| end > now) {
        "trialing"
    } else {
        "active"
    }
}

/// When subscription `id` ended: its cancellation, or its `cancel_at` once passed.
fn ended_at(state: &State, id: &str, now: i64) -> Option<i64> {
    canceled_at(state, id).or_else(|| cancel_at(state, id).filter(|at| *at <= now))
}

/// The subscription object as Stripe's API returns it (the fields this stand-in models).
pub(super) fn to_json(state: &State, session: &Session, id: &str) -> Value {
    let now = unix_now();
    let ended = ended_at(state, id, now);
    let latest_invoice = state
        .invoices
        .iter()
        .rev()
        .find(|i| i.subscription == id)
        .map(|i| i.id.clone());
    json!({
        "id": id,
        "object": "subscription",
        "cancel_at": cancel_at(state, id),
        "cancel_at_period_end": false,
        "canceled_at": ended,
        "currency": session.currency,
        "customer": null,
        "ended_at": ended,
        "latest_invoice": latest_invoice,
        "livemode": false,
        "metadata": session.subscription_metadata,
        "status": status(state, id, session, now),
        "trial_end": session.trial_end,
    })
}
