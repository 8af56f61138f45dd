//! Reading the refund, invoice and subscription events from payloads shaped as Stripe's API
//! reference shows its Event, Charge, Refund, Invoice and Subscription objects (written from
//! those examples, with ids and amounts of one story: a 10.99 USD payment, and a plan's
//! 9.00 EUR periods), in the API versions a webhook endpoint may be on.

use super::*;
use crate::RefundStatus;

/// An event of `event_type` carrying `object`, as Stripe's Event object example is shaped.
fn event(event_type: &str, api_version: &str, object: &str) -> Vec<u8> {
    format!(
        r#"{{
  "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
  "object": "event",
  "api_version": "{api_version}",
  "created": 1686089970,
  "data": {{
    "object": {object}
  }},
  "livemode": false,
  "pending_webhooks": 1,
  "request": {{
    "id": "req_Nj3YGRXvyAWH4D",
    "idempotency_key": "rf_42-refund"
  }},
  "type": "{event_type}"
}}"#
    )
    .into_bytes()
}

fn kind(event_type: &str, api_version: &str, object: &str) -> EventKind {
    let parsed = parse_event(&event(event_type, api_version, object)).expect("readable");
    assert_eq!(parsed.id, "evt_1NG8Du2eZvKYlo2CUI79vXWy");
    parsed.kind
}

/// A Charge as API versions from 2022-11-15 on show it: no `refunds` list. Partly refunded.
const CHARGE: &str = r#"{
  "id": "ch_3MmlLrLkdIwHu7ix0snN0B15",
  "object": "charge",
  "amount": 1099,
  "amount_captured": 1099,
  "amount_refunded": 500,
  "application": null,
  "application_fee": null,
  "application_fee_amount": null,
  "balance_transaction": "txn_3MmlLrLkdIwHu7ix0uke3Ezy",
  "billing_details": {
    "address": {
      "city": null,
      "country": null,
      "line1": null,
      "line2": null,
      "postal_code": null,
      "state": null
    },
    "email": null,
    "name": null,
    "phone": null
  },
  "calculated_statement_descriptor": "Stripe",
  "captured": true,
  "created": 1679090539,
  "currency": "usd",
  "customer": null,
  "description": null,
  "disputed": false,
  "failure_balance_transaction": null,
  "failure_code": null,
  "failure_message": null,
  "fraud_details": {},
  "livemode": false,
  "metadata": {},
  "on_behalf_of": null,
  "outcome": {
    "network_status": "approved_by_network",
    "reason": null,
    "risk_level": "normal",
    "risk_score": 32,
    "seller_message": "Payment complete.",
    "type": "authorized"
  },
  "paid": true,
  "payment_intent": "pi_3MmlLrLkdIwHu7ix0Ba1Ydki",
  "payment_method": "pm_1MmlLrLkdIwHu7ixIJwEWSNR",
  "payment_method_details": {
    "card": {
      "brand": "visa",
      "checks": {
        "address_line1_check": null,
        "address_postal_code_check": null,
        "cvc_check": null
      },
      "country": "US",
      "exp_month": 3,
      "exp_year": 2034,
      "fingerprint": "mToisGZ01V71BCos",
      "funding": "credit",
      "last4": "4242",
      "network": "visa"
    },
    "type": "card"
  },
  "receipt_email": null,
  "receipt_number": null,
  "receipt_url": "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xTTJKVGtMa2RJd0h1N2l4KOvG06AGMgZfBXyr1aw6LBa9vaaSRWU96d8qBwz9z2J_CObiV_H2-e8RezSK_sw0KISesp4czsOUlVKY",
  "refunded": false,
  "review": null,
  "shipping": null,
  "source_transfer": null,
  "statement_descriptor": null,
  "statement_descriptor_suffix": null,
  "status": "succeeded",
  "transfer_data": null,
  "transfer_group": null
}"#;

/// A Refund as the reference's example shows it, with a reason and metadata.
const REFUND: &str = r#"{
  "id": "re_1Nispe2eZvKYlo2Cd31jOCgZ",
  "object": "refund",
  "amount": 500,
  "balance_transaction": "txn_1Nispe2eZvKYlo2CYezqFhEx",
  "charge": "ch_3MmlLrLkdIwHu7ix0snN0B15",
  "created": 1692942318,
  "currency": "usd",
  "destination_details": {
    "card": {
      "reference": "123456789012",
      "reference_status": "available",
      "reference_type": "acquirer_reference_number",
      "type": "refund"
    },
    "type": "card"
  },
  "metadata": {
    "paylink_refund": "rf_42"
  },
  "payment_intent": "pi_3MmlLrLkdIwHu7ix0Ba1Ydki",
  "reason": "requested_by_customer",
  "receipt_number": null,
  "source_transfer_reversal": null,
  "status": "succeeded",
  "transfer_reversal": null
}"#;

#[test]
fn charge_refunded_without_a_refunds_list_is_read() {
    let EventKind::ChargeRefunded(charge) = kind("charge.refunded", "2024-06-20", CHARGE) else {
        panic!("expected ChargeRefunded");
    };
    assert_eq!(
        charge,
        ChargeObject {
            id: "ch_3MmlLrLkdIwHu7ix0snN0B15".into(),
            payment_intent: Some("pi_3MmlLrLkdIwHu7ix0Ba1Ydki".into()),
            amount: 1099,
            amount_refunded: 500,
            currency: "usd".into(),
            refunded: false,
            refunds: Vec::new(),
        }
    );
}

#[test]
fn charge_refunded_of_an_older_version_lists_its_refunds() {
    // Before 2022-11-15 a Charge carried its refunds as a list object.
    let refunded_in_full = CHARGE
        .replace(r#""amount_refunded": 500"#, r#""amount_refunded": 1099"#)
        .replace(r#""refunded": false"#, r#""refunded": true"#)
        .replace(
            r#""review": null"#,
            &format!(
                r#""refunds": {{
    "object": "list",
    "data": [{}],
    "has_more": false,
    "total_count": 1,
    "url": "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/refunds"
  }},
  "review": null"#,
                REFUND.replace(r#""amount": 500"#, r#""amount": 1099"#)
            ),
        );
    let EventKind::ChargeRefunded(charge) =
        kind("charge.refunded", "2020-08-27", &refunded_in_full)
    else {
        panic!("expected ChargeRefunded");
    };
    assert!(charge.refunded);
    assert_eq!(charge.amount_refunded, 1099);
    assert_eq!(charge.refunds.len(), 1);
    let refund = &charge.refunds[0];
    assert_eq!(refund.id, "re_1Nispe2eZvKYlo2Cd31jOCgZ");
    assert_eq!(refund.amount, 1099);
    assert_eq!(refund.status.as_deref(), Some("succeeded"));
}

#[test]
fn refund_events_of_every_kind_are_refund_updated() {
    for event_type in [
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.refund.updated",
    ] {
        let EventKind::RefundUpdated(refund) = kind(event_type, "2024-10-28.acacia", REFUND) else {
            panic!("expected RefundUpdated for {event_type}");
        };
        assert_eq!(
            refund,
            RefundObject {
                id: "re_1Nispe2eZvKYlo2Cd31jOCgZ".into(),
                payment_intent: Some("pi_3MmlLrLkdIwHu7ix0Ba1Ydki".into()),
                amount: 500,
                status: Some("succeeded".into()),
                reason: Some("requested_by_customer".into()),
                metadata: [("paylink_refund".to_owned(), "rf_42".to_owned())].into(),
            }
        );
    }
    let failed = REFUND.replace(r#""status": "succeeded""#, r#""status": "failed""#);
    let EventKind::RefundUpdated(refund) = kind("refund.failed", "2025-03-31.basil", &failed)
    else {
        panic!("expected RefundUpdated");
    };
    assert_eq!(
        refund.status.as_deref().and_then(RefundStatus::from_stripe),
        Some(RefundStatus::Failed)
    );
}

/// An Invoice as versions before 2025-03-31.basil show it: `subscription`,
/// `subscription_details`, `payment_intent`, `charge` and `paid` at the top level.
const INVOICE_BEFORE_BASIL: &str = r#"{
  "id": "in_1OPouhJN5vQBdWExQl3czOuP",
  "object": "invoice",
  "account_country": "US",
  "account_name": "Stripe Docs",
  "account_tax_ids": null,
  "amount_due": 900,
  "amount_paid": 900,
  "amount_remaining": 0,
  "amount_shipping": 0,
  "application": null,
  "application_fee_amount": null,
  "attempt_count": 1,
  "attempted": true,
  "auto_advance": false,
  "automatic_tax": {
    "enabled": false,
    "liability": null,
    "status": null
  },
  "billing_reason": "subscription_cycle",
  "charge": "ch_3OPouiJN5vQBdWEx1ex4UQmH",
  "collection_method": "charge_automatically",
  "created": 1703175358,
  "currency": "eur",
  "custom_fields": null,
  "customer": "cus_PEHTtYpY7elppN",
  "customer_email": "bob@example.com",
  "default_payment_method": null,
  "description": null,
  "discount": null,
  "discounts": [],
  "due_date": null,
  "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1M2JTkLkdIwHu7ix/test_YWNjdF8xTTJKVGtMa2RJd0h1N2l4",
  "lines": {
    "object": "list",
    "data": [],
    "has_more": false,
    "total_count": 1,
    "url": "/v1/invoices/in_1OPouhJN5vQBdWExQl3czOuP/lines"
  },
  "livemode": false,
  "metadata": {},
  "number": "8DD5E5B4-0002",
  "paid": true,
  "paid_out_of_band": false,
  "payment_intent": "pi_3OPouiJN5vQBdWEx0Zxh3Yd9",
  "period_end": 1703175358,
  "period_start": 1700583358,
  "status": "paid",
  "status_transitions": {
    "finalized_at": 1703178958,
    "marked_uncollectible_at": null,
    "paid_at": 1703178959,
    "voided_at": null
  },
  "subscription": "sub_1OPouiJN5vQBdWExOgfg6t5C",
  "subscription_details": {
    "metadata": {
      "checkout": "chk_0001"
    }
  },
  "subtotal": 900,
  "total": 900,
  "webhooks_delivered_at": 1703175358
}"#;

#[test]
fn invoice_paid_before_basil_names_its_subscription_at_the_top() {
    let EventKind::InvoicePaid(invoice) = kind("invoice.paid", "2024-06-20", INVOICE_BEFORE_BASIL)
    else {
        panic!("expected InvoicePaid");
    };
    assert_eq!(
        invoice,
        InvoiceObject {
            id: "in_1OPouhJN5vQBdWExQl3czOuP".into(),
            subscription: Some("sub_1OPouiJN5vQBdWExOgfg6t5C".into()),
            amount_paid: 900,
            amount_due: 900,
            currency: "eur".into(),
            billing_reason: Some("subscription_cycle".into()),
            payment_intent: Some("pi_3OPouiJN5vQBdWEx0Zxh3Yd9".into()),
            status: Some("paid".into()),
            subscription_metadata: [("checkout".to_owned(), "chk_0001".to_owned())].into(),
        }
    );
}

/// An Invoice as 2025-03-31.basil and later show it: the subscription under `parent`, no
/// `payment_intent`, and (unless expanded) no `payments` list. A failed payment: still open.
const INVOICE_BASIL: &str = r#"{
  "id": "in_1MtHbELkdIwHu7ixl4OzzPMv",
  "object": "invoice",
  "account_country": "US",
  "account_name": "Stripe Docs",
  "account_tax_ids": null,
  "amount_due": 900,
  "amount_paid": 0,
  "amount_overpaid": 0,
  "amount_remaining": 900,
  "amount_shipping": 0,
  "application": null,
  "attempt_count": 1,
  "attempted": true,
  "auto_advance": true,
  "automatic_tax": {
    "enabled": false,
    "liability": null,
    "status": null
  },
  "billing_reason": "subscription_cycle",
  "collection_method": "charge_automatically",
  "created": 1680644467,
  "currency": "eur",
  "custom_fields": null,
  "customer": "cus_NeZwdNtLEOXuvB",
  "customer_email": "jennyrosen@example.com",
  "confirmation_secret": null,
  "default_payment_method": null,
  "description": null,
  "discounts": [],
  "due_date": null,
  "ending_balance": 0,
  "footer": null,
  "from_invoice": null,
  "issuer": {
    "type": "self"
  },
  "last_finalization_error": null,
  "latest_revision": null,
  "lines": {
    "object": "list",
    "data": [],
    "has_more": false,
    "total_count": 1,
    "url": "/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/lines"
  },
  "livemode": false,
  "metadata": {},
  "next_payment_attempt": 1680903667,
  "number": "C26C6D12-0002",
  "on_behalf_of": null,
  "parent": {
    "quote_details": null,
    "subscription_details": {
      "metadata": {
        "checkout": "chk_0001"
      },
      "subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"
    },
    "type": "subscription_details"
  },
  "period_end": 1680644467,
  "period_start": 1678052467,
  "status": "open",
  "status_transitions": {
    "finalized_at": 1680648067,
    "marked_uncollectible_at": null,
    "paid_at": null,
    "voided_at": null
  },
  "subtotal": 900,
  "total": 900,
  "webhooks_delivered_at": 1680644467
}"#;

#[test]
fn invoice_payment_failed_from_basil_names_its_subscription_under_parent() {
    let EventKind::InvoicePaymentFailed(invoice) =
        kind("invoice.payment_failed", "2025-03-31.basil", INVOICE_BASIL)
    else {
        panic!("expected InvoicePaymentFailed");
    };
    assert_eq!(
        invoice,
        InvoiceObject {
            id: "in_1MtHbELkdIwHu7ixl4OzzPMv".into(),
            subscription: Some("sub_1MowQVLkdIwHu7ixeRlqHVzs".into()),
            amount_paid: 0,
            amount_due: 900,
            currency: "eur".into(),
            billing_reason: Some("subscription_cycle".into()),
            payment_intent: None,
            status: Some("open".into()),
            subscription_metadata: [("checkout".to_owned(), "chk_0001".to_owned())].into(),
        }
    );
}

#[test]
fn an_expanded_payments_list_gives_a_basil_invoice_its_payment_intent() {
    let expanded = INVOICE_BASIL.replace(
        r#""period_end": 1680644467,"#,
        r#""payments": {
    "object": "list",
    "data": [
      {
        "id": "inpay_1M3USa2eZvKYlo2CBjuwbq0N",
        "object": "invoice_payment",
        "amount_paid": 900,
        "amount_requested": 900,
        "created": 1391288554,
        "currency": "eur",
        "invoice": "in_1MtHbELkdIwHu7ixl4OzzPMv",
        "is_default": true,
        "livemode": false,
        "payment": {
          "type": "payment_intent",
          "payment_intent": "pi_103Q0w2eZvKYlo2C364X582Z"
        },
        "status": "paid",
        "status_transitions": {
          "canceled_at": null,
          "paid_at": 1391288554
        }
      }
    ],
    "has_more": false,
    "url": "/v1/invoice_payments"
  },
  "period_end": 1680644467,"#,
    );
    let EventKind::InvoicePaid(invoice) = kind("invoice.paid", "2025-03-31.basil", &expanded)
    else {
        panic!("expected InvoicePaid");
    };
    assert_eq!(
        invoice.payment_intent.as_deref(),
        Some("pi_103Q0w2eZvKYlo2C364X582Z")
    );
}

/// A Subscription as the reference's example shows it, once cancelled.
const SUBSCRIPTION: &str = r#"{
  "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
  "object": "subscription",
  "application": null,
  "application_fee_percent": null,
  "automatic_tax": {
    "enabled": false,
    "liability": null
  },
  "billing_cycle_anchor": 1679609767,
  "billing_thresholds": null,
  "cancel_at": null,
  "cancel_at_period_end": false,
  "canceled_at": 1679609860,
  "cancellation_details": {
    "comment": null,
    "feedback": null,
    "reason": "cancellation_requested"
  },
  "collection_method": "charge_automatically",
  "created": 1679609767,
  "currency": "eur",
  "customer": "cus_Na6dX7aXxi11N4",
  "days_until_due": null,
  "default_payment_method": null,
  "default_source": null,
  "default_tax_rates": [],
  "description": null,
  "discounts": [],
  "ended_at": 1679609860,
  "items": {
    "object": "list",
    "data": [],
    "has_more": false,
    "total_count": 1,
    "url": "/v1/subscription_items?subscription=sub_1MowQVLkdIwHu7ixeRlqHVzs"
  },
  "latest_invoice": "in_1MtHbELkdIwHu7ixl4OzzPMv",
  "livemode": false,
  "metadata": {
    "checkout": "chk_0001"
  },
  "next_pending_invoice_item_invoice": null,
  "on_behalf_of": null,
  "pause_collection": null,
  "pending_invoice_item_interval": null,
  "pending_setup_intent": null,
  "pending_update": null,
  "schedule": null,
  "start_date": 1679609767,
  "status": "canceled",
  "test_clock": null,
  "transfer_data": null,
  "trial_end": null,
  "trial_settings": {
    "end_behavior": {
      "missing_payment_method": "create_invoice"
    }
  },
  "trial_start": null
}"#;

#[test]
fn subscription_deleted_is_read() {
    let EventKind::SubscriptionDeleted(subscription) = kind(
        "customer.subscription.deleted",
        "2025-03-31.basil",
        SUBSCRIPTION,
    ) else {
        panic!("expected SubscriptionDeleted");
    };
    assert_eq!(
        subscription,
        SubscriptionObject {
            id: "sub_1MowQVLkdIwHu7ixeRlqHVzs".into(),
            status: "canceled".into(),
        }
    );
}

#[test]
fn an_event_whose_object_is_of_another_type_is_malformed() {
    let payload = event("charge.refunded", "2024-06-20", INVOICE_BEFORE_BASIL);
    assert_eq!(
        parse_event(&payload),
        Err(WebhookError::Malformed(
            "data.object is not a charge".into()
        ))
    );
    let without_amount = REFUND.replace(r#""amount": 500,"#, "");
    assert!(matches!(
        parse_event(&event(
            "refund.created",
            "2024-10-28.acacia",
            &without_amount
        )),
        Err(WebhookError::Malformed(_))
    ));
}
