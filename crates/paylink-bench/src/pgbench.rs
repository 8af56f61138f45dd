//! PostgreSQL's own ceiling for a listing, as `pgbench` measures it: the very statement the
//! server sends for the scenario (its text and values, from the store), run by `pgbench` at
//! the same concurrency and for the same window, with the simple protocol (parsed and planned
//! on every run) and with prepared statements (`-M prepared`, under the database's plan cache
//! mode, as the server's connections run it).
//!
//! pgbench writes every transaction to its log (`-l`); latencies and throughput are read from
//! there over the same warm-up and window as the HTTP points, so its rows mean what the others
//! mean.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use paylink_store::direct::PlainStatement;

use crate::Fallible;
use crate::measure::Recorder;

/// How pgbench sends the statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// One query message with the values in the text: parsed and planned every time.
    Simple,
    /// Parsed once per connection; each run binds the values (`-M prepared`).
    Prepared,
}

impl Protocol {
    /// Both, in the order they run.
    pub(crate) const ALL: [Protocol; 2] = [Protocol::Simple, Protocol::Prepared];

    /// The scenario id of its rows: `pgbench-simple:first-page`, ...
    pub(crate) fn row_id(self, scenario: &str) -> String {
        format!("pgbench-{}:{scenario}", self.flag())
    }

    fn flag(self) -> &'static str {
        match self {
            Protocol::Simple => "simple",
            Protocol::Prepared => "prepared",
        }
    }
}

/// The `pgbench` to run: on `PATH`, else the newest under `/usr/lib/postgresql/*/bin`
/// (Debian's server package installs it there); `None` when there is none.
pub(crate) fn find() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pgbench"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin/pgbench"))
            .filter(|candidate| candidate.is_file())
            .collect();
        found.sort_by_key(|path| version_of(path));
        found.pop()
    })
}

/// The major version in `/usr/lib/postgresql/<major>/bin/pgbench`, for picking the newest.
fn version_of(path: &Path) -> u32 {
    path.components()
        .rev()
        .nth(2)
        .and_then(|c| c.as_os_str().to_str()?.parse().ok())
        .unwrap_or(0)
}

/// One pgbench point to run.
pub(crate) struct Point<'a> {
    /// The pgbench binary.
    pub(crate) binary: &'a Path,
    /// The run database's URL.
    pub(crate) url: &'a str,
    /// The statement and its values.
    pub(crate) statement: &'a PlainStatement,
    /// Simple or prepared.
    pub(crate) protocol: Protocol,
    /// Clients, each with its own connection.
    pub(crate) concurrency: usize,
    /// pgbench's worker threads.
    pub(crate) threads: usize,
    /// Not counted.
    pub(crate) warmup: Duration,
    /// Counted.
    pub(crate) duration: Duration,
    /// Where its script and logs go (made afresh).
    pub(crate) workdir: &'a Path,
}

/// A running pgbench point.
pub(crate) struct Running {
    child: std::process::Child,
    started: Instant,
    workdir: PathBuf,
    warmup: Duration,
    duration: Duration,
}

impl Point<'_> {
    /// Starts pgbench; it runs for the warm-up, the window and a second more.
    pub(crate) fn start(&self) -> Fallible<Running> {
        if self.workdir.exists() {
            std::fs::remove_dir_all(self.workdir)?;
        }
        std::fs::create_dir_all(self.workdir)?;
        let script = self.workdir.join("statement.sql");
        std::fs::write(&script, script_text(self.statement, self.protocol))?;
        let seconds = (self.warmup + self.duration).as_secs_f64().ceil() as u64 + 1;
        let mut command = Command::new(self.binary);
        command
            .arg("--no-vacuum")
            .arg(format!("--protocol={}", self.protocol.flag()))
            .arg(format!("--client={}", self.concurrency))
            .arg(format!(
                "--jobs={}",
                self.threads.clamp(1, self.concurrency)
            ))
            .arg(format!("--time={seconds}"))
            .arg("--log")
            .arg(format!(
                "--log-prefix={}",
                self.workdir.join("transactions").display()
            ))
            .arg(format!("--file={}", script.display()));
        if self.protocol == Protocol::Prepared {
            for (index, value) in self.statement.params.iter().enumerate() {
                command.arg(format!("--define=p{}={value}", index + 1));
            }
        }
        let child = command
            .arg(self.url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.binary.display()))?;
        Ok(Running {
            child,
            started: Instant::now(),
            workdir: self.workdir.to_owned(),
            warmup: self.warmup,
            duration: self.duration,
        })
    }
}

impl Running {
    /// pgbench's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sleeps until `offset` after the start (for CPU samples at the window's edges).
    pub(crate) fn sleep_until(&self, offset: Duration) {
        std::thread::sleep(offset.saturating_sub(self.started.elapsed()));
    }

    /// The warm-up and the window, from the start.
    pub(crate) fn window_edges(&self) -> (Duration, Duration) {
        (self.warmup, self.warmup + self.duration)
    }

    /// Waits for pgbench to end and reads its log: transactions that completed within the
    /// window after its first one plus the warm-up.
    pub(crate) fn finish(self) -> Fallible<Recorder> {
        let output = self.child.wait_with_output()?;
        let mut recorder = Recorder::new();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let line = stderr
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("no message");
            recorder.error(|| format!("pgbench failed ({}): {line}", output.status));
            return Ok(recorder);
        }
        let mut transactions = Vec::new();
        for entry in std::fs::read_dir(&self.workdir)? {
            let path = entry?.path();
            let is_log = path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("transactions"));
            if is_log {
                transactions.extend(parse_log(&std::fs::read_to_string(&path)?)?);
            }
        }
        let Some(first) = transactions.iter().map(|t| t.completed_micros).min() else {
            recorder.error(|| "pgbench logged no transaction".into());
            return Ok(recorder);
        };
        let from = first + micros(self.warmup);
        let to = from + micros(self.duration);
        for transaction in transactions {
            if (from..=to).contains(&transaction.completed_micros) {
                recorder.success(Duration::from_micros(transaction.latency_micros));
            }
        }
        Ok(recorder)
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The script: the statement with `:p1`, `:p2`, ... for its values when prepared (pgbench
/// binds them as parameters), or with the values written in as quoted literals when simple
/// (pgbench would paste a variable's text in unquoted).
fn script_text(statement: &PlainStatement, protocol: Protocol) -> String {
    let mut script = String::with_capacity(statement.text.len() + 64);
    let mut rest = statement.text.as_str();
    while let Some(dollar) = rest.find('$') {
        let digits = rest[dollar + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - dollar - 1);
        script.push_str(&rest[..dollar]);
        let number: Option<usize> = rest[dollar + 1..dollar + 1 + digits].parse().ok();
        match number.and_then(|n| Some((n, statement.params.get(n.checked_sub(1)?)?))) {
            Some((n, value)) => match protocol {
                Protocol::Prepared => script.push_str(&format!(":p{n}")),
                Protocol::Simple => {
                    script.push('\'');
                    script.push_str(&value.replace('\'', "''"));
                    script.push('\'');
                }
            },
            None => script.push_str(&rest[dollar..=dollar + digits]),
        }
        rest = &rest[dollar + 1 + digits..];
    }
    script.push_str(rest);
    script.push_str(";\n");
    script
}

/// One logged transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transaction {
    /// When it completed, microseconds since the epoch.
    completed_micros: u64,
    /// How long it took.
    latency_micros: u64,
}

/// Reads pgbench's per-transaction log: `client_id transaction_no time script_no time_epoch
/// time_us [schedule_lag ...]`, where `time` is the latency in microseconds and the epoch
/// seconds plus microseconds say when it completed.
fn parse_log(log: &str) -> Fallible<Vec<Transaction>> {
    log.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let number = |index: usize| -> Fallible<u64> {
                Ok(fields
                    .get(index)
                    .ok_or_else(|| format!("short pgbench log line: {line:?}"))?
                    .parse()?)
            };
            Ok(Transaction {
                latency_micros: number(2)?,
                completed_micros: number(4)? * 1_000_000 + number(5)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> PlainStatement {
        PlainStatement {
            text: "SELECT a FROM t WHERE m = $1 AND n LIKE $2 LIMIT $3".into(),
            params: vec!["pt_m".into(), "o'brien%".into(), "10".into()],
        }
    }

    #[test]
    fn prepared_scripts_name_the_values_and_simple_ones_quote_them() {
        assert_eq!(
            script_text(&statement(), Protocol::Prepared),
            "SELECT a FROM t WHERE m = :p1 AND n LIKE :p2 LIMIT :p3;\n"
        );
        assert_eq!(
            script_text(&statement(), Protocol::Simple),
            "SELECT a FROM t WHERE m = 'pt_m' AND n LIKE 'o''brien%' LIMIT '10';\n"
        );
    }

    #[test]
    fn reads_the_transaction_log() {
        let log = "0 1 850 0 1700000000 120000\n1 1 1200 0 1700000001 5 0\n";
        assert_eq!(
            parse_log(log).expect("parses"),
            vec![
                Transaction {
                    completed_micros: 1_700_000_000_120_000,
                    latency_micros: 850
                },
                Transaction {
                    completed_micros: 1_700_000_001_000_005,
                    latency_micros: 1200
                },
            ]
        );
        assert!(parse_log("0 1 x").is_err());
    }

    #[test]
    fn picks_the_newest_installed_version() {
        assert_eq!(
            version_of(Path::new("/usr/lib/postgresql/15/bin/pgbench")),
            15
        );
    }
}
