//! The served schema is the checked-in contract.

use std::path::Path;

#[test]
fn served_schema_equals_the_checked_in_sdl() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let differences = paylink::graphql::contract::differences(&dir).expect("reading schema/");
    assert!(
        differences.is_empty(),
        "served schema differs:\n{}",
        differences.join("\n")
    );
}

#[test]
fn descriptions_reach_the_served_schema() {
    let sdl = paylink::graphql::schema().as_sdl();
    assert!(sdl.contains("Unique id of the link"), "{sdl}");
    assert!(sdl.contains("merchant_uid: String!"));
    assert!(sdl.contains("paymentLinks("));
    assert!(sdl.contains("SERVICE_FEE"));
}

#[tokio::test(flavor = "multi_thread")]
async fn descriptions_are_served_by_introspection() {
    let app = crate::support::TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let body = app
        .gql(
            &merchant,
            r#"{ __type(name: "PaymentLink") { description fields { name description } } }"#,
            serde_json::json!({}),
        )
        .await;
    let payment_link = &body["data"]["__type"];
    assert_eq!(
        payment_link["description"], "A reusable link that lets a payer pay a merchant.",
        "{body}"
    );
    let link_url = payment_link["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|field| field["name"] == "link_url")
        .expect("link_url field");
    assert_eq!(
        link_url["description"],
        "Public URL where payers open the link."
    );
}
