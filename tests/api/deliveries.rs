//! Contacts, payment-plan sessions and sending links, in process: the GraphQL contract of each
//! operation, the refusals of the send mutations (which must queue nothing), and the dispatcher
//! against a real SMTP conversation and a local server speaking Twilio's Messages API, with
//! retries, permanent failures and timeouts. Outcomes are awaited by polling the API, never by
//! sleeping a guessed time.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;
use paylink_test_servers::smtp_server::{SmtpAction, SmtpCommand, SmtpServer};
use paylink_test_servers::twilio_server::{CannedResponse, Fault, TwilioServer};

pub(crate) const CREATE_CONTACT: &str = "mutation($input: CreateContactInput!) {
  createContact(input: $input) { id name givenName familyName email phone createdAt updatedAt }
}";

const UPDATE_CONTACT: &str = "mutation($input: UpdateContactInput!) {
  updateContact(input: $input) { id name givenName familyName email phone createdAt updatedAt }
}";

const CONTACT: &str = "query($id: ID!) {
  contact(id: $id) { id name givenName familyName email phone }
}";

pub(crate) const CREATE_SESSION: &str = "mutation($input: CreatePaymentPlanSessionInput!) {
  createPaymentPlanSession(input: $input) {
    id contactId contact { id email phone } amount currency status frequency startDate
    occurrences callbackUrl cancelUrl successUrl link expirationDate createdAt updatedAt
    deliveries { id }
  }
}";

const UPDATE_SESSION: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { id status link amount occurrences expirationDate }
}";

pub(crate) const SESSION: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) {
    id status link expirationDate
    deliveries {
      id channel recipient status attempts lastError providerMessageId createdAt sentAt
      providerStatus providerErrorCode receiptAt
    }
  }
}";

pub(crate) const SEND_SESSION_LINK: &str = "mutation($input: SendPaymentPlanSessionLinkInput!) {
  sendPaymentPlanSessionLink(input: $input) { success message }
}";

const SEND_PAYMENT_LINK: &str = "mutation($input: SendPaymentLinkInput!) {
  sendPaymentLink(input: $input) { success message }
}";

const LINK_DELIVERIES: &str = "query($id: String!) {
  paymentLinkDeliveries(link_id: $id) {
    id channel recipient status attempts lastError providerMessageId createdAt sentAt
    providerStatus providerErrorCode receiptAt
  }
}";

/// Credentials the Twilio stand-in accepts.
pub(crate) const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub(crate) const TWILIO_TOKEN: &str = "twilio-auth-token-5ecr3t";
pub(crate) const TWILIO_FROM: &str = "+15005550006";

/// How long any awaited outcome may take before the test fails instead of hanging.
pub(crate) const SETTLE_WITHIN: Duration = Duration::from_secs(30);

/// Fast retries so that retry paths finish in well under a second; the lease outlasts the
/// attempt timeout as the configuration requires.
fn fast_delivery() -> Vec<(&'static str, String)> {
    vec![
        ("PAYLINK_DELIVERY_RETRY_BASE_MS", "50".to_owned()),
        ("PAYLINK_DELIVERY_RETRY_MAX_MS", "200".to_owned()),
        ("PAYLINK_DELIVERY_TIMEOUT_MS", "500".to_owned()),
        ("PAYLINK_DELIVERY_LEASE_SECS", "2".to_owned()),
        ("PAYLINK_DELIVERY_POLL_MS", "50".to_owned()),
        ("PAYLINK_DELIVERY_SETTLE_SECS", "1".to_owned()),
    ]
}

fn with_smtp(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    let mut vars = fast_delivery();
    vars.push(("PAYLINK_SMTP_URL", smtp.url()));
    vars.push((
        "PAYLINK_EMAIL_FROM",
        "Acme Billing <billing@acme.example>".to_owned(),
    ));
    vars
}

pub(crate) fn with_twilio(twilio: &TwilioServer, token: &str) -> Vec<(&'static str, String)> {
    let mut vars = fast_delivery();
    vars.extend([
        ("PAYLINK_SMS_PROVIDER", "twilio".to_owned()),
        ("PAYLINK_TWILIO_BASE_URL", twilio.base_url()),
        ("PAYLINK_TWILIO_ACCOUNT_SID", TWILIO_SID.to_owned()),
        ("PAYLINK_TWILIO_AUTH_TOKEN", token.to_owned()),
        ("PAYLINK_TWILIO_FROM", TWILIO_FROM.to_owned()),
    ]);
    vars
}

pub(crate) fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

/// `extensions.field` of the single error.
fn error_field(body: &Value) -> String {
    only_error(body)["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {body}"))
        .to_owned()
}

async fn create_contact(app: &TestApp, merchant: &Merchant, input: Value) -> Value {
    let body = app
        .gql(merchant, CREATE_CONTACT, json!({ "input": input }))
        .await;
    ok(&body, "createContact").clone()
}

/// A session input that the rules accept.
pub(crate) fn session_input(contact_id: &str) -> Value {
    json!({
        "contactId": contact_id, "amount": "100.00", "currency": "USD", "frequency": "Monthly",
        "startDate": "2027-01-01", "occurrences": 12,
    })
}

async fn create_session(app: &TestApp, merchant: &Merchant, contact_id: &str) -> Value {
    let body = app
        .gql(
            merchant,
            CREATE_SESSION,
            json!({ "input": session_input(contact_id) }),
        )
        .await;
    ok(&body, "createPaymentPlanSession").clone()
}

/// A contact with both an email address and a phone number, and an Active session for it;
/// returns the session's id.
pub(crate) async fn reachable_session(app: &TestApp, merchant: &Merchant) -> String {
    let contact = create_contact(
        app,
        merchant,
        json!({ "name": "Jo Doe", "email": "jo@example.com", "phone": "+14155552671" }),
    )
    .await;
    let session = create_session(app, merchant, contact["id"].as_str().unwrap()).await;
    session["id"].as_str().unwrap().to_owned()
}

/// Sends a session's link and returns `(success, message)`.
pub(crate) async fn send_session_link(
    app: &TestApp,
    merchant: &Merchant,
    input: Value,
) -> (bool, String) {
    let body = app
        .gql(merchant, SEND_SESSION_LINK, json!({ "input": input }))
        .await;
    outcome(ok(&body, "sendPaymentPlanSessionLink"))
}

pub(crate) async fn send_payment_link(
    app: &TestApp,
    merchant: &Merchant,
    input: Value,
) -> (bool, String) {
    let body = app
        .gql(merchant, SEND_PAYMENT_LINK, json!({ "input": input }))
        .await;
    outcome(ok(&body, "sendPaymentLink"))
}

pub(crate) fn outcome(answer: &Value) -> (bool, String) {
    (
        answer["success"].as_bool().expect("success is a boolean"),
        answer["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The delivery id a successful send names in its message.
pub(crate) fn delivery_id_in(message: &str) -> String {
    let id = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|word| word.starts_with("dlv_"))
        .unwrap_or_else(|| panic!("no delivery id in {message:?}"));
    assert_eq!(id.len(), "dlv_".len() + 24, "{message}");
    id.to_owned()
}

/// Sends and expects success; returns the delivery id.
pub(crate) async fn queue_session_link(app: &TestApp, merchant: &Merchant, input: Value) -> String {
    let (success, message) = send_session_link(app, merchant, input).await;
    assert!(success, "{message}");
    delivery_id_in(&message)
}

pub(crate) async fn session_deliveries(
    app: &TestApp,
    merchant: &Merchant,
    session_id: &str,
) -> Vec<Value> {
    let body = app
        .gql(merchant, SESSION, json!({ "id": session_id }))
        .await;
    ok(&body, "paymentPlanSession")["deliveries"]
        .as_array()
        .unwrap_or_else(|| panic!("no deliveries in {body}"))
        .clone()
}

pub(crate) async fn link_deliveries(
    app: &TestApp,
    merchant: &Merchant,
    link_id: &str,
) -> Vec<Value> {
    let body = app
        .gql(merchant, LINK_DELIVERIES, json!({ "id": link_id }))
        .await;
    ok(&body, "paymentLinkDeliveries")
        .as_array()
        .unwrap_or_else(|| panic!("no deliveries in {body}"))
        .clone()
}

/// The delivery a text message at the Twilio stand-in belongs to: the last segment of its
/// `StatusCallback` (the server must have `PAYLINK_PUBLIC_BASE_URL`).
pub(crate) fn delivery_of(message: &paylink_test_servers::twilio_server::SentMessage) -> String {
    let callback = message
        .status_callback
        .as_deref()
        .unwrap_or_else(|| panic!("message {} has no StatusCallback", message.sid));
    callback.rsplit('/').next().unwrap_or_default().to_owned()
}

pub(crate) fn is_final(delivery: &Value) -> bool {
    matches!(
        delivery["status"].as_str(),
        Some("Sent" | "Delivered" | "Undelivered" | "Failed")
    )
}

/// Polls the session's deliveries until `id` is Sent or Failed, and returns it.
pub(crate) async fn settled(
    app: &TestApp,
    merchant: &Merchant,
    session_id: &str,
    id: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    loop {
        let deliveries = session_deliveries(app, merchant, session_id).await;
        let delivery = deliveries
            .iter()
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("delivery {id} is not listed: {deliveries:?}"));
        if is_final(delivery) {
            return delivery.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery {id} did not finish within {SETTLE_WITHIN:?}: {delivery}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sets a session's stored expiration directly: the API refuses a date in the past, and
/// waiting for a real one to pass would make the test slow.
async fn expire(app: &TestApp, merchant: &Merchant, session_id: &str) {
    let (merchant_uid, id) = (merchant.uid.clone(), session_id.to_owned());
    app.store
        .update_session(&merchant_uid, &id, false, chrono::Utc::now(), |mut row| {
            row.expiration_date = Some(chrono::Utc::now() - chrono::Duration::minutes(1));
            Ok::<_, paylink_store::StoreError>(row)
        })
        .await
        .expect("expiring the session");
}

fn future(offset: chrono::Duration) -> String {
    (chrono::Utc::now() + offset).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

// ---------------------------------------------------------------------------------------------
// Contacts and sessions
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn contacts_are_created_read_and_updated() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let created = create_contact(
        &app,
        &merchant,
        json!({ "name": "Jo Doe", "givenName": "Jo", "familyName": "Doe",
                "email": "jo@example.com", "phone": "+14155552671" }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ct_"), "{created}");
    assert_eq!(created["email"], "jo@example.com");
    assert_eq!(created["phone"], "+14155552671");
    assert_eq!(created["givenName"], "Jo");
    assert!(chrono::DateTime::parse_from_rfc3339(created["createdAt"].as_str().unwrap()).is_ok());

    let body = app.gql(&merchant, CONTACT, json!({ "id": id })).await;
    assert_eq!(
        ok(&body, "contact"),
        &json!({ "id": id, "name": "Jo Doe", "givenName": "Jo", "familyName": "Doe",
                 "email": "jo@example.com", "phone": "+14155552671" })
    );

    // Omitted fields stay; an explicit null clears.
    let body = app
        .gql(
            &merchant,
            UPDATE_CONTACT,
            json!({ "input": { "id": id, "name": "Joanna Doe", "phone": null } }),
        )
        .await;
    let updated = ok(&body, "updateContact");
    assert_eq!(updated["name"], "Joanna Doe");
    assert_eq!(updated["email"], "jo@example.com");
    assert_eq!(updated["givenName"], "Jo");
    assert_eq!(updated["phone"], Value::Null);
    assert_eq!(updated["createdAt"], created["createdAt"]);

    let body = app
        .gql(
            &merchant,
            UPDATE_CONTACT,
            json!({ "input": { "id": id, "email": "joanna@example.org", "phone": "+442079460958" } }),
        )
        .await;
    let updated = ok(&body, "updateContact");
    assert_eq!(updated["email"], "joanna@example.org");
    assert_eq!(updated["phone"], "+442079460958");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_contact_fields_are_refused_and_nothing_is_written() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    for (input, field) in [
        (json!({ "name": "A", "email": "not-an-email" }), "email"),
        (json!({ "name": "A", "email": "jo@" }), "email"),
        (
            json!({ "name": "A", "email": "jo doe@example.com" }),
            "email",
        ),
        // A mailbox with a display name is not an address: it would be stored and sent as is.
        (
            json!({ "name": "A", "email": "Jo Doe <jo@example.com>" }),
            "email",
        ),
        (json!({ "name": "A", "phone": "4155552671" }), "phone"),
        (json!({ "name": "A", "phone": "+1555" }), "phone"),
        (json!({ "name": "A", "phone": "call me" }), "phone"),
    ] {
        let body = app
            .gql(&merchant, CREATE_CONTACT, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_field(&body), field, "{input}: {body}");
        assert_eq!(body["data"], Value::Null, "{body}");
    }
    assert_eq!(app.row_count("contacts").await, 0);

    // An invalid update changes nothing either.
    let contact = create_contact(
        &app,
        &merchant,
        json!({ "email": "jo@example.com", "phone": "+14155552671" }),
    )
    .await;
    let id = contact["id"].as_str().unwrap();
    for (input, field) in [
        (
            json!({ "id": id, "name": "Changed", "email": "nope" }),
            "email",
        ),
        (
            json!({ "id": id, "name": "Changed", "phone": "+1 nope" }),
            "phone",
        ),
    ] {
        let body = app
            .gql(&merchant, UPDATE_CONTACT, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_field(&body), field, "{body}");
    }
    let body = app.gql(&merchant, CONTACT, json!({ "id": id })).await;
    let stored = ok(&body, "contact");
    assert_eq!(stored["name"], Value::Null);
    assert_eq!(stored["email"], "jo@example.com");
    assert_eq!(stored["phone"], "+14155552671");
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_created_with_their_link_and_checked() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let contact = create_contact(&app, &merchant, json!({ "email": "jo@example.com" })).await;
    let contact_id = contact["id"].as_str().unwrap();

    let mut input = session_input(contact_id);
    input["successUrl"] = json!("https://merchant.example/done");
    let body = app
        .gql(&merchant, CREATE_SESSION, json!({ "input": input }))
        .await;
    let session = ok(&body, "createPaymentPlanSession");
    let id = session["id"].as_str().unwrap();
    assert!(id.starts_with("pps_"), "{session}");
    assert_eq!(session["amount"], "100.00");
    assert_eq!(session["currency"], "USD");
    assert_eq!(session["frequency"], "Monthly");
    assert_eq!(session["startDate"], "2027-01-01");
    assert_eq!(session["occurrences"], 12);
    assert_eq!(session["status"], "Active");
    assert_eq!(session["contactId"], contact_id);
    assert_eq!(session["contact"]["email"], "jo@example.com");
    assert_eq!(session["successUrl"], "https://merchant.example/done");
    assert_eq!(session["cancelUrl"], Value::Null);
    assert_eq!(session["expirationDate"], Value::Null);
    assert_eq!(session["link"], format!("https://pay.test/s/{id}"));
    assert_eq!(session["deliveries"], json!([]));

    let sessions_before = app.row_count("payment_plan_sessions").await;
    for (change, field) in [
        (json!({ "amount": "0.00" }), "amount"),
        (json!({ "amount": "-5.00" }), "amount"),
        (json!({ "occurrences": 0 }), "occurrences"),
        (json!({ "occurrences": 521 }), "occurrences"),
        (
            json!({ "expirationDate": future(-chrono::Duration::minutes(1)) }),
            "expirationDate",
        ),
    ] {
        let mut input = session_input(contact_id);
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let body = app
            .gql(&merchant, CREATE_SESSION, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{change}: {body}");
        assert_eq!(error_field(&body), field, "{change}: {body}");
    }
    // The edges of the occurrences range are accepted.
    for occurrences in [1, 520] {
        let mut input = session_input(contact_id);
        input["occurrences"] = json!(occurrences);
        let body = app
            .gql(&merchant, CREATE_SESSION, json!({ "input": input }))
            .await;
        assert_eq!(
            ok(&body, "createPaymentPlanSession")["occurrences"],
            occurrences
        );
    }
    assert_eq!(
        app.row_count("payment_plan_sessions").await,
        sessions_before + 2
    );

    // A contact that does not exist, or is another merchant's, is not found.
    let other = app.merchant("Other").await;
    let theirs = create_contact(&app, &other, json!({ "email": "x@example.com" })).await;
    for contact_id in ["ct_doesnotexist", theirs["id"].as_str().unwrap()] {
        let body = app
            .gql(
                &merchant,
                CREATE_SESSION,
                json!({ "input": session_input(contact_id) }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
    assert_eq!(
        app.row_count("payment_plan_sessions").await,
        sessions_before + 2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_session_removes_its_link_and_status_cannot_be_null() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let id = reachable_session(&app, &merchant).await;

    let body = app
        .gql(
            &merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": id, "status": null } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_field(&body), "status");

    let body = app
        .gql(
            &merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": id, "occurrences": 521 } }),
        )
        .await;
    assert_eq!(error_field(&body), "occurrences", "{body}");

    let body = app
        .gql(
            &merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": id, "status": "Cancelled" } }),
        )
        .await;
    let updated = ok(&body, "updatePaymentPlanSession");
    assert_eq!(updated["status"], "Cancelled");
    assert_eq!(updated["link"], Value::Null);
    assert_eq!(updated["amount"], "100.00", "omitted fields stay");
    assert_eq!(updated["occurrences"], 12, "a refused update wrote nothing");

    let body = app.gql(&merchant, SESSION, json!({ "id": id })).await;
    let read = ok(&body, "paymentPlanSession");
    assert_eq!(read["status"], "Cancelled");
    assert_eq!(read["link"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_past_its_expiration_reads_as_expired() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let contact = create_contact(&app, &merchant, json!({ "email": "jo@example.com" })).await;
    let mut input = session_input(contact["id"].as_str().unwrap());
    // Far enough ahead that a slow request on a loaded machine still creates it Active.
    input["expirationDate"] = json!(future(chrono::Duration::seconds(4)));
    let body = app
        .gql(&merchant, CREATE_SESSION, json!({ "input": input }))
        .await;
    let session = ok(&body, "createPaymentPlanSession");
    let id = session["id"].as_str().unwrap().to_owned();
    assert_eq!(session["status"], "Active");
    assert_eq!(session["link"], format!("https://pay.test/s/{id}"));

    // The expiration is a real one a moment ahead: poll until it has passed.
    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    let read = loop {
        let body = app.gql(&merchant, SESSION, json!({ "id": id })).await;
        let read = ok(&body, "paymentPlanSession").clone();
        if read["status"] != "Active" {
            break read;
        }
        assert!(tokio::time::Instant::now() < deadline, "never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(read["status"], "Expired", "{read}");
    assert_eq!(read["link"], Value::Null, "{read}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_merchants_contacts_and_sessions_are_invisible() {
    let app = TestApp::start().await;
    let owner = app.merchant("Owner").await;
    let other = app.merchant("Other").await;
    let session_id = reachable_session(&app, &owner).await;
    let body = app.gql(&owner, SESSION, json!({ "id": session_id })).await;
    assert_eq!(ok(&body, "paymentPlanSession")["status"], "Active");
    let contact = create_contact(&app, &owner, json!({ "email": "a@example.com" })).await;
    let contact_id = contact["id"].as_str().unwrap();

    let body = app.gql(&other, CONTACT, json!({ "id": contact_id })).await;
    assert_eq!(ok(&body, "contact"), &Value::Null);
    let body = app.gql(&other, SESSION, json!({ "id": session_id })).await;
    assert_eq!(ok(&body, "paymentPlanSession"), &Value::Null);

    let body = app
        .gql(
            &other,
            UPDATE_CONTACT,
            json!({ "input": { "id": contact_id, "name": "Mine now" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .gql(
            &other,
            UPDATE_SESSION,
            json!({ "input": { "id": session_id, "status": "Cancelled" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

    // Unknown ids read the same as another merchant's.
    let body = app.gql(&owner, CONTACT, json!({ "id": "ct_nope" })).await;
    assert_eq!(ok(&body, "contact"), &Value::Null);
    let body = app
        .gql(
            &owner,
            UPDATE_SESSION,
            json!({ "input": { "id": "pps_nope", "status": "Cancelled" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

    // The owner's rows are untouched.
    let body = app.gql(&owner, SESSION, json!({ "id": session_id })).await;
    assert_eq!(ok(&body, "paymentPlanSession")["status"], "Active");
    let body = app.gql(&owner, CONTACT, json!({ "id": contact_id })).await;
    assert_eq!(ok(&body, "contact")["name"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// The send contract
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn refused_session_sends_say_why_and_queue_nothing() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let other = app.merchant("Other").await;

    let reachable = reachable_session(&app, &merchant).await;
    let theirs = reachable_session(&app, &other).await;
    let unreachable_contact = create_contact(&app, &merchant, json!({ "name": "No Way" })).await;
    let unreachable_contact_id = unreachable_contact["id"].as_str().unwrap();
    let unreachable = create_session(&app, &merchant, unreachable_contact_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancelled = reachable_session(&app, &merchant).await;
    let body = app
        .gql(
            &merchant,
            UPDATE_SESSION,
            json!({ "input": { "id": cancelled, "status": "Cancelled" } }),
        )
        .await;
    ok(&body, "updatePaymentPlanSession");
    let expired = reachable_session(&app, &merchant).await;
    expire(&app, &merchant, &expired).await;

    let unknown_message = |id: &str| format!("payment plan session {id} not found");
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            json!({ "id": "pps_doesnotexist", "channel": "Email" }),
            vec![unknown_message("pps_doesnotexist")],
        ),
        // Another merchant's session reads exactly as an unknown one.
        (
            json!({ "id": theirs, "channel": "Email" }),
            vec![unknown_message(&theirs)],
        ),
        (
            json!({ "id": cancelled, "channel": "Email" }),
            vec!["Cancelled".into(), "Active".into()],
        ),
        (
            json!({ "id": expired, "channel": "Phone" }),
            vec!["Expired".into(), "Active".into()],
        ),
        (
            json!({ "id": unreachable, "channel": "Email" }),
            vec![
                "no recipient".into(),
                unreachable_contact_id.to_owned(),
                "has no email address".into(),
                "no `to` override was provided".into(),
            ],
        ),
        (
            json!({ "id": unreachable, "channel": "Phone" }),
            vec![
                "no recipient".into(),
                "has no phone number".into(),
                "no `to` override was provided".into(),
            ],
        ),
        (
            json!({ "id": reachable, "channel": "Email", "to": "not an address" }),
            vec!["invalid `to`".into(), "email address".into()],
        ),
        (
            json!({ "id": reachable, "channel": "Phone", "to": "4155552671" }),
            vec!["invalid `to`".into(), "E.164".into()],
        ),
        (
            json!({ "id": reachable, "channel": "Email", "to": "Jo <jo@example.com>" }),
            vec!["invalid `to`".into()],
        ),
        // A `to` is checked against the channel it is used for.
        (
            json!({ "id": reachable, "channel": "Phone", "to": "jo@example.com" }),
            vec!["invalid `to`".into()],
        ),
        (
            json!({ "id": unreachable, "channel": "Email", "to": "+14155552671" }),
            vec!["invalid `to`".into()],
        ),
    ];
    for (input, expected) in cases {
        let (success, message) = send_session_link(&app, &merchant, input.clone()).await;
        assert!(!success, "{input}: {message}");
        for part in &expected {
            assert!(
                message.contains(part.as_str()),
                "{input}: {message:?} lacks {part:?}"
            );
        }
    }
    assert_eq!(app.row_count("link_deliveries").await, 0);
    for session in [&reachable, &unreachable, &cancelled, &expired] {
        assert!(
            session_deliveries(&app, &merchant, session)
                .await
                .is_empty()
        );
    }
    assert!(session_deliveries(&app, &other, &theirs).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_payment_link_sends_say_why_and_queue_nothing() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    let link = create_link(&app, &merchant, "Dues").await;
    let link_id = link["link_id"].as_str().unwrap().to_owned();
    let theirs = create_link(&app, &other, "Theirs").await["link_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let inactive = create_link(&app, &merchant, "Old").await["link_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .gql(
            &merchant,
            UPDATE,
            json!({ "input": { "merchant_uid": merchant.uid, "link_id": inactive, "is_active": false } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({ "link_id": "pt_link_doesnotexist", "channel": "Email", "to": "jo@example.com" }),
            vec!["payment link pt_link_doesnotexist not found"],
        ),
        (
            json!({ "link_id": theirs, "channel": "Email", "to": "jo@example.com" }),
            vec!["not found"],
        ),
        (
            json!({ "link_id": inactive, "channel": "Email", "to": "jo@example.com" }),
            vec!["not active"],
        ),
        (
            json!({ "link_id": link_id, "channel": "Email" }),
            vec!["no recipient", "`to`"],
        ),
        (
            json!({ "link_id": link_id, "channel": "Phone" }),
            vec!["no recipient", "`to`"],
        ),
        (
            json!({ "link_id": link_id, "channel": "Email", "to": "jo@" }),
            vec!["invalid `to`"],
        ),
        (
            json!({ "link_id": link_id, "channel": "Phone", "to": "+1555" }),
            vec!["invalid `to`"],
        ),
    ];
    for (input, expected) in cases {
        let (success, message) = send_payment_link(&app, &merchant, input.clone()).await;
        assert!(!success, "{input}: {message}");
        for part in expected {
            assert!(
                message.contains(part),
                "{input}: {message:?} lacks {part:?}"
            );
        }
    }
    assert_eq!(app.row_count("link_deliveries").await, 0);
    assert!(link_deliveries(&app, &merchant, &link_id).await.is_empty());

    // Another merchant's link has no deliveries to show: it is not found.
    let body = app
        .gql(&merchant, LINK_DELIVERIES, json!({ "id": theirs }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_send_queues_one_delivery_that_the_dispatcher_sends() {
    let app = TestApp::start_with(&fast_delivery()).await;
    let merchant = app.merchant("Acme Tutoring").await;
    let session = reachable_session(&app, &merchant).await;

    let by_email = queue_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Email" }),
    )
    .await;
    let by_phone = queue_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Phone", "to": "+442079460958" }),
    )
    .await;
    assert_ne!(by_email, by_phone);

    let email = settled(&app, &merchant, &session, &by_email).await;
    assert_eq!(email["status"], "Sent", "{email}");
    assert_eq!(email["channel"], "Email");
    assert_eq!(email["recipient"], "jo@example.com");
    assert_eq!(email["attempts"], 1);
    assert_eq!(email["lastError"], Value::Null);
    assert!(email["sentAt"].is_string(), "{email}");
    let phone = settled(&app, &merchant, &session, &by_phone).await;
    assert_eq!(phone["status"], "Sent", "{phone}");
    assert_eq!(phone["channel"], "Phone");
    assert_eq!(
        phone["recipient"], "+442079460958",
        "the `to` override wins"
    );

    // Newest first.
    let listed = session_deliveries(&app, &merchant, &session).await;
    let ids: Vec<&str> = listed.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [by_phone.as_str(), by_email.as_str()]);

    // Without a provider configured, the development files hold what was sent.
    let eml = std::fs::read_to_string(app.outbox.join("email").join(format!("{by_email}.eml")))
        .expect("the email file");
    assert!(eml.contains("Acme Tutoring"), "{eml}");
    let sms = std::fs::read_to_string(app.outbox.join("sms.jsonl")).expect("the SMS file");
    let line: Value = serde_json::from_str(sms.lines().next().unwrap()).unwrap();
    assert_eq!(line["id"], by_phone);
    assert_eq!(line["to"], "+442079460958");
    assert!(
        line["body"]
            .as_str()
            .unwrap()
            .contains(&format!("https://pay.test/s/{session}")),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_link_send_is_delivered_and_listed() {
    let app = TestApp::start_with(&fast_delivery()).await;
    let merchant = app.merchant("Acme").await;
    let link = create_link(&app, &merchant, "Dues").await;
    let link_id = link["link_id"].as_str().unwrap();
    let (success, message) = send_payment_link(
        &app,
        &merchant,
        json!({ "link_id": link_id, "channel": "Email", "to": "payer@example.com" }),
    )
    .await;
    assert!(success, "{message}");
    let id = delivery_id_in(&message);

    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    let delivery = loop {
        let listed = link_deliveries(&app, &merchant, link_id).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        if is_final(&listed[0]) {
            break listed[0].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{listed:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(delivery["id"], id);
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(delivery["recipient"], "payer@example.com");
    let eml = std::fs::read_to_string(app.outbox.join("email").join(format!("{id}.eml")))
        .expect("the email file");
    assert!(eml.contains(link["link_url"].as_str().unwrap()), "{eml}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_example_request_works_as_printed() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Acme").await;
    let session = reachable_session(&app, &merchant).await;
    // The README's body, byte for byte but for the session id.
    let body = format!(
        r#"{{"query": "mutation SendLink($input: SendPaymentPlanSessionLinkInput!) {{ sendPaymentPlanSessionLink(input: $input) {{ success message }} }}", "variables": {{"input": {{"id": "{session}", "channel": "Email"}}}}}}"#
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", format!("Bearer {}", merchant.key))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    let result = ok(&answer, "sendPaymentPlanSessionLink");
    assert_eq!(result["success"], true, "{answer}");
    let id = delivery_id_in(result["message"].as_str().unwrap());
    let listed = session_deliveries(&app, &merchant, &session).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id);
}

// ---------------------------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------------------------

/// The decoded bodies of a MIME message's parts, by content type (`text/plain`, `text/html`).
/// mail-parser is not a dependency of this crate, and lettre only uses 7bit, quoted-printable
/// and base64, so a small reader suffices.
fn mime_parts(
    message: &paylink_test_servers::smtp_server::ReceivedMessage,
) -> Vec<(String, String)> {
    let content_type = message.header("Content-Type").expect("Content-Type");
    let boundary = content_type
        .split(';')
        .filter_map(|param| param.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .next()
        .unwrap_or_else(|| panic!("not multipart: {content_type}"));
    let delimiter = format!("--{boundary}");
    message
        .body()
        .split(delimiter.as_str())
        .skip(1)
        .filter(|part| !part.starts_with("--"))
        .map(|part| {
            let part = part.trim_start_matches("\r\n");
            let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
            let header = |name: &str| {
                head.split("\r\n")
                    .filter_map(|line| line.split_once(':'))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
                    .map(|(_, value)| value.trim().to_ascii_lowercase())
                    .unwrap_or_default()
            };
            let kind = header("Content-Type")
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            let decoded = match header("Content-Transfer-Encoding").as_str() {
                "quoted-printable" => quoted_printable(body),
                "base64" => {
                    let bytes = base64_decode(&body.split_whitespace().collect::<String>());
                    String::from_utf8(bytes).expect("UTF-8 part")
                }
                _ => body.to_owned(),
            };
            (kind, decoded)
        })
        .collect()
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 part")
}

pub(crate) fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => break,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_link_goes_out_in_a_real_smtp_conversation() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::start_with(&with_smtp(&smtp)).await;
    let merchant = app.merchant("Acme Tutoring").await;
    let session = reachable_session(&app, &merchant).await;
    let id = queue_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Email" }),
    )
    .await;

    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(delivery["attempts"], 1);
    assert!(delivery["sentAt"].is_string());

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message.rcpt_to, ["jo@example.com"]);
    assert_eq!(message.mail_from, "billing@acme.example");
    let subject = message.header("Subject").expect("Subject");
    assert!(subject.contains("Acme Tutoring"), "{subject}");
    let message_id = message.header("Message-ID").expect("Message-ID");
    assert_eq!(delivery["providerMessageId"], message_id.as_str());
    assert!(message_id.contains(&id), "{message_id}");

    let link = format!("https://pay.test/s/{session}");
    let parts = mime_parts(message);
    let part = |kind: &str| {
        parts
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, body)| body.clone())
            .unwrap_or_else(|| panic!("no {kind} part in {}", message.data))
    };
    assert!(part("text/plain").contains(&link), "{}", part("text/plain"));
    assert!(part("text/plain").contains("100.00 USD"));
    let html = part("text/html");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_smtp_4xx_is_retried_and_the_message_sent_once() {
    let smtp = SmtpServer::start().await;
    smtp.respond_once(
        SmtpCommand::RcptTo,
        SmtpAction::reply(450, "4.2.1 mailbox busy, try later"),
    );
    let app = TestApp::start_with(&with_smtp(&smtp)).await;
    let merchant = app.merchant("Acme").await;
    let session = reachable_session(&app, &merchant).await;
    let id = queue_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Email" }),
    )
    .await;

    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(delivery["attempts"], 2, "{delivery}");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].rcpt_to, ["jo@example.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_smtp_5xx_fails_at_once_with_the_servers_reason() {
    let smtp = SmtpServer::start().await;
    smtp.respond_always(
        SmtpCommand::RcptTo,
        SmtpAction::reply(550, "5.1.1 <jo@example.com>: Recipient address rejected"),
    );
    let app = TestApp::start_with(&with_smtp(&smtp)).await;
    let merchant = app.merchant("Acme").await;
    let session = reachable_session(&app, &merchant).await;
    let id = queue_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Email" }),
    )
    .await;

    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Failed", "{delivery}");
    assert_eq!(delivery["attempts"], 1, "{delivery}");
    let error = delivery["lastError"].as_str().unwrap();
    assert!(
        error.contains("550") && error.contains("Recipient address rejected"),
        "{error}"
    );
    assert_eq!(delivery["providerMessageId"], Value::Null);
    assert_eq!(delivery["sentAt"], Value::Null);
    assert!(smtp.messages().is_empty());
}

/// A server sending email through `smtp`, and a session link queued for Email; returns the
/// settled delivery.
async fn email_through(smtp: &SmtpServer) -> Value {
    let app = TestApp::start_with(&with_smtp(smtp)).await;
    let merchant = app.merchant("Acme").await;
    let session = reachable_session(&app, &merchant).await;
    let id = queue_session_link(
        &app,
        &merchant,
        json!({ "id": session, "channel": "Email" }),
    )
    .await;
    settled(&app, &merchant, &session, &id).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_smtp_server_that_stalls_is_timed_out_and_retried() {
    let smtp = SmtpServer::start().await;
    // Connected, then silent: only the attempt timeout frees the dispatcher.
    smtp.respond_once(SmtpCommand::MailFrom, SmtpAction::Stall);
    let delivery = email_through(&smtp).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(delivery["attempts"], 2, "{delivery}");
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(smtp.connections(), 2);
}

/// The relay took the message and the connection broke before its reply. SMTP cannot be asked
/// what it holds, so after the settling wait the email goes again, with the same Message-ID: the
/// relay gets two copies a receiving system can tell apart from two messages. The README states
/// this window.
#[tokio::test(flavor = "multi_thread")]
async fn an_email_whose_reply_was_lost_is_sent_again_with_the_same_message_id() {
    let smtp = SmtpServer::start().await;
    smtp.respond_once(SmtpCommand::DataEnd, SmtpAction::AcceptThenClose);
    let delivery = email_through(&smtp).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(delivery["attempts"], 2, "{delivery}");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    let ids: Vec<Option<String>> = messages.iter().map(|m| m.header("Message-ID")).collect();
    assert!(ids[0].is_some(), "{ids:?}");
    assert_eq!(ids[0], ids[1], "the copy carries the same Message-ID");
}

// ---------------------------------------------------------------------------------------------
// Twilio
// ---------------------------------------------------------------------------------------------

/// A Twilio stand-in, a server sending to it with `token`, a merchant and an Active session.
async fn twilio_setup(token: &str) -> (TwilioServer, TestApp, Merchant, String) {
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    let app = TestApp::start_with(&with_twilio(&twilio, token)).await;
    let merchant = app.merchant("Acme Tutoring").await;
    let session = reachable_session(&app, &merchant).await;
    (twilio, app, merchant, session)
}

pub(crate) async fn send_sms(app: &TestApp, merchant: &Merchant, session: &str) -> String {
    queue_session_link(app, merchant, json!({ "id": session, "channel": "Phone" })).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_link_goes_to_twilio() {
    let (twilio, app, merchant, session) = twilio_setup(TWILIO_TOKEN).await;
    let id = send_sms(&app, &merchant, &session).await;
    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(delivery["attempts"], 1);

    let messages = twilio.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let sent = &messages[0];
    assert!(sent.sid.starts_with("SM"), "{sent:?}");
    assert_eq!(delivery["providerMessageId"], sent.sid.as_str());
    assert_eq!(sent.to, "+14155552671");
    assert_eq!(sent.from.as_deref(), Some(TWILIO_FROM));
    assert_eq!(
        sent.idempotency_token, None,
        "Twilio's API takes no idempotency key"
    );
    assert!(
        sent.body.contains(&format!("https://pay.test/s/{session}")),
        "{}",
        sent.body
    );
    assert!(sent.body.contains("Acme Tutoring"), "{}", sent.body);
    let requests = twilio.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")
    );
    assert_eq!(
        requests[0].basic_auth,
        Some((TWILIO_SID.to_owned(), TWILIO_TOKEN.to_owned()))
    );
}

/// A transient answer first, then the normal one: retried, one message at the provider.
async fn transient_then_success(canned: CannedResponse) {
    let (twilio, app, merchant, session) = twilio_setup(TWILIO_TOKEN).await;
    twilio.push_response(canned.clone());
    let id = send_sms(&app, &merchant, &session).await;
    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{canned:?}: {delivery}");
    assert_eq!(delivery["attempts"], 2, "{canned:?}: {delivery}");
    let messages = twilio.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(delivery["providerMessageId"], messages[0].sid.as_str());
    assert_eq!(twilio.requests().len(), 2);
}

/// Twilio's `Retry-After` is honoured: the next attempt is not due before it, whatever the
/// (here much shorter) backoff says.
#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_429_is_not_retried_before_its_retry_after() {
    let (twilio, app, merchant, session) = twilio_setup(TWILIO_TOKEN).await;
    twilio.push_response(CannedResponse::too_many_requests(2));
    let id = send_sms(&app, &merchant, &session).await;
    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    let waiting = loop {
        let url = app.database_url().to_owned();
        let id = id.clone();
        let row = tokio::task::spawn_blocking(move || {
            paylink_store::direct::Connection::open(&url)
                .expect("connecting")
                .delivery(&id)
                .expect("reading")
                .expect("the delivery")
        })
        .await
        .unwrap();
        if row.status == "Queued" && row.attempts == 1 {
            break row;
        }
        assert!(row.attempts < 2, "retried before Retry-After: {row:?}");
        assert!(tokio::time::Instant::now() < deadline, "{row:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let started = waiting.attempt_started_at.expect("the attempt's start");
    assert!(
        waiting.next_attempt_at - started >= chrono::Duration::seconds(2),
        "{waiting:?}"
    );
    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    assert_eq!(twilio.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_500_is_retried() {
    transient_then_success(CannedResponse::error(500, 20500, "Internal Server Error")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_429_is_retried() {
    transient_then_success(CannedResponse::error(429, 20429, "Too Many Requests")).await;
}

/// An attempt whose answer never came: the delivery is settled by asking Twilio's Messages list
/// (which has the message) instead of sending again.
async fn settled_without_a_second_message(fault: Fault) {
    let (twilio, app, merchant, session) = twilio_setup(TWILIO_TOKEN).await;
    twilio.push_fault(fault.clone());
    let id = send_sms(&app, &merchant, &session).await;

    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{fault:?}: {delivery}");
    assert_eq!(delivery["attempts"], 2, "a send, then a check: {delivery}");
    let messages = twilio.messages();
    assert_eq!(messages.len(), 1, "{fault:?}: sent twice: {messages:?}");
    assert_eq!(delivery["providerMessageId"], messages[0].sid.as_str());
    let methods: Vec<String> = twilio.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "GET"], "{fault:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_answer_after_the_timeout_is_settled_without_a_second_message() {
    settled_without_a_second_message(Fault::CreateThenStall(Duration::from_secs(3))).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_answer_lost_with_the_connection_is_settled_without_a_second_message() {
    settled_without_a_second_message(Fault::CreateThenDrop).await;
}

/// A request that timed out before Twilio created anything: the check finds nothing, and the
/// text is sent once.
#[tokio::test(flavor = "multi_thread")]
async fn an_attempt_in_doubt_that_twilio_never_took_is_sent_once_after_the_check() {
    let (twilio, app, merchant, session) = twilio_setup(TWILIO_TOKEN).await;
    twilio.push_response(
        CannedResponse::error(503, 20503, "Service Unavailable").delayed(Duration::from_secs(3)),
    );
    let id = send_sms(&app, &merchant, &session).await;
    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Sent", "{delivery}");
    let messages = twilio.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(delivery["providerMessageId"], messages[0].sid.as_str());
    let methods: Vec<String> = twilio.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "GET", "POST"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_21211_fails_at_once() {
    let (twilio, app, merchant, session) = twilio_setup(TWILIO_TOKEN).await;
    twilio.push_response(CannedResponse::error(
        400,
        21211,
        "The 'To' number +14155552671 is not a valid phone number.",
    ));
    let id = send_sms(&app, &merchant, &session).await;
    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Failed", "{delivery}");
    assert_eq!(delivery["attempts"], 1);
    let error = delivery["lastError"].as_str().unwrap();
    assert!(error.contains("21211"), "{error}");
    assert_eq!(
        twilio.requests().len(),
        1,
        "a permanent failure is not retried"
    );
    assert!(twilio.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_twilio_credentials_fail_without_showing_the_token() {
    let wrong_token = "wrong-token-d0-not-show";
    let (twilio, app, merchant, session) = twilio_setup(wrong_token).await;
    let id = send_sms(&app, &merchant, &session).await;
    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Failed", "{delivery}");
    assert_eq!(delivery["attempts"], 1);
    let error = delivery["lastError"].as_str().unwrap();
    assert!(
        error.contains("20003") || error.to_lowercase().contains("authenticat"),
        "{error}"
    );
    assert!(!error.contains(wrong_token), "{error}");
    assert!(twilio.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_run_out_after_max_attempts() {
    let twilio = TwilioServer::start(TWILIO_SID, TWILIO_TOKEN).await;
    // More 503s than attempts, so the provider never recovers within them.
    for _ in 0..10 {
        twilio.push_response(CannedResponse::error(503, 20503, "Service Unavailable"));
    }
    let mut vars = with_twilio(&twilio, TWILIO_TOKEN);
    vars.push(("PAYLINK_DELIVERY_MAX_ATTEMPTS", "3".to_owned()));
    let app = TestApp::start_with(&vars).await;
    let merchant = app.merchant("Acme").await;
    let session = reachable_session(&app, &merchant).await;
    let id = send_sms(&app, &merchant, &session).await;

    let delivery = settled(&app, &merchant, &session, &id).await;
    assert_eq!(delivery["status"], "Failed", "{delivery}");
    assert_eq!(delivery["attempts"], 3, "{delivery}");
    let error = delivery["lastError"].as_str().unwrap();
    assert!(error.contains("gave up"), "{error}");
    assert!(
        error.contains("503") || error.contains("Service Unavailable"),
        "{error}"
    );
    assert_eq!(twilio.requests().len(), 3);
    assert!(twilio.messages().is_empty());
}

/// A Queued delivery of `link_id`'s link, made at `now`, as a server would queue it.
fn link_delivery(
    merchant: &Merchant,
    link_id: &str,
    id: &str,
    channel: &str,
    recipient: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> paylink_store::deliveries::DeliveryRow {
    paylink_store::deliveries::DeliveryRow::queued(
        paylink_store::deliveries::NewDelivery {
            id: id.into(),
            merchant_uid: merchant.uid.clone(),
            session_id: None,
            link_id: Some(link_id.into()),
            channel: channel.into(),
            recipient: recipient.into(),
            subject: "Your link".into(),
            body_text: "Pay here".into(),
            body_html: "<p>Pay here</p>".into(),
        },
        now,
    )
}

/// Stores `row` and announces it, as another server's queuing transaction does.
async fn store_delivery(app: &TestApp, row: paylink_store::deliveries::DeliveryRow) {
    let url = app.database_url().to_owned();
    tokio::task::spawn_blocking(move || {
        paylink_store::direct::Connection::open(&url)
            .expect("connecting")
            .queue_delivery(&row)
            .expect("storing")
    })
    .await
    .expect("storing");
}

/// A delivery another server queued (here: stored and announced straight in the database, as
/// that server's transaction does) is sent at once, not at the next poll, which is set far
/// beyond the test's patience.
#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_queued_by_another_server_wakes_this_ones_dispatcher() {
    let mut vars = fast_delivery();
    vars.push(("PAYLINK_DELIVERY_POLL_MS", "60000".to_owned()));
    let app = TestApp::start_with(&vars).await;
    let merchant = app.merchant("Acme").await;
    let link = create_link(&app, &merchant, "Dues").await;
    let link_id = link["link_id"].as_str().unwrap().to_owned();
    // The dispatcher looked once at start and now sleeps until woken.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let row = link_delivery(
        &merchant,
        &link_id,
        "dlv_from_another_server",
        "Email",
        "payer@example.com",
        chrono::Utc::now(),
    );
    store_delivery(&app, row).await;

    let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
    loop {
        let listed = link_deliveries(&app, &merchant, &link_id).await;
        if listed.first().is_some_and(is_final) {
            assert_eq!(listed[0]["status"], "Sent", "{listed:?}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not sent without a poll: {listed:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A delivery whose attempt is in doubt is stored as Unknown and shown as Sending, with the
/// reason in `lastError`: to a merchant it is still being handed over.
#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_in_doubt_reads_as_sending_with_its_reason() {
    let app = TestApp::start_with(&fast_delivery()).await;
    let merchant = app.merchant("Acme").await;
    let link = create_link(&app, &merchant, "Dues").await;
    let link_id = link["link_id"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now();
    let mut row = link_delivery(
        &merchant,
        &link_id,
        "dlv_in_doubt",
        "Phone",
        "+14155552671",
        now,
    );
    // As an attempt whose answer never came leaves it, due to be settled in an hour.
    row.status = "Unknown".into();
    row.attempts = 1;
    row.last_error = Some("Twilio did not answer within 15s".into());
    row.attempt_started_at = Some(now);
    row.unknown_since = Some(now);
    row.next_attempt_at = now + chrono::Duration::hours(1);
    store_delivery(&app, row).await;

    let listed = link_deliveries(&app, &merchant, &link_id).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "Sending", "{listed:?}");
    assert_eq!(listed[0]["lastError"], "Twilio did not answer within 15s");
    assert_eq!(listed[0]["sentAt"], Value::Null);
}
