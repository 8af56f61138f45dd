//! GraphQL over HTTP (graphql.github.io/graphql-over-http): POST with a JSON body (one request
//! or a batch), GET with `query`, `variables`, `operationName` and `extensions` parameters for
//! queries only, and GraphiQL for a browser's GET. A request may name a persisted document in
//! place of sending it (`persisted`). Responses are `application/graphql-response+json` when the
//! client accepts it, else `application/json`, with the status codes the specification gives
//! for each.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use hyper::body::Incoming;
use juniper::http::GraphQLResponse;
use juniper::{
    DefaultScalarValue, ExecutionError, GraphQLError, OperationType, ScalarValue as _, Value,
};
use serde::Serialize;

use super::App;
use super::auth;
use super::body::{discard_body, read_body};
use super::graphiql;
use super::graphql_request::{ClientBatch, ClientRequest, GetRequest, parse_get};
use super::idempotency;
use super::media::{self, ResponseMedia};
use super::persisted::{self, Named, NotRunnable};
use super::request_errors::{self, Stage};
use super::responses::{self, Body};
use crate::graphql::Context;

/// What a handled request did, for logs and metrics.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outcome {
    /// Names of the operations run (`-` for anonymous ones).
    pub(crate) operations: Vec<String>,
    /// The merchant of the API key.
    pub(crate) merchant_uid: Option<String>,
    /// `extensions.code` of every error in the response.
    pub(crate) error_codes: Vec<String>,
    /// Whether a mutation field succeeded, so the request changed something.
    pub(crate) wrote: bool,
}

/// Handles `GET /graphql` and `POST /graphql`.
pub(super) async fn handle(
    app: &App,
    request: Request<Incoming>,
    outcome: &mut Outcome,
) -> http::Response<Body> {
    let (parts, body) = request.into_parts();
    let get_request =
        (parts.method == Method::GET).then(|| parse_get(parts.uri.query().unwrap_or("")));
    if matches!(get_request, Some(GetRequest::None)) && app.graphiql && accepts_html(&parts.headers)
    {
        // The page posts back to the path it was asked at.
        return graphiql::page(parts.uri.path());
    }
    let Some(media) = media::negotiate(&parts.headers) else {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "accept application/graphql-response+json or application/json",
        );
    };
    let mut response = handle_negotiated(app, parts, body, get_request, media, outcome).await;
    in_media(&mut response, media);
    response
}

/// Refusals are built as application/json; a client that asked for the newer type gets every
/// answer in it, errors included.
fn in_media(response: &mut http::Response<Body>, media: ResponseMedia) {
    if response.headers().get(header::CONTENT_TYPE)
        == Some(&HeaderValue::from_static(responses::JSON))
    {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media.content_type()),
        );
    }
}

/// Refuses a method other than GET and POST, in the media type the client accepts.
pub(super) fn wrong_method(headers: &HeaderMap) -> http::Response<Body> {
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "use GET or POST",
    );
    in_media(
        &mut response,
        media::negotiate(headers).unwrap_or(ResponseMedia::Json),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// Handles a request whose response media type is settled.
async fn handle_negotiated(
    app: &App,
    parts: http::request::Parts,
    body: Incoming,
    get_request: Option<GetRequest>,
    media: ResponseMedia,
    outcome: &mut Outcome,
) -> http::Response<Body> {
    let get_request = match get_request {
        Some(GetRequest::Operation(request)) => Some(request),
        Some(GetRequest::None) => return bad_request("GET /graphql needs a `query` parameter"),
        Some(GetRequest::Invalid(message)) => return bad_request(&message),
        None if is_json(&parts.headers) => None,
        None => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the request as Content-Type: application/json",
            );
        }
    };

    // The key is checked before the body is read, so anonymous clients cannot make the server
    // buffer bodies.
    let caller = match auth::caller(&app.store, &app.key_cache, &parts.headers).await {
        Ok(caller) => caller,
        Err(response) => {
            discard_body(body).await;
            return response;
        }
    };
    let merchant_uid = caller.merchant_uid;
    outcome.merchant_uid = Some(merchant_uid.clone());
    if let Err(wait) = app.rate_limiter.check(caller.key_id) {
        discard_body(body).await;
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            &format!("too many requests for this API key; retry in {seconds} s"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        return response;
    }
    if let Some(request) = get_request {
        let batch = ClientBatch::Single(request);
        return respond(app, merchant_uid, batch, media, true, outcome).await;
    }
    let idempotency_key = match idempotency::key(&parts.headers) {
        Ok(key) => key,
        Err(message) => {
            discard_body(body).await;
            return bad_request(message);
        }
    };
    let bytes = match read_body(body, app.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let Some(key) = idempotency_key else {
        return respond_to_body(app, &merchant_uid, &bytes, media, outcome).await;
    };
    match idempotency::begin(app, &merchant_uid, &key, &bytes).await {
        idempotency::Decision::Answer(response) => response,
        idempotency::Decision::Run => {
            let response = respond_to_body(app, &merchant_uid, &bytes, media, outcome).await;
            idempotency::finish(app, &merchant_uid, &key, response, outcome.wrote).await
        }
    }
}

/// Answers a POST body.
async fn respond_to_body(
    app: &App,
    merchant_uid: &str,
    body: &Bytes,
    media: ResponseMedia,
    outcome: &mut Outcome,
) -> http::Response<Body> {
    match serde_json::from_slice::<ClientBatch>(body) {
        Ok(batch) => respond(app, merchant_uid.to_owned(), batch, media, false, outcome).await,
        Err(error) => bad_request(&format!(
            "the body is not a GraphQL request: {error}; expected {{\"query\": \"...\", \
             \"variables\": {{...}}}} or a list of them"
        )),
    }
}

/// Checks the limits of a parsed request, runs its operations and builds the response.
async fn respond(
    app: &App,
    merchant_uid: String,
    batch: ClientBatch,
    media: ResponseMedia,
    only_queries: bool,
    outcome: &mut Outcome,
) -> http::Response<Body> {
    let requests = batch.requests();
    if requests.is_empty() {
        return bad_request("a batch holds at least one operation");
    }
    if requests.len() > app.max_batch_size {
        return bad_request(&format!(
            "a batch may hold at most {} operations, not {}",
            app.max_batch_size,
            requests.len()
        ));
    }
    for request in requests {
        outcome.operations.push(
            request
                .operation_name
                .clone()
                .unwrap_or_else(|| "-".to_owned()),
        );
        if let Some(response) = check_variables(request, app.max_variables_bytes) {
            return response;
        }
        if let Some(reason) = request.malformed() {
            return bad_request(reason);
        }
    }
    let named = match requests
        .iter()
        .map(persisted::named)
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(named) => named,
        Err(malformed) => {
            return error(
                StatusCode::BAD_REQUEST,
                malformed.code(),
                malformed.message(),
            );
        }
    };

    let context = Context {
        merchant_uid,
        store: app.store.clone(),
        links: Arc::clone(&app.links),
        deliveries_queued: Arc::clone(&app.deliveries_queued),
    };
    let mut answers = Vec::with_capacity(requests.len());
    for (index, (request, named)) in requests.iter().zip(named).enumerate() {
        match execute(app, &context, request, named, index, only_queries, outcome).await {
            Ok(answer) => answers.push(answer),
            Err(response) => return response,
        }
    }
    let request_error = answers
        .iter()
        .any(|answer| matches!(answer, Answer::Refused(_)));
    let body = match batch {
        ClientBatch::Single(_) => serde_json::to_vec(&answers[0]),
        ClientBatch::Batch(_) => serde_json::to_vec(&answers),
    };
    let status = if outcome
        .error_codes
        .iter()
        .any(|code| code == "SERVICE_UNAVAILABLE")
    {
        StatusCode::SERVICE_UNAVAILABLE
    } else if request_error && media == ResponseMedia::GraphqlResponseJson {
        // A document that does not parse or validate never executed: the new media type says
        // so with 400; application/json answers every well-formed request with 200.
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match body {
        Ok(body) => graphql_response(status, media, body),
        Err(error) => {
            tracing::error!(%error, "serialising a GraphQL response failed");
            responses::graphql_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

/// What one operation of a request answers.
#[derive(Serialize)]
#[serde(untagged)]
enum Answer {
    /// It ran: data, and the errors of fields that failed.
    Ran(GraphQLResponse),
    /// It never ran: `{"errors": [...]}` with codes.
    Refused(serde_json::Value),
    /// It named a persisted document this server does not know yet; the client is expected to
    /// send the document (not a request error).
    Unknown(serde_json::Value),
}

/// Finds the document of one operation, parses and validates it (or finds it validated before)
/// and runs it. A mutation sent over GET is refused before it runs.
async fn execute(
    app: &App,
    context: &Context,
    request: &ClientRequest,
    named: Named<'_>,
    index: usize,
    only_queries: bool,
    outcome: &mut Outcome,
) -> Result<Answer, http::Response<Body>> {
    let document = match app.persisted.document(named) {
        Ok(document) => document,
        Err(not_runnable) => return Ok(not_persisted(&not_runnable, outcome)),
    };
    let validated =
        match app
            .operations
            .validated(&app.schema, &document, request.operation_name.as_deref())
        {
            Ok(validated) => validated,
            Err(error) => return Ok(refused(&error, Stage::Document, outcome)),
        };
    let operation = validated.operation();
    // Clients rarely send `operationName` for a document of one operation; its name is then the
    // one in the document, which logs and metrics should show.
    if let Some(name) = validated.name()
        && let Some(slot) = outcome.operations.get_mut(index)
    {
        name.clone_into(slot);
    }
    if only_queries && operation.operation_type() != OperationType::Query {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(response);
    }
    match operation.execute(&request.variables(), context).await {
        Ok((data, errors)) => {
            outcome
                .error_codes
                .extend(errors.iter().filter_map(error_code));
            // A mutation field that failed is null; any other one did what it was asked.
            outcome.wrote |= operation.operation_type() == OperationType::Mutation
                && data
                    .as_object_value()
                    .is_some_and(|fields| fields.iter().any(|(_, value)| !value.is_null()));
            Ok(Answer::Ran(GraphQLResponse::from_result(Ok((
                data, errors,
            )))))
        }
        Err(error) => Ok(refused(&error, Stage::Variables, outcome)),
    }
}

/// The answer to an operation whose document cannot run, its code counted.
fn not_persisted(not_runnable: &NotRunnable, outcome: &mut Outcome) -> Answer {
    let code = not_runnable.code();
    outcome.error_codes.push(code.to_owned());
    let body = serde_json::json!({
        "errors": [{ "message": not_runnable.message(), "extensions": { "code": code } }]
    });
    if not_runnable.asks_for_document() {
        Answer::Unknown(body)
    } else {
        Answer::Refused(body)
    }
}

/// The answer to an operation that never ran, its code counted for logs and metrics.
fn refused(error: &GraphQLError, stage: Stage, outcome: &mut Outcome) -> Answer {
    outcome
        .error_codes
        .push(request_errors::code(error, stage).to_owned());
    Answer::Refused(request_errors::body(error, stage))
}

/// The `extensions.code` of an execution error.
fn error_code(error: &ExecutionError<DefaultScalarValue>) -> Option<String> {
    match error.error().extensions() {
        Value::Object(object) => object
            .get_field_value("code")
            .and_then(Value::as_scalar)
            .and_then(|code| code.try_to_string()),
        _ => None,
    }
}

/// Refuses a request whose variables are larger than allowed.
fn check_variables(request: &ClientRequest, limit: usize) -> Option<http::Response<Body>> {
    let size = request
        .variables
        .as_ref()
        .and_then(|variables| serde_json::to_vec(variables).ok())
        .map_or(0, |json| json.len());
    (size > limit).then(|| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("the variables take {size} bytes; at most {limit} are allowed"),
        )
    })
}

fn graphql_response(
    status: StatusCode,
    media: ResponseMedia,
    body: Vec<u8>,
) -> http::Response<Body> {
    let mut response = responses::json(status, body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn error(status: StatusCode, code: &'static str, message: &str) -> http::Response<Body> {
    responses::graphql_error(status, code, message)
}

fn bad_request(message: &str) -> http::Response<Body> {
    error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}
