//! A model-based test of the money's lifecycle in test mode: random sequences of what merchants
//! and payers do (cancel a session, try to reopen it, change its terms, let the clock run out on
//! a session or a checkout, open checkouts in one tab or several, pay, be declined, turn a link
//! off and on) against the real server, beside a reference model of what each should do. After
//! every step the server must agree with the model, and the invariants hold:
//!
//! - a session is set up at most once, and a payment is kept only by the checkout that completed
//!   its session, or by an open link;
//! - every other payment (one that arrived for what could no longer be paid) is being refunded
//!   in full, and is Refunded once the processor tasks have run;
//! - refunds never exceed payments;
//! - every change of a session's status is one its lifecycle allows.
//!
//! The seed is fixed so that `make test` runs the same cases each time; `PROPTEST_CASES` and
//! `PROPTEST_RNG_SEED` run more, or others (see docs/payments.md, "Testing").

use std::collections::HashMap;

use paylink_store::lifecycle::{Cause, SessionStatus, Status as _, step};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use super::model_support::{Seen, check_refund_bounds, expect, fail, run_model, settle_tasks};
use super::*;

/// The seed `make test` runs with.
const SEED: u64 = 20_261_207;
/// Sessions and steps per case.
const SESSIONS: usize = 2;
const MAX_STEPS: usize = 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    Ach,
}

impl Method {
    fn value(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Ach => "ach",
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    OpenPlan { session: usize, method: Method },
    OpenLink { method: Method },
    Pay { checkout: usize },
    Decline { checkout: usize },
    Cancel { session: usize },
    Reopen { session: usize },
    ChangeAmount { session: usize },
    SessionClockRunsOut { session: usize },
    CheckoutClockRunsOut { checkout: usize },
    SetLinkActive { active: bool },
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Card), Just(Method::Ach)]
}

fn op() -> impl Strategy<Value = Op> {
    let session = 0..SESSIONS;
    let checkout = 0..8_usize;
    prop_oneof![
        4 => (session.clone(), method()).prop_map(|(session, method)| Op::OpenPlan { session, method }),
        2 => method().prop_map(|method| Op::OpenLink { method }),
        5 => checkout.clone().prop_map(|checkout| Op::Pay { checkout }),
        1 => checkout.clone().prop_map(|checkout| Op::Decline { checkout }),
        2 => session.clone().prop_map(|session| Op::Cancel { session }),
        1 => session.clone().prop_map(|session| Op::Reopen { session }),
        1 => session.clone().prop_map(|session| Op::ChangeAmount { session }),
        1 => session.clone().prop_map(|session| Op::SessionClockRunsOut { session }),
        1 => checkout.prop_map(|checkout| Op::CheckoutClockRunsOut { checkout }),
        1 => any::<bool>().prop_map(|active| Op::SetLinkActive { active }),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Session(usize),
    Link,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checkout {
    Open,
    Completed,
    Expired,
    Cancelled,
}

impl Checkout {
    fn name(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Completed => "Completed",
            Self::Expired => "Expired",
            Self::Cancelled => "Cancelled",
        }
    }
}

#[derive(Clone, Debug)]
struct CheckoutModel {
    id: String,
    path: String,
    owner: Owner,
    method: Method,
    status: Checkout,
    /// Its time is up, which the server records the next time it is used.
    clock_ran_out: bool,
}

/// What the server should hold.
#[derive(Debug)]
struct Model {
    sessions: Vec<SessionStatus>,
    /// The clock ran out on an Active session, which the server records when next written.
    session_clock: Vec<bool>,
    /// The session's amount was changed (once: later changes to the same amount change nothing).
    amount_changed: Vec<bool>,
    link_active: bool,
    checkouts: Vec<CheckoutModel>,
    /// Payments kept: one per Completed session, one per paid link checkout.
    kept_link_payments: usize,
    /// Payments that arrived for what could no longer be paid, per session.
    given_back: Vec<usize>,
}

/// What one case runs against.
struct Case<'a> {
    app: &'a TestApp,
    merchant: Merchant,
    sessions: Vec<(String, String)>,
    link: (String, String),
    model: Model,
    /// Every status each session was seen in, in order.
    seen: Vec<Seen>,
}

const SESSION_STATE: &str = "query($id: ID!) {
  paymentPlanSession(id: $id) { status payments { id status amount amountRefunded } }
}";

const UPDATE_SESSION: &str = "mutation($input: UpdatePaymentPlanSessionInput!) {
  updatePaymentPlanSession(input: $input) { status }
}";

/// The code of a GraphQL answer's first error; empty when it has none.
fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

impl<'a> Case<'a> {
    async fn start(app: &'a TestApp) -> Case<'a> {
        let merchant = app.merchant("Model").await;
        let mut sessions = Vec::new();
        for _ in 0..SESSIONS {
            sessions.push(create_session(app, &merchant, json!({ "startDate": today() })).await);
        }
        let link = create_link(app, &merchant, json!({})).await;
        Case {
            app,
            merchant,
            sessions,
            link,
            model: Model {
                sessions: vec![SessionStatus::Active; SESSIONS],
                session_clock: vec![false; SESSIONS],
                amount_changed: vec![false; SESSIONS],
                link_active: true,
                checkouts: Vec::new(),
                kept_link_payments: 0,
                given_back: vec![0; SESSIONS],
            },
            seen: (0..SESSIONS).map(|_| Seen::active()).collect(),
        }
    }

    /// A session's status as the model reads it now.
    fn session_status(&self, session: usize) -> SessionStatus {
        match self.model.sessions[session] {
            SessionStatus::Active if self.model.session_clock[session] => SessionStatus::Expired,
            status => status,
        }
    }

    /// What writing a session records of the clock: an Active session whose time ran out is
    /// Expired, and its open checkouts close.
    fn record_session_clock(&mut self, session: usize) {
        if self.model.sessions[session] == SessionStatus::Active
            && self.model.session_clock[session]
        {
            self.model.sessions[session] = SessionStatus::Expired;
            self.close_open(Owner::Session(session));
        }
    }

    fn close_open(&mut self, owner: Owner) {
        for checkout in &mut self.model.checkouts {
            if checkout.owner == owner && checkout.status == Checkout::Open {
                checkout.status = Checkout::Cancelled;
            }
        }
    }

    async fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::OpenPlan { session, method } => self.open_plan(session, method).await,
            Op::OpenLink { method } => self.open_link(method).await,
            Op::Pay { checkout } => self.pay(checkout, true).await,
            Op::Decline { checkout } => self.pay(checkout, false).await,
            Op::Cancel { session } => self.set_status(session, SessionStatus::Cancelled).await,
            Op::Reopen { session } => self.set_status(session, SessionStatus::Active).await,
            Op::ChangeAmount { session } => self.change_amount(session).await,
            Op::SessionClockRunsOut { session } => self.session_clock_runs_out(session).await,
            Op::CheckoutClockRunsOut { checkout } => self.checkout_clock_runs_out(checkout).await,
            Op::SetLinkActive { active } => self.set_link_active(active).await,
        }
    }

    async fn open_plan(&mut self, session: usize, method: Method) -> Result<(), TestCaseError> {
        let page = self.sessions[session].1.clone();
        let answer = post_form(self.app, &page, &[("method", method.value())]).await;
        if self.session_status(session) != SessionStatus::Active {
            return expect(answer.status == 410, || {
                format!(
                    "a {:?} session's form answered {}",
                    self.session_status(session),
                    answer.status
                )
            });
        }
        expect(answer.status == 303, || {
            format!("opening a plan answered {}: {}", answer.status, answer.body)
        })?;
        let path = answer.location_path();
        let open = self.model.checkouts.iter().position(|checkout| {
            checkout.owner == Owner::Session(session) && checkout.status == Checkout::Open
        });
        if let Some(open) = open {
            let reusable = {
                let checkout = &self.model.checkouts[open];
                checkout.method == method && !checkout.clock_ran_out
            };
            if reusable {
                return expect(self.model.checkouts[open].path == path, || {
                    format!(
                        "a second tab got {path}, not the open {}",
                        self.model.checkouts[open].path
                    )
                });
            }
            let replaced = &mut self.model.checkouts[open];
            replaced.status = if replaced.clock_ran_out {
                Checkout::Expired
            } else {
                Checkout::Cancelled
            };
        }
        self.push_checkout(path, Owner::Session(session), method)
    }

    async fn open_link(&mut self, method: Method) -> Result<(), TestCaseError> {
        let page = self.link.1.clone();
        let answer = post_form(self.app, &page, &[("method", method.value())]).await;
        if !self.model.link_active {
            return expect(answer.status == 410, || {
                format!("an inactive link's form answered {}", answer.status)
            });
        }
        expect(answer.status == 303, || {
            format!("opening a link answered {}: {}", answer.status, answer.body)
        })?;
        let path = answer.location_path();
        self.push_checkout(path, Owner::Link, method)
    }

    fn push_checkout(
        &mut self,
        path: String,
        owner: Owner,
        method: Method,
    ) -> Result<(), TestCaseError> {
        let id = path.rsplit('/').next().unwrap_or_default().to_owned();
        expect(
            self.model
                .checkouts
                .iter()
                .all(|checkout| checkout.id != id),
            || format!("checkout {id} was opened twice"),
        )?;
        self.model.checkouts.push(CheckoutModel {
            id,
            path,
            owner,
            method,
            status: Checkout::Open,
            clock_ran_out: false,
        });
        Ok(())
    }

    async fn pay(&mut self, index: usize, succeeds: bool) -> Result<(), TestCaseError> {
        if self.model.checkouts.is_empty() {
            return Ok(());
        }
        let index = index % self.model.checkouts.len();
        let card = if succeeds {
            "4242 4242 4242 4242"
        } else {
            "4000 0000 0000 0002"
        };
        let path = self.model.checkouts[index].path.clone();
        let answer = post_form(self.app, &path, &[("card", card)]).await;
        let checkout = self.model.checkouts[index].clone();
        if checkout.status == Checkout::Open && checkout.clock_ran_out {
            self.model.checkouts[index].status = Checkout::Expired;
            return expect(answer.status == 303, || {
                format!("an expired checkout answered {}", answer.status)
            });
        }
        if checkout.status != Checkout::Open {
            return expect(answer.status == 303, || {
                format!("a closed checkout answered {}", answer.status)
            });
        }
        if !succeeds {
            return expect(answer.status == 402, || {
                format!("a declined card answered {}", answer.status)
            });
        }
        expect(answer.status == 303, || {
            format!("paying answered {}: {}", answer.status, answer.body)
        })?;
        match checkout.owner {
            Owner::Link => {
                self.model.checkouts[index].status = Checkout::Completed;
                self.model.kept_link_payments += 1;
            }
            Owner::Session(session) if self.session_status(session) == SessionStatus::Active => {
                self.model.checkouts[index].status = Checkout::Completed;
                self.model.sessions[session] = SessionStatus::Completed;
            }
            // The session's time ran out while the payer was on the card page.
            Owner::Session(session) => {
                self.record_session_clock(session);
                self.model.given_back[session] += 1;
            }
        }
        Ok(())
    }

    async fn set_status(&mut self, session: usize, to: SessionStatus) -> Result<(), TestCaseError> {
        let id = self.sessions[session].0.clone();
        let body = self
            .app
            .gql(
                &self.merchant,
                UPDATE_SESSION,
                json!({ "input": { "id": id, "status": to.name() } }),
            )
            .await;
        let from = self.session_status(session);
        if step(from, to, Cause::Merchant).is_err() {
            return expect(code(&body) == "INVALID_STATUS_TRANSITION", || {
                format!("{from:?} -> {to:?} was not refused: {body}")
            });
        }
        expect(body["errors"].is_null(), || {
            format!("{from:?} -> {to:?} failed: {body}")
        })?;
        self.record_session_clock(session);
        if from == SessionStatus::Active && to != SessionStatus::Active {
            self.close_open(Owner::Session(session));
        }
        self.model.sessions[session] = to;
        Ok(())
    }

    async fn change_amount(&mut self, session: usize) -> Result<(), TestCaseError> {
        let id = self.sessions[session].0.clone();
        let body = self
            .app
            .gql(
                &self.merchant,
                UPDATE_SESSION,
                json!({ "input": { "id": id, "amount": "250.00" } }),
            )
            .await;
        // Giving the amount it already has changes nothing, whatever the status.
        let changes = !self.model.amount_changed[session];
        if changes && self.session_status(session) != SessionStatus::Active {
            return expect(code(&body) == "BAD_USER_INPUT", || {
                format!("terms changed after Active: {body}")
            });
        }
        expect(body["errors"].is_null(), || {
            format!("changing terms failed: {body}")
        })?;
        self.record_session_clock(session);
        if changes {
            self.model.amount_changed[session] = true;
            self.close_open(Owner::Session(session));
        }
        Ok(())
    }

    async fn session_clock_runs_out(&mut self, session: usize) -> Result<(), TestCaseError> {
        time_runs_out(self.app, Deadline::Session, &self.sessions[session].0).await;
        self.model.session_clock[session] = true;
        Ok(())
    }

    async fn checkout_clock_runs_out(&mut self, index: usize) -> Result<(), TestCaseError> {
        if self.model.checkouts.is_empty() {
            return Ok(());
        }
        let index = index % self.model.checkouts.len();
        time_runs_out(
            self.app,
            Deadline::Checkout,
            &self.model.checkouts[index].id,
        )
        .await;
        self.model.checkouts[index].clock_ran_out = true;
        Ok(())
    }

    async fn set_link_active(&mut self, active: bool) -> Result<(), TestCaseError> {
        let body = self
            .app
            .gql(
                &self.merchant,
                UPDATE_LINK,
                json!({ "input": { "merchant_uid": self.merchant.uid, "link_id": self.link.0, "is_active": active } }),
            )
            .await;
        expect(body["errors"].is_null(), || {
            format!("turning the link {active} failed: {body}")
        })?;
        if !active {
            self.close_open(Owner::Link);
        }
        self.model.link_active = active;
        Ok(())
    }

    /// The server agrees with the model, and the invariants hold.
    async fn check(&mut self, settled: bool) -> Result<(), TestCaseError> {
        for session in 0..SESSIONS {
            let body = self
                .app
                .gql(
                    &self.merchant,
                    SESSION_STATE,
                    json!({ "id": self.sessions[session].0 }),
                )
                .await;
            let state = ok(&body, "paymentPlanSession");
            let status = state["status"].as_str().unwrap_or_default().to_owned();
            let expected = self.session_status(session);
            expect(status == expected.name(), || {
                format!("session {session} is {status}, the model says {expected:?}")
            })?;
            self.seen[session]
                .saw(&status)
                .map_err(|error| fail(format!("session {session}: {error}")))?;
            let payments = state["payments"].as_array().cloned().unwrap_or_default();
            check_payments(&payments, settled, |kept, given_back| {
                let completed = usize::from(expected == SessionStatus::Completed)
                    + usize::from(self.completed_then_cancelled(session));
                (kept == completed && given_back == self.model.given_back[session])
                    .then_some(())
                    .ok_or_else(|| format!("session {session}: {kept} kept and {given_back} given back; the model says {completed} and {}", self.model.given_back[session]))
            })
            .map_err(fail)?;
        }
        let link_payments = link_payments(self.app, &self.merchant, &self.link.0).await;
        let kept_link = self.model.kept_link_payments;
        check_payments(&link_payments, settled, |kept, given_back| {
            (kept == kept_link && given_back == 0)
                .then_some(())
                .ok_or_else(|| format!("the link: {kept} kept, {given_back} given back; the model says {kept_link} and 0"))
        })
        .map_err(fail)?;
        self.check_checkouts().await?;
        check_refund_bounds(self.app).await
    }

    /// A session that was set up and then cancelled keeps its payment: cancelling ends the plan,
    /// it does not give back what was paid.
    fn completed_then_cancelled(&self, session: usize) -> bool {
        self.model.sessions[session] == SessionStatus::Cancelled
            && self.model.checkouts.iter().any(|checkout| {
                checkout.owner == Owner::Session(session) && checkout.status == Checkout::Completed
            })
    }

    async fn check_checkouts(&self) -> Result<(), TestCaseError> {
        let stored: HashMap<String, String> = self
            .app
            .sql(|conn| {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct Row {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    id: String,
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    status: String,
                }
                diesel::sql_query("SELECT id, status FROM checkouts")
                    .load::<Row>(conn)
                    .expect("reading checkouts")
                    .into_iter()
                    .map(|row| (row.id, row.status))
                    .collect()
            })
            .await;
        for checkout in &self.model.checkouts {
            let status = stored
                .get(&checkout.id)
                .map(String::as_str)
                .unwrap_or("missing");
            // A checkout whose time ran out reads Open until it is used; closed ones are final.
            let expected = checkout.status.name();
            expect(status == expected, || {
                format!(
                    "checkout {} of {:?} is {status}, the model says {expected}",
                    checkout.id, checkout.owner
                )
            })?;
        }
        let open_per_session = self
            .model
            .checkouts
            .iter()
            .filter(|checkout| matches!(checkout.owner, Owner::Session(_)))
            .filter(|checkout| stored.get(&checkout.id).map(String::as_str) == Some("Open"))
            .fold(
                HashMap::new(),
                |mut counts: HashMap<Owner, usize>, checkout| {
                    *counts.entry(checkout.owner).or_default() += 1;
                    counts
                },
            );
        expect(open_per_session.values().all(|count| *count <= 1), || {
            format!("more than one open checkout for a session: {open_per_session:?}")
        })
    }
}

/// Counts a list's kept payments (Succeeded, nothing refunded) and given-back ones (refunded in
/// full, or being), and refuses anything else; once `settled`, given back means Refunded.
fn check_payments(
    payments: &[Value],
    settled: bool,
    counts: impl FnOnce(usize, usize) -> Result<(), String>,
) -> Result<(), String> {
    let (mut kept, mut given_back) = (0, 0);
    for payment in payments {
        let (status, amount, refunded) = (
            payment["status"].as_str().unwrap_or_default(),
            payment["amount"].as_i64().unwrap_or_default(),
            payment["amountRefunded"].as_i64().unwrap_or(-1),
        );
        match status {
            "Succeeded" if refunded == 0 => kept += 1,
            "Succeeded" if refunded == amount && !settled => given_back += 1,
            "Refunded" if refunded == amount => given_back += 1,
            _ => {
                return Err(format!(
                    "a payment neither kept nor given back in full: {payment}"
                ));
            }
        }
    }
    counts(kept, given_back)
}

async fn run_case(app: &TestApp, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut case = Case::start(app).await;
    for (index, op) in ops.iter().enumerate() {
        case.run(op)
            .await
            .map_err(|error| fail(format!("step {index} {op:?}: {error}")))?;
        case.check(false)
            .await
            .map_err(|error| fail(format!("after step {index} {op:?}: {error}")))?;
    }
    // Once the processor tasks have run, every payment given back is Refunded.
    settle_tasks(app).await?;
    case.check(true).await
}

#[test]
fn random_sequences_keep_the_money_right() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = runtime.block_on(TestApp::start_with(&[
        ("PAYLINK_RATE_LIMIT_PER_SECOND", "0".to_owned()),
        ("PAYLINK_PAGE_POSTS_PER_MINUTE", "0".to_owned()),
    ]));
    run_model(
        &runtime,
        proptest::collection::vec(op(), 1..=MAX_STEPS),
        16,
        SEED,
        |ops| run_case(&app, ops),
    );
}
