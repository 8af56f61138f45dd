//! The machine a run measured: cores, CPU model, memory, kernel.

use serde::Serialize;

/// Cores this process may use.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The machine, as the results record it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Machine {
    /// Cores this process may use (`nproc`).
    pub(crate) nproc: usize,
    /// `model name` of `/proc/cpuinfo`.
    pub(crate) cpu_model: String,
    /// `MemTotal` of `/proc/meminfo`, MiB.
    pub(crate) memory_mib: u64,
    /// `/proc/sys/kernel/osrelease`.
    pub(crate) kernel: String,
    /// PostgreSQL's `server_version`.
    pub(crate) postgres: String,
    /// `/proc/loadavg` when the run started: other work on the machine skews the figures.
    pub(crate) load_average_at_start: String,
}

impl Machine {
    /// Reads this machine; `postgres` is the database server's version.
    pub(crate) fn read(postgres: String) -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu_model = read("/proc/cpuinfo")
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let memory_mib = read("/proc/meminfo")
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kib| kib / 1024);
        Self {
            nproc: cores(),
            cpu_model,
            memory_mib,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            postgres,
            load_average_at_start: read("/proc/loadavg")
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}
