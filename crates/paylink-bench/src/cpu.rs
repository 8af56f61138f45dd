//! Where the machine's CPU time went during a point: the benchmark's own processes (this one,
//! the server, PostgreSQL's backends of the run's database and its background processes) and
//! everything else. Other work on a shared machine skews the figures; this says by how much.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::Fallible;

/// Clock ticks of the machine and of the run's processes at one moment.
#[derive(Clone, Debug, Default)]
pub(crate) struct CpuSample {
    /// Busy ticks of all cores (`/proc/stat`).
    busy: u64,
    /// All ticks of all cores, idle included.
    total: u64,
    /// Ticks used by this process (load generator, SMS endpoint, ceiling threads).
    bench: u64,
    /// Ticks used by the server.
    server: u64,
    /// Ticks used so far by each of PostgreSQL's processes of the run, by pid. Kept per process
    /// because backends come and go between samples (a point opens its own connections and
    /// the previous point's are still exiting): only what a process used between the two
    /// samples may count.
    postgres: HashMap<u32, u64>,
}

/// CPU use over a point, in cores (1.0 = one core busy all the time).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct CpuUse {
    /// By this process: the load generator (or the ceiling's threads) and the SMS endpoint.
    pub(crate) bench_cores: f64,
    /// By `paylink serve`.
    pub(crate) server_cores: f64,
    /// By PostgreSQL: the run database's backends and the server's background processes.
    pub(crate) postgres_cores: f64,
    /// By everything else on the machine.
    pub(crate) others_cores: f64,
    /// Idle.
    pub(crate) idle_cores: f64,
}

impl CpuUse {
    /// CPU time per request in microseconds, given `cores` of use at `rps`.
    pub(crate) fn micros_per_request(cores: f64, rps: f64) -> f64 {
        if rps > 0.0 { cores * 1e6 / rps } else { 0.0 }
    }
}

impl CpuSample {
    /// Reads the machine's counters and those of this process, of `server` and of the
    /// PostgreSQL processes serving the database `conn` is connected to. `load` is another
    /// process generating load (pgbench), counted with this one's.
    pub(crate) fn take(
        conn: &mut PgConnection,
        server: Option<u32>,
        load: Option<u32>,
    ) -> Fallible<Self> {
        let postgres = backend_pids(conn)?
            .into_iter()
            .map(|pid| (pid, process_ticks(pid)))
            .collect();
        let bench = process_ticks(std::process::id()) + load.map_or(0, process_ticks);
        let server = server.map_or(0, process_ticks);
        let (busy, total) = machine_ticks()?;
        Ok(Self {
            busy,
            total,
            bench,
            server,
            postgres,
        })
    }

    /// The use between `self` (earlier) and `later`; `cores` scales shares to cores.
    pub(crate) fn until(&self, later: &CpuSample, cores: usize) -> CpuUse {
        let total = later.total.saturating_sub(self.total).max(1) as f64;
        let busy = later.busy.saturating_sub(self.busy) as f64;
        let share = |ticks: f64| ticks / total * cores as f64;
        let bench = later.bench.saturating_sub(self.bench) as f64;
        let server = later.server.saturating_sub(self.server) as f64;
        // A process that started after `self` counts from zero; one that ended before `later`
        // is left out rather than counted as giving its time back.
        let postgres = later
            .postgres
            .iter()
            .map(|(pid, ticks)| ticks.saturating_sub(self.postgres.get(pid).copied().unwrap_or(0)))
            .sum::<u64>() as f64;
        let ours = (bench + server + postgres).min(busy);
        CpuUse {
            bench_cores: share(bench),
            server_cores: share(server),
            postgres_cores: share(postgres),
            others_cores: share(busy - ours),
            idle_cores: share(total - busy),
        }
    }
}

/// PostgreSQL processes of the run: backends of this database, and the server's background
/// processes (WAL writer, checkpointer, autovacuum, ...), which work for every database.
fn backend_pids(conn: &mut PgConnection) -> Fallible<Vec<u32>> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    Ok(diesel::sql_query(
        "SELECT pid FROM pg_stat_activity \
         WHERE datname = current_database() OR backend_type <> 'client backend'",
    )
    .load::<Pid>(conn)?
    .into_iter()
    .filter_map(|p| u32::try_from(p.pid).ok())
    .collect())
}

/// `utime + stime` of a process (all its threads), 0 when it is gone or unreadable.
fn process_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    parse_process_ticks(&stat).unwrap_or(0)
}

fn parse_process_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of the line, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn machine_ticks() -> Fallible<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    parse_machine_ticks(&stat).ok_or_else(|| "unreadable /proc/stat".into())
}

fn parse_machine_ticks(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    let total: u64 = values.iter().take(8).sum();
    Some((total - idle, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_counters() {
        let process = "123 (tokio (rt) worker) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        assert_eq!(parse_process_ticks(process), Some(300));
        let machine = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(parse_machine_ticks(machine), Some((150, 1000)));
    }

    #[test]
    fn postgres_processes_count_only_what_they_used_between_the_samples() {
        let sample = |postgres: &[(u32, u64)]| CpuSample {
            busy: 0,
            total: 100,
            postgres: postgres.iter().copied().collect(),
            ..CpuSample::default()
        };
        // 1 ran on (+10), 2 exited (not -500), 3 started (+30).
        let before = sample(&[(1, 100), (2, 500)]);
        let mut after = sample(&[(1, 110), (3, 30)]);
        after.busy = 40;
        after.total = 200;
        let used = before.until(&after, 1);
        assert!((used.postgres_cores - 0.4).abs() < 1e-9, "{used:?}");
        assert!(used.others_cores.abs() < 1e-9, "{used:?}");
    }
}
