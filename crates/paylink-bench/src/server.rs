//! `paylink serve` as a child process on a free loopback port, configured for load: no rate
//! limit, warnings-only logs, the chosen pool size, SMS to the local endpoint.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::Fallible;
use crate::http_client;
use crate::sms_endpoint;

/// How long start-up may take.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// What the server is started with.
#[derive(Debug)]
pub(crate) struct ServerOptions<'a> {
    /// The `paylink` binary.
    pub(crate) binary: &'a Path,
    /// `DATABASE_URL`.
    pub(crate) database_url: &'a str,
    /// `PAYLINK_DB_POOL_SIZE`.
    pub(crate) pool_size: u32,
    /// `PAYLINK_TWILIO_BASE_URL`.
    pub(crate) sms_base_url: String,
    /// Where its stderr (the log) goes; development email and SMS files go beside it.
    pub(crate) log: PathBuf,
}

/// The running server, killed when dropped.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

/// The server's memory, from `/proc/<pid>/status`.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Memory {
    /// Resident set now (`VmRSS`), KiB.
    pub(crate) rss_kib: u64,
    /// Peak resident set so far (`VmHWM`), KiB.
    pub(crate) peak_rss_kib: u64,
}

impl ServerProcess {
    /// Starts `paylink serve` with a clean environment.
    pub(crate) fn spawn(options: &ServerOptions<'_>) -> Fallible<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir = options.log.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let log = std::fs::File::create(&options.log)?;
        let child = Command::new(options.binary)
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", options.database_url)
            .env("PAYLINK_LISTEN", addr.to_string())
            .env("PAYLINK_DB_POOL_SIZE", options.pool_size.to_string())
            .env("PAYLINK_RATE_LIMIT_PER_SECOND", "0")
            .env("RUST_LOG", "warn")
            .env("PAYLINK_EMAIL_DIR", dir.join("outbox-email"))
            .env("PAYLINK_SMS_PROVIDER", "twilio")
            .env("PAYLINK_TWILIO_BASE_URL", &options.sms_base_url)
            .env("PAYLINK_TWILIO_ACCOUNT_SID", sms_endpoint::ACCOUNT_SID)
            .env("PAYLINK_TWILIO_AUTH_TOKEN", sms_endpoint::AUTH_TOKEN)
            .env("PAYLINK_TWILIO_FROM", sms_endpoint::FROM)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", options.binary.display()))?;
        Ok(Self {
            child,
            addr,
            log: options.log.clone(),
        })
    }

    /// Its process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where it listens.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until `/readyz` answers 200.
    pub(crate) async fn wait_ready(&mut self) -> Fallible<()> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!(
                    "paylink serve exited with {status}; its log ({}):\n{}",
                    self.log.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                )
                .into());
            }
            let ready = http_client::get(self.addr, "/readyz").await;
            if ready.is_ok_and(|(status, _)| status == http::StatusCode::OK) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "paylink serve was not ready within {READY_WITHIN:?}; see {}",
                    self.log.display()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Its memory now.
    pub(crate) fn memory(&self) -> Fallible<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        Ok(parse_memory(&status))
    }

    /// Stops it.
    pub(crate) fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `VmRSS` and `VmHWM` of a `/proc/<pid>/status` text.
fn parse_memory(status: &str) -> Memory {
    let kib = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: kib("VmRSS:"),
        peak_rss_kib: kib("VmHWM:"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_status() {
        let status = "Name:\tpaylink\nVmHWM:\t   40960 kB\nVmRSS:\t   30720 kB\n";
        let memory = parse_memory(status);
        assert_eq!(memory.rss_kib, 30720);
        assert_eq!(memory.peak_rss_kib, 40960);
    }
}
