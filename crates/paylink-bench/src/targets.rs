//! The targets, checked against a run's rows.

use serde::Serialize;

use crate::row::{Row, ServerFacts};

/// The concurrency the first-page targets are stated at.
const TARGET_CONCURRENCY: usize = 32;
/// PostgreSQL CPU per request, microseconds, above which selecting `total_row_count` shows
/// that the count is costly enough to tell whether it also runs when not selected.
const COSTLY_COUNT_MICROS: f64 = 2000.0;
/// Largest server RSS at the highest concurrency, KiB (64 MiB).
const MAX_RSS_KIB: u64 = 64 * 1024;

/// One target and what the run showed.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TargetCheck {
    /// The target, in words.
    pub(crate) target: &'static str,
    /// What was measured.
    pub(crate) measured: String,
    /// Whether it was met; `None` when the run did not measure it, or when it takes judgement.
    pub(crate) met: Option<bool>,
}

/// Checks every target.
pub(crate) fn check(rows: &[Row], server: &ServerFacts) -> Vec<TargetCheck> {
    let find = |scenario: &str, concurrency: usize| {
        rows.iter()
            .find(|row| row.scenario == scenario && row.concurrency == concurrency)
    };
    let mut checks = Vec::new();

    let first = find("first-page", TARGET_CONCURRENCY);
    const FIRST_SHARE: &str =
        "first page: at least 60 % of pgbench (prepared, same SQL) at concurrency 32";
    checks.push(match first.and_then(|row| row.share_of_pgbench) {
        Some(share) => TargetCheck {
            target: FIRST_SHARE,
            measured: format!("{:.0} %", share * 100.0),
            met: Some(share >= 0.60),
        },
        None => not_measured(FIRST_SHARE),
    });
    const FIRST_P99: &str = "first page: p99 at most 10 ms at concurrency 32";
    checks.push(match first {
        Some(row) => TargetCheck {
            target: FIRST_P99,
            measured: format!("{:.2} ms", row.summary.p99_ms),
            met: Some(row.summary.p99_ms <= 10.0),
        },
        None => not_measured(FIRST_P99),
    });
    const FILTERED: &str =
        "filtered listings: at least 50 % of their own pgbench (prepared) at concurrency 32";
    let filtered: Vec<(&str, f64)> = ["filter-amount", "filter-name"]
        .into_iter()
        .filter_map(|id| Some((id, find(id, TARGET_CONCURRENCY)?.share_of_pgbench?)))
        .collect();
    checks.push(if filtered.is_empty() {
        not_measured(FILTERED)
    } else {
        TargetCheck {
            target: FILTERED,
            measured: filtered
                .iter()
                .map(|(id, share)| format!("{id}: {:.0} %", share * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
            met: Some(filtered.iter().all(|(_, share)| *share >= 0.50)),
        }
    });

    const DEEP: &str = "deep page: median within 1.2x of the first page's at concurrency 32";
    let deep = find("deep-page", TARGET_CONCURRENCY);
    checks.push(match first.zip(deep) {
        Some((first, deep)) => {
            let ratio = deep.summary.p50_ms / first.summary.p50_ms;
            TargetCheck {
                target: DEEP,
                measured: format!("{ratio:.2}x"),
                met: Some(ratio <= 1.2),
            }
        }
        None => not_measured(DEEP),
    });

    // When the count ran without being selected, the first page would cost PostgreSQL about as
    // much as the page with the count; it must cost a small fraction of it.
    const TOTAL: &str =
        "total_row_count adds nothing when not selected (PostgreSQL CPU per request)";
    let pairs: Vec<(usize, f64, f64)> = rows
        .iter()
        .filter(|row| row.scenario == "first-page")
        .filter_map(|first| {
            let total = find("first-page-total", first.concurrency)?;
            Some((
                first.concurrency,
                first.postgres_micros_per_request,
                total.postgres_micros_per_request,
            ))
        })
        .collect();
    checks.push(if pairs.is_empty() {
        not_measured(TOTAL)
    } else {
        TargetCheck {
            target: TOTAL,
            measured: pairs
                .iter()
                .map(|(c, without, with)| {
                    format!("c{c}: {without:.0} µs without, {with:.0} µs with")
                })
                .collect::<Vec<_>>()
                .join("; "),
            met: all_met(pairs.iter().map(|(_, without, with)| {
                if *without < 0.1 * with {
                    Some(true)
                } else if *with >= COSTLY_COUNT_MICROS {
                    Some(false)
                } else {
                    // The count is too cheap here (few links) to tell whether it ran.
                    None
                }
            })),
        }
    });

    // The figure for creating is the build before it, measured in the same sitting:
    // this prints what to compare, and a run of both builds says whether it held.
    const CREATE: &str = "createPaymentLink at concurrency 32: not below the previous build's";
    checks.push(match find("create", TARGET_CONCURRENCY) {
        Some(row) => TargetCheck {
            target: CREATE,
            measured: format!(
                "{:.0}/s (compare with the previous build's run)",
                row.summary.rps
            ),
            met: None,
        },
        None => not_measured(CREATE),
    });

    const RSS: &str = "server RSS at most 64 MiB at the highest concurrency";
    checks.push(if server.rss_kib_after_highest_concurrency == 0 {
        not_measured(RSS)
    } else {
        TargetCheck {
            target: RSS,
            measured: format!(
                "{:.1} MiB after those points; peak over the run {:.1} MiB",
                server.rss_kib_after_highest_concurrency as f64 / 1024.0,
                server.peak_rss_kib as f64 / 1024.0
            ),
            met: Some(server.rss_kib_after_highest_concurrency <= MAX_RSS_KIB),
        }
    });
    checks
}

/// Missed when one is missed, met when all are met, else undecided.
fn all_met(verdicts: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let verdicts: Vec<_> = verdicts.collect();
    if verdicts.contains(&Some(false)) {
        Some(false)
    } else if verdicts.iter().all(|v| *v == Some(true)) {
        Some(true)
    } else {
        None
    }
}

fn not_measured(target: &'static str) -> TargetCheck {
    TargetCheck {
        target,
        measured: "not measured in this run".into(),
        met: None,
    }
}

/// The checks as lines of text.
pub(crate) fn render(checks: &[TargetCheck]) -> String {
    checks
        .iter()
        .map(|check| {
            let verdict = match check.met {
                Some(true) => "met   ",
                Some(false) => "MISSED",
                None => "see   ",
            };
            format!("{verdict} {}: {}\n", check.target, check.measured)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_miss_wins_and_undecided_stays_undecided() {
        assert_eq!(all_met([Some(true), Some(true)].into_iter()), Some(true));
        assert_eq!(
            all_met([Some(true), None, Some(false)].into_iter()),
            Some(false)
        );
        assert_eq!(all_met([Some(true), None].into_iter()), None);
    }
}
