//! A token bucket per API key, in memory: each server process limits on its own, so behind a
//! proxy with N replicas a key gets up to N times the configured rate.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimit;

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
