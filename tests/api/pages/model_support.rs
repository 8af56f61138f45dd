//! What the model-based tests of the money share: their failures, the checks every model makes
//! (statuses only change as the lifecycle allows, refunds never exceed payments), waiting for
//! the processor tasks, and a seeded runner that `PROPTEST_CASES` and `PROPTEST_RNG_SEED` steer.

use std::future::Future;
use std::time::Duration;

use paylink_store::lifecycle::{Cause, SessionStatus, Status as _, step};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use crate::support::TestApp;

pub(super) fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

pub(super) fn expect(ok: bool, message: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if ok { Ok(()) } else { Err(fail(message())) }
}

/// The statuses one session was seen in, in order.
#[derive(Debug)]
pub(super) struct Seen(Vec<String>);

impl Seen {
    /// A session first seen Active.
    pub(super) fn active() -> Self {
        Self(vec![SessionStatus::Active.name().to_owned()])
    }

    /// The last status seen.
    pub(super) fn last(&self) -> &str {
        self.0.last().map(String::as_str).unwrap_or_default()
    }

    /// Records `status`, refusing a change from the last one that nobody may make.
    pub(super) fn saw(&mut self, status: &str) -> Result<(), TestCaseError> {
        if self.last() == status {
            return Ok(());
        }
        let from = SessionStatus::stored(self.last()).map_err(|e| fail(e.to_string()))?;
        let to = SessionStatus::stored(status).map_err(|e| fail(e.to_string()))?;
        expect(
            [Cause::Merchant, Cause::Provider, Cause::Clock, Cause::Payer]
                .into_iter()
                .any(|cause| step(from, to, cause).is_ok()),
            || format!("a session went {from:?} -> {to:?}, which no one may do"),
        )?;
        self.0.push(status.to_owned());
        Ok(())
    }
}

/// Waits until no processor task is left to carry out.
pub(super) async fn settle_tasks(app: &TestApp) -> Result<(), TestCaseError> {
    for _ in 0..600 {
        let open: i64 = app
            .sql(|conn| {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct Row {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    open: i64,
                }
                diesel::sql_query(
                    "SELECT count(*) AS open FROM processor_tasks WHERE done_at IS NULL",
                )
                .get_result::<Row>(conn)
                .expect("counting tasks")
                .open
            })
            .await;
        if open == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(fail(
        "processor tasks were still open after 30 s".to_owned(),
    ))
}

/// Refunds never exceed payments, and each payment's `amount_refunded` is its refunds that did
/// not fail.
pub(super) async fn check_refund_bounds(app: &TestApp) -> Result<(), TestCaseError> {
    let over: i64 = app
        .sql(|conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                over: i64,
            }
            diesel::sql_query(
                "SELECT count(*) AS over FROM payments p WHERE p.amount_refunded > p.amount_minor \
                 OR p.amount_refunded <> (SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r \
                     WHERE r.payment_id = p.id AND r.status <> 'Failed')",
            )
            .get_result::<Row>(conn)
            .expect("checking refunds")
            .over
        })
        .await;
    expect(over == 0, || {
        format!("{over} payments whose refunds exceed them or do not add up")
    })
}

/// Runs `case` on sequences from `strategy`: `default_cases` of them from `seed`, unless
/// `PROPTEST_CASES` and `PROPTEST_RNG_SEED` say otherwise; a failure panics with the shortest
/// sequence that still fails.
pub(super) fn run_model<S, F>(
    runtime: &tokio::runtime::Runtime,
    strategy: S,
    default_cases: u32,
    seed: u64,
    case: impl Fn(S::Value) -> F,
) where
    S: Strategy,
    F: Future<Output = Result<(), TestCaseError>>,
{
    let from_env = |name: &str| std::env::var(name).ok();
    let config = Config {
        cases: from_env("PROPTEST_CASES")
            .and_then(|value| value.parse().ok())
            .unwrap_or(default_cases),
        rng_seed: RngSeed::Fixed(
            from_env("PROPTEST_RNG_SEED")
                .and_then(|value| value.parse().ok())
                .unwrap_or(seed),
        ),
        // A hand-driven runner has no source file to keep regressions beside.
        failure_persistence: None,
        max_shrink_iters: 100,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(error) = runner.run(&strategy, |value| runtime.block_on(case(value))) {
        panic!("{error}");
    }
}
