//! The payments the stand-in took, as Stripe's Charges: a payment-mode session paid on the
//! hosted page (by card, or by a bank debit once it settles) and a plan's later invoice.

use serde_json::{Value, json};

use super::{
    State, new_id,
    session::{Finish, Session},
    unix_now,
};

/// One payment, as the stand-in holds it: the Charge of a PaymentIntent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// `ch_…`.
    pub id: String,
    /// `pi_…`: the session's `payment_intent`, or the invoice's.
    pub payment_intent: String,
    /// Minor units.
    pub amount: i64,
    /// Lower-case ISO 4217 code.
    pub currency: String,
    /// `succeeded`, `pending` (a bank debit still settling) or `failed`.
    pub status: String,
    /// `card` or `us_bank_account`; refunds of a bank debit stay `pending` until
    /// [`StripeServer::settle_refund`](super::StripeServer::settle_refund).
    pub payment_method_type: String,
    /// The session that made the payment, or the subscription the invoice belongs to.
    pub session_id: String,
    /// `in_…` for an invoice's payment.
    pub invoice: Option<String>,
    /// Unix seconds.
    pub created: i64,
}

impl Charge {
    pub(super) fn new(
        payment_intent: &str,
        amount: i64,
        currency: &str,
        status: &str,
        payment_method_type: &str,
        session_id: &str,
        invoice: Option<&str>,
    ) -> Charge {
        Charge {
            id: new_id("ch_", 24),
            payment_intent: payment_intent.to_owned(),
            amount,
            currency: currency.to_owned(),
            status: status.to_owned(),
            payment_method_type: payment_method_type.to_owned(),
            session_id: session_id.to_owned(),
            invoice: invoice.map(str::to_owned),
            created: unix_now(),
        }
    }
}

/// Completes session `at` as the payer finishing the page does, and records a payment-mode
/// session's charge: succeeded for a card, pending for a bank debit. The event type to send.
pub(super) fn finish(state: &mut State, at: usize, how: Finish) -> Result<&'static str, String> {
    let event_type = state.sessions[at].finish(how)?;
    let session = &state.sessions[at];
    if let Some(charge) = session_charge(session, how) {
        state.charges.push(charge);
    }
    Ok(event_type)
}

fn session_charge(session: &Session, how: Finish) -> Option<Charge> {
    let payment_intent = session.payment_intent.as_deref()?;
    let (status, method) = match how {
        Finish::Card => ("succeeded", "card"),
        Finish::BankDebit => ("pending", "us_bank_account"),
    };
    Some(Charge::new(
        payment_intent,
        session.amount_total.unwrap_or_default(),
        session.currency.as_deref().unwrap_or("usd"),
        status,
        method,
        &session.id,
        None,
    ))
}

/// Settles session `at`'s bank debit, and its charge with it. The event type to send.
pub(super) fn settle(
    state: &mut State,
    at: usize,
    succeeded: bool,
) -> Result<&'static str, String> {
    let event_type = state.sessions[at].settle(succeeded)?;
    let payment_intent = state.sessions[at].payment_intent.clone();
    if let Some(charge) = state
        .charges
        .iter_mut()
        .find(|c| Some(&c.payment_intent) == payment_intent.as_ref())
    {
        charge.status = if succeeded { "succeeded" } else { "failed" }.into();
    }
    Ok(event_type)
}

/// What refunds have taken back from charge `charge_id`: every refund but failed and
/// canceled ones, whose money came back.
pub(super) fn amount_refunded(state: &State, charge_id: &str) -> i64 {
    state
        .refunds
        .iter()
        .filter(|r| r.charge == charge_id && r.status != "failed" && r.status != "canceled")
        .map(|r| r.amount)
        .sum()
}

/// The charge as Stripe's API and events show it (the fields modelled). Since API version
/// 2022-11-15 a Charge no longer lists its refunds.
pub(super) fn to_json(state: &State, charge: &Charge) -> Value {
    let refunded = amount_refunded(state, &charge.id);
    let succeeded = charge.status == "succeeded";
    json!({
        "id": charge.id,
        "object": "charge",
        "amount": charge.amount,
        "amount_captured": if succeeded { charge.amount } else { 0 },
        "amount_refunded": refunded,
        "captured": succeeded,
        "created": charge.created,
        "currency": charge.currency,
        "customer": null,
        "livemode": false,
        "metadata": {},
        "paid": succeeded,
        "payment_intent": charge.payment_intent,
        "payment_method_details": { "type": charge.payment_method_type },
        "refunded": charge.amount > 0 && refunded >= charge.amount,
        "status": charge.status,
    })
}

impl super::StripeServer {
    /// Charges made, oldest first, as they are now.
    pub fn charges(&self) -> Vec<Charge> {
        self.shared.lock().charges.clone()
    }
}
