//! What paylink must still tell the payment processor: refund a payment, end a plan's
//! subscription, expire a checkout. A task is written in the transaction that decided it, so it
//! exists exactly when the decision was committed, and carried out after by whichever server
//! claims it first (`FOR UPDATE SKIP LOCKED`, with a lease, as the delivery outbox does), retried
//! until the processor has done it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::schema::processor_tasks::{self, dsl};
use crate::sql::{self, Bind};

/// What a task asks of the processor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// Give back a refund's amount (`subject_id` is the refund's id).
    Refund,
    /// End a plan's subscription now (`subject_id` is the checkout that set it up).
    CancelSubscription,
    /// Close a checkout's page so it can no longer be paid (`subject_id` is the checkout's id).
    ExpireCheckout,
}

impl TaskKind {
    /// Its stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Refund => "refund",
            Self::CancelSubscription => "cancel_subscription",
            Self::ExpireCheckout => "expire_checkout",
        }
    }

    fn of_name(name: &str) -> Option<Self> {
        [Self::Refund, Self::CancelSubscription, Self::ExpireCheckout]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

/// A task row.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = processor_tasks)]
pub struct TaskRow {
    /// paylink's id of the task.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// See [`TaskKind`].
    pub kind: String,
    /// The refund's or checkout's id.
    pub subject_id: String,
    /// Attempts made, this one included once claimed.
    pub attempts: i32,
    /// When the next attempt is due.
    pub due_at: DateTime<Utc>,
    /// Until when the claim holds.
    pub lease_until: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was carried out.
    pub done_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl TaskRow {
    /// What it asks for; `None` for a name this build does not know.
    pub fn task_kind(&self) -> Option<TaskKind> {
        TaskKind::of_name(&self.kind)
    }
}

/// Queues a task, inside the caller's transaction; a second task of the same kind for the same
/// subject is the same task.
pub(crate) fn queue(
    conn: &mut PgConnection,
    merchant_uid: &str,
    kind: TaskKind,
    subject_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(processor_tasks::table)
        .values(&TaskRow {
            id: format!("{}_{subject_id}", kind.name()),
            merchant_uid: merchant_uid.to_owned(),
            kind: kind.name().to_owned(),
            subject_id: subject_id.to_owned(),
            attempts: 0,
            due_at: now,
            lease_until: None,
            last_error: None,
            done_at: None,
            created_at: now,
        })
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

fn claim(conn: &mut PgConnection, limit: i64, lease: Duration) -> Result<Vec<TaskRow>, StoreError> {
    let lease = diesel::data_types::PgInterval::from_microseconds(
        i64::try_from(lease.as_micros()).unwrap_or(i64::MAX),
    );
    // due_at doubles as the lease's end, so a task whose server died is due again after it.
    Ok(sql::fixed(
        "UPDATE processor_tasks SET attempts = attempts + 1, \
             lease_until = now() + $2, due_at = now() + $2 \
         WHERE id IN ( \
             SELECT id FROM processor_tasks \
             WHERE done_at IS NULL AND due_at <= now() \
             ORDER BY due_at \
             LIMIT $1 \
             FOR UPDATE SKIP LOCKED) \
         RETURNING *",
        &[Bind::Count(limit), Bind::Interval(lease)],
    )
    .load(conn)?)
}

/// How an attempt at a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskResult {
    /// The processor did it (or had done it already).
    Done,
    /// Try again at this time; the text says why not now.
    Retry(String, DateTime<Utc>),
    /// It cannot be done; the text says why. The task is closed and the reason kept.
    Abandoned(String),
}

impl crate::Store {
    /// Claims up to `limit` due tasks, each leased for `lease`.
    pub async fn claim_processor_tasks(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<TaskRow>, StoreError> {
        self.run(move |conn| claim(conn, limit, lease)).await
    }

    /// Records how attempt `attempt` at task `id` ended; `false` when the claim was lost.
    pub async fn record_processor_task(
        &self,
        id: &str,
        attempt: i32,
        result: TaskResult,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            let owned = dsl::processor_tasks
                .filter(dsl::id.eq(&id))
                .filter(dsl::attempts.eq(attempt))
                .filter(dsl::done_at.is_null());
            let updated = match &result {
                TaskResult::Done => diesel::update(owned)
                    .set((
                        dsl::done_at.eq(now),
                        dsl::lease_until.eq(None::<DateTime<Utc>>),
                    ))
                    .execute(conn)?,
                TaskResult::Retry(reason, at) => diesel::update(owned)
                    .set((
                        dsl::due_at.eq(at),
                        dsl::last_error.eq(reason),
                        dsl::lease_until.eq(None::<DateTime<Utc>>),
                    ))
                    .execute(conn)?,
                TaskResult::Abandoned(reason) => diesel::update(owned)
                    .set((
                        dsl::done_at.eq(now),
                        dsl::last_error.eq(reason),
                        dsl::lease_until.eq(None::<DateTime<Utc>>),
                    ))
                    .execute(conn)?,
            };
            Ok(updated == 1)
        })
        .await
    }

    /// Tasks not yet carried out, oldest first: for tests and operators.
    pub async fn open_processor_tasks(&self) -> Result<Vec<TaskRow>, StoreError> {
        self.run(|conn| {
            Ok(dsl::processor_tasks
                .filter(dsl::done_at.is_null())
                .order(dsl::created_at)
                .select(TaskRow::as_select())
                .load(conn)?)
        })
        .await
    }
}
