//! Opening a checkout: the form is checked against the link or session as it is now (locked),
//! the checkout stored, then made with the provider, which the payer is sent to.

use chrono::{DateTime, Utc};
use paylink_payments::{CheckoutLine, CheckoutRequest, FeeLine, Interval, PaymentMethodType};
use paylink_store::StoreError;
use paylink_store::checkouts::CheckoutRow;
use paylink_store::lifecycle::{CheckoutStatus, LinkStatus, Status as _};

use super::{Paying, Provider};
use crate::domain::InvalidField;
use crate::domain::checkout_rules::{self, PayForm, PayMethod};
use crate::domain::money::PayableCurrency;
use crate::domain::service_fee::{self, Charge, ServiceFee};
use crate::domain::session_rules::SessionStatus;
use crate::domain::{ids, plan_schedule};

/// What a checkout pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A payment link, by id.
    Link(String),
    /// A payment-plan session, by id.
    Session(String),
}

/// Why no checkout was opened.
#[derive(Debug)]
pub enum StartError {
    /// No such link or session.
    NotFound,
    /// The link can no longer be paid; its status says why.
    LinkGone(LinkStatus),
    /// The session can no longer be set up; its status says why.
    SessionGone(SessionStatus),
    /// The form has problems; the page shows them.
    Invalid(Vec<InvalidField>),
    /// The provider could not make the checkout; nothing was charged.
    Provider(paylink_payments::PaymentError),
    /// The database failed.
    Store(StoreError),
}

impl From<StoreError> for StartError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// When a plan's checkout charges first and when its subscription ends.
#[derive(Clone, Copy, Debug)]
struct PlanDates {
    first_charge: DateTime<Utc>,
    ends: DateTime<Utc>,
}

/// What a new checkout is: everything but its id and times.
struct NewCheckout<'a> {
    owner: &'a Owner,
    merchant_uid: &'a str,
    provider: &'a Provider,
    /// What the payer is charged, a service fee included.
    amount_minor: i64,
    /// The service fee within `amount_minor`.
    fee_minor: i64,
    currency: &'a str,
    method: PayMethod,
    phone: Option<String>,
    plan: Option<PlanDates>,
    account_code: Option<String>,
    reference: Option<String>,
    payer_email: Option<String>,
    attempt_key: Option<String>,
}

/// A new Open checkout, taking a payment until `lifetime` from `now`.
fn checkout_row(
    new: NewCheckout<'_>,
    now: DateTime<Utc>,
    lifetime: chrono::Duration,
) -> CheckoutRow {
    let NewCheckout {
        owner,
        merchant_uid,
        provider,
        amount_minor,
        fee_minor,
        currency,
        method,
        phone,
        plan,
        account_code,
        reference,
        payer_email,
        attempt_key,
    } = new;
    let (link_id, session_id) = match owner {
        Owner::Link(id) => (Some(id.clone()), None),
        Owner::Session(id) => (None, Some(id.clone())),
    };
    CheckoutRow {
        id: ids::new_checkout_id(),
        merchant_uid: merchant_uid.to_owned(),
        link_id,
        session_id,
        amount_minor,
        currency: currency.to_owned(),
        payment_method: method.value().to_owned(),
        payer_phone: phone,
        provider: provider.name().to_owned(),
        provider_checkout_id: None,
        provider_url: None,
        status: CheckoutStatus::Open.name().to_owned(),
        plan_first_charge_at: plan.map(|plan| plan.first_charge),
        plan_ends_at: plan.map(|plan| plan.ends),
        created_at: now,
        updated_at: now,
        expires_at: now + lifetime,
        provider_subscription_id: None,
        account_code,
        reference,
        payer_email,
        fee_amount: fee_minor,
        attempt_key,
    }
}

/// Whether a payer's new form can be served by the checkout already open: the same provider,
/// method and amount, with time left to pay it.
fn reusable(open: &CheckoutRow, wanted: &CheckoutRow, now: DateTime<Utc>) -> bool {
    open.provider == wanted.provider
        && open.payment_method == wanted.payment_method
        && open.amount_minor == wanted.amount_minor
        && open.fee_amount == wanted.fee_amount
        && open.currency == wanted.currency
        && open.expires_at - now >= MIN_TIME_LEFT
}

/// The least time a reused checkout must have left, so that a payer is not sent to a page that
/// expires while they type.
const MIN_TIME_LEFT: chrono::Duration = chrono::Duration::minutes(10);

fn unpayable_currency() -> StartError {
    StartError::Invalid(vec![InvalidField::new(
        "amount",
        "This payment's currency cannot be paid online.",
    )])
}

impl Paying {
    /// Opens a checkout for a link from its posted form and returns where to send the payer;
    /// the payer's `attempt` goes on with the checkout it has open when it still fits.
    pub async fn start_link(
        &self,
        link_id: &str,
        form: PayForm,
        attempt: Option<&str>,
    ) -> Result<String, StartError> {
        let provider = self.provider.clone();
        let owner = Owner::Link(link_id.to_owned());
        let row_owner = owner.clone();
        let lifetime = self.lifetime();
        let now = Utc::now();
        let attempt_key = attempt.map(str::to_owned);
        let (opened, line) = self
            .store
            .open_link_checkout(link_id, attempt, now, move |link, merchants_fee, open| {
                let link = link.ok_or(StartError::NotFound)?;
                if let Some(status) = checkout_rules::link_closed(link, now) {
                    return Err(StartError::LinkGone(status));
                }
                let currency =
                    PayableCurrency::of(&link.currency).ok_or_else(unpayable_currency)?;
                let checked = checkout_rules::check_link_form(link, currency, &form)
                    .map_err(StartError::Invalid)?;
                // The fee as the merchant has it now, on the amount the payer pays; the
                // processor's page (or the test-mode card page) shows it before anything is
                // charged.
                let fee = service_fee::for_link(link, merchants_fee);
                let charge = service_fee::charge(checked.amount_minor, fee, currency)
                    .map_err(|problem| StartError::Invalid(vec![problem]))?;
                let line = CheckoutLine::Payment {
                    amount_minor: charge.amount_minor,
                    currency: link.currency.clone(),
                    name: link.payment_name.clone(),
                    description: link.payment_description.clone(),
                    service_fee: fee_line(fee, &charge),
                };
                let row = checkout_row(
                    NewCheckout {
                        owner: &row_owner,
                        merchant_uid: &link.merchant_uid,
                        provider: &provider,
                        amount_minor: charge.total_minor,
                        fee_minor: charge.fee_minor,
                        currency: &link.currency,
                        method: checked.method,
                        phone: checked.phone,
                        plan: None,
                        account_code: link.account_code.clone(),
                        reference: Some(link.payment_name.clone()),
                        payer_email: checked.email,
                        attempt_key: attempt_key.clone(),
                    },
                    now,
                    lifetime,
                );
                // A second tab, or the payer coming back, goes on with the attempt's checkout.
                match open {
                    Some(open) if reusable(open, &row, now) => Ok((open.clone(), line)),
                    _ => Ok((row, line)),
                }
            })
            .await??;
        if let Some(url) = &opened.provider_url {
            return Ok(url.clone());
        }
        self.hand_off(&owner, &opened, line).await
    }

    /// Opens a checkout for a session's plan and returns where to send the payer.
    pub async fn start_plan(&self, session_id: &str, form: PayForm) -> Result<String, StartError> {
        let provider = self.provider.clone();
        let owner = Owner::Session(session_id.to_owned());
        let row_owner = owner.clone();
        let now = Utc::now();
        let lifetime = self.lifetime();
        // The contact's email prefills the processor's page; it is not part of what is locked.
        let payer_email = match self.store.public_session(session_id).await? {
            Some(public) => public.contact_email,
            None => return Err(StartError::NotFound),
        };
        let (opened, line) = self
            .store
            .open_session_checkout(session_id, now, move |session, open| {
                let session = session.ok_or(StartError::NotFound)?;
                if let Some(status) = checkout_rules::session_closed(session, now) {
                    return Err(StartError::SessionGone(status));
                }
                let amount_minor = PayableCurrency::of(&session.currency)
                    .and_then(|currency| currency.from_hundredths(session.amount_minor))
                    .ok_or_else(unpayable_currency)?;
                let method = checkout_rules::check_plan_form(&form, &session.currency)
                    .map_err(StartError::Invalid)?;
                let first_charge = plan_schedule::first_charge(session.start_date, now);
                let ends =
                    plan_schedule::plan_end(first_charge, &session.frequency, session.occurrences)
                        .ok_or_else(|| {
                            StartError::Invalid(vec![InvalidField::new(
                                "method",
                                "This plan runs too long to be set up online.",
                            )])
                        })?;
                let (interval, interval_count) = interval(&session.frequency);
                // The provider's page shows the merchant's own name above it.
                let name = format!(
                    "Payment plan: {} payments, {}",
                    session.occurrences,
                    checkout_rules::frequency_words(&session.frequency).to_lowercase()
                );
                let line = CheckoutLine::Subscription {
                    amount_minor,
                    currency: session.currency.clone(),
                    name: name.clone(),
                    interval,
                    interval_count,
                    // The provider waits for a first payment far enough ahead; else it charges now.
                    trial_end: plan_schedule::is_delayed(first_charge, now)
                        .then(|| first_charge.timestamp()),
                };
                let row = checkout_row(
                    NewCheckout {
                        owner: &row_owner,
                        merchant_uid: &session.merchant_uid,
                        provider: &provider,
                        amount_minor,
                        // Payment plans have no fee_mode: a plan's payer pays its amount only.
                        fee_minor: 0,
                        currency: &session.currency,
                        method,
                        phone: None,
                        plan: Some(PlanDates { first_charge, ends }),
                        account_code: None,
                        reference: Some(name),
                        payer_email,
                        attempt_key: None,
                    },
                    now,
                    lifetime,
                );
                // A second tab, or the payer coming back, goes on with the checkout open.
                match open {
                    Some(open) if reusable(open, &row, now) => Ok((open.clone(), line)),
                    _ => Ok((row, line)),
                }
            })
            .await??;
        if let Some(url) = &opened.provider_url {
            return Ok(url.clone());
        }
        self.hand_off(&owner, &opened, line).await
    }

    fn lifetime(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.checkout_lifetime).unwrap_or(chrono::Duration::hours(1))
    }

    /// Makes the checkout with the provider: the test-mode page is paylink's own; Stripe's is
    /// made under the checkout's id as its idempotency key, so a retry never makes two.
    async fn hand_off(
        &self,
        owner: &Owner,
        checkout: &CheckoutRow,
        line: CheckoutLine,
    ) -> Result<String, StartError> {
        let stripe = match &self.provider {
            Provider::Test => return Ok(owner.checkout_url(&self.links, &checkout.id)),
            Provider::Stripe(stripe) => stripe,
        };
        let method = match checkout.payment_method.as_str() {
            "ach" => PaymentMethodType::UsBankAccount,
            _ => PaymentMethodType::Card,
        };
        // Stripe emails the receipt, unless the merchant has paylink send its own.
        let receipt_email = match &checkout.payer_email {
            Some(email) if !self.store.payer_receipts(&checkout.merchant_uid).await? => {
                Some(email.clone())
            }
            _ => None,
        };
        let mut metadata = vec![("paylink_checkout".to_owned(), checkout.id.clone())];
        match owner {
            Owner::Link(id) => metadata.push(("paylink_link".to_owned(), id.clone())),
            Owner::Session(id) => metadata.push(("paylink_session".to_owned(), id.clone())),
        }
        // Both fit Stripe's 500 characters per value: the link's rules bound them to 255.
        if let Some(code) = &checkout.account_code {
            metadata.push(("account_code".to_owned(), code.clone()));
        }
        if let Some(reference) = &checkout.reference {
            metadata.push(("reference".to_owned(), reference.clone()));
        }
        let request = CheckoutRequest {
            idempotency_key: checkout.id.clone(),
            client_reference_id: checkout.id.clone(),
            line,
            payment_method_types: vec![method],
            success_url: owner.done_url(&self.links, &checkout.id),
            cancel_url: owner.page_url(&self.links),
            expires_at: Some(checkout.expires_at.timestamp()),
            customer_email: checkout.payer_email.clone(),
            receipt_email,
            metadata,
        };
        let created = stripe
            .create_checkout(&request)
            .await
            .map_err(StartError::Provider)?;
        self.store
            .set_provider_checkout(&checkout.id, &created.id, &created.url, Utc::now())
            .await?;
        Ok(created.url)
    }
}

/// The service fee's line at the processor, when the charge has a fee.
fn fee_line(fee: Option<ServiceFee>, charge: &Charge) -> Option<FeeLine> {
    let fee = fee.filter(|_| charge.fee_minor > 0)?;
    Some(FeeLine {
        amount_minor: charge.fee_minor,
        name: service_fee::LINE_NAME.to_owned(),
        description: Some(fee.rule()),
    })
}

/// Stripe's recurring interval for a plan's frequency.
fn interval(frequency: &str) -> (Interval, u32) {
    match frequency {
        "Weekly" => (Interval::Week, 1),
        "Biweekly" => (Interval::Week, 2),
        "Quarterly" => (Interval::Month, 3),
        "Yearly" => (Interval::Year, 1),
        _ => (Interval::Month, 1),
    }
}
