//! GraphQL over HTTP (graphql.github.io/graphql-over-http): POST with a JSON body (one request
//! or a batch), GET with `query`, `variables`, `operationName` and `extensions` parameters for
//! queries only, and GraphiQL for a browser's GET. A request may name a persisted document in
//! place of sending it (`persisted`). Responses are `application/graphql-response+json` when the
//! client accepts it, else `application/json`, with the status codes the specification gives
//! for each.
//!
//! The request goes through the steps of [`pipeline`] in order: negotiate the media type, read
//! the GET parameters or check the POST's content type, authenticate (before any body is read),
//! limit the key's rate, check `Idempotency-Key`, read the body, then run the operations
//! ([`execution`](super::execution)). Each step returns `Result<_, Refusal>`; [`handle`] renders a
//! refusal, the one place where that happens.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, header};
use hyper::body::Incoming;

use super::App;
use super::auth::{self, Caller};
use super::body::{discard_body, read_body};
use super::execution::{self, Executed};
use super::graphiql;
use super::graphql_request::{ClientBatch, ClientRequest, GetRequest, parse_get};
use super::idempotency::{self, Decision};
use super::media::{self, ResponseMedia};
use super::outcome::Outcome;
use super::refusal::Refusal;
use super::responses::Body;
use super::shared_rate_limit::Verdict;
use crate::error_code::ErrorCode;

/// A response and what the request did.
pub(super) struct Handled {
    /// The response.
    pub(super) response: http::Response<Body>,
    /// What it did, for logs and metrics.
    pub(super) outcome: Outcome,
}

/// Handles a GET or POST at the endpoint.
pub(super) async fn handle(app: &App, request: Request<Incoming>) -> Handled {
    let (parts, body) = request.into_parts();
    let get = (parts.method == Method::GET).then(|| parse_get(parts.uri.query().unwrap_or("")));
    if matches!(get, Some(GetRequest::None)) && app.graphiql && accepts_html(&parts.headers) {
        return Handled {
            // The page posts back to the path it was asked at.
            response: graphiql::page(parts.uri.path()),
            outcome: Outcome {
                not_graphql: true,
                ..Outcome::default()
            },
        };
    }
    let Some(media) = media::negotiate(&parts.headers) else {
        return refused(
            Refusal::NotAcceptable,
            ResponseMedia::Json,
            Outcome::default(),
        );
    };
    let mut outcome = Outcome::default();
    match pipeline(app, &parts.headers, body, get, media, &mut outcome).await {
        Ok(Served::Ran(executed)) => {
            outcome.operations = executed.operations;
            outcome.error_codes = executed.error_codes;
            Handled {
                response: executed.response,
                outcome,
            }
        }
        Ok(Served::Replayed(response)) => {
            outcome.replayed = true;
            Handled { response, outcome }
        }
        Ok(Served::Refused { code, response }) => {
            outcome.refused = Some(code);
            Handled { response, outcome }
        }
        Err(refusal) => refused(refusal, media, outcome),
    }
}

/// Refuses a method other than GET and POST, in the media type the client accepts.
pub(super) fn wrong_method(headers: &HeaderMap) -> Handled {
    let refusal = Refusal::MethodNotAllowed {
        allow: "GET, POST",
        message: "use GET or POST",
    };
    let media = media::negotiate(headers).unwrap_or(ResponseMedia::Json);
    refused(refusal, media, Outcome::default())
}

fn refused(refusal: Refusal, media: ResponseMedia, mut outcome: Outcome) -> Handled {
    outcome.refused = Some(refusal.code());
    Handled {
        response: refusal.render(media),
        outcome,
    }
}

/// How a request that passed every check was answered.
enum Served {
    /// Its operations ran.
    Ran(Executed),
    /// An earlier request with its `Idempotency-Key` answered it.
    Replayed(http::Response<Body>),
    /// It was refused, and the refusal kept for its `Idempotency-Key`.
    Refused {
        /// The refusal's code.
        code: ErrorCode,
        /// The refusal, as kept.
        response: http::Response<Body>,
    },
}

/// What the checks before the body found.
struct Checked {
    /// The operation of a GET; `None` for a POST, whose body holds it.
    get: Option<ClientRequest>,
    /// Who asks.
    caller: Caller,
    /// A POST's `Idempotency-Key`.
    idempotency_key: Option<String>,
}

/// The steps of a request whose response media type is settled.
async fn pipeline(
    app: &App,
    headers: &HeaderMap,
    body: Incoming,
    get: Option<GetRequest>,
    media: ResponseMedia,
    outcome: &mut Outcome,
) -> Result<Served, Refusal> {
    // A request refused before its body is read has the body drained, so that the client
    // reads the refusal rather than a reset connection.
    let Checked {
        get,
        caller,
        idempotency_key,
    } = match check_before_body(app, headers, get, outcome).await {
        Ok(checked) => checked,
        Err(refusal) => {
            discard_body(body).await;
            return Err(refusal);
        }
    };
    if let Some(request) = get {
        let batch = ClientBatch::Single(request);
        return execution::run(app, caller.merchant_uid, batch, media, true)
            .await
            .map(Served::Ran);
    }
    let bytes = read_body(body, app.max_body_bytes).await?;
    let Some(key) = idempotency_key else {
        return run_body(app, caller.merchant_uid, &bytes, media)
            .await
            .map(Served::Ran);
    };
    let merchant = &caller.merchant_uid;
    match idempotency::begin(app, merchant, &key, &bytes).await? {
        Decision::Replay(response) => Ok(Served::Replayed(response)),
        Decision::Run => Ok(match run_body(app, merchant.clone(), &bytes, media).await {
            Ok(mut executed) => {
                executed.response =
                    idempotency::finish(app, merchant, &key, executed.response, executed.wrote)
                        .await;
                Served::Ran(executed)
            }
            // A refusal is kept like any answer: the same request with the same key gets it
            // again rather than running.
            Err(refusal) => Served::Refused {
                code: refusal.code(),
                response: idempotency::finish(app, merchant, &key, refusal.render(media), false)
                    .await,
            },
        }),
    }
}

/// Everything checked before a body is read: the GET parameters or the POST's content type,
/// the API key (so that anonymous clients cannot make the server buffer bodies), the key's
/// rate, and a POST's `Idempotency-Key`.
async fn check_before_body(
    app: &App,
    headers: &HeaderMap,
    get: Option<GetRequest>,
    outcome: &mut Outcome,
) -> Result<Checked, Refusal> {
    let get = get_operation(get, headers)?;
    let caller = authorize(app, headers).await?;
    outcome.merchant_uid = Some(caller.merchant_uid.clone());
    let idempotency_key = match get {
        Some(_) => None,
        None => idempotency::key(headers)?,
    };
    Ok(Checked {
        get,
        caller,
        idempotency_key,
    })
}

/// The operation of a GET, `None` for a POST; refuses a POST that is not JSON and malformed
/// GET parameters.
fn get_operation(
    get: Option<GetRequest>,
    headers: &HeaderMap,
) -> Result<Option<ClientRequest>, Refusal> {
    match get {
        Some(GetRequest::Operation(request)) => Ok(Some(request)),
        Some(GetRequest::None) => Err(Refusal::bad_request(
            "GET /graphql needs a `query` parameter",
        )),
        Some(GetRequest::Invalid(message)) => Err(Refusal::bad_request(message)),
        None if is_json(headers) => Ok(None),
        None => Err(Refusal::UnsupportedMediaType(
            "send the request as Content-Type: application/json",
        )),
    }
}

/// The caller, within its key's rate.
async fn authorize(app: &App, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let caller = auth::caller(&app.store, &app.key_cache, headers).await?;
    match app
        .rate_limiter
        .check(caller.key_id, &caller.merchant_uid)
        .await
    {
        Verdict::Allowed => Ok(caller),
        Verdict::Unavailable => {
            app.metrics.record_rate_limit_unavailable();
            Ok(caller)
        }
        Verdict::Refused(wait) => {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            Err(Refusal::RateLimited {
                retry_after_secs: seconds.max(1),
            })
        }
    }
}

/// Runs the operations of a POST body.
async fn run_body(
    app: &App,
    merchant_uid: String,
    body: &Bytes,
    media: ResponseMedia,
) -> Result<Executed, Refusal> {
    let batch = ClientBatch::from_json(body).map_err(|error| {
        Refusal::bad_request(format!(
            "the body is not a GraphQL request: {error}; expected {{\"query\": \"...\", \
             \"variables\": {{...}}}} or a list of them"
        ))
    })?;
    execution::run(app, merchant_uid, batch, media, false).await
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
