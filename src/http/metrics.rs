//! Prometheus metrics, served at `/metrics` in the text format: requests by operation and
//! outcome, latency, errors by `extensions.code`, and, read at scrape time, the connection
//! pool and the delivery outbox.

use crate::error_code::ErrorCode;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use paylink_store::{Store, deliveries};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Distinct operation names kept as labels; more are counted as `other`, because clients choose
/// the names and each one is a new time series.
const MAX_OPERATION_LABELS: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    errors: Family<CodeLabels, Counter>,
    pool: Family<StateLabels, Gauge>,
    outbox_depth: Gauge,
    deliveries: Family<StatusLabels, Gauge>,
    rate_limit_unavailable: Counter,
    operations_seen: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "paylink_graphql_requests",
            "GraphQL requests by operation name and outcome (ok, error, rejected, replayed)",
            requests.clone(),
        );
        // 1 ms to about 16 s.
        let latency = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "paylink_http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "paylink_graphql_errors",
            "GraphQL errors by extensions.code",
            errors.clone(),
        );
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register(
            "paylink_db_pool_connections",
            "Database connections by state (in_use, idle)",
            pool.clone(),
        );
        let outbox_depth = Gauge::default();
        registry.register(
            "paylink_outbox_depth",
            "Deliveries not yet finished (Queued, Sending or Unknown)",
            outbox_depth.clone(),
        );
        let deliveries = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "paylink_deliveries",
            "Deliveries by status",
            deliveries.clone(),
        );
        let rate_limit_unavailable = Counter::default();
        registry.register(
            "paylink_rate_limit_unavailable",
            "Requests let through because the shared rate limit's Redis could not say",
            rate_limit_unavailable.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            errors,
            pool,
            outbox_depth,
            deliveries,
            rate_limit_unavailable,
            operations_seen: Mutex::new(HashSet::new()),
        }
    }
}

impl Metrics {
    /// Counts a request let through because the shared rate limit could not be asked.
    pub(crate) fn record_rate_limit_unavailable(&self) {
        self.rate_limit_unavailable.inc();
    }

    /// Counts one GraphQL request.
    pub(crate) fn record_request(
        &self,
        operations: &[String],
        outcome: &str,
        error_codes: impl Iterator<Item = ErrorCode>,
    ) {
        for operation in operations {
            let operation = self.operation_label(operation);
            self.requests
                .get_or_create(&RequestLabels {
                    operation,
                    outcome: outcome.to_owned(),
                })
                .inc();
        }
        for code in error_codes {
            self.errors
                .get_or_create(&CodeLabels {
                    code: code.as_str().to_owned(),
                })
                .inc();
        }
    }

    /// Records how long an HTTP request took.
    pub(crate) fn record_latency(&self, elapsed: Duration) {
        self.latency.observe(elapsed.as_secs_f64());
    }

    fn operation_label(&self, name: &str) -> String {
        let valid = name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return "other".to_owned();
        }
        let mut seen = self
            .operations_seen
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if seen.contains(name) || seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    /// The text exposition, with the database gauges read now.
    pub(crate) async fn render(&self, store: &Store) -> String {
        let pool = store.pool_state();
        self.pool
            .get_or_create(&StateLabels {
                state: "in_use".into(),
            })
            .set(i64::from(
                pool.connections.saturating_sub(pool.idle_connections),
            ));
        self.pool
            .get_or_create(&StateLabels {
                state: "idle".into(),
            })
            .set(i64::from(pool.idle_connections));
        match store.delivery_counts().await {
            Ok(counts) => {
                let mut depth = 0;
                for status in deliveries::status::ALL {
                    let count = counts
                        .iter()
                        .find(|(name, _)| name == status)
                        .map_or(0, |(_, count)| *count);
                    if [
                        deliveries::status::QUEUED,
                        deliveries::status::SENDING,
                        deliveries::status::UNKNOWN,
                    ]
                    .contains(&status)
                    {
                        depth += count;
                    }
                    self.deliveries
                        .get_or_create(&StatusLabels {
                            status: status.into(),
                        })
                        .set(count);
                }
                self.outbox_depth.set(depth);
            }
            Err(error) => tracing::warn!(%error, "reading outbox metrics failed"),
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "encoding metrics failed");
        }
        text
    }
}
