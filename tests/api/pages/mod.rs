//! The payer's pages over HTTP: what each seed field changes on a link's page, the guards of
//! the public endpoints, test-mode payments end to end, sessions, the merchant's callback, and
//! Stripe's hand-off and webhooks through the stand-in.

mod callbacks;
mod fees;
mod guards;
mod in_browser;
mod lifecycle;
mod lifecycle_model;
mod lifecycle_model_stripe;
mod links;
mod model_support;
mod outbound;
mod receipts;
mod receiver;
mod refunds;
mod sessions;
mod stripe;
mod stripe_lifecycle;

use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::deliveries::{CREATE_CONTACT, CREATE_SESSION, ok, session_input};
use crate::support::{Merchant, TestApp};

/// The origin of the test server's public base URLs (`https://pay.test/l/`, `/s/`).
const PUBLIC_ORIGIN: &str = "https://pay.test";

const CREATE_LINK: &str = "mutation($input: PaymentLinkInput!) {
  createPaymentLink(input: $input) { link_id link_url }
}";

const UPDATE_LINK: &str = "mutation($input: UpdatePaymentLinkInput!) {
  updatePaymentLink(input: $input) { link_id is_active }
}";

const LINK_PAYMENTS: &str = "query($id: String!) {
  paymentLinkPayments(link_id: $id) {
    id amount feeAmount currency status paymentMethod payerPhone provider providerReference createdAt
    updatedAt amountRefunded accountCode reference payerEmail
  }
}";

const SESSION_PAYMENTS: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) {
    id status link
    payments { id amount currency status paymentMethod provider providerReference }
  }
}";

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// A page's answer.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    /// The path of a redirect to one of paylink's own public pages.
    fn location_path(&self) -> String {
        let location = self.header("location");
        location
            .strip_prefix(PUBLIC_ORIGIN)
            .unwrap_or_else(|| panic!("not a paylink page: {location:?}"))
            .to_owned()
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

async fn get(app: &TestApp, path: &str) -> Answer {
    answer(client().get(app.url(path)).send().await.expect("GET")).await
}

/// A contact ("Jo Doe", jo@example.com) of `merchant`; its id.
async fn create_contact(app: &TestApp, merchant: &Merchant) -> String {
    let contact = app
        .gql(
            merchant,
            CREATE_CONTACT,
            json!({ "input": { "name": "Jo Doe", "email": "jo@example.com" } }),
        )
        .await;
    ok(&contact, "createContact")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// POSTs a link's form choosing a card, with one more header, as a browser or proxy sends it.
async fn post_card_with(app: &TestApp, page: &str, header: &str, value: &str) -> Answer {
    answer(
        client()
            .post(app.url(page))
            .header(header, value)
            .form(&[("method", "card")])
            .send()
            .await
            .expect("POST"),
    )
    .await
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
    answer(
        client()
            .post(app.url(path))
            .form(form)
            .send()
            .await
            .expect("POST"),
    )
    .await
}

/// The path of a public URL the API returned (whatever its origin: the tests' `pay.test`, or
/// the server's own address for the browser tests).
fn path_of(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap_or_else(|_| panic!("not a URL: {url:?}"));
    parsed.path().to_owned()
}

/// Creates a link from `fields` (merged over a minimal valid input) and returns its id and its
/// page's path.
pub(crate) async fn create_link(
    app: &TestApp,
    merchant: &Merchant,
    fields: Value,
) -> (String, String) {
    let mut input = json!({
        "merchant_uid": merchant.uid, "link_name": "Dues", "payment_name": "Monthly dues",
        "amount": 2500,
    });
    for (name, value) in fields.as_object().expect("fields").clone() {
        input[name] = value;
    }
    let body = app
        .gql(merchant, CREATE_LINK, json!({ "input": input }))
        .await;
    let link = ok(&body, "createPaymentLink");
    (
        link["link_id"].as_str().unwrap().to_owned(),
        path_of(link["link_url"].as_str().unwrap()),
    )
}

async fn deactivate(app: &TestApp, merchant: &Merchant, link_id: &str) {
    let body = app
        .gql(
            merchant,
            UPDATE_LINK,
            json!({ "input": { "merchant_uid": merchant.uid, "link_id": link_id, "is_active": false } }),
        )
        .await;
    assert_eq!(ok(&body, "updatePaymentLink")["is_active"], false);
}

async fn link_payments(app: &TestApp, merchant: &Merchant, link_id: &str) -> Vec<Value> {
    let body = app
        .gql(merchant, LINK_PAYMENTS, json!({ "id": link_id }))
        .await;
    ok(&body, "paymentLinkPayments")
        .as_array()
        .expect("a list")
        .clone()
}

/// Sets `merchant`'s service fee in `currency`: `basis_points` hundredths of a percent and
/// `fixed_minor` in the currency's minor unit.
async fn set_fee(
    app: &TestApp,
    merchant: &Merchant,
    currency: &str,
    basis_points: i32,
    fixed_minor: i64,
) {
    app.store
        .set_service_fee(paylink_store::service_fees::ServiceFeeRow {
            merchant_uid: merchant.uid.clone(),
            currency: currency.to_owned(),
            basis_points,
            fixed_minor,
            updated_at: chrono::Utc::now(),
        })
        .await
        .expect("setting a service fee")
        .expect("the merchant exists");
}

/// A contact ("Jo Doe", jo@example.com) and a session for it, with `fields` over a valid input;
/// returns the session's id and its page's path.
pub(crate) async fn create_session(
    app: &TestApp,
    merchant: &Merchant,
    fields: Value,
) -> (String, String) {
    let contact_id = create_contact(app, merchant).await;
    let mut input = session_input(&contact_id);
    for (name, value) in fields.as_object().expect("fields").clone() {
        input[name] = value;
    }
    let body = app
        .gql(merchant, CREATE_SESSION, json!({ "input": input }))
        .await;
    let session = ok(&body, "createPaymentPlanSession");
    (
        session["id"].as_str().unwrap().to_owned(),
        path_of(session["link"].as_str().unwrap()),
    )
}

async fn session_payments(app: &TestApp, merchant: &Merchant, id: &str) -> Value {
    let body = app
        .gql(merchant, SESSION_PAYMENTS, json!({ "id": id }))
        .await;
    ok(&body, "paymentPlanSession").clone()
}

/// What can run out of time, and the column that says when.
#[derive(Clone, Copy, Debug)]
enum Deadline {
    /// A session's `expiration_date`.
    Session,
    /// A checkout's `expires_at`.
    Checkout,
    /// A link's `expires_at`.
    Link,
}

/// Moves one row's deadline a second into the past, as waiting would: the API refuses a past
/// date, and waiting would make the test slow.
async fn time_runs_out(app: &TestApp, deadline: Deadline, id: &str) {
    let statement = match deadline {
        Deadline::Session => {
            "UPDATE payment_plan_sessions SET expiration_date = now() - interval '1 second' WHERE id = $1"
        }
        Deadline::Checkout => {
            "UPDATE checkouts SET expires_at = now() - interval '1 second' WHERE id = $1"
        }
        Deadline::Link => {
            "UPDATE payment_links SET expires_at = now() - interval '1 second' WHERE link_id = $1"
        }
    };
    let id = id.to_owned();
    let changed = app
        .sql(move |conn| {
            use diesel::prelude::*;
            diesel::sql_query(statement)
                .bind::<diesel::sql_types::Text, _>(id)
                .execute(conn)
                .expect("moving a deadline")
        })
        .await;
    assert_eq!(changed, 1, "{deadline:?} has no such row");
}

/// Today's date, for a plan whose first payment is taken when it is set up.
pub(crate) fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Opens a checkout from a page's form and pays it with a test card; returns the done page's
/// path.
pub(crate) async fn pay_in_test_mode(app: &TestApp, page: &str, form: &[(&str, &str)]) -> String {
    let opened = post_form(app, page, form).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let checkout = opened.location_path();
    let paid = post_form(app, &checkout, &[("card", "4242 4242 4242 4242")]).await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let done = paid.location_path();
    assert_eq!(done, format!("{checkout}/done"));
    done
}

/// The text of a page with its tags removed and its spaces collapsed, for reading what a payer
/// reads.
fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
