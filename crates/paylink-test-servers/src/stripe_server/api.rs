//! Stripe's REST API under `/v1`: authentication, routing, and the run of an endpoint under
//! idempotency and the queued faults.

use super::{
    Answer, CannedResponse, Event, Fault, ReceivedRequest, Shared, State, expiry,
    idempotency::{self, Fingerprint},
    new_id, params,
    refunds::{self, NewRefund},
    session::NewSession,
    stripe_error::{error, refusal},
    subscriptions::{self, Cancel, Update},
    webhooks::api_request,
};

/// What an endpoint does once authentication, idempotency and validation have passed.
pub(super) enum Op {
    /// `POST /v1/checkout/sessions`.
    CreateSession(NewSession),
    /// `POST /v1/checkout/sessions/{id}/expire`, with the session's id.
    ExpireSession(String),
    /// `POST /v1/subscriptions/{id}`.
    UpdateSubscription(Update),
    /// `DELETE /v1/subscriptions/{id}`.
    CancelSubscription(Cancel),
    /// `POST /v1/refunds`.
    CreateRefund(NewRefund),
}

/// An endpoint about to run, or stalled: to finish when the stall ends.
pub(super) struct Pending {
    op: Op,
    key: Option<String>,
    fingerprint: Fingerprint,
    request_id: String,
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
    let one = |prefix: &str| {
        path.strip_prefix(prefix)
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .map(str::to_owned)
    };
    let method = request.method.as_str();
    // Stripe's idempotency page: "All POST requests accept idempotency keys"; on GET and
    // DELETE a key has no effect.
    let key = request.idempotency_key().map(str::to_owned);
    let form = request.form.as_slice();
    if method == "POST" && path == "/v1/checkout/sessions" {
        return run_endpoint(shared, state, path, key, form, request_id, |_| {
            params::parse(form).map(Op::CreateSession).map_err(refusal)
        });
    }
    if method == "POST"
        && let Some(id) = path
            .strip_suffix("/expire")
            .and_then(|rest| rest.strip_prefix("/v1/checkout/sessions/"))
            .filter(|id| !id.is_empty() && !id.contains('/'))
    {
        return run_endpoint(shared, state, path, key, form, request_id, |state| {
            expiry::parse_expire(state, id, form).map(Op::ExpireSession)
        });
    }
    if method == "GET"
        && let Some(id) = one("/v1/checkout/sessions/")
    {
        return match state.sessions.iter().find(|s| s.id == id) {
            Some(session) => Answer::json(200, session.to_json().to_string()),
            None => error(
                404,
                "invalid_request_error",
                Some("resource_missing"),
                Some("session"),
                &format!("No such checkout.session: '{id}'"),
            ),
        };
    }
    if method == "POST" && path == "/v1/refunds" {
        return run_endpoint(shared, state, path, key, form, request_id, |state| {
            refunds::parse(state, form).map(Op::CreateRefund)
        });
    }
    if let Some(id) = one("/v1/subscriptions/") {
        match method {
            "POST" => {
                return run_endpoint(shared, state, path, key, form, request_id, |state| {
                    subscriptions::parse(state, &id, form).map(Op::UpdateSubscription)
                });
            }
            "DELETE" => {
                // Stripe's libraries send a DELETE's parameters in the query string.
                let mut params = request.query();
                params.extend(form.iter().cloned());
                return run_endpoint(shared, state, path, None, &params, request_id, |state| {
                    subscriptions::parse_cancel(state, &id, &params).map(Op::CancelSubscription)
                });
            }
            "GET" => return subscriptions::retrieve(state, &id),
            _ => {}
        }
    }
    error(
        404,
        "invalid_request_error",
        None,
        None,
        &format!(
            "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
        ),
    )
}

/// Runs an endpoint as Stripe does: a key that already stands for an answer gets it; then
/// `validate` (whose refusal is not saved); then the next queued fault, if it is not an
/// [`Fault::Answer`], meets the endpoint; otherwise it runs and its answer is saved.
fn run_endpoint(
    shared: &Shared,
    state: &mut State,
    path: &str,
    key: Option<String>,
    params: &[(String, String)],
    request_id: &str,
    validate: impl FnOnce(&State) -> Result<Op, Answer>,
) -> Answer {
    let fingerprint = idempotency::fingerprint(path, params);
    if let Some(key) = &key
        && let Some(answer) = idempotency::check(state, key, &fingerprint)
    {
        return answer;
    }
    let op = match validate(state) {
        Ok(op) => op,
        Err(answer) => return answer,
    };
    let fault = match state.faults.front() {
        None | Some(Fault::Answer(_)) => None,
        Some(_) => state.faults.pop_front(),
    };
    let pending = Pending {
        op,
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
                idempotency::hold(state, key);
            }
            Answer {
                pending: Some(Box::new((stall, pending))),
                ..Answer::json(500, String::new())
            }
        }
        Some(Fault::CreateThenDrop) => {
            let (status, body, events) = run(shared, state, pending);
            Answer {
                drop: true,
                events,
                ..Answer::json(status, body)
            }
        }
        _ => {
            let (status, body, events) = run(shared, state, pending);
            Answer {
                events,
                ..Answer::json(status, body)
            }
        }
    }
}

/// Runs the endpoint of a stalled request, now that the stall is over: its answer and the
/// events to deliver.
pub(super) fn finish(shared: &Shared, pending: Pending) -> (u16, String, Vec<Event>) {
    let mut state = shared.lock();
    run(shared, &mut state, pending)
}

fn run(shared: &Shared, state: &mut State, pending: Pending) -> (u16, String, Vec<Event>) {
    let request = api_request(&pending.request_id, pending.key.as_deref());
    let (status, body, events) = match &pending.op {
        Op::CreateSession(new) => {
            let session = new.clone().create(&shared.base_url, pending.key.clone());
            let body = session.to_json().to_string();
            state.sessions.push(session);
            (200, body, Vec::new())
        }
        Op::ExpireSession(id) => expiry::expire(state, id, request),
        Op::UpdateSubscription(update) => {
            let (status, body) = subscriptions::apply(state, update, pending.key.clone());
            (status, body, Vec::new())
        }
        Op::CancelSubscription(cancel) => subscriptions::cancel(state, cancel, request),
        Op::CreateRefund(new) => refunds::create(state, new, pending.key.clone(), request),
    };
    save(state, &pending, status, &body);
    (status, body, events)
}

fn save(state: &mut State, pending: &Pending, status: u16, body: &str) {
    if let Some(key) = &pending.key {
        idempotency::save(
            state,
            key,
            &pending.fingerprint,
            &pending.request_id,
            status,
            body,
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
