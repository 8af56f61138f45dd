//! GraphQL over HTTP: POST with a JSON body (one request or a batch), GET with `query`,
//! `variables` and `operationName` parameters for queries only, and GraphiQL for a browser's GET.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use juniper::http::{GraphQLBatchRequest, GraphQLBatchResponse, GraphQLRequest, GraphQLResponse};
use juniper::{InputValue, OperationType, ValidatedOperation};

use super::App;
use super::auth;
use super::responses::{self, Body};
use crate::graphql::{Context, Schema};

/// Handles `GET /graphql` and `POST /graphql`.
pub(super) async fn handle(app: &App, request: Request<Incoming>) -> http::Response<Body> {
    let (parts, body) = request.into_parts();
    let get_request = if parts.method == Method::GET {
        match parse_get(parts.uri.query().unwrap_or("")) {
            GetRequest::Query(request) => Some(request),
            GetRequest::None if accepts_html(&parts.headers) => {
                return responses::html(juniper::http::graphiql::graphiql_source("/graphql", None));
            }
            GetRequest::None => return bad_request("GET /graphql needs a `query` parameter"),
            GetRequest::Invalid(message) => return bad_request(&message),
        }
    } else if is_json(&parts.headers) {
        None
    } else {
        return responses::graphql_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as Content-Type: application/json",
        );
    };

    // The key is checked before the body is read, so anonymous clients cannot make the server
    // buffer bodies.
    let merchant_uid = match auth::merchant(&app.store, &parts.headers).await {
        Ok(merchant_uid) => merchant_uid,
        Err(response) => {
            discard_body(body).await;
            return response;
        }
    };
    let batch = match get_request {
        Some(request) => GraphQLBatchRequest::Single(request),
        None => {
            let bytes = match read_body(body, app.max_body_bytes).await {
                Ok(bytes) => bytes,
                Err(response) => return response,
            };
            match serde_json::from_slice::<GraphQLBatchRequest>(&bytes) {
                Ok(batch) => batch,
                Err(error) => {
                    return bad_request(&format!(
                        "the body is not a GraphQL request: {error}; expected {{\"query\": \"...\", \
                         \"variables\": {{...}}}}"
                    ));
                }
            }
        }
    };
    let context = Context {
        merchant_uid,
        store: app.store.clone(),
        links: Arc::clone(&app.links),
        deliveries_queued: Arc::clone(&app.deliveries_queued),
    };
    let only_queries = parts.method == Method::GET;
    let response = match &batch {
        GraphQLBatchRequest::Single(request) => {
            match execute(&app.schema, &context, request, only_queries).await {
                Ok(response) => GraphQLBatchResponse::Single(response),
                Err(response) => return response,
            }
        }
        GraphQLBatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(
                    match execute(&app.schema, &context, request, only_queries).await {
                        Ok(response) => response,
                        Err(response) => return response,
                    },
                );
            }
            GraphQLBatchResponse::Batch(responses)
        }
    };
    let status = if response.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    match serde_json::to_vec(&response) {
        Ok(body) => responses::json(status, body),
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

/// Parses, validates and runs one operation. A mutation sent over GET is refused before it runs.
async fn execute(
    schema: &Schema,
    context: &Context,
    request: &GraphQLRequest,
    only_queries: bool,
) -> Result<GraphQLResponse, http::Response<Body>> {
    let operation =
        match ValidatedOperation::new(&request.query, request.operation_name.as_deref(), schema) {
            Ok(operation) => operation,
            Err(error) => return Ok(GraphQLResponse::from_result(Err(error))),
        };
    if only_queries && operation.operation_type() != OperationType::Query {
        let mut response = responses::graphql_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, http::HeaderValue::from_static("POST"));
        return Err(response);
    }
    let result = operation.execute(&request.variables(), context).await;
    Ok(GraphQLResponse::from_result(result))
}

enum GetRequest {
    Query(GraphQLRequest),
    None,
    Invalid(String),
}

fn parse_get(query_string: &str) -> GetRequest {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let slot = match key.as_ref() {
            "query" => &mut query,
            "operationName" => &mut operation_name,
            "variables" => &mut variables,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return GetRequest::Invalid(format!("the `{key}` parameter is given twice"));
        }
    }
    let Some(query) = query else {
        return GetRequest::None;
    };
    let variables = match variables.map(|v| serde_json::from_str::<InputValue>(&v)) {
        None => None,
        Some(Ok(variables)) if variables.is_null() || variables.to_object_value().is_some() => {
            Some(variables)
        }
        Some(_) => {
            return GetRequest::Invalid("the `variables` parameter must be a JSON object".into());
        }
    };
    GetRequest::Query(GraphQLRequest::new(query, operation_name, variables))
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

/// How much of an oversized body is read and thrown away before the 413 is sent. A client that is
/// still sending when the server closes the connection would see a reset instead of the 413.
const OVERSIZED_DRAIN_BYTES: usize = 8 * 1024 * 1024;

/// Reads and drops a body the server will not use, up to a bound, so that the client reads the
/// response instead of a connection reset.
async fn discard_body(mut body: Incoming) {
    let mut received = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        received = received.saturating_add(frame.data_ref().map_or(0, |data| data.len()));
        if received > OVERSIZED_DRAIN_BYTES {
            break;
        }
    }
}

/// Reads the body, refusing with 413 once it passes `limit` bytes.
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, http::Response<Body>> {
    let mut bytes = Vec::new();
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(error) => {
                tracing::debug!(%error, "reading a request body failed");
                return Err(bad_request("the request body could not be read"));
            }
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received = received.saturating_add(data.len());
        if received <= limit {
            bytes.extend_from_slice(&data);
        } else if received > limit.saturating_add(OVERSIZED_DRAIN_BYTES) {
            break;
        }
    }
    if received > limit {
        let mut response = responses::graphql_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("the request body is larger than {limit} bytes"),
        );
        response
            .headers_mut()
            .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
        return Err(response);
    }
    Ok(Bytes::from(bytes))
}

fn bad_request(message: &str) -> http::Response<Body> {
    responses::graphql_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}
