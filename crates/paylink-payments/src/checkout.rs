//! What a Checkout Session is asked for, and the form Stripe reads it from.

/// One Checkout Session to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Sent as `Idempotency-Key`; made once per paylink checkout and reused for every attempt,
    /// so that Stripe creates at most one session for it (1 to 255 characters). Stripe forgets a
    /// key after 24 hours, and answers a key reused with other parameters with an error.
    pub idempotency_key: String,
    /// paylink's checkout id, sent as `client_reference_id` (at most 200 characters) and
    /// returned in the webhook events.
    pub client_reference_id: String,
    /// What is sold.
    pub line: CheckoutLine,
    /// `payment_method_types[n]`; empty leaves the choice to the payment methods switched on in
    /// the Stripe Dashboard.
    pub payment_method_types: Vec<PaymentMethodType>,
    /// Where Stripe sends the payer after paying; may contain Stripe's literal
    /// `{CHECKOUT_SESSION_ID}`, which it replaces with the session's id.
    pub success_url: String,
    /// Where the page's back link goes.
    pub cancel_url: String,
    /// Unix seconds from which the page takes no payment, sent as `expires_at`. Stripe takes
    /// 30 minutes to 24 hours after it creates the session, and refuses anything else (a
    /// [`PaymentError::Permanent`](crate::PaymentError::Permanent) naming `expires_at`), so
    /// leave a few minutes' margin at either end. `None` keeps Stripe's default, 24 hours.
    /// Stripe then expires the session and sends
    /// [`EventKind::CheckoutExpired`](crate::EventKind::CheckoutExpired).
    pub expires_at: Option<i64>,
    /// Prefills the payer's email address (`customer_email`).
    pub customer_email: Option<String>,
    /// Where Stripe emails the payment's receipt (`payment_intent_data[receipt_email]`); a
    /// payment-mode session only, since a subscription's invoices carry their own.
    pub receipt_email: Option<String>,
    /// Sent as `metadata[k]=v` and, for a subscription, also as
    /// `subscription_data[metadata][k]=v`, so that the subscription carries it too. Stripe
    /// allows 50 keys of at most 40 characters, with values of at most 500.
    pub metadata: Vec<(String, String)>,
}

/// What is sold: a line item with its price given inline (`price_data`), quantity 1, and for
/// a payment, a service fee as a second line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutLine {
    /// `mode=payment`: one payment of `amount_minor`, plus `service_fee` when given. Stripe
    /// charges the sum of the lines (the session's `amount_total`) and requires it to be at
    /// least the equivalent of 0.50 USD.
    Payment {
        /// Unit amount in the currency's minor unit (cents).
        amount_minor: i64,
        /// ISO 4217 code; sent lower-case, for the fee's line too.
        currency: String,
        /// `product_data[name]`, shown on the payment page.
        name: String,
        /// `product_data[description]`, when given and not empty.
        description: Option<String>,
        /// A fee the payer pays on top, sent as `line_items[1]` so that the payment page shows
        /// it on a line of its own; `None` sends one line.
        service_fee: Option<FeeLine>,
    },
    /// `mode=subscription`: `amount_minor` every `interval_count` `interval`s, from the moment
    /// the payer completes the page or, with `trial_end`, from that moment on.
    ///
    /// Checkout's subscriptions run until cancelled: `subscription_data` has no `cancel_at`. A
    /// plan of a fixed number of payments sets its end once the session is complete, with
    /// [`Stripe::end_subscription_at`](crate::Stripe::end_subscription_at) on the
    /// subscription (`sub_…`) that `checkout.session.completed` names.
    Subscription {
        /// Amount of each period in the currency's minor unit.
        amount_minor: i64,
        /// ISO 4217 code; sent lower-case.
        currency: String,
        /// `product_data[name]`, shown on the payment page.
        name: String,
        /// `recurring[interval]`.
        interval: Interval,
        /// `recurring[interval_count]`; Stripe allows at most three years in all.
        interval_count: u32,
        /// Unix seconds of the first charge, sent as `subscription_data[trial_end]`: the
        /// subscription is `trialing` until then, the payer is charged nothing on the page
        /// (the session completes with `payment_status` `no_payment_required` and
        /// `amount_total` 0, the payment method saved), and the first period's invoice is
        /// charged at that moment, the following ones every period after it. Stripe refuses a
        /// `trial_end` less than 48 hours after the session is created (a
        /// [`PaymentError::Permanent`](crate::PaymentError::Permanent) naming
        /// `subscription_data[trial_end]`); `None` charges the first period on the page.
        trial_end: Option<i64>,
    },
}

/// A fee charged with a payment, on a line of its own (in the payment's currency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    /// Unit amount in the currency's minor unit; more than 0 (Stripe takes a 0 line, but it
    /// would only show the payer a fee of nothing).
    pub amount_minor: i64,
    /// `product_data[name]`, such as "Service fee".
    pub name: String,
    /// `product_data[description]`, such as the rule "2.9% + 0.30 USD", when given and not
    /// empty.
    pub description: Option<String>,
}

/// A subscription's billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    /// `week`.
    Week,
    /// `month`.
    Month,
    /// `year`.
    Year,
}

impl Interval {
    /// Stripe's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Week => "week",
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }
}

/// A payment method the Checkout page may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethodType {
    /// Cards (and the wallets Stripe shows with them): `card`.
    Card,
    /// ACH Direct Debit: `us_bank_account`. Such payments settle days later, reported by
    /// [`EventKind::AsyncPaymentSucceeded`](crate::EventKind::AsyncPaymentSucceeded) or
    /// [`EventKind::AsyncPaymentFailed`](crate::EventKind::AsyncPaymentFailed).
    UsBankAccount,
}

impl PaymentMethodType {
    /// Stripe's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethodType::Card => "card",
            PaymentMethodType::UsBankAccount => "us_bank_account",
        }
    }
}

/// A Checkout Session Stripe created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCheckout {
    /// The session's id, `cs_live_…` or `cs_test_…`.
    pub id: String,
    /// The Stripe-hosted payment page to send the payer to.
    pub url: String,
}

/// What [`Stripe::expire_checkout`](crate::Stripe::expire_checkout) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpireOutcome {
    /// Stripe expired the session (now, or under this idempotency key earlier): its page takes
    /// no payment, its URL is gone, and Stripe sends `checkout.session.expired`.
    Expired,
    /// The session was no longer open, so there was nothing to expire. With `completed` the
    /// payer finished the page first, a race the caller settles by refunding the payment (or
    /// cancelling the subscription) once `checkout.session.completed` names it; completed is
    /// not paid: a bank debit may still be settling, and a trial charges nothing yet. Without,
    /// the session had already expired (its `expires_at` passed, or an earlier expire).
    AlreadyClosed {
        /// Whether the payer completed the session (else it had expired).
        completed: bool,
    },
}

/// The form of `POST /v1/checkout/sessions`, in Stripe's bracket notation.
pub(crate) fn form_fields(request: &CheckoutRequest) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = Vec::new();
    let mut push = |key: &str, value: &str| form.push((key.to_owned(), value.to_owned()));
    let (mode, amount, currency, name) = match &request.line {
        CheckoutLine::Payment {
            amount_minor,
            currency,
            name,
            ..
        } => ("payment", amount_minor, currency, name),
        CheckoutLine::Subscription {
            amount_minor,
            currency,
            name,
            ..
        } => ("subscription", amount_minor, currency, name),
    };
    push("mode", mode);
    push("client_reference_id", &request.client_reference_id);
    push("success_url", &request.success_url);
    push("cancel_url", &request.cancel_url);
    if let Some(expires_at) = request.expires_at {
        push("expires_at", &expires_at.to_string());
    }
    if let Some(email) = &request.customer_email {
        push("customer_email", email);
    }
    if let (Some(email), "payment") = (&request.receipt_email, mode) {
        push("payment_intent_data[receipt_email]", email);
    }
    const PRICE: &str = "line_items[0][price_data]";
    push(
        &format!("{PRICE}[currency]"),
        &currency.trim().to_ascii_lowercase(),
    );
    push(&format!("{PRICE}[unit_amount]"), &amount.to_string());
    push(&format!("{PRICE}[product_data][name]"), name);
    match &request.line {
        CheckoutLine::Payment {
            description: Some(description),
            ..
        } if !description.trim().is_empty() => {
            push(&format!("{PRICE}[product_data][description]"), description);
        }
        CheckoutLine::Subscription {
            interval,
            interval_count,
            ..
        } => {
            push(&format!("{PRICE}[recurring][interval]"), interval.as_str());
            push(
                &format!("{PRICE}[recurring][interval_count]"),
                &interval_count.to_string(),
            );
        }
        CheckoutLine::Payment { .. } => {}
    }
    push("line_items[0][quantity]", "1");
    if let CheckoutLine::Payment {
        service_fee: Some(fee),
        ..
    } = &request.line
    {
        const FEE: &str = "line_items[1][price_data]";
        push(
            &format!("{FEE}[currency]"),
            &currency.trim().to_ascii_lowercase(),
        );
        push(
            &format!("{FEE}[unit_amount]"),
            &fee.amount_minor.to_string(),
        );
        push(&format!("{FEE}[product_data][name]"), &fee.name);
        if let Some(description) = fee
            .description
            .as_deref()
            .filter(|text| !text.trim().is_empty())
        {
            push(&format!("{FEE}[product_data][description]"), description);
        }
        push("line_items[1][quantity]", "1");
    }
    for (index, method) in request.payment_method_types.iter().enumerate() {
        push(&format!("payment_method_types[{index}]"), method.as_str());
    }
    for (key, value) in &request.metadata {
        push(&format!("metadata[{key}]"), value);
    }
    if let CheckoutLine::Subscription { trial_end, .. } = &request.line {
        for (key, value) in &request.metadata {
            push(&format!("subscription_data[metadata][{key}]"), value);
        }
        if let Some(trial_end) = trial_end {
            push("subscription_data[trial_end]", &trial_end.to_string());
        }
    }
    form
}
