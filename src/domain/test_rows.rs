//! Rows the domain's unit tests start from.

use chrono::{NaiveDate, Utc};
use paylink_store::payment_links::PaymentLinkRow;
use paylink_store::sessions::SessionRow;

/// A valid active link: a fixed 1.00 USD, every option at its default.
pub(crate) fn link() -> PaymentLinkRow {
    PaymentLinkRow {
        link_id: "pt_link_x".into(),
        merchant_uid: "mer_x".into(),
        link_name: "Rent".into(),
        payment_name: "Rent".into(),
        payment_description: None,
        amount: Some(100),
        currency: "USD".into(),
        fee_mode: "SERVICE_FEE".into(),
        amount_is_variable: false,
        min_amount: None,
        max_amount: None,
        require_phone: false,
        call_to_action: "PAY".into(),
        accepted_payment_methods: "ALL".into(),
        account_code: None,
        custom_success_message: None,
        redirect_url: None,
        is_active: true,
        created_date: Utc::now(),
        updated_at: Utc::now(),
        expires_at: None,
        max_payments: None,
        payment_count: 0,
    }
}

/// A valid Active session: 100.00 USD a month, twelve times.
pub(crate) fn session() -> SessionRow {
    SessionRow {
        id: "pps_x".into(),
        merchant_uid: "mer_x".into(),
        contact_id: "ct_x".into(),
        amount_minor: 10_000,
        currency: "USD".into(),
        status: "Active".into(),
        frequency: "Monthly".into(),
        start_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        occurrences: 12,
        callback_url: None,
        cancel_url: None,
        success_url: None,
        expiration_date: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}
