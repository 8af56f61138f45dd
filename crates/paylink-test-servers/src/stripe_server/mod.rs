//! A local stand-in for Stripe Checkout, for tests: plain HTTP/1.1 on 127.0.0.1.
//!
//! ```ignore
//! let stripe = StripeServer::start("sk_test_123", "whsec_abc").await;
//! stripe.set_webhook_endpoint("http://127.0.0.1:8080/webhooks/stripe");
//! // point the client at stripe.base_url() ("http://127.0.0.1:PORT") ...
//! let session = &stripe.sessions()[0];
//! let event = stripe.complete(&session.id).await; // as if the payer paid with 4242…
//! stripe.push_fault(Fault::CreateThenDrop);
//! ```
//!
//! What it implements, after Stripe's API reference ("Create a Checkout Session", "Expire a
//! Checkout Session", "Update a subscription", "Cancel a subscription", "Create a refund",
//! "Errors", "Idempotent requests", the Charge, Refund, Invoice and Subscription objects, the
//! API changelog) and its webhook pages ("Check the webhook signatures"):
//!
//! - `POST /v1/checkout/sessions`, a form in bracket notation, with the secret key as
//!   `Authorization: Bearer` (or as the Basic user); anything else is 401 with Stripe's error
//!   shape `{"error":{"type","message",...}}`. `mode` (payment, subscription, setup) and
//!   `success_url` are required, and so is each line item's `price_data[currency]`,
//!   `[unit_amount]`, `[product_data][name]` and `quantity`; a subscription needs a
//!   `[recurring][interval]` and a payment refuses one; `subscription_data[trial_end]` must be
//!   an integer at least 48 hours ahead, as Checkout's reference says (only subscription mode
//!   takes `subscription_data`); `expires_at` an integer from 30 minutes to 24 hours after
//!   creation (the session's `expires_at` is 24 hours after creation without it);
//!   `payment_method_types[n]` takes only Stripe's names; `metadata` keeps Stripe's limits (50
//!   keys, 40 and 500 characters); a payment in USD must total at least 50 cents. Failures
//!   are 400 `invalid_request_error` naming the `param`. Parameters it does not model are
//!   refused as unknown, as Stripe refuses misspelt ones: a test that needs one teaches the
//!   stand-in first. The same holds for every endpoint below.
//! - Idempotency as Stripe documents it: with an `Idempotency-Key` on a POST, the first answer
//!   of an endpoint that ran is saved and replayed byte for byte to the same key with the same
//!   parameters (header `Idempotent-Replayed: true`) for 24 hours; the same key with other
//!   parameters is 400 `idempotency_error`; while the first request is still running, 409.
//!   Refusals before the endpoint runs (401, 400 on parameters or on the object's state,
//!   faults in front of the API) are not saved. Without a key, and on a DELETE (where Stripe
//!   says a key has no effect), nothing is de-duplicated.
//! - `POST /v1/checkout/sessions/{id}/expire` for an `open` session: `expired`, `url` null,
//!   `checkout.session.expired` sent (its `request` naming the API request and key). Any other
//!   status is 400 "Only Checkout Sessions with a status in ["open"] can be expired. ...", an
//!   unknown id 404 `resource_missing`. Stripe expires a session by itself once its
//!   `expires_at` has passed; here the hosted page refuses payment from that moment, and
//!   [`StripeServer::expire_due`] expires the sessions due at a given time, with their events.
//! - `POST /v1/subscriptions/{id}` ("Update a subscription") for the `sub_…` of a completed
//!   subscription-mode session (404 `resource_missing` for any other id), with `cancel_at` (an
//!   integer in the future; empty unsets it) and `proration_behavior` (`always_invoice`,
//!   `create_prorations`, `none`) only; a cancelled subscription refuses updates. It answers
//!   with the subscription (`id`, `object`, `status`, `cancel_at`, `canceled_at`, `trial_end`,
//!   `latest_invoice`, `metadata` from `subscription_data[metadata]`, ...) and records the
//!   update ([`StripeServer::subscription_updates`], [`StripeServer::subscription_cancel_at`]).
//!   `GET /v1/subscriptions/{id}` returns the same object. `status` is `canceled` once
//!   cancelled or past `cancel_at`, `past_due` while its latest invoice is unpaid, `trialing`
//!   before `trial_end` until an invoice ends the trial, else `active`.
//! - `DELETE /v1/subscriptions/{id}` ("Cancel a subscription"), its parameters in the query
//!   string as Stripe's libraries send them: `invoice_now` and `prorate` (booleans) only. The
//!   subscription is `canceled` at once, answered and recorded
//!   ([`StripeServer::subscription_cancellations`]), and `customer.subscription.deleted`
//!   sent. A second cancellation is 404 "No such subscription", as Stripe answers one (its
//!   staff confirmed it, stripe/stripe-go#1887; the reference is silent), although `GET`
//!   still finds the subscription.
//! - Payments as Charges ([`StripeServer::charges`]): a payment-mode session paid by card
//!   (succeeded), or by bank debit (pending until [`StripeServer::settle_bank_debit`]), and
//!   each later invoice of a plan. `POST /v1/refunds` ("Create a refund") with
//!   `payment_intent` (required), `amount` (a positive integer; by default all that remains),
//!   `reason` (`duplicate`, `fraudulent`, `requested_by_customer`) and `metadata` only: 404
//!   "No such payment_intent" for an unknown one; 400 "does not have a successful charge to
//!   refund" before it succeeded; 400 `charge_already_refunded` once refunded in full; 400
//!   (param `amount`) "Refund amount (...) is greater than charge amount (...)" or "... than
//!   unrefunded amount on charge (...)". A card's refund `succeeded` at once, a bank debit's
//!   stays `pending` until [`StripeServer::settle_refund`]; refunds are recorded
//!   ([`StripeServer::refunds`]). Each refund sends `charge.refunded` (the Charge, without a
//!   refunds list since 2022-11-15), and from 2024-10-28.acacia on also `refund.created`; a
//!   refund settling sends `charge.refund.updated` (and from acacia on `refund.updated`, and
//!   `refund.failed`). [`StripeServer::refund_from_dashboard`] refunds as a merchant does in
//!   the Dashboard, with the same checks and events.
//! - A plan's later invoices: [`StripeServer::invoice_paid`] and
//!   [`StripeServer::invoice_failed`] make one (`billing_reason` `subscription_cycle`, one
//!   period's price, a new PaymentIntent) and send `invoice.paid` and
//!   `invoice.payment_succeeded`, or `invoice.payment_failed`.
//! - `GET /v1/checkout/sessions/{id}`. A session answers with `id` (`cs_test_…`), `object`,
//!   `url` (`{base_url}/c/pay/{id}`, null once the session is no longer open), `mode`,
//!   `status`, `payment_status`, `amount_total`, `currency`, `client_reference_id`,
//!   `metadata`, `success_url`, `cancel_url`, `expires_at`, `livemode` (false), `created`, ...
//! - The hosted page `GET /c/pay/{id}`: the line items when there are several (a payment and
//!   its service fee, say), the amount due (`amount_total`: the sum of the line items, which
//!   Stripe computes itself rather than take a total from the caller), a `cardnumber` field
//!   and a Pay button;
//!   `POST` it with Stripe's test card 4242 4242 4242 4242 to complete the session (a
//!   `payment_intent`, or a `subscription` in subscription mode; with a `trial_end`, nothing
//!   is charged: the session has `amount_total` 0 and completes with `payment_status`
//!   `no_payment_required`, Stripe's status for a payment "delayed to a future date";
//!   `checkout.session.completed`
//!   sent to the webhook endpoint; 303 to `success_url` with `{CHECKOUT_SESSION_ID}`
//!   replaced), or 4000 0000 0000 0002 to be told "Your card was declined." (no event, as
//!   Checkout sends none for a decline). Its Cancel link goes to `cancel_url`. Once the
//!   session is closed or past its `expires_at` the page says so and takes no payment.
//! - Webhooks signed as Stripe signs them: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//!   "t.body">` keyed by the webhook secret, plus the meaningless `v0` of test mode. Events
//!   are Stripe's event objects (`id` `evt_…`, `object`, `type`, `created`, `livemode`,
//!   `api_version`, `pending_webhooks`, `request`, `data.object` the object as it was).
//! - Objects and events take the shapes of one API version, 2024-06-20 unless
//!   [`StripeServer::set_api_version`] says 2025-03-31.basil ([`ApiVersion`] lists what
//!   differs).
//!
//! What it promises tests, and what it leaves to them: Stripe promises neither order nor a
//! single delivery of webhooks, so the stand-in delivers each event once when it happens
//! (unless [`StripeServer::hold_webhooks`]) and tests replay or reorder [`StripeServer::events`]
//! with [`StripeServer::deliver`] and [`StripeServer::deliver_with`] (stale, wrongly signed,
//! unsigned, twice). Stripe retries a failed delivery with exponential backoff for up to three
//! days in live mode (a few times over hours in test mode); here a failure is retried only
//! after [`StripeServer::set_webhook_retries`], quickly, so that tests stay deterministic.
//! Faults, served first and in order: a canned answer in front of the API ([`Fault::Answer`]:
//! 429, 500, 503; nothing created or saved), an endpoint failure saved under the key
//! ([`Fault::FailAfterStart`], replayed as Stripe replays a 500), the endpoint run and the
//! connection closed unanswered ([`Fault::CreateThenDrop`]), or a slow endpoint
//! ([`Fault::Stall`]: the key is held, so a retry meanwhile gets 409, and the endpoint runs
//! when the stall ends). The last three meet the next request to an endpoint that acts (a
//! session create or expire, a subscription update or cancellation, a refund) once it passes
//! validation. It does not model prices, customers, a subscription's first invoice (paid on
//! the page, or the 0 one of a trial) nor the invoice and charge events around a payment
//! other than those named above, a subscription reaching its `cancel_at` by itself, taxes,
//! discounts, live mode, or any Stripe API beyond the above. Every request is recorded.
//! Dropping the server stops it and every open connection.

#![allow(
    missing_docs,
    reason = "a test fixture; the module docs say how to use it"
)]

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};

mod api;
mod charges;
mod expiry;
mod faults;
mod http;
mod idempotency;
mod invoices;
mod metadata;
mod page;
mod param_error;
mod params;
mod prices;
mod refunds;
mod session;
mod stripe_error;
mod subscription_data;
mod subscriptions;
mod version;
mod webhooks;

pub use charges::Charge;
pub use faults::{CannedResponse, Fault, WebhookTweak};
use http::{Answer, accept_loop};
pub use invoices::Invoice;
pub use refunds::Refund;
pub use session::{LineItem, Session};
pub use subscriptions::{SubscriptionCancellation, SubscriptionUpdate};
pub use version::ApiVersion;
pub use webhooks::sign_payload;

/// One HTTP request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `POST`, `GET`, ...
    pub method: String,
    /// Path and query as sent, e.g. `/v1/checkout/sessions`.
    pub path: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The decoded `application/x-www-form-urlencoded` body, in order (empty otherwise); keys
    /// in bracket notation as Stripe reads them, e.g. `line_items[0][quantity]`.
    pub form: Vec<(String, String)>,
}

impl ReceivedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The first form field with this name (case-sensitive, as Stripe's are).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The `Idempotency-Key` header.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header("Idempotency-Key")
    }

    /// The decoded query string of `path`, in order (empty without one).
    pub fn query(&self) -> Vec<(String, String)> {
        self.path
            .split_once('?')
            .map(|(_, query)| crate::twilio_server::wire::parse_form(query))
            .unwrap_or_default()
    }
}

/// An event the stand-in created, as it is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `evt_…`.
    pub id: String,
    /// `checkout.session.completed`, ...
    pub event_type: String,
    /// Unix seconds.
    pub created: i64,
    /// The session it is about: for a charge, refund, invoice or subscription, the session
    /// that made the payment or the subscription.
    pub session_id: String,
    /// The JSON body, exactly as posted (and signed).
    pub payload: String,
}

/// One POST of an event to the webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The event posted.
    pub event_id: String,
    /// The `Stripe-Signature` sent, if any.
    pub signature: Option<String>,
    /// The endpoint's HTTP status; 0 when it did not answer.
    pub status: u16,
}

#[derive(Default)]
struct State {
    faults: VecDeque<Fault>,
    requests: Vec<ReceivedRequest>,
    sessions: Vec<Session>,
    idempotency: HashMap<String, idempotency::Saved>,
    subscription_updates: Vec<SubscriptionUpdate>,
    subscription_cancellations: Vec<SubscriptionCancellation>,
    charges: Vec<Charge>,
    refunds: Vec<Refund>,
    invoices: Vec<Invoice>,
    api_version: ApiVersion,
    events: Vec<Event>,
    deliveries: Vec<Delivery>,
    webhook_endpoint: Option<String>,
    hold_webhooks: bool,
    webhook_retries: u32,
}

struct Shared {
    state: Mutex<State>,
    changed: Notify,
    secret_key: String,
    webhook_secret: String,
    base_url: String,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded requests from the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The running server; dropping it stops it.
pub struct StripeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl StripeServer {
    /// Starts a server on 127.0.0.1 on a free port that accepts this secret key and signs
    /// webhooks with this secret.
    pub async fn start(secret_key: &str, webhook_secret: &str) -> StripeServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test Stripe server");
        let addr = listener.local_addr().expect("test Stripe server address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            secret_key: secret_key.to_owned(),
            webhook_secret: webhook_secret.to_owned(),
            base_url: format!("http://{addr}"),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        StripeServer { addr, shared, task }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the value for the client's base URL.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Serves `response` to the next API request instead of the normal answer.
    pub fn push_response(&self, response: CannedResponse) {
        self.push_fault(Fault::Answer(response));
    }

    /// Queues `fault`: an [`Fault::Answer`] meets the next API request, the others the next
    /// request to an endpoint that acts (a session create or expire, a subscription update or
    /// cancellation, a refund) that passes validation.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Sessions created, oldest first, as they are now.
    pub fn sessions(&self) -> Vec<Session> {
        self.shared.lock().sessions.clone()
    }

    /// One session as it is now.
    pub fn session(&self, id: &str) -> Option<Session> {
        self.shared
            .lock()
            .sessions
            .iter()
            .find(|s| s.id == id)
            .cloned()
    }

    /// Waits until at least `count` sessions exist and returns them; panics after `timeout`.
    pub async fn wait_for_sessions(&self, count: usize, timeout: Duration) -> Vec<Session> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            {
                let state = self.shared.lock();
                if state.sessions.len() >= count {
                    return state.sessions.clone();
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let got = self.shared.lock().sessions.len();
                panic!(
                    "test Stripe server: expected {count} sessions within {timeout:?}, got {got}"
                );
            }
        }
    }

    /// Subscription updates applied, oldest first (a replayed answer applies nothing).
    pub fn subscription_updates(&self) -> Vec<SubscriptionUpdate> {
        self.shared.lock().subscription_updates.clone()
    }

    /// The `cancel_at` (Unix seconds) that updates left on subscription `sub_id`; `None` when
    /// it has none or no such subscription exists.
    pub fn subscription_cancel_at(&self, sub_id: &str) -> Option<i64> {
        subscriptions::cancel_at(&self.shared.lock(), sub_id)
    }

    /// Subscription cancellations applied (`DELETE /v1/subscriptions/{id}`), oldest first.
    pub fn subscription_cancellations(&self) -> Vec<SubscriptionCancellation> {
        self.shared.lock().subscription_cancellations.clone()
    }

    /// Subscription `sub_id`'s `status` as `GET /v1/subscriptions/{id}` gives it (`trialing`,
    /// `active`, `past_due`, `canceled`); `None` for no such subscription.
    pub fn subscription_status(&self, sub_id: &str) -> Option<String> {
        let state = self.shared.lock();
        let session = subscriptions::session_of(&state, sub_id)?;
        Some(subscriptions::status(&state, sub_id, session, unix_now()).to_owned())
    }

    /// The API version whose shapes objects and events take from now on (events already made
    /// keep theirs); [`ApiVersion::V2024_06_20`] until set.
    pub fn set_api_version(&self, version: ApiVersion) {
        self.shared.lock().api_version = version;
    }

    /// Events created, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.shared.lock().events.clone()
    }

    /// Every POST to the webhook endpoint, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
    }

    /// Where events go (`http://` only); until set, events are created but not delivered.
    pub fn set_webhook_endpoint(&self, url: &str) {
        self.shared.lock().webhook_endpoint = Some(url.to_owned());
    }

    /// While on, events are created but not delivered; tests deliver them with
    /// [`StripeServer::deliver`], in any order.
    pub fn hold_webhooks(&self, hold: bool) {
        self.shared.lock().hold_webhooks = hold;
    }

    /// Retries a failed automatic delivery (non-2xx or no answer) up to `retries` times, after
    /// 100 ms, 200 ms, ...; 0, the default, delivers once.
    pub fn set_webhook_retries(&self, retries: u32) {
        self.shared.lock().webhook_retries = retries;
    }
}

impl Drop for StripeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `prefix` and `len` random letters and digits, as Stripe's ids look.
fn new_id(prefix: &str, len: usize) -> String {
    use rand::Rng as _;
    let random: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{random}")
}
