//! Idempotent requests as Stripe documents them: the first answer of an endpoint that ran is
//! saved under its `Idempotency-Key` and replayed to the same key with the same parameters.

use std::time::{Duration, SystemTime};

use super::{Answer, State, stripe_error::error};

/// How long Stripe keeps an idempotency key.
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Stripe's limit on an `Idempotency-Key`.
const MAX_KEY_CHARS: usize = 255;

/// What the parameters of a request with a key were: its path and its sorted form.
pub(super) type Fingerprint = (String, Vec<(String, String)>);

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

/// The fingerprint of a request to `path` with `form`.
pub(super) fn fingerprint(path: &str, form: &[(String, String)]) -> Fingerprint {
    let mut sorted = form.to_vec();
    sorted.sort();
    (path.to_owned(), sorted)
}

/// The answer `key` already stands for, if any: a refusal of the key itself, 409 while its
/// first request runs, 400 for other parameters, or the first answer replayed. `None` lets the
/// endpoint run.
pub(super) fn check(state: &mut State, key: &str, fingerprint: &Fingerprint) -> Option<Answer> {
    if key.chars().count() > MAX_KEY_CHARS {
        let message = format!("Idempotency keys can be at most {MAX_KEY_CHARS} characters long.");
        return Some(error(400, "idempotency_error", None, None, &message));
    }
    let expired = matches!(state.idempotency.get(key), Some(Saved::Done { at, .. })
        if at.elapsed().unwrap_or_default() >= KEY_LIFETIME);
    if expired {
        state.idempotency.remove(key);
    }
    match state.idempotency.get(key)? {
        Saved::InProgress => Some(error(
            409,
            "idempotency_error",
            None,
            None,
            "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
        )),
        Saved::Done {
            fingerprint: first, ..
        } if first != fingerprint => {
            let message = format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            );
            Some(error(400, "idempotency_error", None, None, &message))
        }
        Saved::Done {
            status,
            body,
            request_id: original,
            ..
        } => Some(
            Answer::json(*status, body.clone())
                .header("Idempotent-Replayed", "true")
                .header("Original-Request", original.clone()),
        ),
    }
}

/// Holds `key` while its first request runs.
pub(super) fn hold(state: &mut State, key: &str) {
    state.idempotency.insert(key.to_owned(), Saved::InProgress);
}

/// Saves the first answer under `key`.
pub(super) fn save(
    state: &mut State,
    key: &str,
    fingerprint: &Fingerprint,
    request_id: &str,
    status: u16,
    body: &str,
) {
    state.idempotency.insert(
        key.to_owned(),
        Saved::Done {
            fingerprint: fingerprint.clone(),
            status,
            body: body.to_owned(),
            request_id: request_id.to_owned(),
            at: SystemTime::now(),
        },
    );
}
