//! The `query: SqlQuery` argument of paymentLinks, black-box over HTTP: every operator on every
//! key type it applies to, the error contract, hostile input, tenant isolation, and sorting with
//! keyset paging on any sort key.
//!
//! Most tests share one fixture of eight links (tags `a` to `h`) whose expected matches were
//! worked out by hand from the specification, so a wrong expectation cannot hide behind a model
//! that shares the implementation's mistake. Link ids embed the tag, so `link_id` tie-breaks follow
//! tag order.

use chrono::{DateTime, Utc};
use paylink_store::payment_links::PaymentLinkRow;
use serde_json::{Value, json};

use crate::support::*;

/// One fixture link; see [`FIXTURE`].
struct Spec {
    tag: char,
    name: &'static str,
    payment_name: &'static str,
    description: Option<&'static str>,
    amount: Option<i32>,
    variable: bool,
    min: Option<i32>,
    max: Option<i32>,
    currency: &'static str,
    fee_mode: &'static str,
    phone: bool,
    call_to_action: &'static str,
    methods: &'static str,
    account_code: Option<&'static str>,
    message: Option<&'static str>,
    redirect: Option<&'static str>,
    active: bool,
    created: &'static str,
}

const T0: &str = "2026-01-31T00:00:00.000000Z";
const T1: &str = "2026-01-31T12:30:00.000001Z";
const T2: &str = "2026-02-01T08:00:00.500000Z";
const T3: &str = "2026-03-01T00:00:00.000001Z";

/// Chosen for ties (names, amounts, enum values, creation times), NULLs in every nullable field,
/// mixed case (byte order puts "Zebra" before "apple"), and LIKE metacharacters in the data.
/// Default display order (created_date DESC, link_id DESC): g f e d c b h a.
const FIXTURE: [Spec; 8] = [
    Spec {
        tag: 'a',
        name: "apple",
        payment_name: "Dues",
        description: Some("Monthly dues"),
        amount: Some(1500),
        variable: false,
        min: None,
        max: None,
        currency: "USD",
        fee_mode: "SERVICE_FEE",
        phone: false,
        call_to_action: "PAY",
        methods: "ALL",
        account_code: Some("ACC-1"),
        message: None,
        redirect: None,
        active: true,
        created: T0,
    },
    Spec {
        tag: 'b',
        name: "Zebra",
        payment_name: "Dues",
        description: None,
        amount: Some(2500),
        variable: false,
        min: None,
        max: None,
        currency: "USD",
        fee_mode: "INTERCHANGE",
        phone: true,
        call_to_action: "DONATE",
        methods: "NOT_CASH",
        account_code: None,
        message: Some("Thanks!"),
        redirect: None,
        active: true,
        created: T1,
    },
    Spec {
        tag: 'c',
        name: "apple",
        payment_name: "Tuition",
        description: Some("Spring tuition"),
        amount: None,
        variable: true,
        min: Some(100),
        max: Some(5000),
        currency: "EUR",
        fee_mode: "SERVICE_FEE",
        phone: false,
        call_to_action: "BOOK",
        methods: "ONLY_CARD",
        account_code: Some("acc-2"),
        message: None,
        redirect: Some("https://example.com/done"),
        active: false,
        created: T1,
    },
    Spec {
        tag: 'd',
        name: "Banana split",
        payment_name: "tuition",
        description: Some("50% off"),
        amount: Some(1500),
        variable: false,
        min: None,
        max: None,
        currency: "USD",
        fee_mode: "SERVICE_FEE",
        phone: true,
        call_to_action: "PAY",
        methods: "ALL",
        account_code: None,
        message: None,
        redirect: None,
        active: true,
        created: T2,
    },
    Spec {
        tag: 'e',
        name: "banana",
        payment_name: "Donation",
        description: Some("under_score"),
        amount: None,
        variable: true,
        min: None,
        max: Some(10000),
        currency: "CAD",
        fee_mode: "INTERCHANGE",
        phone: false,
        call_to_action: "DONATE",
        methods: "ONLY_ACH",
        account_code: Some("ACC-1"),
        message: None,
        redirect: None,
        active: true,
        created: T2,
    },
    Spec {
        tag: 'f',
        name: "cherry",
        payment_name: "Dues",
        description: Some("5000 off"),
        amount: Some(99999),
        variable: false,
        min: None,
        max: None,
        currency: "USD",
        fee_mode: "SERVICE_FEE",
        phone: false,
        call_to_action: "PAY",
        methods: "NOT_ACH",
        account_code: None,
        message: Some("ok"),
        redirect: None,
        active: false,
        created: T2,
    },
    Spec {
        tag: 'g',
        name: "Apple pie",
        payment_name: "Gift",
        description: None,
        amount: Some(500),
        variable: true,
        min: Some(500),
        max: None,
        currency: "USD",
        fee_mode: "INTERCHANGE",
        phone: true,
        call_to_action: "BOOK",
        methods: "ALL",
        account_code: Some("back\\slash"),
        message: None,
        redirect: None,
        active: true,
        created: T3,
    },
    Spec {
        tag: 'h',
        name: "date",
        payment_name: "Dues",
        description: Some("underXscore"),
        amount: Some(2500),
        variable: false,
        min: None,
        max: None,
        currency: "USD",
        fee_mode: "SERVICE_FEE",
        phone: false,
        call_to_action: "PAY",
        methods: "ONLY_CASH",
        account_code: None,
        message: None,
        redirect: None,
        active: true,
        created: T0,
    },
];

/// The fixture's id for a tag: 24 copies of it, so ids sort in tag order.
fn tag_id(tag: char) -> String {
    format!("pt_link_{}", tag.to_string().repeat(24))
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("fixture time")
        .with_timezone(&Utc)
}

fn fixture_rows(merchant_uid: &str, id: impl Fn(char) -> String) -> Vec<PaymentLinkRow> {
    FIXTURE
        .iter()
        .map(|spec| PaymentLinkRow {
            link_name: spec.name.into(),
            payment_name: spec.payment_name.into(),
            payment_description: spec.description.map(Into::into),
            amount: spec.amount,
            currency: spec.currency.into(),
            fee_mode: spec.fee_mode.into(),
            amount_is_variable: spec.variable,
            min_amount: spec.min,
            max_amount: spec.max,
            require_phone: spec.phone,
            call_to_action: spec.call_to_action.into(),
            accepted_payment_methods: spec.methods.into(),
            account_code: spec.account_code.map(Into::into),
            custom_success_message: spec.message.map(Into::into),
            redirect_url: spec.redirect.map(Into::into),
            is_active: spec.active,
            ..link_row(merchant_uid, &id(spec.tag), time(spec.created))
        })
        .collect()
}

/// A server without the per-key rate limit: these tests send hundreds of requests with one key as
/// fast as they can, and must not depend on timing.
pub(crate) async fn unthrottled_app() -> TestApp {
    TestApp::start_with(&[("PAYLINK_RATE_LIMIT_PER_SECOND", "0".to_owned())]).await
}

/// A server whose merchant "Acme" owns the fixture, and a second merchant "Other" owning a copy of
/// it under other ids, so that every query also proves it never sees another tenant's links.
async fn fixture_app() -> (TestApp, Merchant, Merchant) {
    let app = unthrottled_app().await;
    let acme = app.merchant("Acme").await;
    let other = app.merchant("Other").await;
    insert_links(&app, fixture_rows(&acme.uid, tag_id)).await;
    insert_links(
        &app,
        fixture_rows(&other.uid, |_| paylink::domain::ids::new_link_id()),
    )
    .await;
    (app, acme, other)
}

fn pair(key: &str, operator: &str, value: &str) -> Value {
    json!({ "key": key, "operator": operator, "value": value })
}

fn pair_list(key: &str, operator: &str, values: &[&str]) -> Value {
    json!({ "key": key, "operator": operator, "in_values": values })
}

fn pair_op(key: &str, operator: &str) -> Value {
    json!({ "key": key, "operator": operator })
}

fn group(items: Vec<Value>) -> Value {
    json!({ "query_group": items })
}

/// `item` with its `conjunctive_operator` set.
fn join(mut item: Value, conjunctive: &str) -> Value {
    item["conjunctive_operator"] = json!(conjunctive);
    item
}

/// Items joined by `conjunctive` (AND_NEXT or OR_NEXT), the last one with none.
fn joined(conjunctive: &str, items: Vec<Value>) -> Vec<Value> {
    let last = items.len().saturating_sub(1);
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            if i < last {
                join(item, conjunctive)
            } else {
                item
            }
        })
        .collect()
}

/// The tags of a page's links, in display order; `?` marks a link without a tag id (another
/// merchant's, say).
fn tags(body: &Value) -> String {
    items(body)
        .iter()
        .map(|item| {
            let id = item["link_id"].as_str().unwrap_or_default();
            let tag = id.chars().nth("pt_link_".len()).unwrap_or('?');
            if tag_id(tag) == id { tag } else { '?' }
        })
        .collect()
}

fn sorted(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars.sort_unstable();
    chars.into_iter().collect()
}

fn items(body: &Value) -> Vec<Value> {
    body["data"]["paymentLinks"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {body}"))
        .clone()
}

fn total(body: &Value) -> i64 {
    body["data"]["paymentLinks"]["total_row_count"]
        .as_i64()
        .unwrap_or_else(|| panic!("no total_row_count: {body}"))
}

/// One page of the merchant's links matching `query_list`, as many as the fixture has.
async fn filter(app: &TestApp, merchant: &Merchant, query_list: Vec<Value>) -> Value {
    app.gql(
        merchant,
        LIST_QUERY,
        json!({ "limit": 100, "query": { "query_list": query_list } }),
    )
    .await
}

/// Runs each filter and checks the exact set of matching tags and the count; reports every
/// mismatch at once so that one run shows the whole picture.
async fn assert_filters(app: &TestApp, merchant: &Merchant, cases: Vec<(Vec<Value>, &str)>) {
    let mut failures = Vec::new();
    for (query_list, expected) in cases {
        let body = filter(app, merchant, query_list.clone()).await;
        if body.get("errors").is_some() {
            failures.push(format!("{}\n  => {body}", json!(query_list)));
            continue;
        }
        let got = sorted(&tags(&body));
        let count = total(&body);
        if got != expected || count != expected.len() as i64 {
            failures.push(format!(
                "{}\n  => matched {got:?} (total_row_count {count}), expected {expected:?}",
                json!(query_list)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} filter(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn string_operators_compare_bytes_and_like_ignores_case() {
    let (app, acme, _) = fixture_app().await;
    // link_name: a,c "apple"  b "Zebra"  d "Banana split"  e "banana"  f "cherry"
    // g "Apple pie"  h "date". Byte order: "Apple pie" < "Banana split" < "Zebra" < "apple".
    let cases = vec![
        (vec![pair("link_name", "EQUAL", "apple")], "ac"),
        (vec![pair("link_name", "EQUAL", "Apple")], ""),
        (vec![pair("link_name", "NOT_EQUAL", "apple")], "bdefgh"),
        (vec![pair("link_name", "GREATER_THAN", "apple")], "efh"),
        (vec![pair("link_name", "GREATER_EQUAL", "apple")], "acefh"),
        (vec![pair("link_name", "LESS_THAN", "apple")], "bdg"),
        (vec![pair("link_name", "LESS_EQUAL", "Zebra")], "bdg"),
        (vec![pair("link_name", "GREATER_THAN", "Zebra")], "acefh"),
        (vec![pair("link_name", "LESS_THAN", "a")], "bdg"),
        (vec![pair("link_name", "LIKE", "apple%")], "acg"),
        (vec![pair("link_name", "LIKE", "APPLE")], "ac"),
        (vec![pair("link_name", "LIKE", "_pple")], "ac"),
        (vec![pair("link_name", "LIKE", "%AN%")], "de"),
        (vec![pair("link_name", "LIKE", "%")], "abcdefgh"),
        (vec![pair("link_name", "NOT_LIKE", "%an%")], "abcfgh"),
        (
            vec![pair_list(
                "link_name",
                "IN_LIST",
                &["apple", "cherry", "nope"],
            )],
            "acf",
        ),
        (
            vec![pair_list("link_name", "NOT_IN_LIST", &["apple", "Zebra"])],
            "defgh",
        ),
        // payment_name: a,b,f,h "Dues"  c "Tuition"  d "tuition"  e "Donation"  g "Gift".
        (vec![pair("payment_name", "EQUAL", "Tuition")], "c"),
        (vec![pair("payment_name", "LIKE", "tuition")], "cd"),
        (vec![pair("payment_name", "LESS_THAN", "Dues")], "e"),
        // currency: c EUR, e CAD, the rest USD.
        (vec![pair("currency", "EQUAL", "USD")], "abdfgh"),
        (
            vec![pair_list("currency", "IN_LIST", &["EUR", "CAD"])],
            "ce",
        ),
        (vec![pair("currency", "LESS_THAN", "EUR")], "e"),
        (vec![pair("currency", "GREATER_EQUAL", "EUR")], "abcdfgh"),
        (vec![pair("currency", "NOT_LIKE", "u%")], "ce"),
        // link_id: the ids sort in tag order.
        (vec![pair("link_id", "EQUAL", &tag_id('c'))], "c"),
        (vec![pair("link_id", "GREATER_THAN", &tag_id('f'))], "gh"),
        (vec![pair("link_id", "LESS_EQUAL", &tag_id('b'))], "ab"),
        (
            vec![pair_list(
                "link_id",
                "IN_LIST",
                &[&tag_id('a'), &tag_id('h'), "pt_link_missing"],
            )],
            "ah",
        ),
        (
            vec![pair_list(
                "link_id",
                "NOT_IN_LIST",
                &[&tag_id('a'), &tag_id('h')],
            )],
            "bcdefg",
        ),
        (vec![pair("link_id", "LIKE", "PT_LINK_A%")], "a"),
        // merchant_uid: every link is the caller's.
        (vec![pair("merchant_uid", "EQUAL", &acme.uid)], "abcdefgh"),
        (vec![pair("merchant_uid", "NOT_EQUAL", &acme.uid)], ""),
        (vec![pair("merchant_uid", "LIKE", "%")], "abcdefgh"),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nullable_string_operators_treat_null_as_the_spec_says() {
    let (app, acme, _) = fixture_app().await;
    // payment_description: a "Monthly dues"  b NULL  c "Spring tuition"  d "50% off"
    // e "under_score"  f "5000 off"  g NULL  h "underXscore".
    // Byte order: "50% off" < "5000 off" < "Monthly dues" < "Spring tuition" < "underXscore"
    // < "under_score".
    let cases = vec![
        (vec![pair("payment_description", "EQUAL", "50% off")], "d"),
        (vec![pair("payment_description", "EQUAL", "50_ off")], ""),
        (
            vec![pair("payment_description", "NOT_EQUAL", "50% off")],
            "abcefgh",
        ),
        (
            vec![pair("payment_description", "GREATER_THAN", "Monthly dues")],
            "ceh",
        ),
        (
            vec![pair("payment_description", "GREATER_EQUAL", "Monthly dues")],
            "aceh",
        ),
        (
            vec![pair("payment_description", "LESS_THAN", "Monthly dues")],
            "df",
        ),
        (
            vec![pair("payment_description", "LESS_EQUAL", "5000 off")],
            "df",
        ),
        (
            vec![pair("payment_description", "GREATER_THAN", "underXscore")],
            "e",
        ),
        (vec![pair("payment_description", "LIKE", "50% off")], "df"),
        (vec![pair("payment_description", "LIKE", "50\\% off")], "d"),
        (
            vec![pair("payment_description", "LIKE", "under_score")],
            "eh",
        ),
        (
            vec![pair("payment_description", "LIKE", "under\\_score")],
            "e",
        ),
        (vec![pair("payment_description", "LIKE", "%DUES")], "a"),
        (vec![pair("payment_description", "LIKE", "%")], "acdefh"),
        (
            vec![pair("payment_description", "NOT_LIKE", "under_score")],
            "abcdfg",
        ),
        (vec![pair("payment_description", "NOT_LIKE", "%")], "bg"),
        (
            vec![pair_list(
                "payment_description",
                "IN_LIST",
                &["50% off", "Spring tuition"],
            )],
            "cd",
        ),
        (
            vec![pair_list(
                "payment_description",
                "NOT_IN_LIST",
                &["50% off", "Spring tuition"],
            )],
            "abefgh",
        ),
        (vec![pair_op("payment_description", "IS_NULL")], "bg"),
        (
            vec![pair_op("payment_description", "IS_NOT_NULL")],
            "acdefh",
        ),
        // account_code: a,e "ACC-1"  c "acc-2"  g "back\slash"  b,d,f,h NULL.
        (vec![pair("account_code", "EQUAL", "ACC-1")], "ae"),
        (vec![pair("account_code", "NOT_EQUAL", "ACC-1")], "bcdfgh"),
        (vec![pair("account_code", "LIKE", "acc-%")], "ace"),
        (vec![pair("account_code", "EQUAL", "back\\slash")], "g"),
        (vec![pair("account_code", "LIKE", "back\\\\slash")], "g"),
        (vec![pair("account_code", "LIKE", "%\\\\%")], "g"),
        (vec![pair("account_code", "LESS_THAN", "a")], "ae"),
        (vec![pair_op("account_code", "IS_NULL")], "bdfh"),
        (
            vec![pair_list("account_code", "NOT_IN_LIST", &["ACC-1"])],
            "bcdfgh",
        ),
        // custom_success_message: b "Thanks!"  f "ok"; redirect_url: c only.
        (vec![pair_op("custom_success_message", "IS_NOT_NULL")], "bf"),
        (vec![pair("custom_success_message", "LIKE", "thanks%")], "b"),
        (
            vec![pair("custom_success_message", "NOT_LIKE", "thanks%")],
            "acdefgh",
        ),
        (
            vec![pair("redirect_url", "EQUAL", "https://example.com/done")],
            "c",
        ),
        (vec![pair_op("redirect_url", "IS_NULL")], "abdefgh"),
        (
            vec![pair(
                "redirect_url",
                "NOT_EQUAL",
                "https://example.com/done",
            )],
            "abdefgh",
        ),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn integer_operators_compare_numbers_and_skip_nulls() {
    let (app, acme, _) = fixture_app().await;
    // amount: a,d 1500  b,h 2500  c,e NULL  f 99999  g 500.
    let cases = vec![
        (vec![pair("amount", "EQUAL", "1500")], "ad"),
        (vec![pair("amount", "NOT_EQUAL", "1500")], "bcefgh"),
        // Numerically, not as text: "1500" > "500" only as numbers.
        (vec![pair("amount", "GREATER_THAN", "500")], "abdfh"),
        (vec![pair("amount", "GREATER_THAN", "1500")], "bfh"),
        (vec![pair("amount", "GREATER_EQUAL", "1500")], "abdfh"),
        (vec![pair("amount", "LESS_THAN", "2500")], "adg"),
        (vec![pair("amount", "LESS_EQUAL", "2500")], "abdgh"),
        (vec![pair("amount", "LESS_THAN", "0")], ""),
        (
            vec![pair_list("amount", "IN_LIST", &["500", "99999"])],
            "fg",
        ),
        (
            vec![pair_list("amount", "NOT_IN_LIST", &["500", "99999"])],
            "abcdeh",
        ),
        (vec![pair_op("amount", "IS_NULL")], "ce"),
        (vec![pair_op("amount", "IS_NOT_NULL")], "abdfgh"),
        // min_amount: c 100  g 500; max_amount: c 5000  e 10000; the rest NULL.
        (vec![pair_op("min_amount", "IS_NOT_NULL")], "cg"),
        (vec![pair("min_amount", "GREATER_EQUAL", "100")], "cg"),
        (vec![pair("min_amount", "NOT_EQUAL", "100")], "abdefgh"),
        (vec![pair("max_amount", "GREATER_THAN", "5000")], "e"),
        (vec![pair("max_amount", "LESS_EQUAL", "10000")], "ce"),
        (
            vec![pair_list("max_amount", "NOT_IN_LIST", &["5000"])],
            "abdefgh",
        ),
        (vec![pair_op("max_amount", "IS_NULL")], "abdfgh"),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn boolean_operators() {
    let (app, acme, _) = fixture_app().await;
    // is_active: c,f false. require_phone: b,d,g true. amount_is_variable: c,e,g true.
    let cases = vec![
        (vec![pair("is_active", "EQUAL", "true")], "abdegh"),
        (vec![pair("is_active", "EQUAL", "false")], "cf"),
        (vec![pair("is_active", "NOT_EQUAL", "true")], "cf"),
        (vec![pair("is_active", "NOT_EQUAL", "false")], "abdegh"),
        (vec![pair_op("is_active", "EQUAL_TRUE")], "abdegh"),
        (vec![pair_op("is_active", "EQUAL_FALSE")], "cf"),
        // A value given with EQUAL_TRUE / EQUAL_FALSE is ignored, even one that does not parse.
        (vec![pair("is_active", "EQUAL_TRUE", "false")], "abdegh"),
        (vec![pair("is_active", "EQUAL_FALSE", "garbage")], "cf"),
        (vec![pair_op("require_phone", "EQUAL_TRUE")], "bdg"),
        (vec![pair("require_phone", "EQUAL", "false")], "acefh"),
        (vec![pair_op("amount_is_variable", "EQUAL_TRUE")], "ceg"),
        (
            vec![pair("amount_is_variable", "NOT_EQUAL", "true")],
            "abdfh",
        ),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn enum_operators() {
    let (app, acme, _) = fixture_app().await;
    // fee_mode: b,e,g INTERCHANGE, the rest SERVICE_FEE.
    // call_to_action: a,d,f,h PAY  b,e DONATE  c,g BOOK.
    // accepted_payment_methods: a,d,g ALL  b NOT_CASH  c ONLY_CARD  e ONLY_ACH  f NOT_ACH
    // h ONLY_CASH.
    let cases = vec![
        (vec![pair("fee_mode", "EQUAL", "INTERCHANGE")], "beg"),
        (vec![pair("fee_mode", "NOT_EQUAL", "INTERCHANGE")], "acdfh"),
        (
            vec![pair_list("fee_mode", "IN_LIST", &["INTERCHANGE"])],
            "beg",
        ),
        (
            vec![pair_list(
                "fee_mode",
                "NOT_IN_LIST",
                &["INTERCHANGE", "SERVICE_FEE"],
            )],
            "",
        ),
        (vec![pair("call_to_action", "EQUAL", "BOOK")], "cg"),
        (
            vec![pair_list("call_to_action", "IN_LIST", &["DONATE", "BOOK"])],
            "bceg",
        ),
        (vec![pair("call_to_action", "NOT_EQUAL", "PAY")], "bceg"),
        (
            vec![pair("accepted_payment_methods", "EQUAL", "ALL")],
            "adg",
        ),
        (
            vec![pair_list(
                "accepted_payment_methods",
                "NOT_IN_LIST",
                &["ALL", "ONLY_CASH"],
            )],
            "bcef",
        ),
        (
            vec![pair_list(
                "accepted_payment_methods",
                "IN_LIST",
                &["ONLY_ACH", "NOT_ACH", "ONLY_CARD"],
            )],
            "cef",
        ),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn timestamp_operators_parse_rfc3339_and_bare_dates() {
    let (app, acme, _) = fixture_app().await;
    // created_date: a,h T0 (midnight 2026-01-31)  b,c T1  d,e,f T2  g T3.
    let cases = vec![
        // A date alone is midnight UTC.
        (vec![pair("created_date", "EQUAL", "2026-01-31")], "ah"),
        (vec![pair("created_date", "EQUAL", T1)], "bc"),
        // The same instant written with another offset.
        (
            vec![pair(
                "created_date",
                "EQUAL",
                "2026-01-31T13:30:00.000001+01:00",
            )],
            "bc",
        ),
        (vec![pair("created_date", "NOT_EQUAL", T1)], "adefgh"),
        // Microseconds count: T1 is one microsecond after 12:30.
        (
            vec![pair("created_date", "GREATER_THAN", "2026-01-31T12:30:00Z")],
            "bcdefg",
        ),
        (vec![pair("created_date", "GREATER_THAN", T1)], "defg"),
        (
            vec![pair("created_date", "GREATER_EQUAL", "2026-02-01")],
            "defg",
        ),
        (
            vec![pair("created_date", "LESS_THAN", "2026-02-01")],
            "abch",
        ),
        (vec![pair("created_date", "LESS_EQUAL", T1)], "abch"),
        (vec![pair("created_date", "LESS_THAN", T0)], ""),
        (
            vec![pair_list("created_date", "IN_LIST", &["2026-01-31", T3])],
            "agh",
        ),
        (
            vec![pair_list("created_date", "NOT_IN_LIST", &["2026-01-31"])],
            "bcdefg",
        ),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn and_or_and_nested_groups_combine_as_written() {
    let (app, acme, _) = fixture_app().await;
    let active = pair_op("is_active", "EQUAL_TRUE");
    let deep = group(vec![group(vec![group(vec![group(vec![pair(
        "amount", "EQUAL", "1500",
    )])])])]);
    let cases = vec![
        (vec![], "abcdefgh"),
        // amount >= 1500: a b d f h; active: a b d e g h.
        (
            joined(
                "AND_NEXT",
                vec![pair("amount", "GREATER_EQUAL", "1500"), active.clone()],
            ),
            "abdh",
        ),
        // INTERCHANGE: b e g; amount NULL: c e.
        (
            joined(
                "OR_NEXT",
                vec![
                    pair("fee_mode", "EQUAL", "INTERCHANGE"),
                    pair_op("amount", "IS_NULL"),
                ],
            ),
            "bceg",
        ),
        // The last item may say NONE_NEXT explicitly.
        (
            vec![
                join(pair("fee_mode", "EQUAL", "INTERCHANGE"), "OR_NEXT"),
                join(pair_op("amount", "IS_NULL"), "NONE_NEXT"),
            ],
            "bceg",
        ),
        // active AND (name LIKE apple% OR currency = CAD) = abdegh ∩ (acg ∪ e).
        (
            joined(
                "AND_NEXT",
                vec![
                    active.clone(),
                    group(joined(
                        "OR_NEXT",
                        vec![
                            pair("link_name", "LIKE", "apple%"),
                            pair("currency", "EQUAL", "CAD"),
                        ],
                    )),
                ],
            ),
            "aeg",
        ),
        // (active AND amount IS NULL) OR (NOT active AND amount > 1000) = e ∪ f.
        (
            joined(
                "OR_NEXT",
                vec![
                    group(joined(
                        "AND_NEXT",
                        vec![active.clone(), pair_op("amount", "IS_NULL")],
                    )),
                    group(joined(
                        "AND_NEXT",
                        vec![
                            pair_op("is_active", "EQUAL_FALSE"),
                            pair("amount", "GREATER_THAN", "1000"),
                        ],
                    )),
                ],
            ),
            "ef",
        ),
        // Groups four deep are allowed (the innermost item is at depth 4).
        (vec![deep], "ad"),
        // A single-item group is just that item.
        (vec![group(vec![active])], "abdegh"),
    ];
    assert_filters(&app, &acme, cases).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_without_a_filter_lists_everything_in_the_default_order() {
    let (app, acme, _) = fixture_app().await;
    for query in [
        json!({}),
        json!({ "query_list": [] }),
        json!({ "sort_list": [] }),
        json!({ "query_list": [], "sort_list": [] }),
        json!(null),
    ] {
        let body = app
            .gql(
                &acme,
                LIST_QUERY,
                json!({ "limit": 100, "query": query.clone() }),
            )
            .await;
        assert_eq!(tags(&body), "gfedcbha", "{query}: {body}");
        assert_eq!(total(&body), 8, "{query}: {body}");
    }
}

/// The bounds are inclusive: 50 items in all (groups counted) and 100 in_values are fine.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_items_in_all_and_a_hundred_in_values_are_allowed() {
    let (app, acme, _) = fixture_app().await;
    let active = || pair_op("is_active", "EQUAL_TRUE");
    let flat: Vec<Value> = joined("AND_NEXT", (0..50).map(|_| active()).collect());
    let grouped = vec![group(joined(
        "AND_NEXT",
        (0..49).map(|_| active()).collect(),
    ))];
    let mut hundred: Vec<String> = (1..100).map(|n| n.to_string()).collect();
    hundred.push("1500".into());
    let hundred: Vec<&str> = hundred.iter().map(String::as_str).collect();
    let cases = vec![
        (flat, "abdegh"),
        (grouped, "abdegh"),
        (vec![pair_list("amount", "IN_LIST", &hundred)], "ad"),
    ];
    assert_filters(&app, &acme, cases).await;
}

/// `query_list` items nested `levels` groups deep around `leaf`.
fn nest(levels: usize, leaf: Value) -> Value {
    (0..levels).fold(leaf, |inner, _| group(vec![inner]))
}

/// Checks the error contract: one BAD_USER_INPUT error naming `field`, with a message, and no data.
fn bad_input(body: &Value, field: &str) -> Result<(), String> {
    let Some(errors) = body["errors"].as_array() else {
        return Err(format!("expected an error on {field}, got {body}"));
    };
    if errors.len() != 1 {
        return Err(format!("expected one error on {field}, got {body}"));
    }
    let error = &errors[0];
    if error["extensions"]["code"] != "BAD_USER_INPUT" {
        return Err(format!("expected BAD_USER_INPUT on {field}, got {body}"));
    }
    if error["extensions"]["field"] != field {
        return Err(format!("expected field {field:?}, got {body}"));
    }
    if error["message"]
        .as_str()
        .is_none_or(|m| m.trim().is_empty())
    {
        return Err(format!("no message: {body}"));
    }
    if !body["data"].is_null() {
        return Err(format!("expected data null: {body}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_malformed_query_is_bad_input_naming_the_offending_item() {
    let (app, acme, other) = fixture_app().await;
    let active = || pair_op("is_active", "EQUAL_TRUE");
    let other_link = items(&app.gql(&other, LIST_QUERY, json!({ "limit": 1 })).await)[0]["link_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = |items: Vec<Value>| json!({ "query": { "query_list": items } });
    let sort = |key: &str| json!({ "key": key });
    let too_many_amounts: Vec<String> = (1..=101).map(|n| n.to_string()).collect();
    let deep_path = format!("query_list[0]{}.query_group", ".query_group[0]".repeat(4));

    let cases: Vec<(&str, Value, &str)> = vec![
        // Keys.
        (
            "unknown key",
            list(vec![pair("nope", "EQUAL", "x")]),
            "query_list[0].key",
        ),
        (
            "link_url is derived",
            list(vec![pair("link_url", "EQUAL", "x")]),
            "query_list[0].key",
        ),
        (
            "not an API field",
            list(vec![pair("updated_at", "EQUAL", "2026-01-01")]),
            "query_list[0].key",
        ),
        (
            "missing key",
            list(vec![json!({ "operator": "EQUAL", "value": "x" })]),
            "query_list[0].key",
        ),
        (
            "unknown key in a group",
            list(vec![group(vec![pair("nope", "EQUAL", "x")])]),
            "query_list[0].query_group[0].key",
        ),
        // Operators.
        (
            "missing operator",
            list(vec![json!({ "key": "amount", "value": "1" })]),
            "query_list[0].operator",
        ),
        (
            "LIKE on an integer",
            list(vec![pair("amount", "LIKE", "1%")]),
            "query_list[0].operator",
        ),
        (
            "LIKE on an enum",
            list(vec![pair("fee_mode", "LIKE", "SERVICE%")]),
            "query_list[0].operator",
        ),
        (
            "NOT_LIKE on a boolean",
            list(vec![pair("is_active", "NOT_LIKE", "t%")]),
            "query_list[0].operator",
        ),
        (
            "LIKE on a timestamp",
            list(vec![pair("created_date", "LIKE", "2026%")]),
            "query_list[0].operator",
        ),
        (
            "GREATER_THAN on an enum",
            list(vec![pair("fee_mode", "GREATER_THAN", "INTERCHANGE")]),
            "query_list[0].operator",
        ),
        (
            "LESS_EQUAL on a boolean",
            list(vec![pair("is_active", "LESS_EQUAL", "true")]),
            "query_list[0].operator",
        ),
        (
            "IN_LIST on a boolean",
            list(vec![pair_list("is_active", "IN_LIST", &["true"])]),
            "query_list[0].operator",
        ),
        (
            "NOT_IN_LIST on a boolean",
            list(vec![pair_list("require_phone", "NOT_IN_LIST", &["true"])]),
            "query_list[0].operator",
        ),
        (
            "IS_NULL on a non-null string",
            list(vec![pair_op("link_name", "IS_NULL")]),
            "query_list[0].operator",
        ),
        (
            "IS_NOT_NULL on a timestamp",
            list(vec![pair_op("created_date", "IS_NOT_NULL")]),
            "query_list[0].operator",
        ),
        (
            "IS_NULL on an enum",
            list(vec![pair_op("fee_mode", "IS_NULL")]),
            "query_list[0].operator",
        ),
        (
            "IS_NULL on a boolean",
            list(vec![pair_op("is_active", "IS_NULL")]),
            "query_list[0].operator",
        ),
        (
            "EQUAL_TRUE on a string",
            list(vec![pair_op("link_name", "EQUAL_TRUE")]),
            "query_list[0].operator",
        ),
        (
            "EQUAL_FALSE on an integer",
            list(vec![pair_op("amount", "EQUAL_FALSE")]),
            "query_list[0].operator",
        ),
        // Values.
        (
            "missing value",
            list(vec![pair_op("amount", "EQUAL")]),
            "query_list[0].value",
        ),
        (
            "missing string value",
            list(vec![pair_op("link_name", "EQUAL")]),
            "query_list[0].value",
        ),
        (
            "missing LIKE pattern",
            list(vec![pair_op("link_name", "LIKE")]),
            "query_list[0].value",
        ),
        (
            "missing timestamp",
            list(vec![pair_op("created_date", "GREATER_THAN")]),
            "query_list[0].value",
        ),
        (
            "not an integer",
            list(vec![pair("amount", "EQUAL", "abc")]),
            "query_list[0].value",
        ),
        (
            "a fraction",
            list(vec![pair("amount", "GREATER_THAN", "1.5")]),
            "query_list[0].value",
        ),
        (
            "not a boolean",
            list(vec![pair("is_active", "EQUAL", "maybe")]),
            "query_list[0].value",
        ),
        (
            "not an enum value",
            list(vec![pair("fee_mode", "EQUAL", "CASH")]),
            "query_list[0].value",
        ),
        (
            "not a timestamp",
            list(vec![pair("created_date", "EQUAL", "yesterday")]),
            "query_list[0].value",
        ),
        (
            "not a date",
            list(vec![pair("created_date", "LESS_THAN", "2026-13-01")]),
            "query_list[0].value",
        ),
        (
            "bad value in the second item",
            list(joined(
                "AND_NEXT",
                vec![active(), pair("amount", "EQUAL", "abc")],
            )),
            "query_list[1].value",
        ),
        (
            "bad value in a group",
            list(joined(
                "AND_NEXT",
                vec![
                    active(),
                    active(),
                    group(vec![pair("amount", "EQUAL", "abc")]),
                ],
            )),
            "query_list[2].query_group[0].value",
        ),
        // in_values.
        (
            "IN_LIST without in_values",
            list(vec![pair_op("amount", "IN_LIST")]),
            "query_list[0].in_values",
        ),
        (
            "IN_LIST with only a value",
            list(vec![pair("amount", "IN_LIST", "1500")]),
            "query_list[0].in_values",
        ),
        (
            "empty in_values",
            list(vec![pair_list("amount", "IN_LIST", &[])]),
            "query_list[0].in_values",
        ),
        (
            "101 in_values",
            list(vec![pair_list(
                "amount",
                "NOT_IN_LIST",
                &too_many_amounts
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )]),
            "query_list[0].in_values",
        ),
        (
            "a bad integer entry",
            list(vec![pair_list("amount", "IN_LIST", &["1", "2", "3", "x"])]),
            "query_list[0].in_values[3]",
        ),
        (
            "a bad enum entry",
            list(vec![pair_list(
                "fee_mode",
                "NOT_IN_LIST",
                &["INTERCHANGE", "CASH"],
            )]),
            "query_list[0].in_values[1]",
        ),
        (
            "a bad timestamp entry",
            list(joined(
                "OR_NEXT",
                vec![
                    active(),
                    pair_list("created_date", "IN_LIST", &["2026-01-31", "yesterday"]),
                ],
            )),
            "query_list[1].in_values[1]",
        ),
        // Joins.
        (
            "mixed joins at the top",
            list(vec![
                join(active(), "AND_NEXT"),
                join(active(), "OR_NEXT"),
                active(),
            ]),
            "query_list",
        ),
        (
            "mixed joins in a group",
            list(vec![
                join(active(), "AND_NEXT"),
                group(vec![
                    join(active(), "OR_NEXT"),
                    join(active(), "AND_NEXT"),
                    active(),
                ]),
            ]),
            "query_list[1].query_group",
        ),
        (
            "a non-last item without a join",
            list(vec![active(), active()]),
            "query_list[0].conjunctive_operator",
        ),
        (
            "a non-last item with NONE_NEXT",
            list(vec![join(active(), "NONE_NEXT"), active()]),
            "query_list[0].conjunctive_operator",
        ),
        (
            "a last item with AND_NEXT",
            list(vec![join(active(), "AND_NEXT"), join(active(), "AND_NEXT")]),
            "query_list[1].conjunctive_operator",
        ),
        (
            "a single item with OR_NEXT",
            list(vec![join(active(), "OR_NEXT")]),
            "query_list[0].conjunctive_operator",
        ),
        (
            "a last item in a group with OR_NEXT",
            list(vec![group(vec![
                join(active(), "OR_NEXT"),
                join(active(), "OR_NEXT"),
            ])]),
            "query_list[0].query_group[1].conjunctive_operator",
        ),
        // Groups.
        (
            "key and group together",
            list(vec![
                json!({ "key": "amount", "operator": "IS_NULL", "query_group": [active()] }),
            ]),
            "query_list[0].query_group",
        ),
        (
            "an empty group",
            list(vec![group(vec![])]),
            "query_list[0].query_group",
        ),
        // Bounds.
        (
            "51 items",
            list(joined("AND_NEXT", (0..51).map(|_| active()).collect())),
            "query_list",
        ),
        (
            "51 items counting the group",
            list(vec![group(joined(
                "AND_NEXT",
                (0..50).map(|_| active()).collect(),
            ))]),
            "query_list",
        ),
        (
            "51 items over two groups",
            list(joined(
                "AND_NEXT",
                vec![
                    group(joined("AND_NEXT", (0..25).map(|_| active()).collect())),
                    group(joined("AND_NEXT", (0..24).map(|_| active()).collect())),
                ],
            )),
            "query_list",
        ),
        ("five deep", list(vec![nest(5, active())]), &deep_path),
        // Sorting.
        (
            "two sort keys",
            json!({ "query": { "sort_list": [sort("amount"), sort("link_name")] } }),
            "sort_list",
        ),
        (
            "unknown sort key",
            json!({ "query": { "sort_list": [sort("nope")] } }),
            "sort_list[0].key",
        ),
        (
            "sort by link_url",
            json!({ "query": { "sort_list": [sort("link_url")] } }),
            "sort_list[0].key",
        ),
        (
            "sort by updated_at",
            json!({ "query": { "sort_list": [sort("updated_at")] } }),
            "sort_list[0].key",
        ),
        // Cursors.
        (
            "an offset that is not an integer",
            json!({ "offset": "abc", "query": { "sort_list": [sort("amount")] } }),
            "offset",
        ),
        (
            "an offset that is not a boolean",
            json!({ "offset": "maybe", "query": { "sort_list": [sort("is_active")] } }),
            "offset",
        ),
        (
            "an offset that is not an enum value",
            json!({ "offset": "CASH", "offset_id": tag_id('a'), "query": by("fee_mode", "ASC") }),
            "offset",
        ),
        (
            "an offset that is not a timestamp",
            json!({ "offset": "yesterday", "query": by("created_date", "ASC") }),
            "offset",
        ),
        (
            "a default-order offset that is not a timestamp",
            json!({ "offset": "abc", "query": {} }),
            "offset",
        ),
        (
            "another merchant's offset_id",
            json!({ "offset_id": other_link, "query": { "sort_list": [sort("amount")] } }),
            "offset_id",
        ),
        (
            "another merchant's offset_id in the default order",
            json!({ "offset_id": other_link, "query": { "query_list": [] } }),
            "offset_id",
        ),
        (
            "an unknown offset_id",
            json!({ "offset_id": "pt_link_nope", "direction": "BACKWARD",
                    "query": by("link_name", "DESC") }),
            "offset_id",
        ),
    ];

    let before = app.link_count().await;
    let mut failures = Vec::new();
    for (what, variables, field) in cases {
        let body = app.gql(&acme, LIST_QUERY, variables.clone()).await;
        if let Err(problem) = bad_input(&body, field) {
            failures.push(format!("{what}: {variables}\n  {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} error case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(app.link_count().await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn mixing_joins_says_to_use_a_query_group() {
    let (app, acme, _) = fixture_app().await;
    let active = || pair_op("is_active", "EQUAL_TRUE");
    for (query_list, field) in [
        (
            vec![
                join(active(), "OR_NEXT"),
                join(active(), "AND_NEXT"),
                active(),
            ],
            "query_list",
        ),
        (
            vec![group(vec![
                join(active(), "AND_NEXT"),
                join(active(), "OR_NEXT"),
                active(),
            ])],
            "query_list[0].query_group",
        ),
    ] {
        let body = filter(&app, &acme, query_list).await;
        bad_input(&body, field).unwrap();
        let message = only_error(&body)["message"].as_str().unwrap();
        assert!(message.contains("query_group"), "{body}");
    }
}

const HOSTILE: [&str; 18] = [
    "O'Brien",
    "say \"hi\"",
    "100%",
    "a_b",
    "back\\slash",
    "trailing\\",
    "'; DROP TABLE payment_links; --",
    "\") OR 1=1 --",
    "' OR '1'='1",
    "ünïcødé ✓ 日本語 🎉",
    "%",
    "_",
    "\\",
    "$1",
    "?",
    "NULL",
    ":name",
    "tab\tand\nnewline",
];

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_match_literally_and_do_no_harm() {
    let app = unthrottled_app().await;
    let acme = app.merchant("Acme").await;
    let created = time(T0);
    let names: Vec<String> = HOSTILE.iter().map(|s| (*s).to_owned()).collect();
    // Controls that a wildcard reading of the hostile strings would wrongly match.
    let controls = ["aXb", "1000", "back-slash", "O'Brien2", "nUll"];
    let mut rows = Vec::new();
    for (i, name) in names.iter().map(String::as_str).chain(controls).enumerate() {
        let mut row = link_row(&acme.uid, &format!("pt_link_{i:024}"), created);
        row.link_name = name.to_owned();
        row.payment_description = Some(name.to_owned());
        rows.push(row);
    }
    let id_of: std::collections::HashMap<String, String> = rows
        .iter()
        .map(|row| (row.link_name.clone(), row.link_id.clone()))
        .collect();
    let all = rows.len() as i64;
    insert_links(&app, rows).await;
    let count_before = app.link_count().await;

    let mut failures = Vec::new();
    for name in &names {
        for (key, query_list, expected) in [
            ("link_name", vec![pair("link_name", "EQUAL", name)], 1),
            (
                "payment_description",
                vec![pair_list("payment_description", "IN_LIST", &[name])],
                1,
            ),
            (
                "link_name",
                vec![pair("link_name", "NOT_EQUAL", name)],
                all - 1,
            ),
        ] {
            let body = filter(&app, &acme, query_list.clone()).await;
            let ids = page_ids(&items(&body));
            let own = &id_of[name];
            let ok = body.get("errors").is_none()
                && total(&body) == expected
                && ids.len() as i64 == expected
                && (expected == 1) == ids.contains(own);
            if !ok {
                failures.push(format!("{key} {}: {body}", json!(query_list)));
            }
        }
    }
    // LIKE with hostile text that is a valid pattern: escapes make the metacharacters literal.
    for (pattern, expected) in [
        (
            "%'; drop table payment_links; --%",
            vec!["'; DROP TABLE payment_links; --"],
        ),
        ("o'brien", vec!["O'Brien"]),
        ("100\\%", vec!["100%"]),
        ("a\\_b", vec!["a_b"]),
        ("back\\\\slash", vec!["back\\slash"]),
        ("\\%", vec!["%"]),
        ("\\_", vec!["_"]),
        ("\\\\", vec!["\\"]),
        ("null", vec!["NULL", "nUll"]),
        ("say \"hi\"", vec!["say \"hi\""]),
    ] {
        let body = filter(&app, &acme, vec![pair("link_name", "LIKE", pattern)]).await;
        let mut got: Vec<String> = items(&body)
            .iter()
            .map(|item| item["link_name"].as_str().unwrap_or_default().to_owned())
            .collect();
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        if body.get("errors").is_some() || got != want {
            failures.push(format!(
                "LIKE {pattern:?}: got {got:?}, expected {want:?}: {body}"
            ));
        }
    }
    // Hostile text as a string cursor: compared by bytes, never spliced into SQL.
    let mut sorted_names: Vec<String> = id_of.keys().cloned().collect();
    sorted_names.sort();
    for boundary in ["'; DROP TABLE payment_links; --", "\") OR 1=1 --", "\\"] {
        let body = app
            .gql(
                &acme,
                LIST_QUERY,
                json!({ "limit": 100, "offset": boundary, "query": by("link_name", "ASC") }),
            )
            .await;
        let got: Vec<String> = items(&body)
            .iter()
            .map(|item| item["link_name"].as_str().unwrap_or_default().to_owned())
            .collect();
        let want: Vec<String> = sorted_names
            .iter()
            .filter(|name| name.as_str() > boundary)
            .cloned()
            .collect();
        if body.get("errors").is_some() || got != want {
            failures.push(format!(
                "offset {boundary:?}: got {got:?}, expected {want:?}"
            ));
        }
    }
    // Hostile keys are unknown keys, as filters and as sort keys.
    for key in [
        "link_name; DROP TABLE payment_links; --",
        "link_name\" OR 1=1 --",
        "link_name OR 1=1",
        "(amount)",
        "payment_links.link_name",
        "link_name COLLATE \"C\"",
        "",
        " link_name",
        "'",
    ] {
        let body = filter(&app, &acme, vec![pair(key, "EQUAL", "x")]).await;
        if let Err(problem) = bad_input(&body, "query_list[0].key") {
            failures.push(format!("key {key:?}: {problem}"));
        }
        let body = app
            .gql(
                &acme,
                LIST_QUERY,
                json!({ "query": { "sort_list": [{ "key": key, "direction": "DESC" }] } }),
            )
            .await;
        if let Err(problem) = bad_input(&body, "sort_list[0].key") {
            failures.push(format!("sort key {key:?}: {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The table is intact and still answers ordinary queries and writes.
    assert_eq!(app.link_count().await, count_before);
    let body = filter(&app, &acme, vec![]).await;
    assert_eq!(total(&body), all, "{body}");
    create_link(&app, &acme, "after the storm").await;
    let body = filter(
        &app,
        &acme,
        vec![pair("link_name", "EQUAL", "after the storm")],
    )
    .await;
    assert_eq!(total(&body), 1, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_never_reach_another_merchants_links() {
    let (app, acme, other) = fixture_app().await;
    let other_ids: Vec<String> = items(&app.gql(&other, LIST_QUERY, json!({ "limit": 100 })).await)
        .iter()
        .map(|item| item["link_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(other_ids.len(), 8);
    let other_refs: Vec<&str> = other_ids.iter().map(String::as_str).collect();
    let acme_ids: Vec<String> = "abcdefgh".chars().map(tag_id).collect();
    let acme_refs: Vec<&str> = acme_ids.iter().map(String::as_str).collect();
    let everything = || {
        group(joined(
            "OR_NEXT",
            vec![
                pair("merchant_uid", "EQUAL", &other.uid),
                pair("merchant_uid", "NOT_EQUAL", &other.uid),
            ],
        ))
    };
    let cases = vec![
        (vec![pair("merchant_uid", "EQUAL", &other.uid)], ""),
        (vec![pair("merchant_uid", "NOT_EQUAL", &acme.uid)], ""),
        (
            vec![pair("merchant_uid", "NOT_EQUAL", &other.uid)],
            "abcdefgh",
        ),
        (
            vec![pair_list("merchant_uid", "IN_LIST", &[&other.uid])],
            "",
        ),
        (
            vec![pair_list("merchant_uid", "NOT_IN_LIST", &[&acme.uid])],
            "",
        ),
        (vec![pair("merchant_uid", "GREATER_THAN", "")], "abcdefgh"),
        (vec![pair_list("link_id", "IN_LIST", &other_refs)], ""),
        (vec![pair_list("link_id", "NOT_IN_LIST", &acme_refs)], ""),
        (
            joined(
                "OR_NEXT",
                vec![
                    pair("merchant_uid", "EQUAL", &other.uid),
                    pair("link_name", "LIKE", "%"),
                ],
            ),
            "abcdefgh",
        ),
        (
            joined(
                "OR_NEXT",
                vec![
                    pair_op("is_active", "EQUAL_TRUE"),
                    pair_op("is_active", "EQUAL_FALSE"),
                ],
            ),
            "abcdefgh",
        ),
        (
            joined("OR_NEXT", vec![everything(), pair_op("amount", "IS_NULL")]),
            "abcdefgh",
        ),
        (vec![nest(4, pair("merchant_uid", "EQUAL", &other.uid))], ""),
        (vec![everything()], "abcdefgh"),
    ];
    assert_filters(&app, &acme, cases).await;

    // Sorted, paged backward from the end, and from the other side.
    let body = app
        .gql(
            &acme,
            LIST_QUERY,
            json!({ "limit": 100, "direction": "BACKWARD",
                    "query": { "sort_list": [{ "key": "merchant_uid", "direction": "DESC" }] } }),
        )
        .await;
    assert_eq!(tags(&body), "hgfedcba", "{body}");
    assert_eq!(total(&body), 8);
    let body = app
        .gql(
            &other,
            LIST_QUERY,
            json!({ "limit": 100, "query": { "query_list": [everything()] } }),
        )
        .await;
    let mut seen = page_ids(&items(&body));
    seen.sort();
    let mut expected = other_ids.clone();
    expected.sort();
    assert_eq!(seen, expected, "{body}");
    assert_eq!(total(&body), 8);
}

/// A sort item's cursor: its value of `key` as the API returned it, or `None` for null.
fn cursor_value(item: &Value, key: &str) -> Option<String> {
    match &item[key] {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// Asks for one page; `boundary` is the item to page from (its value of `sort_key` and id, or its
/// id alone when that value is null).
async fn fetch_page(
    app: &TestApp,
    merchant: &Merchant,
    query: &Value,
    sort_key: &str,
    limit: usize,
    direction: Option<&str>,
    boundary: Option<&Value>,
) -> Result<(Vec<Value>, Value), String> {
    let mut variables = json!({ "limit": limit, "query": query });
    if let Some(direction) = direction {
        variables["direction"] = json!(direction);
    }
    if let Some(item) = boundary {
        variables["offset_id"] = item["link_id"].clone();
        if let Some(value) = cursor_value(item, sort_key) {
            variables["offset"] = json!(value);
        }
    }
    let body = app.gql(merchant, LIST_QUERY, variables.clone()).await;
    if body.get("errors").is_some() {
        return Err(format!("{variables}\n  => {body}"));
    }
    let total = &body["data"]["paymentLinks"]["total_row_count"];
    Ok((
        items(&body),
        json!({ "variables": variables, "total": total }),
    ))
}

fn page_ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["link_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Pages through `expected` (the matching ids in display order) FORWARD from the first page to
/// past the end, then BACKWARD from the last page to past the start, checking every page and
/// `total_row_count` on each. `sort_key` is the key whose value the cursor carries
/// (`created_date` without a sort).
pub(crate) async fn check_paging(
    app: &TestApp,
    merchant: &Merchant,
    query: &Value,
    sort_key: &str,
    limit: usize,
    expected: &[String],
) -> Result<(), String> {
    let total = expected.len();
    let check = |what: &str, at: usize, got: &[Value], want: &[String], request: &Value| {
        let got = page_ids(got);
        if request["total"] != json!(total) {
            return Err(format!(
                "{what} page at {at}: total_row_count {} instead of {total}; request {request}",
                request["total"]
            ));
        }
        if got != want {
            return Err(format!(
                "{what} page at {at} of {total}: got {got:?}, expected {want:?}; request {}",
                request["variables"]
            ));
        }
        Ok(())
    };

    let mut start = 0;
    let mut boundary: Option<Value> = None;
    // Bounded so that a server that never runs out of pages fails instead of looping.
    for _ in 0..=total + 1 {
        // The first page leaves the direction to its default.
        let direction = boundary.as_ref().map(|_| "FORWARD");
        let (page, request) = fetch_page(
            app,
            merchant,
            query,
            sort_key,
            limit,
            direction,
            boundary.as_ref(),
        )
        .await?;
        let end = (start + limit).min(total);
        check("FORWARD", start, &page, &expected[start..end], &request)?;
        match page.last() {
            None => break,
            Some(last) => {
                start += page.len();
                boundary = Some(last.clone());
            }
        }
    }

    let mut end = total;
    let mut boundary: Option<Value> = None;
    for _ in 0..=total + 1 {
        let (page, request) = fetch_page(
            app,
            merchant,
            query,
            sort_key,
            limit,
            Some("BACKWARD"),
            boundary.as_ref(),
        )
        .await?;
        let start = end.saturating_sub(limit);
        check("BACKWARD", end, &page, &expected[start..end], &request)?;
        match page.first() {
            None => break,
            Some(first) => {
                end -= page.len();
                boundary = Some(first.clone());
            }
        }
    }
    if end != 0 {
        return Err(format!(
            "BACKWARD paging stopped {end} items short of the start"
        ));
    }
    Ok(())
}

/// A query sorting by one key in one direction.
fn by(key: &str, direction: &str) -> Value {
    json!({ "sort_list": [{ "key": key, "direction": direction }] })
}

fn fixture_ids(tags: &str) -> Vec<String> {
    tags.chars().map(tag_id).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_sort_key_orders_and_pages_both_ways() {
    let (app, acme, _) = fixture_app().await;
    // Worked out by hand from the fixture: NULLs last both ways, link_id ties in the sort's
    // direction, enums by name bytes (not declaration order), false before true.
    let cases: [(&str, Option<&str>, &str); 20] = [
        ("link_name", Some("ASC"), "gdbacefh"),
        ("link_name", Some("DESC"), "hfecabdg"),
        ("payment_description", None, "dfachebg"),
        ("payment_description", Some("DESC"), "ehcafdgb"),
        ("amount", Some("ASC"), "gadbhfce"),
        ("amount", Some("DESC"), "fhbdagec"),
        ("min_amount", Some("ASC"), "cgabdefh"),
        ("min_amount", Some("DESC"), "gchfedba"),
        ("is_active", Some("ASC"), "cfabdegh"),
        ("is_active", Some("DESC"), "hgedbafc"),
        ("fee_mode", Some("ASC"), "begacdfh"),
        ("fee_mode", Some("DESC"), "hfdcageb"),
        ("accepted_payment_methods", Some("ASC"), "adgfbech"),
        ("accepted_payment_methods", Some("DESC"), "hcebfgda"),
        ("call_to_action", None, "cgbeadfh"),
        ("call_to_action", Some("DESC"), "hfdaebgc"),
        ("created_date", Some("ASC"), "ahbcdefg"),
        ("created_date", Some("DESC"), "gfedcbha"),
        ("link_id", Some("DESC"), "hgfedcba"),
        ("merchant_uid", None, "abcdefgh"),
    ];
    let mut failures = Vec::new();
    for (key, direction, order) in cases {
        let mut sort = json!({ "key": key });
        if let Some(direction) = direction {
            sort["direction"] = json!(direction);
        }
        let query = json!({ "sort_list": [sort] });
        let expected = fixture_ids(order);
        for limit in [1, 3, 8] {
            if let Err(problem) = check_paging(&app, &acme, &query, key, limit, &expected).await {
                failures.push(format!(
                    "sort {key} {direction:?} (expected {order}), limit {limit}: {problem}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} sort case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn filtered_pages_in_the_default_order_page_on_created_date() {
    let (app, acme, _) = fixture_app().await;
    // Active links, newest first: g e d b h a.
    let query = json!({ "query_list": [pair_op("is_active", "EQUAL_TRUE")] });
    for limit in [1, 2, 4] {
        check_paging(
            &app,
            &acme,
            &query,
            "created_date",
            limit,
            &fixture_ids("gedbha"),
        )
        .await
        .unwrap();
    }
}

async fn sorted_page(app: &TestApp, merchant: &Merchant, variables: Value) -> String {
    let body = app.gql(merchant, LIST_QUERY, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    tags(&body)
}

#[tokio::test(flavor = "multi_thread")]
async fn offset_alone_and_offset_id_alone_set_the_boundary() {
    let (app, acme, _) = fixture_app().await;
    // amount ASC: g 500, a 1500, d 1500, b 2500, h 2500, f 99999, c NULL, e NULL.
    // amount DESC: f, h, b, d, a, g, e NULL, c NULL.
    let asc = json!({ "sort_list": [{ "key": "amount", "direction": "ASC" }] });
    let desc = json!({ "sort_list": [{ "key": "amount", "direction": "DESC" }] });
    let active_by_amount = json!({
        "query_list": [pair_op("is_active", "EQUAL_TRUE")],
        "sort_list": [{ "key": "amount" }],
    });
    let cases = [
        // offset alone: after (FORWARD) or before (BACKWARD) every item with that value.
        (json!({ "offset": "1500", "query": asc }), "bhfce"),
        (
            json!({ "offset": "1500", "direction": "FORWARD", "limit": 2, "query": asc }),
            "bh",
        ),
        (json!({ "offset": "2000", "query": asc }), "bhfce"),
        (json!({ "offset": "99999", "query": asc }), "ce"),
        (
            json!({ "offset": "2500", "direction": "BACKWARD", "query": asc }),
            "gad",
        ),
        (
            json!({ "offset": "2500", "direction": "BACKWARD", "limit": 2, "query": asc }),
            "ad",
        ),
        (
            json!({ "offset": "500", "direction": "BACKWARD", "query": asc }),
            "",
        ),
        (json!({ "offset": "1500", "query": desc }), "gec"),
        (
            json!({ "offset": "1500", "direction": "BACKWARD", "query": desc }),
            "fhb",
        ),
        // offset_id alone: the server reads the boundary value from the link, NULL included.
        (json!({ "offset_id": tag_id('a'), "query": asc }), "dbhfce"),
        (
            json!({ "offset_id": tag_id('h'), "direction": "BACKWARD", "limit": 2, "query": asc }),
            "db",
        ),
        (json!({ "offset_id": tag_id('c'), "query": asc }), "e"),
        (json!({ "offset_id": tag_id('e'), "query": asc }), ""),
        (
            json!({ "offset_id": tag_id('c'), "direction": "BACKWARD", "limit": 3, "query": asc }),
            "bhf",
        ),
        (
            json!({ "offset_id": tag_id('e'), "direction": "BACKWARD", "query": asc }),
            "gadbhfc",
        ),
        (json!({ "offset_id": tag_id('e'), "query": desc }), "c"),
        (json!({ "offset_id": tag_id('c'), "query": desc }), ""),
        (
            json!({ "offset_id": tag_id('e'), "direction": "BACKWARD", "limit": 2, "query": desc }),
            "ag",
        ),
        (json!({ "offset_id": tag_id('g'), "query": desc }), "ec"),
        // Both given, on a tie: only the later tied items follow.
        (
            json!({ "offset": "1500", "offset_id": tag_id('a'), "query": asc }),
            "dbhfce",
        ),
        (
            json!({ "offset": "1500", "offset_id": tag_id('d'), "direction": "BACKWARD",
                    "query": desc }),
            "fhb",
        ),
        // The boundary link need not match the filter: its value is read all the same.
        // Active links by amount ASC: g a d b h, then e (NULL).
        (
            json!({ "offset_id": tag_id('c'), "query": active_by_amount }),
            "e",
        ),
        (
            json!({ "offset_id": tag_id('c'), "direction": "BACKWARD", "query": active_by_amount }),
            "gadbh",
        ),
        (
            json!({ "offset_id": tag_id('f'), "query": active_by_amount }),
            "e",
        ),
        (
            json!({ "offset_id": tag_id('f'), "direction": "BACKWARD", "limit": 2,
                    "query": active_by_amount }),
            "bh",
        ),
        // BACKWARD without a boundary is the last page.
        (
            json!({ "direction": "BACKWARD", "limit": 3, "query": asc }),
            "fce",
        ),
        (
            json!({ "direction": "BACKWARD", "limit": 3, "query": desc }),
            "gec",
        ),
        // String and boolean cursors, as the API returns them.
        (
            json!({ "offset": "apple", "query": { "sort_list": [{ "key": "link_name" }] } }),
            "efh",
        ),
        (
            json!({ "offset": "apple", "offset_id": tag_id('a'), "query": by("link_name", "ASC") }),
            "cefh",
        ),
        (
            json!({ "offset": "true", "direction": "BACKWARD", "query": by("is_active", "ASC") }),
            "cf",
        ),
        (
            json!({ "offset": "false", "query": by("is_active", "DESC") }),
            "",
        ),
        (
            json!({ "offset": "SERVICE_FEE", "query": by("fee_mode", "DESC") }),
            "geb",
        ),
        (
            json!({ "offset": "2026-02-01",
                    "query": { "sort_list": [{ "key": "created_date" }] } }),
            "defg",
        ),
        // The same instant in another offset is the same boundary.
        (
            json!({ "offset": "2026-02-01T09:00:00.5+01:00", "query": by("created_date", "ASC") }),
            "g",
        ),
        (
            json!({ "offset": T2, "query": by("created_date", "DESC") }),
            "cbha",
        ),
    ];
    let mut failures = Vec::new();
    for (variables, expected) in cases {
        let mut variables = variables;
        if variables.get("limit").is_none() {
            variables["limit"] = json!(100);
        }
        let got = sorted_page(&app, &acme, variables.clone()).await;
        if got != expected {
            failures.push(format!("{variables}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} boundary case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The README's three examples, sent as written there (documents and variable shapes), with
/// values that suit the fixture.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_examples_work_as_described() {
    let (app, acme, _) = fixture_app().await;

    // A name search: names starting with "apple", any case: a c g, newest first.
    let body = app
        .gql(
            &acme,
            "query($q: SqlQuery) { paymentLinks(query: $q) { total_row_count items { link_id \
             link_name } } }",
            json!({ "q": { "query_list": [
                { "key": "link_name", "operator": "LIKE", "value": "apple%" },
            ] } }),
        )
        .await;
    assert_eq!(tags(&body), "gca", "{body}");
    assert_eq!(total(&body), 3, "{body}");
    let search = json!({ "query_list": [pair("link_name", "LIKE", "apple%")] });
    check_paging(&app, &acme, &search, "created_date", 2, &fixture_ids("gca"))
        .await
        .unwrap();

    // An amount range, cheapest first, without total_row_count (which is then not computed):
    // a d (1500) then b h (2500).
    let range = json!({
        "query_list": [
            { "key": "amount", "operator": "GREATER_EQUAL", "value": "1000",
              "conjunctive_operator": "AND_NEXT" },
            { "key": "amount", "operator": "LESS_EQUAL", "value": "5000" },
        ],
        "sort_list": [{ "key": "amount", "direction": "ASC" }],
    });
    let body = app
        .gql(
            &acme,
            "query($q: SqlQuery) { paymentLinks(limit: 20, query: $q) { items { link_id \
             amount } } }",
            json!({ "q": range }),
        )
        .await;
    assert_eq!(tags(&body), "adbh", "{body}");
    check_paging(&app, &acme, &range, "amount", 3, &fixture_ids("adbh"))
        .await
        .unwrap();

    // An OR group inside an AND list: active links in EUR or made since 2026-02-01:
    // active (abdegh) ∩ (EUR c ∪ since defg) = d e g, newest first.
    let or_group = json!({ "query_list": [
        { "key": "is_active", "operator": "EQUAL_TRUE", "conjunctive_operator": "AND_NEXT" },
        { "query_group": [
            { "key": "currency", "operator": "EQUAL", "value": "EUR",
              "conjunctive_operator": "OR_NEXT" },
            { "key": "created_date", "operator": "GREATER_EQUAL", "value": "2026-02-01" },
        ] },
    ] });
    let body = app
        .gql(
            &acme,
            "query($q: SqlQuery) { paymentLinks(query: $q) { items { link_id currency \
             created_date } } }",
            json!({ "q": or_group }),
        )
        .await;
    assert_eq!(tags(&body), "ged", "{body}");
    check_paging(
        &app,
        &acme,
        &or_group,
        "created_date",
        1,
        &fixture_ids("ged"),
    )
    .await
    .unwrap();
}

/// Whether `body` is a success, or the single BAD_USER_INPUT error on `field`; never INTERNAL.
fn handled(body: &Value, field: &str) -> Result<bool, String> {
    if body.get("errors").is_none() {
        return Ok(true);
    }
    bad_input(body, field).map(|()| false)
}

/// Text PostgreSQL cannot hold (NUL) or cannot use as a pattern (a trailing escape) is still the
/// client's input: refused as BAD_USER_INPUT on the item, or answered, but never an INTERNAL error.
#[tokio::test(flavor = "multi_thread")]
async fn unusable_text_is_bad_input_not_an_internal_error() {
    let (app, acme, _) = fixture_app().await;
    let mut trailing = link_row(&acme.uid, &tag_id('t'), time(T0));
    trailing.link_name = "trailing\\".into();
    insert_links(&app, vec![trailing]).await;
    let mut failures = Vec::new();

    // A NUL byte can match no stored text: no links, or refused on the value.
    for query_list in [
        vec![pair("link_name", "EQUAL", "a\u{0}b")],
        vec![pair("payment_description", "NOT_EQUAL", "a\u{0}b")],
        vec![pair("link_name", "LIKE", "%\u{0}%")],
        vec![pair_list("account_code", "IN_LIST", &["ACC-1", "a\u{0}b"])],
    ] {
        let body = filter(&app, &acme, query_list.clone()).await;
        let field = if query_list[0].get("in_values").is_some() {
            "query_list[0].in_values[1]"
        } else {
            "query_list[0].value"
        };
        match handled(&body, field) {
            Err(problem) => failures.push(format!("{}: {problem}", json!(query_list))),
            Ok(true) if query_list[0]["operator"] == "NOT_EQUAL" && total(&body) != 9 => {
                failures.push(format!("{}: every link differs: {body}", json!(query_list)));
            }
            Ok(true) if query_list[0]["operator"] == "IN_LIST" && sorted(&tags(&body)) != "ae" => {
                failures.push(format!("{}: {body}", json!(query_list)));
            }
            Ok(true) if query_list[0]["operator"] == "EQUAL" && total(&body) != 0 => {
                failures.push(format!("{}: {body}", json!(query_list)));
            }
            Ok(_) => {}
        }
    }
    for (variables, field) in [
        (
            json!({ "offset": "a\u{0}b", "query": by("link_name", "ASC") }),
            "offset",
        ),
        (
            json!({ "offset": "x", "offset_id": "pt_link_\u{0}", "query": by("link_name", "ASC") }),
            "offset_id",
        ),
    ] {
        let body = app.gql(&acme, LIST_QUERY, variables.clone()).await;
        if let Err(problem) = handled(&body, field) {
            failures.push(format!("{variables}: {problem}"));
        }
    }
    // offset_id alone must name one of the caller's links, which this cannot.
    for variables in [
        json!({ "offset_id": "pt_link_\u{0}" }),
        json!({ "offset_id": "pt_link_\u{0}", "query": by("amount", "DESC") }),
    ] {
        let body = app.gql(&acme, LIST_QUERY, variables.clone()).await;
        if let Err(problem) = bad_input(&body, "offset_id") {
            failures.push(format!("{variables}: {problem}"));
        }
    }

    // A pattern ending in the escape character escapes nothing: refused on the value, or read
    // literally (then it matches the link named `trailing\`).
    for (operator, literal) in [("LIKE", "t"), ("NOT_LIKE", "abcdefgh")] {
        let query_list = vec![pair("link_name", operator, "trailing\\")];
        let body = filter(&app, &acme, query_list.clone()).await;
        match handled(&body, "query_list[0].value") {
            Err(problem) => failures.push(format!("{}: {problem}", json!(query_list))),
            Ok(true) if sorted(&tags(&body)) != literal => {
                failures.push(format!("{}: {body}", json!(query_list)));
            }
            Ok(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// LIKE ignores the case of every letter, not only of ASCII ones.
#[tokio::test(flavor = "multi_thread")]
async fn like_ignores_the_case_of_accented_letters_too() {
    let app = unthrottled_app().await;
    let merchant = app.merchant("Acme").await;
    for name in ["École d'été", "ÉCOLE", "Ecole", "Ñandú"] {
        create_link(&app, &merchant, name).await;
    }
    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body["data"]["paymentLinks"]["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|item| item["link_name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let query = "query($q: SqlQuery) { paymentLinks(query: $q) { items { link_name } } }";
    for (operator, pattern, expected) in [
        ("LIKE", "école%", vec!["ÉCOLE", "École d'été"]),
        ("LIKE", "%ÉTÉ", vec!["École d'été"]),
        ("LIKE", "ñandú", vec!["Ñandú"]),
        ("NOT_LIKE", "éCOLE%", vec!["Ecole", "Ñandú"]),
    ] {
        let variables = json!({ "q": { "query_list": [
            { "key": "link_name", "operator": operator, "value": pattern }
        ] } });
        let body = app.gql(&merchant, query, variables).await;
        assert_eq!(names(&body), expected, "{operator} {pattern}: {body}");
    }
}
