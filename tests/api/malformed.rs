//! Fuzz-style robustness of POST /graphql: malformed bodies of every kind (invalid and truncated
//! JSON, wrong shapes and wrong types for `query`, `variables` and `operationName`, huge strings,
//! deep nesting, binary data, invalid UTF-8, NUL bytes, wrong or missing content types, empty
//! bodies) and a few hundred variations generated from a fixed seed, all sent with a valid key.
//! Each must be answered with a 4xx, never a 5xx or a dropped connection, and the server must
//! still serve afterwards. The seed is fixed so that a failure reproduces exactly.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::support::*;

/// Valid requests the malformed ones are made from. They are creates where possible, so that a
/// malformed body that ran by mistake would show as a link.
fn valid_requests(merchant_uid: &str) -> Vec<Value> {
    vec![
        json!({ "query": CREATE, "variables": { "input": {
            "merchant_uid": merchant_uid, "link_name": "Fuzz", "payment_name": "Dues", "amount": 1500,
        } } }),
        json!({
            "query": format!(r#"mutation Make {{ createPaymentLink(input: {{merchant_uid: "{merchant_uid}", link_name: "Fuzz", payment_name: "Dues", amount: 1500}}) {{ link_id }} }}"#),
            "operationName": "Make",
        }),
        json!({ "query": LIST, "variables": { "limit": 5 } }),
    ]
}

/// One request to send.
struct Case {
    name: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Case {
    fn json(name: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            content_type: Some("application/json".to_owned()),
            body: body.into(),
        }
    }

    fn typed(
        name: impl Into<String>,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.map(str::to_owned),
            body: body.into(),
        }
    }
}

/// `depth` opening brackets, a value, and the closing ones.
fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn hand_written(merchant_uid: &str) -> Vec<Case> {
    let valid = valid_requests(merchant_uid);
    let create = valid[0].to_string();
    let count = "{ paymentLinks { total_row_count } }";
    let with = |field: &str, value: Value| {
        let mut request = json!({ "query": count });
        request[field] = value;
        request.to_string()
    };
    let mut cases = vec![
        // Invalid JSON.
        Case::json("not json", "{not json"),
        Case::json("missing value", r#"{"query": }"#),
        Case::json("unclosed object", r#"{"query": "{ a }""#),
        Case::json("single quotes", "{'query': '{ paymentLinks { total_row_count } }'}"),
        Case::json("trailing comma", format!(r#"{{"query": "{count}",}}"#)),
        Case::json("bad escape", r#"{"query": "\x41"}"#),
        Case::json("lone surrogate", r#"{"query": "\ud800"}"#),
        Case::json("bare word", "nul"),
        Case::json("two documents", format!("{create}{create}")),
        Case::json(
            "byte order mark",
            [b"\xEF\xBB\xBF".as_slice(), create.as_bytes()].concat(),
        ),
        // Truncated.
        Case::json("truncated half", &create.as_bytes()[..create.len() / 2]),
        Case::json("truncated by one", &create.as_bytes()[..create.len() - 1]),
        Case::json("open brace", "{"),
        // Wrong shapes and types.
        Case::json("empty array", "[]"),
        Case::json("number", "1"),
        Case::json("string", r#""x""#),
        Case::json("null", "null"),
        Case::json("true", "true"),
        Case::json("empty object", "{}"),
        Case::json("array of number", "[1]"),
        Case::json("array of array", "[[]]"),
        Case::json("batch with a bad item", format!(r#"[{create}, {{"query": 1}}]"#)),
        Case::json("query number", r#"{"query": 1}"#),
        Case::json("query null", r#"{"query": null}"#),
        Case::json("query list", format!(r#"{{"query": ["{count}"]}}"#)),
        Case::json("query object", r#"{"query": {"a": 1}}"#),
        Case::json("query empty", r#"{"query": ""}"#),
        Case::json("empty selection", r#"{"query": "{}", "variables": []}"#),
        Case::json("variables only", r#"{"variables": "x"}"#),
        Case::json("variables list", with("variables", json!([]))),
        Case::json("variables string", with("variables", json!("x"))),
        Case::json("variables number", with("variables", json!(1))),
        Case::json("variables bool", with("variables", json!(true))),
        Case::json("variables string of JSON", with("variables", json!("{}"))),
        Case::json("operationName number", with("operationName", json!(1))),
        Case::json("operationName object", with("operationName", json!({}))),
        Case::json("operationName unknown", with("operationName", json!("Nope"))),
        Case::json(
            "variables of the wrong type",
            json!({ "query": CREATE, "variables": { "input": "x" } }).to_string(),
        ),
        Case::json(
            "variables missing",
            json!({ "query": CREATE }).to_string(),
        ),
        // Huge strings (just under the 1 MiB body limit) and a body over it.
        Case::json(
            "900 KB query name",
            json!({ "query": "x".repeat(900 * 1024) }).to_string(),
        ),
        Case::json(
            "900 KB of tokens",
            json!({ "query": format!("{{ {}}}", "a ".repeat(450 * 1024)) }).to_string(),
        ),
        Case::json(
            "900 KB string argument",
            json!({ "query": format!(r#"{{ paymentLinks(no_such_argument: "{}") {{ total_row_count }} }}"#, "x".repeat(900 * 1024)) }).to_string(),
        ),
        Case::json(
            "900 KB variables",
            json!({ "query": count, "variables": { "v": "x".repeat(900 * 1024) } }).to_string(),
        ),
        Case::json(
            "900 KB operationName",
            with("operationName", json!("x".repeat(900 * 1024))),
        ),
        Case::json("2 MiB body", vec![b' '; 2 * 1024 * 1024]),
        // Deep nesting.
        Case::json("nested body", nested(10_000)),
        Case::json(
            "nested variables",
            format!(r#"{{"query": "{count}", "variables": {{"v": {}}}}}"#, nested(10_000)),
        ),
        Case::json(
            "nested objects in variables",
            format!(
                r#"{{"query": "{count}", "variables": {}1{}}}"#,
                r#"{"a":"#.repeat(10_000),
                "}".repeat(10_000)
            ),
        ),
        Case::json(
            "nested selection set",
            json!({ "query": format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000)) })
                .to_string(),
        ),
        Case::json(
            "nested argument",
            json!({ "query": format!("{{ paymentLinks(query: {}) {{ total_row_count }} }}", nested(10_000)) })
                .to_string(),
        ),
        Case::json(
            "nested list type",
            json!({ "query": format!("query($v: {}Int{}) {{ paymentLinks {{ total_row_count }} }}", "[".repeat(10_000), "]".repeat(10_000)) })
                .to_string(),
        ),
        // Invalid UTF-8 and NUL bytes.
        Case::json("invalid UTF-8 in query", b"{\"query\": \"{ \xff\xfe }\"}".to_vec()),
        Case::json("overlong UTF-8", b"{\"query\": \"\xc0\xaf\"}".to_vec()),
        Case::json("invalid UTF-8 body", b"\xff\xfe\xfd".to_vec()),
        Case::json("NUL body", b"\0".to_vec()),
        Case::json("raw NUL in string", b"{\"query\": \"{\0}\"}".to_vec()),
        Case::json("escaped NUL in query", r#"{"query": "{ paymentLinks { total_row_count } }\u0000"}"#),
        // (A NUL inside a variable's value is a field error, 200 with BAD_USER_INPUT, as for any
        // other bad value; one in a variable's name leaves a required variable unset.)
        Case::json(
            "escaped NUL in a variable name",
            json!({ "query": CREATE, "variables": { "in\u{0}put": {
                "merchant_uid": merchant_uid, "link_name": "Fuzz", "payment_name": "Dues", "amount": 1500,
            } } })
            .to_string(),
        ),
        // Empty bodies.
        Case::json("empty JSON body", ""),
        Case::json("whitespace body", "  \r\n\t "),
        Case::typed("empty untyped body", None, ""),
    ];
    // Valid bodies under content types that are not JSON.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/jsonx",
        "json",
        "application/json-patch+json",
        "text/json",
        "",
    ] {
        cases.push(Case::typed(
            format!("content type {content_type:?}"),
            Some(content_type),
            create.clone(),
        ));
    }
    cases.push(Case::typed("no content type", None, create));
    cases
}

/// Random bytes of a random length up to `max`.
fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; rng.random_range(1..=max)];
    rng.fill(&mut bytes[..]);
    bytes
}

/// A random JSON value that is not a string.
fn random_non_string(rng: &mut StdRng, depth: usize) -> Value {
    match rng.random_range(0..if depth > 2 { 3 } else { 5 }) {
        0 => json!(rng.random_range(-1_000_000i64..1_000_000)),
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<f64>() * 1e6),
        3 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_non_string(rng, depth + 1))
                .collect(),
        ),
        _ => json!({ "q": random_non_string(rng, depth + 1) }),
    }
}

fn random_printable(rng: &mut StdRng, max: usize) -> String {
    (0..rng.random_range(1..=max))
        .map(|_| char::from(rng.random_range(0x20u8..0x7f)))
        .collect()
}

/// Variations that are malformed by construction, so that each must be refused.
fn generated(merchant_uid: &str, count: usize) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(0x7061_796c_696e_6b05);
    let valid: Vec<Vec<u8>> = valid_requests(merchant_uid)
        .iter()
        .map(|request| request.to_string().into_bytes())
        .collect();
    let mut cases = Vec::with_capacity(count);
    for i in 0..count {
        let base = &valid[rng.random_range(0..valid.len())];
        let case = match i % 9 {
            // A proper prefix of a JSON object is never valid JSON.
            0 => {
                let at = rng.random_range(0..base.len());
                Case::json(format!("#{i} truncated at {at}"), &base[..at])
            }
            1 => Case::json(format!("#{i} random bytes"), random_bytes(&mut rng, 4096)),
            // 0xFF never occurs in UTF-8, so the body is invalid wherever it lands.
            2 => {
                let mut body = base.clone();
                let at = rng.random_range(0..=body.len());
                let byte = [0xFFu8, 0xFE, 0xC0, 0xC1, 0xF5][rng.random_range(0..5)];
                body.insert(at, byte);
                Case::json(format!("#{i} byte {byte:#x} at {at}"), body)
            }
            3 => {
                let mut request: Value = serde_json::from_slice(base).unwrap();
                let field = ["query", "variables", "operationName"][rng.random_range(0..3)];
                request[field] = if field == "query" && rng.random::<bool>() {
                    Value::Null
                } else {
                    random_non_string(&mut rng, 0)
                };
                if field == "variables" && request[field].is_object() {
                    request[field] = json!([request[field].clone()]);
                }
                Case::json(
                    format!("#{i} {field} = {}", request[field]),
                    request.to_string(),
                )
            }
            4 => Case::json(
                format!("#{i} garbage query"),
                json!({ "query": format!("{} {{", random_printable(&mut rng, 200)) }).to_string(),
            ),
            5 => {
                let depth = rng.random_range(200..10_000);
                Case::json(
                    format!("#{i} variables nested {depth} deep"),
                    format!(
                        r#"{{"query": "{{ paymentLinks {{ total_row_count }} }}", "variables": {{"v": {}}}}}"#,
                        nested(depth)
                    ),
                )
            }
            6 => {
                let subtype: String = (0..rng.random_range(1..12))
                    .map(|_| char::from(rng.random_range(b'a'..=b'z')))
                    .collect();
                let content_type = format!("text/{subtype}");
                Case::typed(
                    format!("#{i} content type {content_type}"),
                    Some(&content_type),
                    base.clone(),
                )
            }
            // A valid prefix followed by binary junk.
            7 => {
                let mut body = base[..rng.random_range(1..base.len())].to_vec();
                body.extend(random_bytes(&mut rng, 256));
                body.push(0xFF);
                Case::json(format!("#{i} junk after a prefix"), body)
            }
            _ => {
                let mut body = base.clone();
                let at = rng.random_range(0..=body.len());
                body.insert(at, 0);
                Case::json(format!("#{i} NUL at {at}"), body)
            }
        };
        cases.push(case);
    }
    cases
}

/// Sends a case; returns the status, or a description of what went wrong on the wire.
async fn send(app: &TestApp, key: &str, case: &Case) -> Result<(u16, String), String> {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(key)
        // The media type whose status codes tell a request error (400) from a field error.
        .header("Accept", "application/graphql-response+json")
        .timeout(std::time::Duration::from_secs(60))
        .body(case.body.clone());
    if let Some(content_type) = &case.content_type {
        request = request.header("Content-Type", content_type);
    }
    let response = request.send().await.map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| format!("{e:?}"))?;
    let text: String = String::from_utf8_lossy(&body).chars().take(300).collect();
    Ok((status, text))
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_get_a_4xx_and_the_server_keeps_serving() {
    let app = std::sync::Arc::new(TestApp::start().await);
    let merchant = app.merchant("Acme").await;
    let mut cases = hand_written(&merchant.uid);
    cases.extend(generated(&merchant.uid, 450));
    let total = cases.len();

    let mut failures = Vec::new();
    let mut cases = cases.into_iter();
    loop {
        // A handful at a time: enough to overlap, not so many that the pool times out.
        let batch: Vec<Case> = cases.by_ref().take(8).collect();
        if batch.is_empty() {
            break;
        }
        let mut requests = tokio::task::JoinSet::new();
        for case in batch {
            let (app, key) = (std::sync::Arc::clone(&app), merchant.key.clone());
            requests.spawn(async move {
                let outcome = send(&app, &key, &case).await;
                (case.name, outcome)
            });
        }
        while let Some(done) = requests.join_next().await {
            let (name, outcome) = done.expect("request task");
            match outcome {
                Ok((status, _)) if (400..500).contains(&status) => {}
                Ok((status, body)) => failures.push(format!("{name}: {status} {body}")),
                Err(error) => failures.push(format!("{name}: no answer: {error}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} malformed requests were not answered with a 4xx:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let (status, body) = app
        .post(
            Some(&merchant.key),
            "{ paymentLinks { total_row_count } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.link_count().await, 0, "a malformed request wrote");
}
