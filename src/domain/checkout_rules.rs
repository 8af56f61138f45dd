//! What a payer may submit on a link's or a session's page, and whether the link or session can
//! be paid at all. The page shows these rules; the server applies them again to whatever is
//! posted, since a form can be posted by hand.

use chrono::{DateTime, Utc};
use paylink_store::payment_links::PaymentLinkRow;
use paylink_store::sessions::SessionRow;

use super::InvalidField;
use super::money::PayableCurrency;
use super::session_rules::SessionStatus;
use paylink_store::lifecycle::LinkStatus;

/// The one currency a US bank account (ACH) pays in.
pub const ACH_CURRENCY: &str = "USD";

/// A way to pay online.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayMethod {
    /// A card.
    Card,
    /// A US bank account (ACH debit).
    Ach,
}

impl PayMethod {
    /// Its form value, also its stored name.
    pub fn value(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Ach => "ach",
        }
    }

    /// Its name for payers.
    pub fn label(self) -> &'static str {
        match self {
            Self::Card => "Card",
            Self::Ach => "Bank account (ACH)",
        }
    }

    /// Whether it can pay in `currency` (an ISO 4217 code): a US bank account is debited in
    /// USD only (Stripe's `us_bank_account` takes no other currency); a card pays in any.
    pub fn pays_in(self, currency: &str) -> bool {
        match self {
            Self::Card => true,
            Self::Ach => currency == ACH_CURRENCY,
        }
    }

    fn from_value(value: &str) -> Option<Self> {
        [Self::Card, Self::Ach]
            .into_iter()
            .find(|method| method.value() == value)
    }
}

/// The methods an `AcceptedPaymentMethodsEnum` value allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Methods {
    /// Payable online, in the order shown.
    pub online: Vec<PayMethod>,
    /// Whether cash is accepted: it is paid to the merchant, never online.
    pub cash: bool,
}

/// The methods of a link's `accepted_payment_methods` (its SDL value name).
pub fn methods(accepted: &str) -> Methods {
    let (card, ach, cash) = match accepted {
        "NOT_CASH" => (true, true, false),
        "NOT_CARD" => (false, true, true),
        "NOT_ACH" => (true, false, true),
        "ONLY_CASH" => (false, false, true),
        "ONLY_CARD" => (true, false, false),
        "ONLY_ACH" => (false, true, false),
        // ALL, and any name a later contract adds, offers everything.
        _ => (true, true, true),
    };
    Methods {
        online: [(card, PayMethod::Card), (ach, PayMethod::Ach)]
            .into_iter()
            .filter_map(|(on, method)| on.then_some(method))
            .collect(),
        cash,
    }
}

/// The methods a payment plan in `currency` can be set up with: a card, and a US bank account
/// when the plan is in USD.
pub fn plan_methods(currency: &str) -> Methods {
    Methods {
        online: [PayMethod::Card, PayMethod::Ach]
            .into_iter()
            .filter(|method| method.pays_in(currency))
            .collect(),
        cash: false,
    }
}

/// The button's text for a link's `call_to_action`.
pub fn button_text(call_to_action: &str) -> &'static str {
    match call_to_action {
        "DONATE" => "Donate",
        "BOOK" => "Book",
        _ => "Pay",
    }
}

/// What a link's page form posts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayForm {
    /// The amount typed, in the major unit (variable amounts only).
    pub amount: Option<String>,
    /// The phone number typed.
    pub phone: Option<String>,
    /// The method chosen.
    pub method: Option<String>,
    /// The address for a receipt, when the payer gave one.
    pub email: Option<String>,
}

impl PayForm {
    /// Reads a posted `application/x-www-form-urlencoded` body; unknown fields are ignored,
    /// and a field posted twice counts once (its first value).
    pub fn parse(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            let slot = match name.as_ref() {
                "amount" => &mut form.amount,
                "phone" => &mut form.phone,
                "method" => &mut form.method,
                "email" => &mut form.email,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.into_owned());
            }
        }
        form
    }
}

/// A payment the form asked for, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedPayment {
    /// Amount in minor units.
    pub amount_minor: i64,
    /// The payer's phone, E.164.
    pub phone: Option<String>,
    /// How to pay.
    pub method: PayMethod,
    /// The payer's email for a receipt, when given.
    pub email: Option<String>,
}

/// Why a link's page offers nothing to pay, if it does not: its status at `now`.
pub fn link_closed(link: &PaymentLinkRow, now: DateTime<Utc>) -> Option<LinkStatus> {
    let status = link.status(now);
    (!status.is_payable()).then_some(status)
}

/// The smallest amount a payer may choose on a variable link: its `min_amount`, and never
/// below the processor's minimum charge in its currency.
fn effective_min(link: &PaymentLinkRow, currency: PayableCurrency) -> Option<i64> {
    let own = link.min_amount.map(i64::from);
    match (own, super::minimums::minimum_charge(currency)) {
        (Some(own), Some(processor)) => Some(own.max(processor)),
        (own, processor) => own.or(processor),
    }
}

/// The bounds of a variable amount, in words for payers: "between 5.00 USD and 500.00 USD".
fn amount_range(link: &PaymentLinkRow, currency: PayableCurrency) -> String {
    match (effective_min(link, currency), link.max_amount) {
        (Some(min), Some(max)) => format!(
            "between {} and {}",
            currency.format(min),
            currency.format(max.into())
        ),
        (Some(min), None) => format!("of at least {}", currency.format(min)),
        (None, Some(max)) => format!("of at most {}", currency.format(max.into())),
        (None, None) => format!("in {}", currency.code()),
    }
}

/// The hint beside a variable amount: "Any amount between 5.00 USD and 500.00 USD."
pub fn amount_hint(link: &PaymentLinkRow, currency: PayableCurrency) -> String {
    format!("Any amount {}.", amount_range(link, currency))
}

fn method(posted: Option<&str>, allowed: &Methods) -> Result<PayMethod, InvalidField> {
    match (posted, allowed.online.as_slice()) {
        (None, [only]) => Ok(*only),
        (Some(value), _) => PayMethod::from_value(value)
            .filter(|method| allowed.online.contains(method))
            .ok_or_else(|| InvalidField::new("method", "Choose one of the ways to pay shown.")),
        (None, _) => Err(InvalidField::new("method", "Choose how to pay.")),
    }
}

/// Checks a link's form: the amount (the link's own, or the payer's within the bounds), the
/// phone when required, and a method the link accepts online. Every problem is listed.
pub fn check_link_form(
    link: &PaymentLinkRow,
    currency: PayableCurrency,
    form: &PayForm,
) -> Result<CheckedPayment, Vec<InvalidField>> {
    let mut problems = Vec::new();
    let amount = if link.amount_is_variable {
        let typed = form.amount.as_deref().unwrap_or("").trim();
        match currency.parse(typed) {
            _ if typed.is_empty() => {
                problems.push(InvalidField::new("amount", "Enter an amount."));
                None
            }
            None => {
                problems.push(InvalidField::new(
                    "amount",
                    format!(
                        "Enter the amount as a number with at most {} decimal places, such as {}.",
                        currency.decimals(),
                        currency.plain(10_i64.pow(currency.decimals()) * 25 / 2)
                    ),
                ));
                None
            }
            Some(amount) => {
                let below = effective_min(link, currency).is_some_and(|min| amount < min);
                let above = link.max_amount.is_some_and(|max| amount > i64::from(max));
                if amount <= 0 || below || above {
                    problems.push(InvalidField::new(
                        "amount",
                        format!("Enter an amount {}.", amount_range(link, currency)),
                    ));
                    None
                } else {
                    Some(amount)
                }
            }
        }
    } else {
        link.amount.map(i64::from).filter(|amount| *amount > 0)
    };
    let phone = if link.require_phone {
        let typed = form.phone.as_deref().unwrap_or("").trim();
        if typed.is_empty() {
            problems.push(InvalidField::new("phone", "Enter your phone number."));
            None
        } else {
            match super::contact_rules::phone("phone", typed) {
                Ok(phone) => Some(phone),
                Err(_) => {
                    problems.push(InvalidField::new(
                        "phone",
                        format!(
                            "Enter a phone number in international format, such as {}.",
                            super::contact_rules::PHONE_EXAMPLE
                        ),
                    ));
                    None
                }
            }
        }
    } else {
        None
    };
    let email = match form.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(typed) => match super::contact_rules::email("email", typed) {
            Ok(email) => Some(email),
            Err(_) => {
                problems.push(InvalidField::new(
                    "email",
                    "Enter an email address such as jo@example.com, or leave it empty.",
                ));
                None
            }
        },
    };
    let method = method(
        form.method.as_deref(),
        &methods(&link.accepted_payment_methods),
    )
    .map_err(|problem| problems.push(problem))
    .ok();
    match (amount, method) {
        (Some(amount_minor), Some(method)) if problems.is_empty() => Ok(CheckedPayment {
            amount_minor,
            phone,
            method,
            email,
        }),
        // A fixed-amount link without an amount breaks the contract's own rule; refuse it
        // rather than charge something.
        (None, _) if problems.is_empty() => Err(vec![InvalidField::new(
            "amount",
            "This link has no amount to pay.",
        )]),
        _ => Err(problems),
    }
}

/// Checks a plan's form: only the method is chosen, among those of the plan's `currency`.
pub fn check_plan_form(form: &PayForm, currency: &str) -> Result<PayMethod, Vec<InvalidField>> {
    method(form.method.as_deref(), &plan_methods(currency)).map_err(|problem| vec![problem])
}

/// Why a session's page offers nothing to pay, if it does not: its status at `now`. A stored
/// name the lifecycle does not know (the database's constraint allows none) is never payable.
pub fn session_closed(session: &SessionRow, now: DateTime<Utc>) -> Option<SessionStatus> {
    match super::session_rules::effective_status(session, now) {
        Ok(status) if status.is_payable() => None,
        Ok(status) => Some(status),
        Err(_) => Some(SessionStatus::Cancelled),
    }
}

/// The sum of a plan's payments, in hundredths of the major unit as its amount is held.
pub fn plan_total(session: &SessionRow) -> Option<i64> {
    session
        .amount_minor
        .checked_mul(i64::from(session.occurrences))
}

/// How often a plan charges, in words.
pub fn frequency_words(frequency: &str) -> &'static str {
    match frequency {
        "Weekly" => "Every week",
        "Biweekly" => "Every two weeks",
        "Quarterly" => "Every three months",
        "Yearly" => "Every year",
        _ => "Every month",
    }
}

#[cfg(test)]
mod tests;
