//! Rows for the store's integration tests.

use crate::payment_links::PaymentLinkRow;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Link `i` of `merchant_uid`: three links share each creation second (so that the keyset
/// tie-break on `link_id` is exercised), shifted by `micros` so merchants do not collide; every
/// tenth link is inactive.
pub(crate) fn link_row(merchant_uid: &str, i: usize, micros: i64) -> PaymentLinkRow {
    let created_date: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        + Duration::seconds((i / 3) as i64)
        + Duration::microseconds(micros);
    PaymentLinkRow {
        link_id: format!("pt_link_{micros:02}{i:022}"),
        merchant_uid: merchant_uid.to_owned(),
        link_name: format!("Link {}", i % 97),
        payment_name: "Dues".into(),
        payment_description: None,
        amount: Some(100 + (i % 50) as i32),
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
        is_active: !i.is_multiple_of(10),
        created_date,
        updated_at: created_date,
        expires_at: None,
        max_payments: None,
        payment_count: 0,
    }
}
