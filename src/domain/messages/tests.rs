use super::*;
use crate::domain::test_rows;

const LINK: &str = "https://pay.test/x";

/// A session in `currency` whose `Amount` is `hundredths`, and how payers read it.
fn sessions() -> [(SessionRow, &'static str); 3] {
    let session = |currency: &str, hundredths: i64| SessionRow {
        currency: currency.into(),
        amount_minor: hundredths,
        ..test_rows::session()
    };
    [
        (session("USD", 1_250), "12.50 USD"),
        (session("JPY", 500_000), "5,000 JPY"),
        (session("BHD", 150), "1.500 BHD"),
    ]
}

/// A fixed-amount link in `currency` of `minor` units, and how payers read it.
fn links() -> [(PaymentLinkRow, &'static str); 3] {
    let link = |currency: &str, minor: i32| PaymentLinkRow {
        payment_name: "Tea set".into(),
        currency: currency.into(),
        amount: Some(minor),
        ..test_rows::link()
    };
    [
        (link("USD", 1_250), "12.50 USD"),
        (link("JPY", 5_000), "5,000 JPY"),
        (link("BHD", 1_500), "1.500 BHD"),
    ]
}

#[test]
fn session_messages_state_each_payment_in_the_currencys_minor_unit() {
    for (session, amount) in sessions() {
        let message = session_link("Acme", &session, LINK);
        assert_eq!(message.subject, "Acme: set up your payment plan");
        assert_eq!(
            message.text,
            format!(
                "Acme has set up a payment plan for you: {amount}, Monthly.\n\
                 Review and confirm it here: {LINK}\n"
            )
        );
        assert!(
            message
                .html
                .contains(&format!("<strong>{amount}</strong>, monthly.")),
            "{}",
            message.html
        );
        let sms = sms_body(&message, LINK);
        assert_eq!(sms, format!("Acme: set up your payment plan {LINK}"));
    }
}

#[test]
fn payment_link_messages_state_the_amount_in_the_currencys_minor_unit() {
    for (link, amount) in links() {
        let message = payment_link("Acme", &link, LINK);
        assert_eq!(message.subject, "Acme: Tea set");
        assert_eq!(
            message.text,
            format!("Acme sent you a payment link for Tea set ({amount}).\nPay here: {LINK}\n")
        );
        assert!(
            message
                .html
                .contains(&format!("<strong>Tea set ({amount})</strong>")),
            "{}",
            message.html
        );
        let sms = sms_body(&message, LINK);
        assert_eq!(sms, format!("Acme: Tea set {LINK}"));
    }
}

#[test]
fn a_link_without_an_amount_names_only_the_payment() {
    let link = PaymentLinkRow {
        amount_is_variable: true,
        amount: None,
        ..test_rows::link()
    };
    let message = payment_link("Acme", &link, LINK);
    assert!(
        message
            .text
            .starts_with("Acme sent you a payment link for Rent.\n")
    );
}

#[test]
fn html_is_escaped() {
    let link = PaymentLinkRow {
        payment_name: "<b>Dues</b>".into(),
        ..test_rows::link()
    };
    let message = payment_link("<script>", &link, "https://x.test/l?a=1&b=2");
    assert!(!message.html.contains("<script>") && !message.html.contains("<b>"));
    assert!(message.html.contains("&lt;script&gt;") && message.html.contains("a=1&amp;b=2"));
    let message = session_link("Acme & Co", &test_rows::session(), LINK);
    assert!(message.html.contains("Acme &amp; Co"));
}

#[test]
fn receipts_state_the_amount_in_the_currencys_minor_unit() {
    for (currency, minor, amount) in [
        ("USD", 1_250, "12.50 USD"),
        ("JPY", 5_000, "5,000 JPY"),
        ("BHD", 1_500, "1.500 BHD"),
    ] {
        let message = payment_receipt(&ReceiptFacts {
            merchant: "Acme & Co",
            reference: "Tea set",
            amount_minor: minor,
            currency,
            payment_id: "pay_1",
            paid_at: "7 December 2026",
        });
        assert_eq!(message.subject, "Your receipt from Acme & Co");
        assert!(
            message.text.starts_with(&format!(
                "Acme & Co has received your payment of {amount} for Tea set.\n"
            )),
            "{}",
            message.text
        );
        assert!(message.text.contains("Payment reference: pay_1"));
        assert!(message.html.contains(&format!("<strong>{amount}</strong>")));
        assert!(message.html.contains("Acme &amp; Co"));
    }
}
