//! Reading an endpoint: the introspection request, its headers, and the fall-back to the
//! classic query for servers that do not know the newer introspection fields. A stand-in
//! server answers; the real paylink server is read in the root package's API tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use paylink_contract::{Header, LoadError, Side, diff_sdl, introspection};
use serde_json::{Value, json};

/// One request the stand-in server received: its header lines and its JSON body.
#[derive(Debug)]
struct Received {
    headers: Vec<String>,
    body: Value,
}

/// Serves `answer(body) -> (status, body)` on an ephemeral port, for `requests` requests.
fn stand_in(
    requests: usize,
    answer: impl Fn(&Value) -> (u16, String) + Send + 'static,
) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end().to_owned();
                if line.is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                headers.push(line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap();
            let (status, answer) = answer(&body);
            log.lock().unwrap().push(Received { headers, body });
            write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            )
            .unwrap();
        }
    });
    (url, received)
}

fn introspection_result() -> Value {
    let string = json!({"kind": "SCALAR", "name": "String", "ofType": null});
    json!({"data": {"__schema": {
        "queryType": {"name": "Query"},
        "mutationType": null,
        "subscriptionType": null,
        "directives": [],
        "types": [
            {"kind": "OBJECT", "name": "Query", "description": null, "interfaces": [],
             "fields": [{"name": "hello", "description": null, "args": [],
                         "type": {"kind": "NON_NULL", "name": null, "ofType": string},
                         "isDeprecated": false, "deprecationReason": null}]},
            {"kind": "SCALAR", "name": "String", "description": null}
        ]
    }}})
}

#[test]
fn headers_are_sent_and_the_classic_query_is_the_fall_back() {
    let (url, received) = stand_in(2, |body| {
        let query = body["query"].as_str().unwrap();
        if query.contains("isRepeatable") {
            (
                400,
                json!({"errors": [{"message": "Unknown field isRepeatable"}]}).to_string(),
            )
        } else {
            (200, introspection_result().to_string())
        }
    });
    let headers = [
        Header::parse("Authorization: Bearer secret").unwrap(),
        Header::parse("X-Tenant: t1").unwrap(),
    ];
    let sources = Side::parse(&url).load_sources(&headers).unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(
        diff_sdl("type Query { hello: String! }", &sources[0].text).unwrap(),
        []
    );

    let received = received.lock().unwrap();
    assert_eq!(received.len(), 2, "{received:#?}");
    assert_eq!(received[0].body["query"], introspection::FULL_QUERY);
    assert_eq!(received[1].body["query"], introspection::CLASSIC_QUERY);
    for request in received.iter() {
        assert!(
            request
                .headers
                .iter()
                .any(|h| h == "authorization: Bearer secret"),
            "{request:#?}"
        );
        assert!(
            request.headers.iter().any(|h| h == "x-tenant: t1"),
            "{request:#?}"
        );
    }
}

#[test]
fn an_http_error_names_the_status_and_is_not_retried() {
    let (url, received) = stand_in(1, |_| {
        (
            401,
            json!({"errors": [{"message": "missing API key"}]}).to_string(),
        )
    });
    let error = Side::parse(&url).load(&[]).unwrap_err();
    assert!(matches!(error, LoadError::Http(_)), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("401") && message.contains("missing API key"),
        "{message}"
    );
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn a_server_that_refuses_both_queries_says_why() {
    let (url, _) = stand_in(2, |_| {
        (
            200,
            json!({"data": null, "errors": [{"message": "introspection is disabled"}]}).to_string(),
        )
    });
    let error = Side::parse(&url).load(&[]).unwrap_err();
    assert!(
        error.to_string().contains("introspection is disabled"),
        "{error}"
    );
}
