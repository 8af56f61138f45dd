//! What the tests share: a client pointed at the stand-in, a checkout to create, and a webhook
//! endpoint that answers as paylink's should (2xx for a verified event, 400 otherwise).

#![allow(dead_code, reason = "each test file uses part of it")]

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use paylink_payments::{
    CheckoutLine, CheckoutRequest, Event, EventKind, Interval, PaymentMethodType, Secret, Stripe,
    StripeSettings, WebhookError,
};
use paylink_test_servers::stripe_server::StripeServer;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

pub(crate) const KEY: &str = "sk_test_51Hq0fakeKeyForTheStandIn0123456789";
pub(crate) const WEBHOOK_SECRET: &str = "whsec_standInSigningSecret0123456789";

pub(crate) fn settings(base_url: &str, key: &str, timeout: Duration) -> StripeSettings {
    StripeSettings {
        base_url: base_url.parse().expect("a base URL"),
        secret_key: Secret::new(key),
        webhook_secret: Secret::new(WEBHOOK_SECRET),
        timeout,
        webhook_tolerance: paylink_payments::DEFAULT_WEBHOOK_TOLERANCE,
    }
}

pub(crate) fn client(server: &StripeServer) -> Stripe {
    Stripe::new(settings(&server.base_url(), KEY, Duration::from_secs(5))).expect("valid settings")
}

pub(crate) async fn server() -> StripeServer {
    StripeServer::start(KEY, WEBHOOK_SECRET).await
}

/// A one-off payment of 12.50 USD by card.
pub(crate) fn payment(idempotency_key: &str) -> CheckoutRequest {
    CheckoutRequest {
        idempotency_key: idempotency_key.into(),
        client_reference_id: "chk_0001".into(),
        line: CheckoutLine::Payment {
            amount_minor: 1250,
            currency: "USD".into(),
            name: "Spring term & books".into(),
            description: Some("Tuition, paid in full".into()),
            service_fee: None,
        },
        payment_method_types: vec![PaymentMethodType::Card, PaymentMethodType::UsBankAccount],
        success_url: "https://pay.example.com/done?session={CHECKOUT_SESSION_ID}&a=1".into(),
        cancel_url: "https://pay.example.com/pt_link_x".into(),
        expires_at: None,
        customer_email: Some("bob@example.com".into()),
        receipt_email: None,
        metadata: vec![
            ("checkout".into(), "chk_0001".into()),
            ("merchant".into(), "mer_1".into()),
        ],
    }
}

/// 9.00 EUR every 3 months by card.
pub(crate) fn subscription(idempotency_key: &str) -> CheckoutRequest {
    CheckoutRequest {
        line: CheckoutLine::Subscription {
            amount_minor: 900,
            currency: "eur".into(),
            name: "Membership".into(),
            interval: Interval::Month,
            interval_count: 3,
            trial_end: None,
        },
        payment_method_types: vec![PaymentMethodType::Card],
        customer_email: None,
        receipt_email: None,
        ..payment(idempotency_key)
    }
}

/// 9.00 EUR every 3 months by card, the first charge at `trial_end` (Unix seconds).
pub(crate) fn plan(idempotency_key: &str, trial_end: i64) -> CheckoutRequest {
    let mut request = subscription(idempotency_key);
    if let CheckoutLine::Subscription { trial_end: end, .. } = &mut request.line {
        *end = Some(trial_end);
    }
    request
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    let since = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("a clock after 1970");
    i64::try_from(since.as_secs()).expect("seconds fit in i64")
}

/// A webhook endpoint that verifies with `stripe` and records each outcome.
pub(crate) struct Receiver {
    pub(crate) url: String,
    outcomes: Arc<Mutex<Vec<Result<Event, WebhookError>>>>,
    task: JoinHandle<()>,
}

impl Receiver {
    pub(crate) async fn start(stripe: Stripe) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/stripe", listener.local_addr().unwrap());
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&outcomes);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(answer(stream, stripe.clone(), Arc::clone(&recorded)));
            }
        });
        Receiver {
            url,
            outcomes,
            task,
        }
    }

    pub(crate) fn outcomes(&self) -> Vec<Result<Event, WebhookError>> {
        self.outcomes.lock().unwrap().clone()
    }

    /// The only outcome so far.
    pub(crate) fn only(&self) -> Result<Event, WebhookError> {
        let outcomes = self.outcomes();
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        outcomes[0].clone()
    }

    /// The kinds of the events received once there are `count` (the events an API request
    /// causes go out after its answer), each verified; panics after five seconds.
    pub(crate) async fn kinds(&self, count: usize) -> Vec<EventKind> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.outcomes().len() < count && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let outcomes = self.outcomes();
        assert_eq!(outcomes.len(), count, "{outcomes:?}");
        outcomes
            .into_iter()
            .map(|outcome| outcome.expect("verified").kind)
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    stream: TcpStream,
    stripe: Stripe,
    outcomes: Arc<Mutex<Vec<Result<Event, WebhookError>>>>,
) {
    let mut reader = BufReader::new(stream);
    let mut signature = None;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("Stripe-Signature") {
                signature = Some(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case("Content-Length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).await.is_err() {
        return;
    }
    let outcome = stripe.verify_event(&body, signature.as_deref(), SystemTime::now());
    let status = if outcome.is_ok() {
        "200 OK"
    } else {
        "400 Bad Request"
    };
    outcomes.lock().unwrap().push(outcome);
    let mut stream = reader.into_inner();
    let _ = stream
        .write_all(
            format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await;
    let _ = stream.shutdown().await;
}
