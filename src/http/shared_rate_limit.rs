//! The per-key rate limit shared by every replica: one GCRA state per API key in Redis, updated
//! by one atomic script on Redis's own clock, so N servers behind a proxy hold a key to the
//! configured rate together rather than N times over.
//!
//! Redis is a helper here, not a gate: when it cannot be reached or does not answer within
//! [`ANSWER_WITHIN`], the request is let through (fail open), counted in
//! `paylink_rate_limit_unavailable_total`, and a warning is logged at most every
//! [`WARN_EVERY`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::config::RateLimit;

/// Longest a request waits for Redis before it is let through.
const ANSWER_WITHIN: Duration = Duration::from_millis(250);

/// Least time between two warnings about an unreachable Redis.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// GCRA ("generic cell rate algorithm"): the key holds the theoretical arrival time (TAT) of
/// the next request in microseconds of Redis's clock. A request is allowed when the TAT, less
/// the burst's tolerance, is not in the future; then the TAT moves on by one emission interval.
/// Returns `{1, 0}` when allowed, else `{0, microseconds until a request would be}`. The key
/// expires once it holds nothing a full burst would not also hold.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - tolerance
if allowed_at > now then
  return {0, allowed_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return {1, 0}
";

/// What the shared limit said about one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Within the key's rate.
    Allowed,
    /// Over it; a request may come again after this long.
    Refused(Duration),
    /// Redis could not say; let through.
    Unavailable,
}

/// The shared limiter; cheap to share across requests.
pub struct SharedRateLimiter {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
    /// Microseconds between two requests at the steady rate.
    interval_micros: u64,
    burst: u32,
    last_warning: AtomicU64,
}

impl std::fmt::Debug for SharedRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client's own Debug would show the URL, which may hold a password.
        f.debug_struct("SharedRateLimiter")
            .field("interval_micros", &self.interval_micros)
            .field("burst", &self.burst)
            .finish()
    }
}

impl SharedRateLimiter {
    /// A limiter for `limit` (whose rate is not 0) keeping its state in the Redis at
    /// `redis_url`. Connects on first use, so a Redis that is down at start fails open too.
    pub fn new(redis_url: &str, limit: RateLimit) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(redis_url)?,
            connection: OnceCell::new(),
            script: redis::Script::new(GCRA),
            interval_micros: 1_000_000 / u64::from(limit.per_second.max(1)),
            burst: limit.burst.max(1),
            last_warning: AtomicU64::new(0),
        })
    }

    /// Counts one request of the API key `key` against its rate.
    pub(crate) async fn check(&self, key: &str) -> Verdict {
        match tokio::time::timeout(ANSWER_WITHIN, self.ask(key)).await {
            Ok(Ok((1, _))) => Verdict::Allowed,
            Ok(Ok((_, wait_micros))) => Verdict::Refused(Duration::from_micros(
                u64::try_from(wait_micros).unwrap_or(0),
            )),
            Ok(Err(error)) => self.unavailable(&error.to_string()),
            Err(_elapsed) => self.unavailable("no answer in time"),
        }
    }

    async fn ask(&self, key: &str) -> redis::RedisResult<(i64, i64)> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(ANSWER_WITHIN))
                    .set_response_timeout(Some(ANSWER_WITHIN));
                self.client.get_connection_manager_with_config(config).await
            })
            .await?;
        let mut connection = connection.clone();
        self.script
            .key(format!("paylink:rate:{key}"))
            .arg(self.interval_micros)
            .arg(self.burst)
            .invoke_async(&mut connection)
            .await
    }

    fn unavailable(&self, detail: &str) -> Verdict {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let last = self.last_warning.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= WARN_EVERY.as_secs()
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                error = detail,
                "the shared rate limit's Redis is unavailable; requests are let through"
            );
        }
        Verdict::Unavailable
    }
}
