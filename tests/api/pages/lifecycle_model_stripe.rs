//! A model-based test of the money against the Stripe stand-in: random sequences of payers
//! paying on Stripe's page, Stripe's events delivered late, twice and out of order, merchants
//! cancelling sessions, turning links off, refunding, and refunds made in Stripe's dashboard.
//! Every event is held by the stand-in until a step delivers it. After every step, once the
//! processor tasks have run:
//!
//! - a session is set up at most once and has at most one subscription left running, none once
//!   it is Cancelled;
//! - a payment is kept only by a checkout that completed while its session or link could be
//!   paid; any other is given back in full;
//! - refunds never exceed payments, and every change of a session's status is one its
//!   lifecycle allows.
//!
//! At the end of each case every event still held is delivered, and payments minus refunds are
//! what Stripe holds, charge by charge. Plans here start later (nothing is charged when they are
//! set up), since the stand-in does not model a subscription's first invoice.
//!
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` run more, or others.

use std::collections::{HashMap, HashSet};

use paylink_test_servers::stripe_server::StripeServer;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use super::model_support::{Seen, check_refund_bounds, expect, fail, run_model, settle_tasks};
use super::stripe::with_stripe_and;
use super::*;

const SEED: u64 = 20_261_208;
const SESSIONS: usize = 2;
const MAX_STEPS: usize = 12;

#[derive(Clone, Debug)]
enum Op {
    OpenPlan { session: usize },
    OpenLink,
    PayAtStripe { checkout: usize },
    Deliver { event: usize, twice: bool },
    Cancel { session: usize },
    SetLinkActive { active: bool },
    Refund { payment: usize, half: bool },
    DashboardRefund { charge: usize, half: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let index = 0..16_usize;
    prop_oneof![
        2 => (0..SESSIONS).prop_map(|session| Op::OpenPlan { session }),
        2 => Just(Op::OpenLink),
        4 => index.clone().prop_map(|checkout| Op::PayAtStripe { checkout }),
        5 => (index.clone(), any::<bool>()).prop_map(|(event, twice)| Op::Deliver { event, twice }),
        2 => (0..SESSIONS).prop_map(|session| Op::Cancel { session }),
        1 => any::<bool>().prop_map(|active| Op::SetLinkActive { active }),
        1 => (index.clone(), any::<bool>()).prop_map(|(payment, half)| Op::Refund { payment, half }),
        1 => (index, any::<bool>()).prop_map(|(charge, half)| Op::DashboardRefund { charge, half }),
    ]
}

/// One case: a merchant, its sessions and link, and what was done at Stripe.
struct Case<'a> {
    app: &'a TestApp,
    stripe: &'a StripeServer,
    merchant: Merchant,
    sessions: Vec<(String, String)>,
    link: (String, String),
    /// Stripe's sessions opened by this case, in order.
    stripe_sessions: Vec<String>,
    /// Events of this case's Stripe sessions already delivered.
    delivered: HashSet<String>,
    /// Every status each session was seen in, in order.
    seen: Vec<Seen>,
}

const SESSION_STATE: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) { status payments { id amount status amountRefunded providerReference } }
}";

impl<'a> Case<'a> {
    async fn start(app: &'a TestApp, stripe: &'a StripeServer) -> Case<'a> {
        let merchant = app.merchant("Stripe model").await;
        let mut sessions = Vec::new();
        for _ in 0..SESSIONS {
            // 2027-01-01: later than the 48 hours Stripe needs to wait for a first charge.
            sessions.push(create_session(app, &merchant, json!({})).await);
        }
        let link = create_link(app, &merchant, json!({ "amount": 4200 })).await;
        Case {
            app,
            stripe,
            merchant,
            sessions,
            link,
            stripe_sessions: Vec::new(),
            delivered: HashSet::new(),
            seen: (0..SESSIONS).map(|_| Seen::active()).collect(),
        }
    }

    async fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::OpenPlan { session } => {
                let page = self.sessions[session].1.clone();
                self.open(&page).await
            }
            Op::OpenLink => {
                let page = self.link.1.clone();
                self.open(&page).await
            }
            Op::PayAtStripe { checkout } => {
                if self.stripe_sessions.is_empty() {
                    return Ok(());
                }
                let id = &self.stripe_sessions[checkout % self.stripe_sessions.len()];
                let open = self
                    .stripe
                    .session(id)
                    .is_some_and(|session| session.status == "open");
                if open {
                    self.stripe.complete(id).await;
                }
                Ok(())
            }
            Op::Deliver { event, twice } => self.deliver(event, twice).await,
            Op::Cancel { session } => {
                let body = self
                    .app
                    .gql(
                        &self.merchant,
                        "mutation($id: ID!) { updatePaymentPlanSession(input: {id: $id, status: Cancelled}) { status } }",
                        json!({ "id": self.sessions[session].0 }),
                    )
                    .await;
                let code = body["errors"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("");
                expect(
                    code.is_empty() || code == "INVALID_STATUS_TRANSITION",
                    || format!("cancelling answered {body}"),
                )
            }
            Op::SetLinkActive { active } => {
                let body = self
                    .app
                    .gql(
                        &self.merchant,
                        UPDATE_LINK,
                        json!({ "input": { "merchant_uid": self.merchant.uid, "link_id": self.link.0, "is_active": active } }),
                    )
                    .await;
                expect(body["errors"].is_null(), || {
                    format!("turning the link {active}: {body}")
                })
            }
            Op::Refund { payment, half } => self.refund(payment, half).await,
            Op::DashboardRefund { charge, half } => self.dashboard_refund(charge, half).await,
        }
    }

    async fn open(&mut self, page: &str) -> Result<(), TestCaseError> {
        let answer = post_form(self.app, page, &[("method", "card")]).await;
        if answer.status == 410 {
            return Ok(());
        }
        expect(answer.status == 303, || {
            format!("opening answered {}: {}", answer.status, answer.body)
        })?;
        let location = answer.header("location").to_owned();
        let session = self
            .stripe
            .sessions()
            .into_iter()
            .find(|session| session.url == location)
            .ok_or_else(|| fail(format!("{location} is no Stripe session's page")))?;
        if !self.stripe_sessions.contains(&session.id) {
            self.stripe_sessions.push(session.id);
        }
        Ok(())
    }

    /// This case's events not yet delivered, oldest first.
    fn held(&self) -> Vec<paylink_test_servers::stripe_server::Event> {
        let mine: HashSet<&String> = self.stripe_sessions.iter().collect();
        self.stripe
            .events()
            .into_iter()
            .filter(|event| mine.contains(&event.session_id) && !self.delivered.contains(&event.id))
            .collect()
    }

    async fn deliver(&mut self, index: usize, twice: bool) -> Result<(), TestCaseError> {
        let held = self.held();
        if held.is_empty() {
            return Ok(());
        }
        let event = &held[index % held.len()];
        for _ in 0..if twice { 2 } else { 1 } {
            // 503: it came before what it is about, and is to be delivered again.
            let status = self.stripe.deliver(event).await;
            expect(status == 200 || status == 503, || {
                format!("{} answered {status}", event.event_type)
            })?;
            if status == 200 {
                self.delivered.insert(event.id.clone());
            }
        }
        Ok(())
    }

    async fn payments(&self) -> Vec<Value> {
        let mut all = link_payments(self.app, &self.merchant, &self.link.0).await;
        for (id, _) in &self.sessions {
            let body = self
                .app
                .gql(&self.merchant, SESSION_STATE, json!({ "id": id }))
                .await;
            all.extend(
                ok(&body, "paymentPlanSession")["payments"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        all
    }

    async fn refund(&mut self, index: usize, half: bool) -> Result<(), TestCaseError> {
        let payments = self.payments().await;
        if payments.is_empty() {
            return Ok(());
        }
        let payment = &payments[index % payments.len()];
        let left = payment["amount"].as_i64().unwrap_or(0)
            - payment["amountRefunded"].as_i64().unwrap_or(0);
        let mut input = json!({ "paymentId": payment["id"] });
        if half && left > 1 {
            input["amount"] = json!(left / 2);
        }
        let body = self
            .app
            .gql(
                &self.merchant,
                "mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        let code = body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("");
        expect(code.is_empty() || code == "BAD_USER_INPUT", || {
            format!("refunding answered {body}")
        })
    }

    async fn dashboard_refund(&mut self, index: usize, half: bool) -> Result<(), TestCaseError> {
        let mine: HashSet<&String> = self.stripe_sessions.iter().collect();
        let refunded: HashMap<String, i64> =
            self.stripe
                .refunds()
                .into_iter()
                .fold(HashMap::new(), |mut sums, refund| {
                    if refund.status != "failed" {
                        *sums.entry(refund.charge).or_default() += refund.amount;
                    }
                    sums
                });
        let charges: Vec<_> = self
            .stripe
            .charges()
            .into_iter()
            .filter(|charge| mine.contains(&charge.session_id) && charge.status == "succeeded")
            .filter(|charge| refunded.get(&charge.id).copied().unwrap_or(0) < charge.amount)
            .collect();
        if charges.is_empty() {
            return Ok(());
        }
        let charge = &charges[index % charges.len()];
        let left = charge.amount - refunded.get(&charge.id).copied().unwrap_or(0);
        let amount = (half && left > 1).then_some(left / 2);
        self.stripe
            .refund_from_dashboard(&charge.payment_intent, amount)
            .await;
        Ok(())
    }

    /// The invariants, once the processor tasks have run.
    async fn check(&mut self) -> Result<(), TestCaseError> {
        settle_tasks(self.app).await?;
        for (index, (id, _)) in self.sessions.iter().enumerate() {
            let body = self
                .app
                .gql(&self.merchant, SESSION_STATE, json!({ "id": id }))
                .await;
            let status = ok(&body, "paymentPlanSession")["status"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            self.seen[index]
                .saw(&status)
                .map_err(|error| fail(format!("session {index}: {error}")))?;
        }
        let rows = checkout_money(self.app, &self.merchant.uid).await;
        let mut completed_per_session: HashMap<String, usize> = HashMap::new();
        for row in &rows {
            if row.checkout_status == "Completed"
                && let Some(session) = &row.session_id
            {
                *completed_per_session.entry(session.clone()).or_default() += 1;
            }
            if matches!(row.payment_status.as_str(), "None" | "Failed") || row.invoice.is_some() {
                continue;
            }
            // Money is kept only by a checkout that completed; any other is given back whole.
            if row.checkout_status == "Completed" {
                expect(row.not_payable_refunded == 0, || {
                    format!("a completed checkout's payment was given back: {row:?}")
                })?;
            } else {
                expect(row.refunded == row.amount, || {
                    format!(
                        "a {} checkout's payment is kept: {row:?}",
                        row.checkout_status
                    )
                })?;
            }
        }
        expect(
            completed_per_session.values().all(|count| *count <= 1),
            || format!("a session set up twice: {completed_per_session:?}"),
        )?;
        for (index, (id, _)) in self.sessions.iter().enumerate() {
            let cancelled = self.seen[index].last() == "Cancelled";
            let running = self.running_subscriptions(&rows, id);
            expect(running <= 1 && !(cancelled && running > 0), || {
                format!(
                    "session {index} ({:?}) has {running} subscriptions running",
                    self.seen[index]
                )
            })?;
        }
        check_refund_bounds(self.app).await
    }

    fn running_subscriptions(&self, rows: &[MoneyRow], session: &str) -> usize {
        rows.iter()
            .filter(|row| row.session_id.as_deref() == Some(session))
            .filter_map(|row| row.subscription.as_deref())
            .collect::<HashSet<_>>()
            .into_iter()
            .filter(|subscription| {
                self.stripe
                    .subscription_status(subscription)
                    .is_some_and(|status| status != "canceled")
            })
            .count()
    }

    /// Delivers everything held, then checks that payments minus refunds are what Stripe holds.
    async fn finish(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..10 {
            let held = self.held();
            if held.is_empty() {
                break;
            }
            // Newest first: what Stripe does when its retries overtake each other.
            for event in held.iter().rev() {
                if self.stripe.deliver(event).await == 200 {
                    self.delivered.insert(event.id.clone());
                }
            }
            settle_tasks(self.app).await?;
        }
        let never = self.held();
        expect(never.is_empty(), || {
            format!("events never applied: {never:?}")
        })?;
        self.check().await?;
        let refunded: HashMap<String, i64> =
            self.stripe
                .refunds()
                .into_iter()
                .fold(HashMap::new(), |mut sums, refund| {
                    if refund.status == "succeeded" {
                        *sums.entry(refund.payment_intent).or_default() += refund.amount;
                    }
                    sums
                });
        let payments: HashMap<String, Value> = self
            .payments()
            .await
            .into_iter()
            .filter_map(|payment| {
                Some((payment["providerReference"].as_str()?.to_owned(), payment))
            })
            .collect();
        let mine: HashSet<&String> = self.stripe_sessions.iter().collect();
        for charge in self.stripe.charges() {
            if !mine.contains(&charge.session_id) || charge.status != "succeeded" {
                continue;
            }
            let held = charge.amount - refunded.get(&charge.payment_intent).copied().unwrap_or(0);
            let payment = payments.get(&charge.payment_intent).ok_or_else(|| {
                fail(format!(
                    "Stripe holds {charge:?}, which paylink never recorded"
                ))
            })?;
            let kept = payment["amount"].as_i64().unwrap_or(0)
                - succeeded_refunds(payment, self.app).await;
            expect(kept == held, || {
                format!(
                    "paylink keeps {kept} of {}, Stripe holds {held}: {payment}",
                    charge.payment_intent
                )
            })?;
        }
        Ok(())
    }
}

/// What a payment has had refunded, as far as the processor has confirmed.
async fn succeeded_refunds(payment: &Value, app: &TestApp) -> i64 {
    let id = payment["id"].as_str().unwrap_or_default().to_owned();
    app.sql(move |conn| {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            total: i64,
        }
        diesel::sql_query(
            "SELECT COALESCE(SUM(amount_minor), 0)::bigint AS total FROM refunds WHERE payment_id = $1 AND status = 'Succeeded'",
        )
        .bind::<diesel::sql_types::Text, _>(id)
        .get_result::<Row>(conn)
        .expect("summing refunds")
        .total
    })
    .await
}

/// One checkout with its payment, as the database holds them.
#[derive(Debug)]
struct MoneyRow {
    session_id: Option<String>,
    checkout_status: String,
    subscription: Option<String>,
    payment_status: String,
    invoice: Option<String>,
    amount: i64,
    refunded: i64,
    not_payable_refunded: i64,
}

async fn checkout_money(app: &TestApp, merchant_uid: &str) -> Vec<MoneyRow> {
    let merchant_uid = merchant_uid.to_owned();
    app.sql(move |conn| {
        use diesel::prelude::*;
        use diesel::sql_types::{BigInt, Nullable, Text};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Nullable<Text>)]
            session_id: Option<String>,
            #[diesel(sql_type = Text)]
            checkout_status: String,
            #[diesel(sql_type = Nullable<Text>)]
            subscription: Option<String>,
            #[diesel(sql_type = Text)]
            payment_status: String,
            #[diesel(sql_type = Nullable<Text>)]
            invoice: Option<String>,
            #[diesel(sql_type = BigInt)]
            amount: i64,
            #[diesel(sql_type = BigInt)]
            refunded: i64,
            #[diesel(sql_type = BigInt)]
            not_payable_refunded: i64,
        }
        diesel::sql_query(
            "SELECT c.session_id, c.status AS checkout_status, c.provider_subscription_id AS subscription, \
                    COALESCE(p.status, 'None') AS payment_status, p.provider_invoice_id AS invoice, \
                    COALESCE(p.amount_minor, 0) AS amount, \
                    COALESCE(p.amount_refunded, 0) AS refunded, \
                    COALESCE((SELECT SUM(r.amount_minor) FROM refunds r WHERE r.payment_id = p.id \
                              AND r.reason = 'not_payable' AND r.status <> 'Failed'), 0)::bigint \
                        AS not_payable_refunded \
             FROM checkouts c LEFT JOIN payments p ON p.checkout_id = c.id \
             WHERE c.merchant_uid = $1",
        )
        .bind::<Text, _>(merchant_uid)
        .load::<Row>(conn)
        .expect("reading checkouts")
        .into_iter()
        .map(|row| MoneyRow {
            session_id: row.session_id,
            checkout_status: row.checkout_status,
            subscription: row.subscription,
            payment_status: row.payment_status,
            invoice: row.invoice,
            amount: row.amount,
            refunded: row.refunded,
            not_payable_refunded: row.not_payable_refunded,
        })
        .collect()
    })
    .await
}

async fn run_case(app: &TestApp, stripe: &StripeServer, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut case = Case::start(app, stripe).await;
    for (index, op) in ops.iter().enumerate() {
        case.run(op)
            .await
            .map_err(|error| fail(format!("step {index} {op:?}: {error}")))?;
        case.check()
            .await
            .map_err(|error| fail(format!("after step {index} {op:?}: {error}")))?;
    }
    case.finish()
        .await
        .map_err(|error| fail(format!("once every event was delivered: {error}")))
}

#[test]
fn random_sequences_through_stripe_keep_the_money_right() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (app, stripe) = runtime.block_on(with_stripe_and(&[
        ("PAYLINK_RATE_LIMIT_PER_SECOND", "0".to_owned()),
        ("PAYLINK_PAGE_POSTS_PER_MINUTE", "0".to_owned()),
    ]));
    stripe.hold_webhooks(true);
    run_model(
        &runtime,
        proptest::collection::vec(op(), 1..=MAX_STEPS),
        12,
        SEED,
        |ops| run_case(&app, &stripe, ops),
    );
}
