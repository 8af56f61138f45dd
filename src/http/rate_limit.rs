//! The per-key rate limit: by default a token bucket per API key in memory, so each server
//! process limits on its own and behind a proxy with N replicas a key gets up to N times the
//! configured rate; with `PAYLINK_RATE_LIMIT_REDIS_URL`, one limit shared by every replica
//! (`shared_rate_limit.rs`).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::shared_rate_limit::{SharedRateLimiter, Verdict};
use crate::config::RateLimit;

/// The per-key limit this server applies.
#[derive(Debug)]
pub enum RateLimits {
    /// In this process's memory.
    Local(KeyRateLimiter),
    /// In Redis, shared by every replica.
    Shared(SharedRateLimiter),
}

impl RateLimits {
    /// The limit for `limit`: shared through `redis_url` when one is given and the rate is not
    /// 0, else local.
    pub fn new(limit: RateLimit, redis_url: Option<&str>) -> Result<Self, redis::RedisError> {
        Ok(match redis_url {
            Some(url) if limit.per_second > 0 => Self::Shared(SharedRateLimiter::new(url, limit)?),
            _ => Self::Local(KeyRateLimiter::new(limit)),
        })
    }

    /// Counts one request of API key `key_id` (of merchant `merchant_uid`) against its rate.
    pub(crate) async fn check(&self, key_id: i64, merchant_uid: &str) -> Verdict {
        match self {
            Self::Local(local) => match local.check(key_id) {
                Ok(()) => Verdict::Allowed,
                Err(wait) => Verdict::Refused(wait),
            },
            // Key ids are per database; with the merchant's random id the Redis key is unique
            // across deployments that share one Redis.
            Self::Shared(shared) => shared.check(&format!("{merchant_uid}:{key_id}")).await,
        }
    }

    /// Forgets idle keys of a local limit (Redis expires its own).
    pub fn forget_idle_keys(&self) {
        if let Self::Local(local) = self {
            local.forget_idle_keys();
        }
    }
}

/// Limits requests per API key.
pub struct KeyRateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<i64>>,
}

impl std::fmt::Debug for KeyRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRateLimiter")
            .field("enabled", &self.limiter.is_some())
            .finish()
    }
}

impl KeyRateLimiter {
    /// A limiter for `limit`; a rate of 0 lets everything through.
    pub fn new(limit: RateLimit) -> Self {
        let limiter = NonZeroU32::new(limit.per_second).map(|rate| {
            let burst = NonZeroU32::new(limit.burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self { limiter }
    }

    /// `Ok` when the key may make a request now, else how long until it may.
    pub fn check(&self, key_id: i64) -> Result<(), Duration> {
        match &self.limiter {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(&key_id)
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    /// Forgets keys that have not been seen for a while, so memory stays bounded.
    pub fn forget_idle_keys(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_per_key() {
        let limiter = KeyRateLimiter::new(RateLimit {
            per_second: 1,
            burst: 3,
        });
        for _ in 0..3 {
            assert!(limiter.check(7).is_ok());
        }
        let wait = limiter.check(7).unwrap_err();
        assert!(wait <= Duration::from_secs(1));
        assert!(limiter.check(8).is_ok(), "another key has its own bucket");
    }

    #[test]
    fn a_zero_rate_disables_the_limit() {
        let limiter = KeyRateLimiter::new(RateLimit {
            per_second: 0,
            burst: 1,
        });
        for _ in 0..1000 {
            assert!(limiter.check(1).is_ok());
        }
    }
}
