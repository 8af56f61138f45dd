//! Receipts against the real table: ranked, and never failing on a message another delivery
//! holds.

use chrono::Utc;
use diesel::prelude::*;
use paylink_testdb::TestDb;

use crate::deliveries::{self, DeliveryRow, NewDelivery, status};
use crate::receipts::{DeliveryReceipt, ReceiptRecorded, record};
use crate::schema::link_deliveries::dsl;
use crate::{merchants, payment_links};

const MERCHANT: &str = "mer_receipts";

fn text_of_link(conn: &mut PgConnection, id: &str, link_id: &str) -> DeliveryRow {
    let row = DeliveryRow::queued(
        NewDelivery {
            id: id.into(),
            merchant_uid: MERCHANT.into(),
            session_id: None,
            link_id: Some(link_id.into()),
            channel: "Phone".into(),
            recipient: "+14155552671".into(),
            subject: String::new(),
            body_text: "Pay here".into(),
            body_html: String::new(),
        },
        Utc::now(),
    );
    deliveries::insert(conn, &row).expect("a delivery")
}

fn delivered(sid: &str) -> DeliveryReceipt {
    DeliveryReceipt {
        provider_message_id: sid.into(),
        provider_status: "delivered".into(),
        rank: 5,
        status: status::DELIVERED,
        error_code: None,
    }
}

#[test]
fn a_receipt_for_a_message_another_delivery_holds_is_recorded_without_taking_it() {
    let db = TestDb::new();
    let mut conn = db.connect();
    merchants::insert(&mut conn, MERCHANT, "Receipts").expect("merchant");
    let link =
        payment_links::insert(&mut conn, &super::common::link_row(MERCHANT, 0, 0)).expect("a link");
    text_of_link(&mut conn, "dlv_twin_a", &link.link_id);
    text_of_link(&mut conn, "dlv_twin_b", &link.link_id);
    // Settling gave twin A the message SM1, which was B's.
    diesel::update(dsl::link_deliveries.find("dlv_twin_a"))
        .set(dsl::provider_message_id.eq("SM1"))
        .execute(&mut conn)
        .expect("settled");

    let recorded = record(&mut conn, "dlv_twin_b", &delivered("SM1"), Utc::now());
    assert_eq!(recorded.expect("recorded"), ReceiptRecorded::Applied);
    let b = deliveries::get(&mut conn, "dlv_twin_b").unwrap().unwrap();
    assert_eq!(b.status, status::DELIVERED);
    assert_eq!(
        b.provider_message_id, None,
        "SM1 stays with the delivery that holds it"
    );

    // Its own message is taken as usual, and an older status changes nothing.
    let recorded = record(&mut conn, "dlv_twin_a", &delivered("SM1"), Utc::now());
    assert_eq!(recorded.expect("recorded"), ReceiptRecorded::Applied);
    let sent = DeliveryReceipt {
        provider_status: "sent".into(),
        rank: 4,
        status: status::SENT,
        ..delivered("SM1")
    };
    let recorded = record(&mut conn, "dlv_twin_a", &sent, Utc::now());
    assert_eq!(recorded.expect("recorded"), ReceiptRecorded::Stale);
    let a = deliveries::get(&mut conn, "dlv_twin_a").unwrap().unwrap();
    assert_eq!(
        (a.status.as_str(), a.provider_message_id.as_deref()),
        (status::DELIVERED, Some("SM1"))
    );
}
