//! Checkout Sessions: what one holds, its JSON, and how it ends.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{new_id, unix_now};

/// A Checkout Session as the stand-in holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `cs_test_…`.
    pub id: String,
    /// The hosted page, `{base_url}/c/pay/{id}`.
    pub url: String,
    /// `payment`, `subscription` or `setup`.
    pub mode: String,
    /// `open`, `complete` or `expired`.
    pub status: String,
    /// `unpaid`, `paid` or `no_payment_required`.
    pub payment_status: String,
    /// What the payer pays on the page, in minor units: the sum of the line items, or 0 for a
    /// subscription with a trial (nothing is due until `trial_end`).
    pub amount_total: Option<i64>,
    /// Lower-case currency of the line items.
    pub currency: Option<String>,
    /// As sent.
    pub client_reference_id: Option<String>,
    /// As sent.
    pub customer_email: Option<String>,
    /// `metadata[k]` as sent.
    pub metadata: BTreeMap<String, String>,
    /// `subscription_data[metadata][k]` as sent.
    pub subscription_metadata: BTreeMap<String, String>,
    /// As sent.
    pub success_url: String,
    /// As sent.
    pub cancel_url: Option<String>,
    /// As sent, or `["card"]` (the Dashboard's choice) when none were.
    pub payment_method_types: Vec<String>,
    /// The line items.
    pub line_items: Vec<LineItem>,
    /// `pi_…` once paid in payment mode.
    pub payment_intent: Option<String>,
    /// `sub_…` once paid in subscription mode.
    pub subscription: Option<String>,
    /// `subscription_data[trial_end]` as sent, Unix seconds: the subscription's first charge.
    /// The session object does not show it (Stripe's does not either); the subscription's
    /// does.
    pub trial_end: Option<i64>,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds: `expires_at` as sent, else 24 hours after `created` (Stripe's default).
    /// From then on the hosted page no longer takes a payment.
    pub expires_at: i64,
    /// The `Idempotency-Key` it was created with.
    pub idempotency_key: Option<String>,
}

/// One `line_items[n]` with its `price_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// `product_data[name]`.
    pub name: String,
    /// `product_data[description]`.
    pub description: Option<String>,
    /// Lower-case `currency`.
    pub currency: String,
    /// `unit_amount`, minor units.
    pub unit_amount: i64,
    /// `quantity`.
    pub quantity: i64,
    /// `recurring[interval]`.
    pub interval: Option<String>,
    /// `recurring[interval_count]` (1 when not sent, for a recurring price).
    pub interval_count: Option<u32>,
}

impl Session {
    /// The session object as Stripe's API returns it (the fields this stand-in models).
    pub fn to_json(&self) -> Value {
        let open = self.status == "open";
        json!({
            "id": self.id,
            "object": "checkout.session",
            "amount_subtotal": self.amount_total,
            "amount_total": self.amount_total,
            "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id,
            "created": self.created,
            "currency": self.currency,
            "customer": null,
            "customer_email": self.customer_email,
            "expires_at": self.expires_at,
            "livemode": false,
            "metadata": self.metadata,
            "mode": self.mode,
            "payment_intent": self.payment_intent,
            "payment_method_types": self.payment_method_types,
            "payment_status": self.payment_status,
            "status": self.status,
            "subscription": self.subscription,
            "success_url": self.success_url,
            "ui_mode": "hosted",
            // Stripe gives the URL only while the session can still be paid.
            "url": if open { Value::from(self.url.clone()) } else { Value::Null },
        })
    }

    /// The amount as the hosted page shows it, e.g. `12.50 USD every 3 months`, or `0.00 EUR
    /// due today, then 9.00 EUR every month` with a trial.
    pub(super) fn amount_text(&self) -> String {
        let (Some(amount), Some(currency)) = (self.amount_total, &self.currency) else {
            return "No payment now".into();
        };
        let mut text = format_minor(amount, currency);
        if self.trial_end.is_some() {
            let price: i64 = self
                .line_items
                .iter()
                .map(|item| item.unit_amount * item.quantity)
                .sum();
            text.push_str(&format!(
                " due today, then {}",
                format_minor(price, currency)
            ));
        }
        let recurring = self.line_items.iter().find_map(|item| {
            item.interval
                .as_deref()
                .map(|interval| (interval, item.interval_count.unwrap_or(1)))
        });
        match recurring {
            Some((interval, 1)) => text.push_str(&format!(" every {interval}")),
            Some((interval, count)) => text.push_str(&format!(" every {count} {interval}s")),
            None => {}
        }
        text
    }

    /// The product names, for the page's heading.
    pub(super) fn title(&self) -> String {
        let names: Vec<&str> = self.line_items.iter().map(|i| i.name.as_str()).collect();
        if names.is_empty() {
            "Set up a payment method".into()
        } else {
            names.join(", ")
        }
    }
}

/// How long a session stays open when `expires_at` is not given: Stripe's default, 24 hours.
pub(super) const DEFAULT_LIFETIME: i64 = 24 * 3600;

/// A session not yet created: what the parameters said.
#[derive(Debug, Clone)]
pub(super) struct NewSession {
    pub(super) mode: String,
    pub(super) success_url: String,
    pub(super) cancel_url: Option<String>,
    pub(super) client_reference_id: Option<String>,
    pub(super) customer_email: Option<String>,
    pub(super) metadata: BTreeMap<String, String>,
    pub(super) subscription_metadata: BTreeMap<String, String>,
    pub(super) payment_method_types: Vec<String>,
    pub(super) line_items: Vec<LineItem>,
    pub(super) trial_end: Option<i64>,
    /// `expires_at`, Unix seconds, already checked against the creation time.
    pub(super) expires_at: Option<i64>,
}

impl NewSession {
    pub(super) fn create(self, base_url: &str, idempotency_key: Option<String>) -> Session {
        let id = new_id("cs_test_", 58);
        let created = unix_now();
        // A trial puts the first charge at its end: nothing is due on the page, and Stripe
        // reports a zero-amount session so.
        let amount_total = (!self.line_items.is_empty()).then(|| {
            if self.trial_end.is_some() {
                0
            } else {
                self.line_items
                    .iter()
                    .map(|item| item.unit_amount * item.quantity)
                    .sum()
            }
        });
        let currency = self.line_items.first().map(|item| item.currency.clone());
        let payment_method_types = if self.payment_method_types.is_empty() {
            vec!["card".to_owned()]
        } else {
            self.payment_method_types
        };
        Session {
            url: format!("{base_url}/c/pay/{id}"),
            id,
            payment_status: if self.mode == "setup" {
                "no_payment_required".into()
            } else {
                "unpaid".into()
            },
            mode: self.mode,
            status: "open".into(),
            amount_total,
            currency,
            client_reference_id: self.client_reference_id,
            customer_email: self.customer_email,
            metadata: self.metadata,
            subscription_metadata: self.subscription_metadata,
            success_url: self.success_url,
            cancel_url: self.cancel_url,
            payment_method_types,
            line_items: self.line_items,
            payment_intent: None,
            subscription: None,
            trial_end: self.trial_end,
            created,
            expires_at: self.expires_at.unwrap_or(created + DEFAULT_LIFETIME),
            idempotency_key,
        }
    }
}

/// How a payer finished the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Finish {
    /// A card that went through: paid at once.
    Card,
    /// A bank debit: complete, but unpaid until it settles.
    BankDebit,
}

impl Session {
    /// Completes an open session, as the payer finishing the page does; the event type to send.
    pub(super) fn finish(&mut self, how: Finish) -> Result<&'static str, String> {
        if self.status != "open" {
            return Err(format!("session {} is {}, not open", self.id, self.status));
        }
        if self.is_past_expiry(unix_now()) {
            return Err(format!(
                "session {} expired at {}",
                self.id, self.expires_at
            ));
        }
        if how == Finish::BankDebit
            && !self
                .payment_method_types
                .iter()
                .any(|t| t == "us_bank_account")
        {
            return Err(format!("session {} does not take us_bank_account", self.id));
        }
        self.status = "complete".into();
        match self.mode.as_str() {
            "payment" => self.payment_intent = Some(new_id("pi_", 24)),
            "subscription" => self.subscription = Some(new_id("sub_", 24)),
            _ => {}
        }
        // Stripe: `no_payment_required` when "the payment is delayed to a future date" (a
        // trial: the payment method is saved, the first invoice charged at `trial_end`) or in
        // setup mode, which keeps the status it was created with.
        if self.trial_end.is_some() {
            self.payment_status = "no_payment_required".into();
        } else if self.mode != "setup" {
            self.payment_status = match how {
                Finish::Card => "paid".into(),
                Finish::BankDebit => "unpaid".into(),
            };
        }
        Ok("checkout.session.completed")
    }

    /// Settles a completed bank debit; the event type to send.
    pub(super) fn settle(&mut self, succeeded: bool) -> Result<&'static str, String> {
        if self.status != "complete" || self.payment_status != "unpaid" {
            return Err(format!(
                "session {} has no payment waiting to settle",
                self.id
            ));
        }
        if succeeded {
            self.payment_status = "paid".into();
            Ok("checkout.session.async_payment_succeeded")
        } else {
            Ok("checkout.session.async_payment_failed")
        }
    }

    /// Whether `expires_at` has come: the page no longer takes a payment, although the
    /// session stays `open` until it is expired.
    pub(super) fn is_past_expiry(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    /// Expires an open session; the event type to send.
    pub(super) fn expire(&mut self) -> Result<&'static str, String> {
        if self.status != "open" {
            return Err(format!("session {} is {}, not open", self.id, self.status));
        }
        self.status = "expired".into();
        Ok("checkout.session.expired")
    }
}

/// Currencies without a minor unit, from Stripe's list of zero-decimal currencies.
const ZERO_DECIMAL: [&str; 16] = [
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];

pub(super) fn format_minor(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency) {
        format!("{amount} {code}")
    } else {
        let sign = if amount < 0 { "-" } else { "" };
        let abs = amount.unsigned_abs();
        format!("{sign}{}.{:02} {code}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_shown_in_major_units() {
        assert_eq!(super::format_minor(1250, "usd"), "12.50 USD");
        assert_eq!(super::format_minor(5, "eur"), "0.05 EUR");
        assert_eq!(super::format_minor(500, "jpy"), "500 JPY");
    }
}
