//! The subscriptions that completed subscription-mode sessions made: `GET` and `POST
//! /v1/subscriptions/{id}`, the update modelling `cancel_at` and `proration_behavior` only.

use serde_json::{Value, json};

use super::{
    Answer, State,
    param_error::{ParamError, invalid},
    session::Session,
    stripe_error::{error, refusal},
    unix_now,
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
    if status(session, cancel_at(state, id), now) == "canceled" {
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
        Some(session) => (200, to_json(session, &update.id, cancel_at).to_string()),
        // Sessions are never removed, so the one found at validation is still there.
        None => (404, missing(&update.id).body),
    }
}

/// `GET /v1/subscriptions/{id}`.
pub(super) fn retrieve(state: &State, id: &str) -> Answer {
    match session_of(state, id) {
        Some(session) => Answer::json(200, to_json(session, id, cancel_at(state, id)).to_string()),
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

/// The completed session that made subscription `id`.
fn session_of<'a>(state: &'a State, id: &str) -> Option<&'a Session> {
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

/// `canceled` once `cancel_at` has passed, `trialing` before `trial_end`, else `active` (the
/// stand-in's payments never fail, so never `past_due`).
fn status(session: &Session, cancel_at: Option<i64>, now: i64) -> &'static str {
    if cancel_at.is_some_and(|at| at <= now) {
        "canceled"
    } else if session.trial_end.is_some_and(|end| end > now) {
        "trialing"
    } else {
        "active"
    }
}

/// The subscription object as Stripe's API returns it (the fields this stand-in models).
fn to_json(session: &Session, id: &str, cancel_at: Option<i64>) -> Value {
    let now = unix_now();
    json!({
        "id": id,
        "object": "subscription",
        "cancel_at": cancel_at,
        "cancel_at_period_end": false,
        "currency": session.currency,
        "customer": null,
        "livemode": false,
        "metadata": session.subscription_metadata,
        "status": status(session, cancel_at, now),
        "trial_end": session.trial_end,
    })
}
