//! Counting one measured point: latencies in an HDR histogram (microseconds, 3 significant
//! digits), successes, errors, and the summary the table shows.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Longest latency the histogram holds exactly; longer ones are recorded as this.
const MAX_MICROS: u64 = 120_000_000;

/// The time frame of one point: load starts, is measured from `measure_from`, and stops at `end`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// When counting starts (after the warm-up).
    pub(crate) measure_from: Instant,
    /// When load stops.
    pub(crate) end: Instant,
}

impl Window {
    /// A window starting now: `warmup`, then `duration` measured.
    pub(crate) fn starting_now(warmup: Duration, duration: Duration) -> Self {
        let measure_from = Instant::now() + warmup;
        Self {
            measure_from,
            end: measure_from + duration,
        }
    }

    /// Whether a request that completed at `at` is counted.
    pub(crate) fn counts(&self, at: Instant) -> bool {
        at >= self.measure_from && at <= self.end
    }

    /// The measured length.
    pub(crate) fn length(&self) -> Duration {
        self.end - self.measure_from
    }
}

/// What one worker (or all of them, merged) saw.
#[derive(Clone, Debug)]
pub(crate) struct Recorder {
    latencies: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Recorder {
    /// An empty recorder.
    pub(crate) fn new() -> Self {
        Self {
            latencies: Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("valid histogram bounds"),
            errors: 0,
            first_error: None,
        }
    }

    /// A request that succeeded in `latency`.
    pub(crate) fn success(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latencies.saturating_record(micros.max(1));
    }

    /// A failed request (any time during the point, warm-up included); the first is kept.
    pub(crate) fn error(&mut self, what: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what());
        }
    }

    /// Adds another worker's counts.
    pub(crate) fn merge(&mut self, other: &Recorder) {
        self.latencies
            .add(&other.latencies)
            .expect("histograms with the same bounds");
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }

    /// The first error seen, to show why a point failed.
    pub(crate) fn first_error(&self) -> Option<&str> {
        self.first_error.as_deref()
    }

    /// Throughput and latency over `window`.
    pub(crate) fn summary(&self, window: Duration) -> Summary {
        let ms = |quantile: f64| self.latencies.value_at_quantile(quantile) as f64 / 1000.0;
        let requests = self.latencies.len();
        Summary {
            requests,
            rps: requests as f64 / window.as_secs_f64(),
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            max_ms: self.latencies.max() as f64 / 1000.0,
            mean_ms: self.latencies.mean() / 1000.0,
            errors: self.errors,
        }
    }
}

/// One point's figures.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct Summary {
    /// Successful requests completed in the measured window.
    pub(crate) requests: u64,
    /// `requests` per second of the window.
    pub(crate) rps: f64,
    /// Median latency, milliseconds.
    pub(crate) p50_ms: f64,
    /// 90th percentile, milliseconds.
    pub(crate) p90_ms: f64,
    /// 99th percentile, milliseconds.
    pub(crate) p99_ms: f64,
    /// Slowest, milliseconds.
    pub(crate) max_ms: f64,
    /// Mean, milliseconds.
    pub(crate) mean_ms: f64,
    /// Failed requests during the point (warm-up included): transport errors, HTTP statuses
    /// other than 200, GraphQL `errors`, or an answer without the expected data.
    pub(crate) errors: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_merged_workers() {
        let mut a = Recorder::new();
        let mut b = Recorder::new();
        for ms in 1..=100 {
            a.success(Duration::from_millis(ms));
        }
        b.success(Duration::from_millis(1000));
        b.error(|| "HTTP 500".into());
        a.merge(&b);
        let summary = a.summary(Duration::from_secs(2));
        assert_eq!(summary.requests, 101);
        assert!((summary.rps - 50.5).abs() < 1e-9);
        assert!((summary.p50_ms - 51.0).abs() < 0.5, "{summary:?}");
        assert!((summary.max_ms - 1000.0).abs() < 1.0, "{summary:?}");
        assert_eq!(summary.errors, 1);
        assert_eq!(a.first_error(), Some("HTTP 500"));
    }
}
