//! Events and their delivery: Stripe's event object, `Stripe-Signature`, the POST, retries.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::{
    Delivery, Event, Shared, State, StripeServer, WebhookTweak, charges, new_id,
    session::{Finish, Session},
    unix_now,
};

/// The key of the `v0` signature test-mode deliveries carry, which means nothing.
const V0_KEY: &str = "whsec_stand_in_v0_scheme";

/// How long a webhook POST may take before it counts as unanswered.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// `Stripe-Signature` as Stripe computes it: `t=<timestamp>,v1=<hex HMAC-SHA256>` over the
/// timestamp, a dot and the payload, keyed by the endpoint's signing secret (the whole
/// `whsec_…` string).
pub fn sign_payload(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    format!("t={timestamp},v1={}", hmac_hex(secret, timestamp, payload))
}

fn hmac_hex(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Records a new event about `session` as it is now, caused by the payer or the clock.
pub(super) fn new_event(state: &mut State, event_type: &str, session: &Session) -> Event {
    record_event(
        state,
        event_type,
        &session.id,
        session.to_json(),
        no_request(),
    )
}

/// An event's `request` for one caused by an API request: its id and idempotency key.
pub(super) fn api_request(request_id: &str, idempotency_key: Option<&str>) -> Value {
    json!({ "id": request_id, "idempotency_key": idempotency_key })
}

/// An event's `request` for one caused by no API request: the payer, the clock, the Dashboard.
pub(super) fn no_request() -> Value {
    json!({ "id": null, "idempotency_key": null })
}

/// Records a new event of `event_type` whose `data.object` is `object`, about the session
/// `session_id` (the one that made the payment or subscription it concerns).
pub(super) fn record_event(
    state: &mut State,
    event_type: &str,
    session_id: &str,
    object: Value,
    request: Value,
) -> Event {
    let id = new_id("evt_", 24);
    let created = unix_now();
    let body = json!({
        "id": id,
        "object": "event",
        "api_version": state.api_version.as_str(),
        "created": created,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": usize::from(state.webhook_endpoint.is_some()),
        "request": request,
        "type": event_type,
    });
    let event = Event {
        id,
        event_type: event_type.to_owned(),
        created,
        session_id: session_id.to_owned(),
        payload: body.to_string(),
    };
    state.events.push(event.clone());
    event
}

/// Delivers a new event as Stripe would: once, unless held or no endpoint is set, retried
/// after failures only as [`StripeServer::set_webhook_retries`] says.
pub(super) async fn dispatch(shared: Arc<Shared>, event: Event) {
    let (held, retries) = {
        let state = shared.lock();
        (
            state.hold_webhooks || state.webhook_endpoint.is_none(),
            state.webhook_retries,
        )
    };
    if held {
        return;
    }
    let mut backoff = Duration::from_millis(100);
    for attempt in 0..=retries {
        if attempt > 0 {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
        let status = post_event(&shared, &event, None).await;
        if (200..300).contains(&status) {
            return;
        }
    }
}

/// Posts `event` once, spoilt as `tweak` says; the endpoint's status (0: no answer).
async fn post_event(shared: &Shared, event: &Event, tweak: Option<&WebhookTweak>) -> u16 {
    let url = shared
        .lock()
        .webhook_endpoint
        .clone()
        .expect("test Stripe server: set_webhook_endpoint first");
    let now = unix_now();
    let payload = event.payload.as_bytes();
    let signature = match tweak {
        Some(WebhookTweak::NoSignature) => None,
        Some(WebhookTweak::WrongSecret) => {
            Some(sign_payload("whsec_another_endpoint", now, payload))
        }
        Some(WebhookTweak::Stale(age)) => {
            let then = now - i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
            Some(sign_payload(&shared.webhook_secret, then, payload))
        }
        Some(WebhookTweak::Twice) | None => {
            Some(sign_payload(&shared.webhook_secret, now, payload))
        }
    };
    // Test-mode deliveries also carry a signature under the fake v0 scheme.
    let signature = signature.map(|header| {
        let t = header
            .split(',')
            .next()
            .and_then(|t| t.strip_prefix("t="))
            .unwrap_or("0");
        let v0 = hmac_hex(V0_KEY, t.parse().unwrap_or(0), payload);
        format!("{header},v0={v0}")
    });
    let status = tokio::time::timeout(
        DELIVERY_TIMEOUT,
        post_json(&url, payload, signature.as_deref()),
    )
    .await
    .unwrap_or(0);
    shared.lock().deliveries.push(Delivery {
        event_id: event.id.clone(),
        signature,
        status,
    });
    status
}

/// POSTs a JSON body over plain HTTP; the response's status, 0 when there was none.
async fn post_json(url: &str, body: &[u8], signature: Option<&str>) -> u16 {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{url}: the test Stripe server posts to http:// endpoints only"));
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    let address = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n\
         Accept: */*; q=0.5, application/xml\r\nCache-Control: no-cache\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(signature) = signature {
        request.push_str(&format!("Stripe-Signature: {signature}\r\n"));
    }
    request.push_str("\r\n");
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return 0;
    };
    if stream.write_all(request.as_bytes()).await.is_err() || stream.write_all(body).await.is_err()
    {
        return 0;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

impl StripeServer {
    /// Completes an open session as paying with Stripe's test card 4242 4242 4242 4242 does,
    /// and sends `checkout.session.completed` (awaiting its delivery); panics if the session
    /// is unknown, not open, or past its `expires_at`. A payment-mode session's payment becomes
    /// a succeeded charge that can be refunded.
    pub async fn complete(&self, session_id: &str) -> Event {
        self.change(session_id, |state, at| {
            charges::finish(state, at, Finish::Card)
        })
        .await
    }

    /// Completes an open session with a bank debit (`us_bank_account` must be among its
    /// payment method types): `checkout.session.completed` with `payment_status` `unpaid`,
    /// the payment settling later ([`StripeServer::settle_bank_debit`]).
    pub async fn complete_with_bank_debit(&self, session_id: &str) -> Event {
        self.change(session_id, |state, at| {
            charges::finish(state, at, Finish::BankDebit)
        })
        .await
    }

    /// Settles a bank debit: `checkout.session.async_payment_succeeded` (then `paid`, and its
    /// charge succeeded) or `checkout.session.async_payment_failed` (still `unpaid`, its
    /// charge failed).
    pub async fn settle_bank_debit(&self, session_id: &str, succeeded: bool) -> Event {
        self.change(session_id, |state, at| {
            charges::settle(state, at, succeeded)
        })
        .await
    }

    /// Expires an open session, as Stripe does once its `expires_at` has passed:
    /// `checkout.session.expired`. See also [`StripeServer::expire_due`].
    pub async fn expire(&self, session_id: &str) -> Event {
        self.change(session_id, |state, at| state.sessions[at].expire())
            .await
    }

    async fn change(
        &self,
        session_id: &str,
        change: impl FnOnce(&mut State, usize) -> Result<&'static str, String>,
    ) -> Event {
        let event = {
            let mut state = self.shared.lock();
            let at = state
                .sessions
                .iter()
                .position(|s| s.id == session_id)
                .unwrap_or_else(|| panic!("test Stripe server: no session {session_id}"));
            let event_type = change(&mut state, at)
                .unwrap_or_else(|message| panic!("test Stripe server: {message}"));
            let session = state.sessions[at].clone();
            new_event(&mut state, event_type, &session)
        };
        self.send_now(std::slice::from_ref(&event)).await;
        event
    }

    /// Delivers new events one after the other, as a test helper's own, awaiting each
    /// delivery (held or without an endpoint, they are only recorded).
    pub(super) async fn send_now(&self, events: &[Event]) {
        self.shared.changed.notify_waiters();
        for event in events {
            dispatch(Arc::clone(&self.shared), event.clone()).await;
        }
    }

    /// Posts `event` to the webhook endpoint once, correctly signed, whether or not it was
    /// delivered before; the endpoint's HTTP status (0: no answer).
    pub async fn deliver(&self, event: &Event) -> u16 {
        post_event(&self.shared, event, None).await
    }

    /// Posts `event` spoilt as `tweak` says; the status of the (last) answer.
    pub async fn deliver_with(&self, event: &Event, tweak: WebhookTweak) -> u16 {
        let first = post_event(&self.shared, event, Some(&tweak)).await;
        match tweak {
            WebhookTweak::Twice => post_event(&self.shared, event, Some(&tweak)).await,
            _ => first,
        }
    }
}
