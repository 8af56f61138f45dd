//! One lifecycle for sessions, links and checkouts, as a payer and a merchant meet it in test
//! mode: what can no longer be paid is never paid, a Completed session is not reopened, a
//! second tab goes on with the checkout already open, and a checkout expires.

use serde_json::{Value, json};

use super::*;
use crate::support::error_code;

const UPDATE_SESSION: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { id status amount }
}";

const SESSION_STATE: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) {
    status
    payments { id status amount }
    callbacks { id }
  }
}";

async fn update_session(app: &TestApp, merchant: &Merchant, input: Value) -> Value {
    app.gql(merchant, UPDATE_SESSION, json!({ "input": input }))
        .await
}

async fn session_state(app: &TestApp, merchant: &Merchant, id: &str) -> Value {
    let body = app.gql(merchant, SESSION_STATE, json!({ "id": id })).await;
    ok(&body, "paymentPlanSession").clone()
}

/// Opens a checkout from a page's form; the path of its test-mode card page.
async fn open_checkout(app: &TestApp, page: &str, form: &[(&str, &str)]) -> String {
    let opened = post_form(app, page, form).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    opened.location_path()
}

/// Posts the test card that succeeds; the text of the page the payer ends on.
async fn pay(app: &TestApp, checkout: &str) -> String {
    let paid = post_form(app, checkout, &[("card", "4242 4242 4242 4242")]).await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    assert_eq!(paid.location_path(), format!("{checkout}/done"));
    text_of(&get(app, &paid.location_path()).await.body)
}

/// A session the payer has set up in test mode.
async fn completed_session(app: &TestApp, merchant: &Merchant) -> String {
    let (session, page) = create_session(app, merchant, json!({ "startDate": today() })).await;
    pay_in_test_mode(app, &page, &[("method", "card")]).await;
    assert_eq!(
        session_state(app, merchant, &session).await["status"],
        "Completed"
    );
    session
}

#[tokio::test]
async fn a_session_cancelled_while_its_checkout_is_open_is_never_paid() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Withdrawn").await;
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "startDate": today(), "callbackUrl": "https://merchant.example/cb" }),
    )
    .await;
    let checkout = open_checkout(&app, &page, &[("method", "card")]).await;
    let body = update_session(
        &app,
        &merchant,
        json!({ "id": session, "status": "Cancelled" }),
    )
    .await;
    assert_eq!(ok(&body, "updatePaymentPlanSession")["status"], "Cancelled");

    let done = pay(&app, &checkout).await;
    assert!(done.contains("This payment page was closed"), "{done}");
    let state = session_state(&app, &merchant, &session).await;
    assert_eq!(state["status"], "Cancelled", "{state}");
    assert_eq!(state["payments"], json!([]), "nothing was charged");
    assert_eq!(
        state["callbacks"],
        json!([]),
        "the merchant is told of no completion"
    );
}

#[tokio::test]
async fn a_completed_session_is_not_reopened_and_its_terms_are_fixed() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Fixed").await;
    let session = completed_session(&app, &merchant).await;

    let reopened = update_session(
        &app,
        &merchant,
        json!({ "id": session, "status": "Active" }),
    )
    .await;
    assert_eq!(
        error_code(&reopened),
        "INVALID_STATUS_TRANSITION",
        "{reopened}"
    );
    let error = &reopened["errors"][0];
    assert_eq!(
        error["message"], "A payment plan session that is Completed cannot become Active",
        "{reopened}"
    );
    assert_eq!(error["extensions"]["from"], "Completed");
    assert_eq!(error["extensions"]["to"], "Active");

    for (field, value) in [
        ("amount", json!("250.00")),
        ("occurrences", json!(3)),
        ("frequency", json!("Weekly")),
    ] {
        let changed = update_session(&app, &merchant, json!({ "id": session, field: value })).await;
        assert_eq!(error_code(&changed), "BAD_USER_INPUT", "{changed}");
        assert_eq!(
            changed["errors"][0]["extensions"]["field"], field,
            "{changed}"
        );
    }
    let state = session_state(&app, &merchant, &session).await;
    assert_eq!(state["status"], "Completed", "refusals change nothing");

    // Cancelling a plan that was set up is allowed, and final.
    let cancelled = update_session(
        &app,
        &merchant,
        json!({ "id": session, "status": "Cancelled" }),
    )
    .await;
    assert_eq!(
        ok(&cancelled, "updatePaymentPlanSession")["status"],
        "Cancelled"
    );
    let again = update_session(
        &app,
        &merchant,
        json!({ "id": session, "status": "Active" }),
    )
    .await;
    assert_eq!(error_code(&again), "INVALID_STATUS_TRANSITION", "{again}");
}

#[tokio::test]
async fn a_merchant_cannot_complete_a_session_itself() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Self").await;
    let (session, _) = create_session(&app, &merchant, json!({})).await;
    let body = update_session(
        &app,
        &merchant,
        json!({ "id": session, "status": "Completed" }),
    )
    .await;
    assert_eq!(error_code(&body), "INVALID_STATUS_TRANSITION", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "A payment plan session that is Active cannot become Completed by the request of the merchant; only the payment processor can do that"
    );
    assert_eq!(
        session_state(&app, &merchant, &session).await["status"],
        "Active"
    );
}

#[tokio::test]
async fn a_session_past_its_expiration_stays_expired() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Clock").await;
    let (session, _) = create_session(&app, &merchant, json!({})).await;
    time_runs_out(&app, Deadline::Session, &session).await;
    let revived = update_session(
        &app,
        &merchant,
        json!({ "id": session, "status": "Active", "expirationDate": "2099-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        error_code(&revived),
        "INVALID_STATUS_TRANSITION",
        "{revived}"
    );
    // Any other change records what the clock did.
    let touched = update_session(
        &app,
        &merchant,
        json!({ "id": session, "callbackUrl": "https://merchant.example/cb" }),
    )
    .await;
    assert_eq!(
        ok(&touched, "updatePaymentPlanSession")["status"],
        "Expired"
    );
    let stored: String = app
        .sql(move |conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                status: String,
            }
            diesel::sql_query("SELECT status FROM payment_plan_sessions WHERE id = $1")
                .bind::<diesel::sql_types::Text, _>(session)
                .get_result::<Row>(conn)
                .expect("reading")
                .status
        })
        .await;
    assert_eq!(stored, "Expired");
}

#[tokio::test]
async fn a_second_tab_goes_on_with_the_checkout_already_open() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Tabs").await;
    let (session, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    let first = open_checkout(&app, &page, &[("method", "card")]).await;
    let second = open_checkout(&app, &page, &[("method", "card")]).await;
    assert_eq!(first, second, "one open checkout per session");
    assert_eq!(app.row_count("checkouts").await, 1);

    // Another way to pay replaces it: the first can no longer be paid.
    let by_bank = open_checkout(&app, &page, &[("method", "ach")]).await;
    assert_ne!(by_bank, first);
    let closed = pay(&app, &first).await;
    assert!(closed.contains("This payment page was closed"), "{closed}");
    assert_eq!(
        session_state(&app, &merchant, &session).await["status"],
        "Active"
    );

    let paid = pay(&app, &by_bank).await;
    assert!(paid.contains("Payment plan set up"), "{paid}");
    let state = session_state(&app, &merchant, &session).await;
    assert_eq!(state["status"], "Completed");
    assert_eq!(state["payments"].as_array().unwrap().len(), 1, "{state}");
}

#[tokio::test]
async fn a_checkout_past_its_time_cannot_be_paid() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Late").await;
    let (session, page) = create_session(&app, &merchant, json!({ "startDate": today() })).await;
    let checkout = open_checkout(&app, &page, &[("method", "card")]).await;
    let checkout_id = checkout.rsplit('/').next().unwrap().to_owned();
    time_runs_out(&app, Deadline::Checkout, &checkout_id).await;
    let done = pay(&app, &checkout).await;
    assert!(done.contains("This payment page expired"), "{done}");
    assert_eq!(
        session_state(&app, &merchant, &session).await["status"],
        "Active"
    );

    // Coming back later opens a new one, which can be paid.
    let fresh = open_checkout(&app, &page, &[("method", "card")]).await;
    assert_ne!(fresh, checkout);
    let paid = pay(&app, &fresh).await;
    assert!(paid.contains("Payment plan set up"), "{paid}");
}

#[tokio::test]
async fn a_link_turned_off_while_its_checkout_is_open_is_never_paid() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Off").await;
    let (link_id, page) = create_link(&app, &merchant, json!({})).await;
    let checkout = open_checkout(&app, &page, &[("method", "card")]).await;
    deactivate(&app, &merchant, &link_id).await;
    let done = pay(&app, &checkout).await;
    assert!(done.contains("This payment page was closed"), "{done}");
    assert_eq!(
        link_payments(&app, &merchant, &link_id).await,
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn a_payment_for_a_session_that_expired_meanwhile_is_refunded() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Race").await;
    let (session, page) = create_session(
        &app,
        &merchant,
        json!({ "startDate": today(), "callbackUrl": "https://merchant.example/cb" }),
    )
    .await;
    let checkout = open_checkout(&app, &page, &[("method", "card")]).await;
    // The offer runs out while the payer is on the card page.
    time_runs_out(&app, Deadline::Session, &session).await;
    let done = pay(&app, &checkout).await;
    assert!(
        done.contains("This payment could not be accepted"),
        "{done}"
    );

    let state = refunded_state(&app, &merchant, &session).await;
    assert_eq!(
        state["status"], "Expired",
        "the session keeps its state: {state}"
    );
    assert_eq!(state["callbacks"], json!([]), "no completion is announced");
}

/// The session once its one payment is Refunded (test mode gives back at once, through the
/// same processor task a real refund takes).
async fn refunded_state(app: &TestApp, merchant: &Merchant, session: &str) -> Value {
    for _ in 0..600 {
        let state = session_state(app, merchant, session).await;
        let payments = state["payments"].as_array().expect("a list");
        if payments.len() == 1 && payments[0]["status"] == "Refunded" {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the payment was not refunded within 30 s");
}

const LINK_STATE: &str = "query($id: String!) {
  paymentLinks(query: { query_list: [{ key: \"link_id\", value: $id, operator: EQUAL }] }) {
    items { link_id expires_at max_payments payment_count is_active }
  }
}";

async fn link_state(app: &TestApp, merchant: &Merchant, link_id: &str) -> Value {
    let body = app
        .gql(merchant, LINK_STATE, json!({ "id": link_id }))
        .await;
    ok(&body, "paymentLinks")["items"][0].clone()
}

#[tokio::test]
async fn a_link_takes_its_max_payments_and_no_more() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Tickets").await;
    let (link_id, page) = create_link(&app, &merchant, json!({ "max_payments": 1 })).await;
    // Two payers open the link; the first to pay takes the last place.
    let first = open_checkout(&app, &page, &[("method", "card")]).await;
    let second = open_checkout(&app, &page, &[("method", "card")]).await;
    let paid = pay(&app, &first).await;
    assert!(paid.contains("Payment received"), "{paid}");
    let state = link_state(&app, &merchant, &link_id).await;
    assert_eq!(
        (
            state["max_payments"].clone(),
            state["payment_count"].clone()
        ),
        (json!(1), json!(1))
    );

    let late = pay(&app, &second).await;
    assert!(late.contains("This payment page was closed"), "{late}");
    let answer = get(&app, &page).await;
    assert_eq!(answer.status, 410);
    assert!(text_of(&answer.body).contains("This payment link is no longer available"));
    assert_eq!(
        post_form(&app, &page, &[("method", "card")]).await.status,
        410
    );
    assert_eq!(link_payments(&app, &merchant, &link_id).await.len(), 1);

    // Raising the limit opens it again.
    let body = app
        .gql(
            &merchant,
            UPDATE_LINK,
            json!({ "input": { "merchant_uid": merchant.uid, "link_id": link_id, "max_payments": 2 } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(get(&app, &page).await.status, 200);
}

#[tokio::test]
async fn a_link_past_its_expiry_is_closed_and_a_late_payment_given_back() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Early bird").await;
    let past = app
        .gql(
            &merchant,
            CREATE_LINK,
            json!({ "input": { "merchant_uid": merchant.uid, "link_name": "Early", "payment_name": "Early bird",
                               "amount": 2500, "expires_at": "2020-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(error_code(&past), "BAD_USER_INPUT", "{past}");
    assert_eq!(past["errors"][0]["extensions"]["field"], "expires_at");

    let (link_id, page) = create_link(&app, &merchant, json!({ "expires_at": "2099-01-01" })).await;
    assert_eq!(
        link_state(&app, &merchant, &link_id).await["expires_at"],
        "2099-01-01T00:00:00.000000Z"
    );
    let checkout = open_checkout(&app, &page, &[("method", "card")]).await;
    time_runs_out(&app, Deadline::Link, &link_id).await;
    let answer = get(&app, &page).await;
    assert_eq!(answer.status, 410);
    assert!(text_of(&answer.body).contains("This payment link has expired"));

    // The payer was already on the card page: the payment is taken, then given back.
    let done = pay(&app, &checkout).await;
    assert!(
        done.contains("This payment could not be accepted"),
        "{done}"
    );
    let mut payments = Vec::new();
    for _ in 0..600 {
        payments = link_payments(&app, &merchant, &link_id).await;
        if payments
            .first()
            .is_some_and(|payment| payment["status"] == "Refunded")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["status"], "Refunded", "{payments:?}");
    assert_eq!(
        link_state(&app, &merchant, &link_id).await["payment_count"],
        0
    );

    // Listings filter on the new fields.
    let filtered = app
        .gql(
            &merchant,
            "{ paymentLinks(query: { query_list: [{ key: \"expires_at\", value: \"2030-01-01\", operator: LESS_THAN }] }) { items { link_id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&filtered, "paymentLinks")["items"][0]["link_id"],
        link_id.as_str(),
        "{filtered}"
    );
}

#[tokio::test]
async fn a_payers_second_tab_on_a_link_goes_on_with_their_checkout() {
    let app = TestApp::start().await;
    let merchant = app.merchant("Tabs on links").await;
    let (_, page) = create_link(&app, &merchant, json!({})).await;
    let shown = get(&app, &page).await;
    let set_cookie = shown.header("set-cookie").to_owned();
    for attribute in [
        "paylink_attempt=",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/l",
    ] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let first = post_card_with(&app, &page, "cookie", &cookie).await;
    let second = post_card_with(&app, &page, "cookie", &cookie).await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(
        first.location_path(),
        second.location_path(),
        "one payer, one checkout"
    );
    // Another payer (another browser) gets a checkout of their own.
    let other = post_form(&app, &page, &[("method", "card")]).await;
    assert_ne!(other.location_path(), first.location_path());
    assert_eq!(app.row_count("checkouts").await, 2);
    assert!(
        other.header("set-cookie").starts_with("paylink_attempt="),
        "a browser without an attempt is given one"
    );
}
