//! Checkout Sessions that end unpaid: the `expires_at` parameter, `POST
//! /v1/checkout/sessions/{id}/expire`, and sessions whose `expires_at` has passed.

use serde_json::Value;

use super::{
    Answer, Event, State, StripeServer,
    param_error::{ParamError, invalid},
    session::DEFAULT_LIFETIME,
    stripe_error::{error, refusal},
    webhooks::{new_event, record_event},
};

/// Stripe's documented floor for `expires_at`: 30 minutes after the session is created.
const MIN_LIFETIME: i64 = 30 * 60;

/// Checks `expires_at` as Checkout's reference states it: an integer from 30 minutes to 24
/// hours after creation (`now`).
pub(super) fn check_expires_at(value: Option<&str>, now: i64) -> Result<Option<i64>, ParamError> {
    const PARAM: &str = "expires_at";
    let Some(value) = value else {
        return Ok(None);
    };
    let at: i64 = value
        .parse()
        .map_err(|_| invalid(PARAM, format!("Invalid integer: {value}")))?;
    if at < now + MIN_LIFETIME {
        return Err(invalid(
            PARAM,
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
        ));
    }
    if at > now + DEFAULT_LIFETIME {
        return Err(invalid(
            PARAM,
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
        ));
    }
    Ok(Some(at))
}

/// Checks an expire of session `id`: the session exists (404 `resource_missing`) and is
/// `open` (400 otherwise, in Stripe's words). The endpoint takes no parameter the stand-in
/// models (Stripe's only one is `expand`).
pub(super) fn parse_expire(
    state: &State,
    id: &str,
    form: &[(String, String)],
) -> Result<String, Answer> {
    if let Some((key, _)) = form.first() {
        return Err(refusal(ParamError {
            param: Some(key.clone()),
            code: "parameter_unknown",
            message: format!("Received unknown parameter: {key}"),
        }));
    }
    open_at(state, id).map(|_| id.to_owned())
}

/// Expires session `id`, checked again (it may have closed while a stalled request waited):
/// status `expired`, no URL, `checkout.session.expired` caused by this request.
pub(super) fn expire(state: &mut State, id: &str, request: Value) -> (u16, String, Vec<Event>) {
    let at = match open_at(state, id) {
        Ok(at) => at,
        Err(answer) => return (answer.status, answer.body, Vec::new()),
    };
    let event_type = state.sessions[at]
        .expire()
        .expect("an open session can be expired");
    let object = state.sessions[at].to_json();
    let event = record_event(state, event_type, id, object.clone(), request);
    (200, object.to_string(), vec![event])
}

/// Where session `id` is, when it is `open`; else Stripe's refusal to expire it.
fn open_at(state: &State, id: &str) -> Result<usize, Answer> {
    let Some(at) = state.sessions.iter().position(|s| s.id == id) else {
        return Err(missing(id));
    };
    let status = &state.sessions[at].status;
    if status == "open" {
        return Ok(at);
    }
    Err(error(
        400,
        "invalid_request_error",
        None,
        None,
        &format!(
            "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of `{status}`."
        ),
    ))
}

fn missing(id: &str) -> Answer {
    error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        Some("session"),
        &format!("No such checkout.session: '{id}'"),
    )
}

impl StripeServer {
    /// Expires every open session whose `expires_at` is at or before `now` (Unix seconds), as
    /// Stripe does shortly after that moment, and sends `checkout.session.expired` for each,
    /// oldest session first; the events, awaiting their delivery. Tests pass a `now` in the
    /// future rather than wait.
    pub async fn expire_due(&self, now: i64) -> Vec<Event> {
        let events: Vec<Event> = {
            let mut state = self.shared.lock();
            let due: Vec<usize> = state
                .sessions
                .iter()
                .enumerate()
                .filter(|(_, s)| s.status == "open" && s.is_past_expiry(now))
                .map(|(at, _)| at)
                .collect();
            due.into_iter()
                .filter_map(|at| {
                    let event_type = state.sessions[at].expire().ok()?;
                    let session = state.sessions[at].clone();
                    Some(new_event(&mut state, event_type, &session))
                })
                .collect()
        };
        self.send_now(&events).await;
        events
    }
}

#[cfg(test)]
mod tests {
    use super::{super::unix_now, *};

    #[test]
    fn expires_at_keeps_stripes_range() {
        let now = unix_now();
        let check = |at: i64| check_expires_at(Some(&at.to_string()), now);
        assert_eq!(check(now + 30 * 60), Ok(Some(now + 30 * 60)));
        assert_eq!(check(now + 24 * 3600), Ok(Some(now + 24 * 3600)));
        assert!(
            check(now + 30 * 60 - 1)
                .unwrap_err()
                .message
                .contains("30 minutes")
        );
        assert!(
            check(now + 24 * 3600 + 1)
                .unwrap_err()
                .message
                .contains("24 hours")
        );
        assert_eq!(
            check_expires_at(Some("soon"), now)
                .unwrap_err()
                .param
                .as_deref(),
            Some("expires_at")
        );
        assert_eq!(check_expires_at(None, now), Ok(None));
    }
}
