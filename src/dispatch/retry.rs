//! When to try a failed delivery again: exponential backoff with jitter, bounded both in
//! attempts and in the delivery's age.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Bounds and pace of retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most attempts in all, the first included.
    pub max_attempts: i32,
    /// A delivery older than this is not tried again.
    pub max_age: Duration,
    /// Delay before the second attempt; each later one doubles it.
    pub base_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// When to make the next attempt after `attempts` failed ones, or `None` to give up.
    /// `jitter` in `[0, 1)` spreads retries of many deliveries that failed together (the delay
    /// is scaled into its upper half, so it never shrinks to nothing).
    pub fn next_attempt(
        &self,
        attempts: i32,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let delay = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.max_delay);
        let delay = delay.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let next = now + chrono::Duration::from_std(delay).ok()?;
        let deadline = created_at + chrono::Duration::from_std(self.max_age).ok()?;
        (next <= deadline).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            max_age: Duration::from_secs(3600),
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(60),
        }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let now = Utc::now();
        let delay = |attempts| {
            (policy()
                .next_attempt(attempts, now, now, 0.999_999)
                .unwrap()
                - now)
                .num_seconds()
        };
        assert_eq!(delay(1), 9);
        assert_eq!(delay(2), 19);
        assert_eq!(delay(3), 39);
        assert_eq!(delay(4), 59);
    }

    #[test]
    fn jitter_keeps_at_least_half_the_delay() {
        let now = Utc::now();
        let next = policy().next_attempt(1, now, now, 0.0).unwrap();
        assert_eq!((next - now).num_seconds(), 5);
    }

    #[test]
    fn gives_up_after_max_attempts_or_max_age() {
        let now = Utc::now();
        assert!(policy().next_attempt(5, now, now, 0.5).is_none());
        let old = now - chrono::Duration::seconds(3595);
        assert!(policy().next_attempt(1, old, now, 0.5).is_none());
        assert!(policy().next_attempt(1, now, now, 0.5).is_some());
    }
}
