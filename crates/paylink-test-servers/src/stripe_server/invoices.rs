//! A plan's later invoices, which Stripe makes and charges each period on its own: tests make
//! one paid ([`StripeServer::invoice_paid`]) or failed ([`StripeServer::invoice_failed`]).

use serde_json::{Value, json};

use super::{
    Event, State, StripeServer,
    charges::Charge,
    new_id, subscriptions, unix_now,
    webhooks::{no_request, record_event},
};

/// One invoice the stand-in made for a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// `in_…`.
    pub id: String,
    /// `sub_…`.
    pub subscription: String,
    /// One period's price, minor units.
    pub amount_due: i64,
    /// `amount_due` once paid, else 0.
    pub amount_paid: i64,
    /// Lower-case ISO 4217 code.
    pub currency: String,
    /// `subscription_cycle`: a period after the first.
    pub billing_reason: String,
    /// `paid`, or `open` after a failed payment.
    pub status: String,
    /// The PaymentIntent that charged (or failed to charge) it, `pi_…`.
    pub payment_intent: String,
    /// That PaymentIntent's charge, `ch_…`.
    pub charge: String,
    /// Unix seconds.
    pub created: i64,
}

/// Makes the next invoice of subscription `id`, paid or failed, with a charge on a new
/// PaymentIntent; its event (`invoice.paid` and `invoice.payment_succeeded`, or
/// `invoice.payment_failed`), the main one first.
fn bill(state: &mut State, id: &str, paid: bool) -> Result<Vec<Event>, String> {
    let session = subscriptions::session_of(state, id)
        .ok_or_else(|| format!("no subscription {id}"))?
        .clone();
    if subscriptions::status(state, id, &session, unix_now()) == "canceled" {
        return Err(format!("subscription {id} is canceled"));
    }
    let amount: i64 = session
        .line_items
        .iter()
        .map(|item| item.unit_amount * item.quantity)
        .sum();
    let currency = session.currency.clone().unwrap_or_else(|| "usd".into());
    let payment_intent = new_id("pi_", 24);
    let invoice_id = new_id("in_", 24);
    let charge = Charge::new(
        &payment_intent,
        amount,
        &currency,
        if paid { "succeeded" } else { "failed" },
        "card",
        &session.id,
        Some(&invoice_id),
    );
    let invoice = Invoice {
        id: invoice_id,
        subscription: id.to_owned(),
        amount_due: amount,
        amount_paid: if paid { amount } else { 0 },
        currency,
        billing_reason: "subscription_cycle".into(),
        status: if paid { "paid" } else { "open" }.into(),
        payment_intent,
        charge: charge.id.clone(),
        created: unix_now(),
    };
    state.charges.push(charge);
    state.invoices.push(invoice.clone());
    let object = to_json(state, &invoice, &session.subscription_metadata);
    let types: &[&str] = if paid {
        &["invoice.paid", "invoice.payment_succeeded"]
    } else {
        &["invoice.payment_failed"]
    };
    Ok(types
        .iter()
        .map(|event_type| {
            record_event(state, event_type, &session.id, object.clone(), no_request())
        })
        .collect())
}

/// The invoice as Stripe's API and events show it (the fields modelled), in the shape of the
/// stand-in's API version.
fn to_json(
    state: &State,
    invoice: &Invoice,
    subscription_metadata: &std::collections::BTreeMap<String, String>,
) -> Value {
    let paid = invoice.status == "paid";
    let mut object = json!({
        "id": invoice.id,
        "object": "invoice",
        "amount_due": invoice.amount_due,
        "amount_paid": invoice.amount_paid,
        "amount_remaining": invoice.amount_due - invoice.amount_paid,
        "attempt_count": 1,
        "attempted": true,
        "billing_reason": invoice.billing_reason,
        "collection_method": "charge_automatically",
        "created": invoice.created,
        "currency": invoice.currency,
        "customer": null,
        "livemode": false,
        "metadata": {},
        "status": invoice.status,
        "subtotal": invoice.amount_due,
        "total": invoice.amount_due,
    });
    if state.api_version.invoices_have_parent() {
        object["parent"] = json!({
            "quote_details": null,
            "subscription_details": {
                "metadata": subscription_metadata,
                "subscription": invoice.subscription,
            },
            "type": "subscription_details",
        });
    } else {
        object["charge"] = invoice.charge.clone().into();
        object["paid"] = paid.into();
        object["payment_intent"] = invoice.payment_intent.clone().into();
        object["subscription"] = invoice.subscription.clone().into();
        object["subscription_details"] = json!({ "metadata": subscription_metadata });
    }
    object
}

impl StripeServer {
    /// Charges subscription `subscription_id`'s next period as Stripe does on its own: a new
    /// invoice (`billing_reason` `subscription_cycle`, one period's price) paid by a new
    /// PaymentIntent whose charge can be refunded; sends `invoice.paid` and
    /// `invoice.payment_succeeded` and returns the first. An invoice ends a trial. Panics for
    /// an unknown or canceled subscription.
    pub async fn invoice_paid(&self, subscription_id: &str) -> Event {
        self.bill(subscription_id, true).await
    }

    /// As [`StripeServer::invoice_paid`], but the payment fails: the invoice stays `open`, its
    /// charge `failed`, the subscription `past_due`; sends `invoice.payment_failed`.
    pub async fn invoice_failed(&self, subscription_id: &str) -> Event {
        self.bill(subscription_id, false).await
    }

    /// Invoices made, oldest first.
    pub fn invoices(&self) -> Vec<Invoice> {
        self.shared.lock().invoices.clone()
    }

    async fn bill(&self, subscription_id: &str, paid: bool) -> Event {
        let events = bill(&mut self.shared.lock(), subscription_id, paid)
            .unwrap_or_else(|message| panic!("test Stripe server: {message}"));
        self.send_now(&events).await;
        events
            .into_iter()
            .next()
            .expect("an invoice sends at least one event")
    }
}
