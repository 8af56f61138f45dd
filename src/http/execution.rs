//! Runs the operations of a request that passed the pipeline's checks: finds each document
//! (sent, or persisted), parses and validates it or finds it validated before, executes it, and
//! builds the response with the status GraphQL over HTTP gives it.

use std::sync::Arc;

use http::StatusCode;
use juniper::http::GraphQLResponse;
use juniper::{
    DefaultScalarValue, ExecutionError, GraphQLError, OperationType, ScalarValue as _, Value,
};
use serde::Serialize;

use super::App;
use super::graphql_request::{ClientBatch, ClientRequest};
use super::media::ResponseMedia;
use super::persisted::{self, Named, NotRunnable};
use super::refusal::Refusal;
use super::request_errors::{self, Stage};
use super::responses::{self, Body};
use crate::error_code::ErrorCode;
use crate::graphql::Context;

/// What running a request's operations gave.
pub(super) struct Executed {
    /// The response.
    pub(super) response: http::Response<Body>,
    /// The operations' names (`-` for anonymous ones), in order.
    pub(super) operations: Vec<String>,
    /// The `extensions.code` of every error in the response.
    pub(super) error_codes: Vec<ErrorCode>,
    /// Whether a mutation field succeeded, so the request changed something.
    pub(super) wrote: bool,
}

/// Checks the batch whole, then runs its operations in order. `only_queries` refuses
/// mutations (a GET).
pub(super) async fn run(
    app: &App,
    merchant_uid: String,
    batch: ClientBatch,
    media: ResponseMedia,
    only_queries: bool,
) -> Result<Executed, Refusal> {
    let requests = batch.requests();
    let named = check(app, requests)?;
    let context = Context {
        merchant_uid,
        store: app.store.clone(),
        links: Arc::clone(&app.links),
        deliveries_queued: Arc::clone(&app.deliveries_queued),
        paying_tasks: Arc::clone(&app.paying.tasks_queued),
        outbound: Arc::clone(&app.outbound),
    };
    let mut answers = Vec::with_capacity(requests.len());
    for (request, named) in requests.iter().zip(named) {
        answers.push(execute(app, &context, request, named, only_queries).await?);
    }
    let error_codes: Vec<ErrorCode> = answers
        .iter()
        .flat_map(|answer| answer.codes.iter().copied())
        .collect();
    let status = if error_codes.contains(&ErrorCode::ServiceUnavailable) {
        StatusCode::SERVICE_UNAVAILABLE
    } else if media == ResponseMedia::GraphqlResponseJson
        && answers.iter().any(|answer| answer.is_request_error())
    {
        // A document that does not parse or validate never executed: the new media type says
        // so with 400; application/json answers every well-formed request with 200.
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = match batch {
        ClientBatch::Single(_) => serde_json::to_vec(&answers[0].body),
        ClientBatch::Batch(_) => serde_json::to_vec(
            &answers
                .iter()
                .map(|answer| &answer.body)
                .collect::<Vec<_>>(),
        ),
    };
    let body = body.map_err(|error| {
        tracing::error!(%error, "serialising a GraphQL response failed");
        Refusal::Internal
    })?;
    Ok(Executed {
        response: responses::json(status, media, body),
        wrote: answers.iter().any(|answer| answer.wrote),
        operations: answers.into_iter().map(|answer| answer.name).collect(),
        error_codes,
    })
}

/// Refuses a malformed batch before any of its operations runs; returns what each operation
/// names as its document.
fn check<'r>(app: &App, requests: &'r [ClientRequest]) -> Result<Vec<Named<'r>>, Refusal> {
    if requests.is_empty() {
        return Err(Refusal::bad_request("a batch holds at least one operation"));
    }
    if requests.len() > app.max_batch_size {
        return Err(Refusal::bad_request(format!(
            "a batch may hold at most {} operations, not {}",
            app.max_batch_size,
            requests.len()
        )));
    }
    requests
        .iter()
        .map(|request| {
            check_variables(request, app.max_variables_bytes)?;
            if let Some(reason) = request.malformed() {
                return Err(Refusal::bad_request(reason));
            }
            persisted::named(request).map_err(|malformed| Refusal::Malformed {
                code: malformed.code(),
                message: malformed.message(),
            })
        })
        .collect()
}

/// What one operation answers.
struct Answer {
    name: String,
    body: AnswerBody,
    codes: Vec<ErrorCode>,
    wrote: bool,
}

impl Answer {
    /// Whether the operation never ran because of the client's document or variables.
    fn is_request_error(&self) -> bool {
        matches!(self.body, AnswerBody::Refused(_))
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum AnswerBody {
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
    only_queries: bool,
) -> Result<Answer, Refusal> {
    let sent_name = request.operation_name.clone().unwrap_or_else(|| "-".into());
    let document = match app.persisted.document(named) {
        Ok(document) => document,
        Err(not_runnable) => return Ok(not_persisted(sent_name, &not_runnable)),
    };
    let validated =
        match app
            .operations
            .validated(&app.schema, &document, request.operation_name.as_deref())
        {
            Ok(validated) => validated,
            Err(error) => return Ok(refused(sent_name, &error, Stage::Document)),
        };
    // Clients rarely send `operationName` for a document of one operation; its name is then the
    // one in the document, which logs and metrics should show.
    let name = validated.name().map_or(sent_name, str::to_owned);
    let operation = validated.operation();
    if only_queries && operation.operation_type() != OperationType::Query {
        return Err(Refusal::MethodNotAllowed {
            allow: "POST",
            message: "mutations must be sent with POST",
        });
    }
    match operation.execute(&request.variables(), context).await {
        Ok((data, errors)) => {
            let codes = errors.iter().filter_map(error_code).collect();
            // A mutation field that failed is null; any other one did what it was asked.
            let wrote = operation.operation_type() == OperationType::Mutation
                && data
                    .as_object_value()
                    .is_some_and(|fields| fields.iter().any(|(_, value)| !value.is_null()));
            Ok(Answer {
                name,
                body: AnswerBody::Ran(GraphQLResponse::from_result(Ok((data, errors)))),
                codes,
                wrote,
            })
        }
        Err(error) => Ok(refused(name, &error, Stage::Variables)),
    }
}

/// The answer to an operation whose document cannot run here.
fn not_persisted(name: String, not_runnable: &NotRunnable) -> Answer {
    let code = not_runnable.code();
    let body = serde_json::json!({
        "errors": [{ "message": not_runnable.message(), "extensions": { "code": code.as_str() } }]
    });
    Answer {
        name,
        body: if not_runnable.asks_for_document() {
            AnswerBody::Unknown(body)
        } else {
            AnswerBody::Refused(body)
        },
        codes: vec![code],
        wrote: false,
    }
}

/// The answer to an operation that never ran.
fn refused(name: String, error: &GraphQLError, stage: Stage) -> Answer {
    Answer {
        name,
        body: AnswerBody::Refused(request_errors::body(error, stage)),
        codes: vec![request_errors::code(error, stage)],
        wrote: false,
    }
}

/// The `extensions.code` of an execution error.
fn error_code(error: &ExecutionError<DefaultScalarValue>) -> Option<ErrorCode> {
    match error.error().extensions() {
        Value::Object(object) => object
            .get_field_value("code")
            .and_then(Value::as_scalar)
            .and_then(|code| code.try_to_string())
            .and_then(|code| ErrorCode::from_text(&code)),
        _ => None,
    }
}

/// Refuses variables larger than allowed.
fn check_variables(request: &ClientRequest, limit: usize) -> Result<(), Refusal> {
    let size = request
        .variables
        .as_ref()
        .and_then(|variables| serde_json::to_vec(variables).ok())
        .map_or(0, |json| json.len());
    if size > limit {
        return Err(Refusal::PayloadTooLarge {
            message: format!("the variables take {size} bytes; at most {limit} are allowed"),
            close: false,
        });
    }
    Ok(())
}
