//! The scenarios driven over HTTP: what each sends and what a good answer contains.

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;
use juniper::{DefaultScalarValue, FromInputValue, InputValue};
use paylink::graphql::generated::SqlQuery;
use paylink::graphql::listing::ListArgs;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::load::{RequestTemplate, Workload};
use crate::seed::Fixture;

/// The fields every listing of links selects.
const ITEM_FIELDS: &str =
    "link_id link_url link_name payment_name amount currency is_active created_date";
/// The fields every listing of payments selects.
const PAYMENT_FIELDS: &str =
    "id amount currency status paymentMethod payerEmail linkId reference createdAt";

/// A listing scenario's arguments, from which the store's statement is made for pgbench to run.
#[derive(Clone, Debug)]
pub(crate) enum Listed {
    /// `paymentLinks`.
    Links(ListArgs),
    /// `payments`.
    Payments(ListArgs),
}

/// One scenario.
#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    /// Short id, as the table prints it and `BENCH_SCENARIOS` names it.
    pub(crate) id: &'static str,
    /// What it does, in words.
    pub(crate) description: String,
    /// What it sends.
    pub(crate) workload: Workload,
    /// For a listing: the arguments it sends, from which the store's statement is made for
    /// pgbench to run.
    pub(crate) listing: Option<Listed>,
}

/// Every HTTP scenario, in the order they run: the deep page right after the first page that it
/// is compared with, the costly count after both. The listings are the first merchant's (the
/// one with most links), as the database ceiling's are.
pub(crate) fn all(fixture: &Fixture) -> Vec<Scenario> {
    let first = &fixture.merchants[0];
    let first_merchant =
        |query: String, variables: Value| vec![template(&first.key, &query, variables)];
    let amount_query = json!({
        "query_list": [
            { "key": "amount", "operator": "GREATER_EQUAL", "value": "1000", "conjunctive_operator": "AND_NEXT" },
            { "key": "amount", "operator": "LESS_EQUAL", "value": "5000" }
        ],
        "sort_list": [{ "key": "amount", "direction": "ASC" }]
    });
    let name_query = json!({ "query_list": [
        { "key": "link_name", "operator": "LIKE", "value": "tuition%" }
    ] });
    let payer_query = json!({ "query_list": [
        { "key": "payerEmail", "operator": "EQUAL", "value": fixture.payer.email }
    ] });
    vec![
        Scenario {
            id: "first-page",
            description: "paymentLinks(limit: 10), newest first, without total_row_count".into(),
            workload: workload(
                first_merchant(
                    format!("query FirstPage {{ paymentLinks(limit: 10) {{ items {{ {ITEM_FIELDS} }} }} }}"),
                    json!({}),
                ),
                "\"items\":[{",
            ),
            listing: Some(Listed::Links(first_page_args())),
        },
        Scenario {
            id: "first-page-persisted",
            description: "the first page by its persisted-query hash alone (APQ), no document sent"
                .into(),
            workload: persisted(
                &first.key,
                &format!("query FirstPagePersisted {{ paymentLinks(limit: 10) {{ items {{ {ITEM_FIELDS} }} }} }}"),
                "\"items\":[{",
            ),
            listing: None,
        },
        Scenario {
            id: "deep-page",
            description: format!(
                "the page {} rows deep by keyset (offset = created_date, offset_id = link_id)",
                fixture.deep.rows_before
            ),
            workload: workload(
                first_merchant(
                    format!(
                        "query DeepPage($o: String, $id: String) {{ paymentLinks(limit: 10, offset: $o, offset_id: $id) {{ items {{ {ITEM_FIELDS} }} }} }}"
                    ),
                    json!({ "o": fixture.deep.created_date, "id": fixture.deep.link_id }),
                ),
                "\"items\":[{",
            ),
            listing: Some(Listed::Links(ListArgs {
                offset: Some(fixture.deep.created_date.clone()),
                offset_id: Some(fixture.deep.link_id.clone()),
                ..first_page_args()
            })),
        },
        Scenario {
            id: "first-page-total",
            description: format!(
                "the same, selecting total_row_count (counts the merchant's {} links)",
                first.links
            ),
            workload: workload(
                first_merchant(
                    format!(
                        "query FirstPageTotal {{ paymentLinks(limit: 10) {{ total_row_count items {{ {ITEM_FIELDS} }} }} }}"
                    ),
                    json!({}),
                ),
                "\"total_row_count\":",
            ),
            listing: None,
        },
        Scenario {
            id: "filter-amount",
            description: "amount from 1000 to 5000, sort_list amount ASC".into(),
            workload: workload(
                first_merchant(filtered("FilterAmount"), json!({ "q": amount_query.clone() })),
                "\"items\":[{",
            ),
            listing: Some(Listed::Links(filtered_args(&amount_query))),
        },
        Scenario {
            id: "filter-name",
            description: "link_name LIKE 'tuition%' (a fifth of the links), newest first".into(),
            workload: workload(
                first_merchant(filtered("FilterName"), json!({ "q": name_query.clone() })),
                "\"items\":[{",
            ),
            listing: Some(Listed::Links(filtered_args(&name_query))),
        },
        Scenario {
            id: "payments",
            description: format!(
                "payments(limit: 10), newest first, of the merchant's {} payments",
                first.payments
            ),
            workload: workload(
                first_merchant(
                    format!("query Payments {{ payments(limit: 10) {{ items {{ {PAYMENT_FIELDS} }} }} }}"),
                    json!({}),
                ),
                "\"items\":[{",
            ),
            listing: Some(Listed::Payments(first_page_args())),
        },
        Scenario {
            id: "payments-payer",
            description: format!(
                "payments with payerEmail = {:?} ({} of them), newest first",
                fixture.payer.email, fixture.payer.payments
            ),
            workload: workload(
                first_merchant(
                    format!(
                        "query PayerPayments($q: SqlQuery) {{ payments(limit: 10, query: $q) {{ items {{ {PAYMENT_FIELDS} }} }} }}"
                    ),
                    json!({ "q": payer_query.clone() }),
                ),
                "\"items\":[{",
            ),
            listing: Some(Listed::Payments(filtered_args(&payer_query))),
        },
        Scenario {
            id: "create",
            description: "createPaymentLink, every merchant's key in turn".into(),
            workload: workload(
                fixture
                    .merchants
                    .iter()
                    .map(|merchant| {
                        template(
                            &merchant.key,
                            "mutation CreateLink($input: PaymentLinkInput!) { createPaymentLink(input: $input) { link_id link_url created_date } }",
                            json!({ "input": {
                                "merchant_uid": merchant.uid,
                                "link_name": "Bench link",
                                "payment_name": "Dues",
                                "amount": 1500
                            } }),
                        )
                    })
                    .collect(),
                "\"link_id\":",
            ),
            listing: None,
        },
        Scenario {
            id: "send",
            description: format!(
                "sendPaymentPlanSessionLink by Phone (SMS to the local endpoint), {} sessions in turn",
                fixture.sessions.len()
            ),
            workload: workload(
                fixture
                    .sessions
                    .iter()
                    .map(|(merchant, session)| {
                        template(
                            &fixture.merchants[*merchant].key,
                            "mutation SendLink($input: SendPaymentPlanSessionLinkInput!) { sendPaymentPlanSessionLink(input: $input) { success message } }",
                            json!({ "input": { "id": session, "channel": "Phone" } }),
                        )
                    })
                    .collect(),
                "\"success\":true",
            ),
            listing: None,
        },
    ]
}

/// `paymentLinks(limit: 10)`'s (or `payments(limit: 10)`'s) arguments.
fn first_page_args() -> ListArgs {
    ListArgs {
        limit: Some(10),
        ..ListArgs::default()
    }
}

/// A listing's `(limit: 10, query: $q)` arguments, `query` read from the JSON variable
/// the scenario sends, as the server reads it.
fn filtered_args(query: &Value) -> ListArgs {
    let input: InputValue<DefaultScalarValue> =
        serde_json::from_value(query.clone()).expect("a scenario's query is valid JSON");
    let query = SqlQuery::from_input_value(&input)
        .unwrap_or_else(|error| panic!("a scenario's query is a SqlQuery: {error:?}"));
    ListArgs {
        query: Some(query),
        ..first_page_args()
    }
}

fn filtered(name: &str) -> String {
    format!(
        "query {name}($q: SqlQuery) {{ paymentLinks(limit: 10, query: $q) {{ items {{ {ITEM_FIELDS} }} }} }}"
    )
}

fn workload(requests: Vec<RequestTemplate>, expect: &'static str) -> Workload {
    Workload {
        requests: Arc::from(requests),
        expect,
        prime: Vec::new(),
    }
}

/// Sends `query` by its hash alone, as Apollo Client does once the server knows it; the
/// document is registered with its hash before the load.
fn persisted(key: &str, query: &str, expect: &'static str) -> Workload {
    let hash: String = Sha256::digest(query.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let by_hash = json!({ "variables": {}, "extensions": extensions });
    let register = json!({ "query": query, "variables": {}, "extensions": extensions });
    Workload {
        requests: Arc::from(vec![request(key, &by_hash)]),
        expect,
        prime: vec![request(key, &register)],
    }
}

fn template(key: &str, query: &str, variables: Value) -> RequestTemplate {
    request(key, &json!({ "query": query, "variables": variables }))
}

fn request(key: &str, body: &Value) -> RequestTemplate {
    RequestTemplate {
        authorization: HeaderValue::from_str(&format!("Bearer {key}"))
            .expect("API keys are header-safe"),
        body: Bytes::from(serde_json::to_vec(body).expect("JSON")),
    }
}
