//! Refunds ("Create a refund", `POST /v1/refunds`) of the payments the stand-in took, and the
//! refunds a merchant makes in the Dashboard, which tests make with
//! [`StripeServer::refund_from_dashboard`].

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    Answer, Event, State, StripeServer,
    charges::{self, Charge},
    metadata::check_metadata,
    new_id,
    param_error::{ParamError, invalid, missing},
    session::format_minor,
    stripe_error::{error, refusal},
    unix_now,
    webhooks::{no_request, record_event},
};

/// One refund the stand-in made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// `re_…`.
    pub id: String,
    /// The PaymentIntent refunded, `pi_…`.
    pub payment_intent: String,
    /// Its charge, `ch_…`.
    pub charge: String,
    /// Minor units.
    pub amount: i64,
    /// Lower-case ISO 4217 code, the charge's.
    pub currency: String,
    /// `succeeded` (a card's refund, at once), `pending` (a bank debit's, until
    /// [`StripeServer::settle_refund`]) or `failed`.
    pub status: String,
    /// `duplicate`, `fraudulent` or `requested_by_customer`, as sent.
    pub reason: Option<String>,
    /// `metadata[k]` as sent.
    pub metadata: BTreeMap<String, String>,
    /// Unix seconds.
    pub created: i64,
    /// The `Idempotency-Key` of the request that made it.
    pub idempotency_key: Option<String>,
    /// Made in the Dashboard ([`StripeServer::refund_from_dashboard`]) rather than through the
    /// API.
    pub from_dashboard: bool,
}

/// A refund that passed validation, not yet made.
#[derive(Debug, Clone)]
pub(super) struct NewRefund {
    payment_intent: String,
    amount: Option<i64>,
    reason: Option<String>,
    metadata: BTreeMap<String, String>,
}

/// The parameters modelled, besides `metadata[k]`.
const KNOWN: [&str; 3] = ["payment_intent", "amount", "reason"];

/// The reasons a refund may give.
const REASONS: [&str; 3] = ["duplicate", "fraudulent", "requested_by_customer"];

/// Checks a refund as Stripe does: only the parameters modelled (`charge`, `expand` and the
/// rest are refused as unknown), a `payment_intent`, an `amount` that is a positive integer, a
/// `reason` of Stripe's three, `metadata` within Stripe's limits; then that the payment exists
/// and can give that much back ([`check`]).
pub(super) fn parse(state: &State, form: &[(String, String)]) -> Result<NewRefund, Answer> {
    for (key, _) in form {
        let is_metadata =
            key.starts_with("metadata[") && key.ends_with(']') && key.len() > "metadata[]".len();
        if !KNOWN.contains(&key.as_str()) && !is_metadata {
            return Err(refusal(ParamError {
                param: Some(key.clone()),
                code: "parameter_unknown",
                message: format!("Received unknown parameter: {key}"),
            }));
        }
    }
    // Stripe reads an empty value as "not given".
    let get = |key: &str| {
        form.iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let payment_intent = get("payment_intent").ok_or_else(|| refusal(missing("payment_intent")))?;
    let amount = match get("amount") {
        None => None,
        Some(value) => {
            let amount: i64 = value
                .parse()
                .map_err(|_| refusal(invalid("amount", format!("Invalid integer: {value}"))))?;
            if amount < 1 {
                return Err(refusal(ParamError {
                    param: Some("amount".into()),
                    code: "parameter_invalid_integer",
                    message: "Invalid positive integer".into(),
                }));
            }
            Some(amount)
        }
    };
    let reason = get("reason");
    if let Some(reason) = &reason
        && !REASONS.contains(&reason.as_str())
    {
        return Err(refusal(invalid(
            "reason",
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
        )));
    }
    let metadata: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((key.to_owned(), v.clone()))
        })
        .collect();
    check_metadata("metadata", &metadata).map_err(refusal)?;
    let new = NewRefund {
        payment_intent,
        amount,
        reason,
        metadata,
    };
    check(state, &new)?;
    Ok(new)
}

/// Stripe's refusals of a refund its payment cannot give, or the charge and the amount to
/// refund (by default, all that remains): 404 for an unknown PaymentIntent; 400 for one
/// without a successful charge, one refunded in full (`charge_already_refunded`), or an
/// `amount` above the charge or above what remains of it.
fn check(state: &State, new: &NewRefund) -> Result<(usize, i64), Answer> {
    let Some(at) = state
        .charges
        .iter()
        .position(|c| c.payment_intent == new.payment_intent)
    else {
        return Err(error(
            404,
            "invalid_request_error",
            Some("resource_missing"),
            Some("payment_intent"),
            &format!("No such payment_intent: '{}'", new.payment_intent),
        ));
    };
    let charge = &state.charges[at];
    if charge.status != "succeeded" {
        return Err(error(
            400,
            "invalid_request_error",
            None,
            None,
            &format!(
                "This PaymentIntent ({}) does not have a successful charge to refund.",
                charge.payment_intent
            ),
        ));
    }
    let remaining = charge.amount - charges::amount_refunded(state, &charge.id);
    if remaining <= 0 {
        return Err(error(
            400,
            "invalid_request_error",
            Some("charge_already_refunded"),
            None,
            &format!("Charge {} has already been refunded.", charge.id),
        ));
    }
    let amount = new.amount.unwrap_or(remaining);
    let too_much =
        |message: String| error(400, "invalid_request_error", None, Some("amount"), &message);
    if amount > charge.amount {
        return Err(too_much(format!(
            "Refund amount ({}) is greater than charge amount ({})",
            money(amount, &charge.currency),
            money(charge.amount, &charge.currency)
        )));
    }
    if amount > remaining {
        return Err(too_much(format!(
            "Refund amount ({}) is greater than unrefunded amount on charge ({})",
            money(amount, &charge.currency),
            money(remaining, &charge.currency)
        )));
    }
    Ok((at, amount))
}

/// Makes a validated refund, checked again (another refund may have come first while a
/// stalled request waited), and answers with it; its events are caused by `request`.
pub(super) fn create(
    state: &mut State,
    new: &NewRefund,
    idempotency_key: Option<String>,
    request: Value,
) -> (u16, String, Vec<Event>) {
    match make(state, new, idempotency_key, false) {
        Ok(refund) => {
            let events = created_events(state, &refund, request);
            (200, to_json(&refund).to_string(), events)
        }
        Err(answer) => (answer.status, answer.body, Vec::new()),
    }
}

fn make(
    state: &mut State,
    new: &NewRefund,
    idempotency_key: Option<String>,
    from_dashboard: bool,
) -> Result<Refund, Answer> {
    let (at, amount) = check(state, new)?;
    let charge: &Charge = &state.charges[at];
    let refund = Refund {
        id: new_id("re_", 24),
        payment_intent: charge.payment_intent.clone(),
        charge: charge.id.clone(),
        amount,
        currency: charge.currency.clone(),
        // Card refunds succeed at once in test mode; a bank debit's takes days.
        status: if charge.payment_method_type == "card" {
            "succeeded"
        } else {
            "pending"
        }
        .into(),
        reason: new.reason.clone(),
        metadata: new.metadata.clone(),
        created: unix_now(),
        idempotency_key,
        from_dashboard,
    };
    state.refunds.push(refund.clone());
    Ok(refund)
}

/// A new refund's events: `charge.refunded` (the charge with its new `amount_refunded`) and,
/// from 2024-10-28.acacia on, `refund.created`.
fn created_events(state: &mut State, refund: &Refund, request: Value) -> Vec<Event> {
    let Some(charge) = state
        .charges
        .iter()
        .find(|c| c.id == refund.charge)
        .cloned()
    else {
        return Vec::new();
    };
    let mut events = Vec::new();
    if state.api_version.sends_refund_events() {
        events.push(record_event(
            state,
            "refund.created",
            &charge.session_id,
            to_json(refund),
            request.clone(),
        ));
    }
    let object = charges::to_json(state, &charge);
    events.push(record_event(
        state,
        "charge.refunded",
        &charge.session_id,
        object,
        request,
    ));
    events
}

/// The refund as Stripe's API and events show it (the fields modelled).
fn to_json(refund: &Refund) -> Value {
    json!({
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount,
        "balance_transaction": null,
        "charge": refund.charge,
        "created": refund.created,
        "currency": refund.currency,
        "metadata": refund.metadata,
        "payment_intent": refund.payment_intent,
        "reason": refund.reason,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": refund.status,
        "transfer_reversal": null,
    })
}

/// An amount as Stripe's refund messages write it, e.g. `$12.50`.
fn money(amount: i64, currency: &str) -> String {
    let text = format_minor(amount, currency);
    let number = text.split(' ').next().unwrap_or_default();
    match currency {
        "usd" => format!("${number}"),
        "eur" => format!("€{number}"),
        "gbp" => format!("£{number}"),
        _ => text,
    }
}

impl StripeServer {
    /// Refunds made, oldest first, as they are now.
    pub fn refunds(&self) -> Vec<Refund> {
        self.shared.lock().refunds.clone()
    }

    /// Refunds `amount` (minor units; `None`: all that remains) of the payment `payment_intent`
    /// as a merchant does in the Dashboard, with the same checks and events as `POST
    /// /v1/refunds` (no API request caused them); panics with Stripe's message when refused.
    pub async fn refund_from_dashboard(&self, payment_intent: &str, amount: Option<i64>) -> Refund {
        let (refund, events) = {
            let mut state = self.shared.lock();
            let new = NewRefund {
                payment_intent: payment_intent.to_owned(),
                amount,
                reason: None,
                metadata: BTreeMap::new(),
            };
            let refund = make(&mut state, &new, None, true).unwrap_or_else(|answer| {
                panic!("test Stripe server: refund refused: {}", answer.body)
            });
            let events = created_events(&mut state, &refund, no_request());
            (refund, events)
        };
        self.send_now(&events).await;
        refund
    }

    /// Settles a pending refund (a bank debit's): `succeeded`, or `failed`, when its money
    /// returns to the charge. Sends `charge.refund.updated` and, from 2024-10-28.acacia on,
    /// `refund.updated` (and `refund.failed`); the refund as it now is. Panics when the refund
    /// is unknown or not pending.
    pub async fn settle_refund(&self, refund_id: &str, succeeded: bool) -> Refund {
        let (refund, events) = {
            let mut state = self.shared.lock();
            let refund = state
                .refunds
                .iter_mut()
                .find(|r| r.id == refund_id)
                .unwrap_or_else(|| panic!("test Stripe server: no refund {refund_id}"));
            assert_eq!(
                refund.status, "pending",
                "test Stripe server: refund {refund_id} is not pending"
            );
            refund.status = if succeeded { "succeeded" } else { "failed" }.into();
            let refund = refund.clone();
            let session_id = state
                .charges
                .iter()
                .find(|c| c.id == refund.charge)
                .map(|c| c.session_id.clone())
                .unwrap_or_default();
            let mut types = vec!["charge.refund.updated"];
            if state.api_version.sends_refund_events() {
                types.push("refund.updated");
                if !succeeded {
                    types.push("refund.failed");
                }
            }
            let events = types
                .into_iter()
                .map(|event_type| {
                    record_event(
                        &mut state,
                        event_type,
                        &session_id,
                        to_json(&refund),
                        no_request(),
                    )
                })
                .collect::<Vec<_>>();
            (refund, events)
        };
        self.send_now(&events).await;
        refund
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_written_as_stripe_writes_them() {
        assert_eq!(super::money(2500, "usd"), "$25.00");
        assert_eq!(super::money(9390, "gbp"), "£93.90");
        assert_eq!(super::money(500, "jpy"), "500 JPY");
    }
}
