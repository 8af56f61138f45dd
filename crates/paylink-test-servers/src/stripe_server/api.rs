//! Stripe's REST API under `/v1`: authentication, idempotency, Checkout Sessions.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::{
    Answer, CannedResponse, Fault, ReceivedRequest, Shared, State, new_id,
    params::{self, ParamError},
    session::NewSession,
};

/// How long Stripe keeps an idempotency key.
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Stripe's limit on an `Idempotency-Key`.
const MAX_KEY_CHARS: usize = 255;

/// What the parameters of a request with a key were: its path and its sorted form.
type Fingerprint = (String, Vec<(String, String)>);

/// What an idempotency key stands for.
pub(super) enum Saved {
    /// Its first request is still running (whatever the parameters of the second).
    InProgress,
    /// Its first request's answer.
    Done {
        fingerprint: Fingerprint,
        status: u16,
        body: String,
        request_id: String,
        at: SystemTime,
    },
}

/// A stalled create, to finish when the stall ends.
pub(super) struct Pending {
    new: NewSession,
    key: Option<String>,
    fingerprint: Fingerprint,
    request_id: String,
}

/// Stripe's error body.
pub(super) fn error_json(
    error_type: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> String {
    let mut error = json!({ "message": message, "type": error_type });
    if let Some(code) = code {
        error["code"] = code.into();
        error["doc_url"] = format!(
            "https://stripe.com/docs/error-codes/{}",
            code.replace('_', "-")
        )
        .into();
    }
    if let Some(param) = param {
        error["param"] = param.into();
    }
    json!({ "error": error }).to_string()
}

fn canned(response: CannedResponse) -> Answer {
    let mut answer = Answer::json(response.status, response.body);
    if let Some(seconds) = response.retry_after {
        answer = answer.header("Retry-After", seconds.to_string());
    }
    if let Some(should_retry) = response.should_retry {
        answer = answer.header("Stripe-Should-Retry", should_retry.to_string());
    }
    answer
}

fn error(
    status: u16,
    error_type: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> Answer {
    Answer::json(status, error_json(error_type, code, param, message))
}

pub(super) fn respond(shared: &Shared, request: &ReceivedRequest, path: &str) -> Answer {
    let request_id = new_id("req_", 14);
    let mut state = shared.lock();
    if let Some(Fault::Answer(response)) = state.faults.front().cloned() {
        state.faults.pop_front();
        return canned(response).header("Request-Id", request_id);
    }
    let answer = match authenticate(shared, request) {
        Err(message) => error(401, "invalid_request_error", None, None, &message)
            .header("WWW-Authenticate", "Basic realm=\"Stripe\""),
        Ok(()) => route(shared, &mut state, request, path, &request_id),
    };
    answer.header("Request-Id", request_id)
}

/// `Authorization: Bearer <key>`, or Basic with the key as the user, as Stripe takes it.
/// Err is Stripe's message.
fn authenticate(shared: &Shared, request: &ReceivedRequest) -> Result<(), String> {
    let given = request.header("Authorization").and_then(|value| {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Some(token.trim().to_owned());
        }
        use base64::Engine as _;
        let encoded = value.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        Some(
            decoded
                .split_once(':')
                .map_or(decoded.as_str(), |(user, _)| user)
                .to_owned(),
        )
    });
    match given {
        Some(key) if key == shared.secret_key => Ok(()),
        Some(key) => Err(format!("Invalid API Key provided: {}", mask(&key))),
        None => Err("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.".into()),
    }
}

/// A key as Stripe echoes it: the first eight and last four characters.
fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 12))
}

fn route(
    shared: &Shared,
    state: &mut State,
    request: &ReceivedRequest,
    path: &str,
    request_id: &str,
) -> Answer {
    let retrieve = path
        .strip_prefix("/v1/checkout/sessions/")
        .filter(|id| !id.contains('/'));
    match (request.method.as_str(), path, retrieve) {
        ("POST", "/v1/checkout/sessions", _) => create(shared, state, request, path, request_id),
        ("GET", _, Some(id)) => match state.sessions.iter().find(|s| s.id == id) {
            Some(session) => Answer::json(200, session.to_json().to_string()),
            None => error(
                404,
                "invalid_request_error",
                Some("resource_missing"),
                Some("session"),
                &format!("No such checkout.session: '{id}'"),
            ),
        },
        (method, _, _) => error(
            404,
            "invalid_request_error",
            None,
            None,
            &format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
        ),
    }
}

fn create(
    shared: &Shared,
    state: &mut State,
    request: &ReceivedRequest,
    path: &str,
    request_id: &str,
) -> Answer {
    let key = request.idempotency_key().map(str::to_owned);
    let mut sorted = request.form.clone();
    sorted.sort();
    let fingerprint = (path.to_owned(), sorted);
    if let Some(key) = &key {
        if key.chars().count() > MAX_KEY_CHARS {
            let message =
                format!("Idempotency keys can be at most {MAX_KEY_CHARS} characters long.");
            return error(400, "idempotency_error", None, None, &message);
        }
        let expired = matches!(state.idempotency.get(key), Some(Saved::Done { at, .. })
            if at.elapsed().unwrap_or_default() >= KEY_LIFETIME);
        if expired {
            state.idempotency.remove(key);
        }
        match state.idempotency.get(key) {
            Some(Saved::InProgress) => {
                return error(
                    409,
                    "idempotency_error",
                    None,
                    None,
                    "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
                );
            }
            Some(Saved::Done {
                fingerprint: first, ..
            }) if *first != fingerprint => {
                let message = format!(
                    "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                );
                return error(400, "idempotency_error", None, None, &message);
            }
            Some(Saved::Done {
                status,
                body,
                request_id: original,
                ..
            }) => {
                return Answer::json(*status, body.clone())
                    .header("Idempotent-Replayed", "true")
                    .header("Original-Request", original.clone());
            }
            None => {}
        }
    }
    let new = match params::parse(&request.form) {
        Ok(new) => new,
        Err(ParamError {
            param,
            code,
            message,
        }) => {
            return error(
                400,
                "invalid_request_error",
                Some(code),
                param.as_deref(),
                &message,
            );
        }
    };
    let fault = match state.faults.front() {
        None | Some(Fault::Answer(_)) => None,
        Some(_) => state.faults.pop_front(),
    };
    let pending = Pending {
        new,
        key,
        fingerprint,
        request_id: request_id.to_owned(),
    };
    match fault {
        Some(Fault::FailAfterStart(response)) => {
            save(state, &pending, response.status, &response.body);
            canned(response)
        }
        Some(Fault::Stall(stall)) => {
            if let Some(key) = &pending.key {
                state.idempotency.insert(key.clone(), Saved::InProgress);
            }
            Answer {
                pending: Some((stall, pending)),
                ..Answer::json(500, String::new())
            }
        }
        Some(Fault::CreateThenDrop) => {
            let (status, body) = make(shared, state, pending);
            Answer {
                drop: true,
                ..Answer::json(status, body)
            }
        }
        _ => {
            let (status, body) = make(shared, state, pending);
            Answer::json(status, body)
        }
    }
}

/// Creates the session of a stalled request, now that the stall is over.
pub(super) fn finish(shared: &Shared, pending: Pending) -> (u16, String) {
    let mut state = shared.lock();
    make(shared, &mut state, pending)
}

fn make(shared: &Shared, state: &mut State, pending: Pending) -> (u16, String) {
    let session = pending
        .new
        .clone()
        .create(&shared.base_url, pending.key.clone());
    let body = session.to_json().to_string();
    state.sessions.push(session);
    save(state, &pending, 200, &body);
    (200, body)
}

fn save(state: &mut State, pending: &Pending, status: u16, body: &str) {
    if let Some(key) = &pending.key {
        state.idempotency.insert(
            key.clone(),
            Saved::Done {
                fingerprint: pending.fingerprint.clone(),
                status,
                body: body.to_owned(),
                request_id: pending.request_id.clone(),
                at: SystemTime::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_masked_as_stripe_echoes_them() {
        assert_eq!(super::mask("sk_test_abcdefgh1234"), "sk_test_********1234");
        assert_eq!(super::mask("short"), "*****");
    }
}
