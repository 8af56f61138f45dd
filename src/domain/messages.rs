//! The text of link deliveries: an email (subject, plain text, HTML) or a short SMS. Amounts
//! are written by `money`, in each currency's own minor unit.

use paylink_store::payment_links::PaymentLinkRow;
use paylink_store::sessions::SessionRow;

use super::money;

/// What a message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkMessage {
    /// Email subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// The message for a payment-plan session's link: each payment's amount in the currency's own
/// minor unit (a session holds hundredths of the major unit).
pub fn session_link(merchant: &str, session: &SessionRow, link: &str) -> LinkMessage {
    let amount = money::hundredths_for_payers(&session.currency, session.amount_minor);
    let frequency = &session.frequency;
    let subject = format!("{merchant}: set up your payment plan");
    let text = format!(
        "{merchant} has set up a payment plan for you: {amount}, {frequency}.\n\
         Review and confirm it here: {link}\n"
    );
    let html = format!(
        "<!DOCTYPE html><html><body><p>{} has set up a payment plan for you: \
         <strong>{}</strong>, {}.</p><p><a href=\"{}\">Review and confirm your payment plan</a></p>\
         <p>{}</p></body></html>",
        escape(merchant),
        escape(&amount),
        escape(&frequency.to_lowercase()),
        escape(link),
        escape(link),
    );
    LinkMessage {
        subject,
        text,
        html,
    }
}

/// The message for a payment link, with its amount when it has one.
pub fn payment_link(merchant: &str, payment: &PaymentLinkRow, link: &str) -> LinkMessage {
    let payment_name = &payment.payment_name;
    let subject = format!("{merchant}: {payment_name}");
    let what = match payment.amount {
        Some(amount) => format!(
            "{payment_name} ({})",
            money::for_payers(&payment.currency, amount.into())
        ),
        None => payment_name.to_owned(),
    };
    let text = format!("{merchant} sent you a payment link for {what}.\nPay here: {link}\n");
    let html = format!(
        "<!DOCTYPE html><html><body><p>{} sent you a payment link for <strong>{}</strong>.</p>\
         <p><a href=\"{}\">Pay now</a></p><p>{}</p></body></html>",
        escape(merchant),
        escape(&what),
        escape(link),
        escape(link),
    );
    LinkMessage {
        subject,
        text,
        html,
    }
}

/// The SMS body: short, with the link last so phones make it tappable.
pub fn sms_body(message: &LinkMessage, link: &str) -> String {
    format!("{} {link}", message.subject)
}

/// What a payer's receipt says: the payment, what it was for and who was paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptFacts<'a> {
    /// The merchant's name.
    pub merchant: &'a str,
    /// What was paid for (the link's payment name, or the plan's description).
    pub reference: &'a str,
    /// Amount in the currency's minor unit.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// The payment's id, for the payer to quote.
    pub payment_id: &'a str,
    /// When it was paid.
    pub paid_at: &'a str,
}

/// A payer's receipt for a payment.
pub fn payment_receipt(facts: &ReceiptFacts<'_>) -> LinkMessage {
    let amount = money::for_payers(facts.currency, facts.amount_minor);
    let ReceiptFacts {
        merchant,
        reference,
        payment_id,
        paid_at,
        ..
    } = facts;
    let subject = format!("Your receipt from {merchant}");
    let text = format!(
        "{merchant} has received your payment of {amount} for {reference}.\n\
         Payment reference: {payment_id}\nPaid: {paid_at}\n"
    );
    let html = format!(
        "<!DOCTYPE html><html><body><p>{} has received your payment of <strong>{}</strong> \
         for {}.</p><p>Payment reference: {}<br>Paid: {}</p></body></html>",
        escape(merchant),
        escape(&amount),
        escape(reference),
        escape(payment_id),
        escape(paid_at),
    );
    LinkMessage {
        subject,
        text,
        html,
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
