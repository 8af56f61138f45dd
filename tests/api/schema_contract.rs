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
