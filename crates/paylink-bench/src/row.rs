//! One measured point, and what the server did over the whole run: the figures the report
//! prints and the targets are checked against.

use serde::Serialize;

use crate::cpu::CpuUse;
use crate::measure::Summary;
use crate::server::Memory;

/// One measured point.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Row {
    /// Scenario id (`db-ceiling` for the database's own ceiling).
    pub(crate) scenario: String,
    /// Requests in flight at once.
    pub(crate) concurrency: usize,
    /// The figures.
    #[serde(flatten)]
    pub(crate) summary: Summary,
    /// For a listing: its rps as a share of pgbench's, prepared, running the same statement at
    /// the same concurrency.
    pub(crate) share_of_pgbench: Option<f64>,
    /// The server's memory right after the point (none for the ceilings).
    pub(crate) server_memory: Option<Memory>,
    /// Where the machine's CPU went during the point, warm-up included.
    pub(crate) cpu: CpuUse,
    /// The server's CPU time per request, microseconds.
    pub(crate) server_micros_per_request: f64,
    /// PostgreSQL's CPU time per request, microseconds.
    pub(crate) postgres_micros_per_request: f64,
}

impl Row {
    /// A row, with the CPU time per request worked out.
    pub(crate) fn new(
        scenario: impl Into<String>,
        concurrency: usize,
        summary: Summary,
        server_memory: Option<Memory>,
        cpu: CpuUse,
    ) -> Self {
        Self {
            scenario: scenario.into(),
            concurrency,
            summary,
            share_of_pgbench: None,
            server_memory,
            cpu,
            server_micros_per_request: CpuUse::micros_per_request(cpu.server_cores, summary.rps),
            postgres_micros_per_request: CpuUse::micros_per_request(
                cpu.postgres_cores,
                summary.rps,
            ),
        }
    }
}

/// What the server did over the whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct ServerFacts {
    /// `PAYLINK_DB_POOL_SIZE`.
    pub(crate) pool_size: u32,
    /// Memory at the end of the run.
    pub(crate) memory_at_end: Memory,
    /// The largest resident set seen: `VmHWM` and `VmRSS` after every point and at the end
    /// (the kernel updates `VmHWM` lazily, so the samples can be higher), KiB.
    pub(crate) peak_rss_kib: u64,
    /// The largest `VmRSS` right after a point at the highest concurrency, KiB.
    pub(crate) rss_kib_after_highest_concurrency: u64,
    /// Text messages the local SMS endpoint accepted.
    pub(crate) sms_messages: u64,
    /// Deliveries by status at the end (after waiting for the outbox to drain).
    pub(crate) deliveries: Vec<(String, i64)>,
}

impl ServerFacts {
    /// Notes a memory reading; `at_highest` when it follows a point at the highest concurrency.
    pub(crate) fn observe(&mut self, memory: Memory, at_highest: bool) {
        self.peak_rss_kib = self
            .peak_rss_kib
            .max(memory.rss_kib)
            .max(memory.peak_rss_kib);
        if at_highest {
            self.rss_kib_after_highest_concurrency =
                self.rss_kib_after_highest_concurrency.max(memory.rss_kib);
        }
    }
}
