//! The store's database threads: one per pooled connection, taking work from one queue.
//!
//! diesel is synchronous, so database work never runs on the async workers. It ran on tokio's
//! blocking pool before; under load that pool woke a sleeping thread (and often started a new
//! one) for every query, and its wake-ups, task switches and contended lock were about a sixth
//! of the server's CPU time per listing (`perf`, README "Benchmarks"). Here a fixed set of
//! threads, as many as the pool has connections, loops over the queue and sleeps only when it
//! is empty, so under load a query is taken up without waking anyone.
//!
//! Work that waits in the queue longer than the pool's connection timeout is given up: the
//! caller gets [`StoreError::Unavailable`] and the work never starts. Work that started is
//! always waited for, so a caller never reports a failure for work that went on to change
//! something.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::StoreError;

/// A job's state: queued, then started by a thread or given up by its caller, never both.
const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const GIVEN_UP: u8 = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The queue the threads share.
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job; only then does a new job need a wake-up.
    idle: usize,
    closed: bool,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // No code holding the lock can panic halfway through a change.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, job: Job) {
        let mut state = self.lock();
        state.jobs.push_back(job);
        let wake = state.idle > 0;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// The next job, waiting for one; `None` once the queue is closed and empty.
    fn next(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state.idle += 1;
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.idle -= 1;
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}

/// The threads; they end when the last clone of the owning store is dropped and the queue is
/// empty.
pub(crate) struct Threads {
    queue: Arc<Queue>,
    /// How long a job may wait in the queue.
    wait_at_most: Duration,
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.queue.close();
    }
}

impl Threads {
    /// Starts `count` threads; work waits in the queue at most `wait_at_most`.
    pub(crate) fn start(count: u32, wait_at_most: Duration) -> Result<Self, StoreError> {
        let queue = Arc::new(Queue::default());
        for index in 0..count.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("paylink-db-{index}"))
                .spawn(move || {
                    while let Some(job) = queue.next() {
                        job();
                    }
                })
                .map_err(|error| {
                    StoreError::Unavailable(format!("starting a database thread: {error}"))
                })?;
        }
        Ok(Self {
            queue,
            wait_at_most,
        })
    }

    /// Runs `work` on one of the threads and waits for its result; a panic in `work` goes on
    /// in the caller.
    pub(crate) async fn run<T, E>(
        &self,
        work: impl FnOnce() -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (sender, mut receiver) = tokio::sync::oneshot::channel();
        let state = Arc::new(AtomicU8::new(QUEUED));
        let job_state = Arc::clone(&state);
        self.queue.push(Box::new(move || {
            if job_state
                .compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return;
            }
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            // The caller waits for work that started, so nobody is gone to miss the result.
            let _ = sender.send(outcome);
        }));
        let outcome = match tokio::time::timeout(self.wait_at_most, &mut receiver).await {
            Ok(outcome) => outcome,
            Err(_) => {
                let given_up = state
                    .compare_exchange(QUEUED, GIVEN_UP, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok();
                if given_up {
                    return Err(StoreError::Unavailable(format!(
                        "no database connection was free within {:?}",
                        self.wait_at_most
                    ))
                    .into());
                }
                receiver.await
            }
        };
        match outcome {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // Only a thread ending with the job unrun drops the sender: the store is closing.
            Err(_) => Err(StoreError::Unavailable("the store is shutting down".to_owned()).into()),
        }
    }
}
