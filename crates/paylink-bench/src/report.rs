//! The results: rows of the table, printed as text and written as JSON.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::Fallible;
use crate::cpu::CpuUse;
use crate::machine::Machine;
use crate::measure::Summary;
use crate::seed::SeedCounts;
use crate::server::Memory;
use crate::settings::RecordedSettings;
use crate::targets::TargetCheck;

/// The id of the database-ceiling rows.
pub(crate) const CEILING: &str = "db-ceiling";

/// One measured point.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Row {
    /// Scenario id (`db-ceiling` for the database's own ceiling).
    pub(crate) scenario: &'static str,
    /// Requests in flight at once.
    pub(crate) concurrency: usize,
    /// The figures.
    #[serde(flatten)]
    pub(crate) summary: Summary,
    /// For `first-page`: its rps as a share of the ceiling's at the same concurrency.
    pub(crate) share_of_db_ceiling: Option<f64>,
    /// The server's memory right after the point (none for the ceiling).
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
        scenario: &'static str,
        concurrency: usize,
        summary: Summary,
        server_memory: Option<Memory>,
        cpu: CpuUse,
    ) -> Self {
        Self {
            scenario,
            concurrency,
            summary,
            share_of_db_ceiling: None,
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

/// A scenario as the results describe it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScenarioInfo {
    /// Its id.
    pub(crate) id: &'static str,
    /// What it does.
    pub(crate) description: String,
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

/// Everything a run found.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Results {
    /// When it ran (UTC, RFC 3339).
    pub(crate) date: String,
    /// Where.
    pub(crate) machine: Machine,
    /// With what settings.
    pub(crate) settings: RecordedSettings,
    /// What was seeded.
    pub(crate) seed: SeedCounts,
    /// How long seeding took (merchants, links, sessions, VACUUM ANALYZE), seconds.
    pub(crate) seed_secs: f64,
    /// The scenarios.
    pub(crate) scenarios: Vec<ScenarioInfo>,
    /// The measured points, in the order they ran.
    pub(crate) rows: Vec<Row>,
    /// The server over the run.
    pub(crate) server: ServerFacts,
    /// The targets, checked.
    pub(crate) targets: Vec<TargetCheck>,
    /// The table as printed.
    pub(crate) table: String,
}

/// The table: one line per point.
pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | concurrency | rps | p50 ms | p90 ms | p99 ms | errors | share of DB ceiling | server RSS MiB | CPU µs/request: server / PostgreSQL | others' CPU (cores) |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in rows {
        let s = &row.summary;
        let share = row
            .share_of_db_ceiling
            .map_or_else(String::new, |share| format!("{:.0} %", share * 100.0));
        let rss = row
            .server_memory
            .map_or_else(String::new, |m| format!("{:.1}", m.rss_kib as f64 / 1024.0));
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {share} | {rss} | {} / {:.0} | {:.2} |",
            row.scenario,
            row.concurrency,
            s.rps,
            s.p50_ms,
            s.p90_ms,
            s.p99_ms,
            s.errors,
            if row.server_memory.is_some() {
                format!("{:.0}", row.server_micros_per_request)
            } else {
                "-".to_owned()
            },
            row.postgres_micros_per_request,
            row.cpu.others_cores
        );
    }
    out
}

/// One line for the progress log.
pub(crate) fn progress(row: &Row) -> String {
    let s = &row.summary;
    format!(
        "{:>16} c={:<3} {:>8.0} rps  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  errors {}  \
         cores: bench {:.2} server {:.2} pg {:.2} others {:.2}",
        row.scenario,
        row.concurrency,
        s.rps,
        s.p50_ms,
        s.p90_ms,
        s.p99_ms,
        s.errors,
        row.cpu.bench_cores,
        row.cpu.server_cores,
        row.cpu.postgres_cores,
        row.cpu.others_cores
    )
}

/// Writes the results as pretty JSON, making the folder.
pub(crate) fn write_json(path: &Path, results: &Results) -> Fallible<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(results)?)?;
    Ok(())
}
