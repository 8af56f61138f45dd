//! The text of link deliveries: an email (subject, plain text, HTML) or a short SMS.

/// What a message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkMessage {
    /// Email subject.
    pub subject: String,
    /// Plain-text body; also the SMS body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// The message for a payment-plan session's link.
pub fn session_link(
    merchant: &str,
    amount: &str,
    currency: &str,
    frequency: &str,
    link: &str,
) -> LinkMessage {
    let subject = format!("{merchant}: set up your payment plan");
    let text = format!(
        "{merchant} has set up a payment plan for you: {amount} {currency}, {frequency}.\n\
         Review and confirm it here: {link}\n"
    );
    let html = format!(
        "<!DOCTYPE html><html><body><p>{} has set up a payment plan for you: \
         <strong>{} {}</strong>, {}.</p><p><a href=\"{}\">Review and confirm your payment plan</a></p>\
         <p>{}</p></body></html>",
        escape(merchant),
        escape(amount),
        escape(currency),
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

/// The message for a payment link.
pub fn payment_link(
    merchant: &str,
    payment_name: &str,
    amount: Option<&str>,
    link: &str,
) -> LinkMessage {
    let subject = format!("{merchant}: {payment_name}");
    let what = match amount {
        Some(amount) => format!("{payment_name} ({amount})"),
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

/// A minor-unit amount as a decimal string, `12345` → `123.45`.
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_messages_carry_merchant_amount_and_link() {
        let message = session_link(
            "Acme & Co",
            "100.00",
            "USD",
            "Monthly",
            "https://pay.test/s/pps_1",
        );
        assert!(message.subject.contains("Acme & Co"));
        assert!(
            message.text.contains("100.00 USD")
                && message.text.contains("https://pay.test/s/pps_1")
        );
        assert!(
            message.html.contains("Acme &amp; Co")
                && message.html.contains("href=\"https://pay.test/s/pps_1\"")
        );
    }

    #[test]
    fn html_is_escaped() {
        let message = payment_link("<script>", "Dues", Some("15.00"), "https://x.test/l");
        assert!(!message.html.contains("<script>"));
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal(12345), "123.45");
        assert_eq!(decimal(5), "0.05");
    }
}
