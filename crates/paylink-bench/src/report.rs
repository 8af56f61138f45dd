//! The results: rows of the table, printed as text and written as JSON.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::Fallible;
use crate::machine::Machine;
use crate::row::{Row, ServerFacts};
use crate::seed::SeedCounts;
use crate::settings::RecordedSettings;
use crate::targets::TargetCheck;

/// The id of the database-ceiling rows.
pub(crate) const CEILING: &str = "db-ceiling";
/// What `BENCH_SCENARIOS` names to run pgbench's ceilings (rows `pgbench-simple:<scenario>` and
/// `pgbench-prepared:<scenario>`) for the listing scenarios it names.
pub(crate) const PGBENCH: &str = "pgbench";

/// A scenario as the results describe it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScenarioInfo {
    /// Its id.
    pub(crate) id: &'static str,
    /// What it does.
    pub(crate) description: String,
}

/// Everything a run found.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Results {
    /// When it ran (UTC, RFC 3339).
    pub(crate) date: String,
    /// Where.
    pub(crate) machine: Machine,
    /// The database's default `plan_cache_mode`, under which the pgbench ceilings ran.
    pub(crate) plan_cache_mode: String,
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
        "| scenario | concurrency | rps | p50 ms | p90 ms | p99 ms | errors | share of pgbench (prepared) | server RSS MiB | CPU µs/request: server / PostgreSQL | others' CPU (cores) |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in rows {
        let s = &row.summary;
        let share = row
            .share_of_pgbench
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
