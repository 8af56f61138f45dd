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
    checks.push(match first.and_then(|row| row.share_of_db_ceiling) {
        Some(share) => TargetCheck {
            target: "first page: at least 25 % of the database ceiling at concurrency 32",
            measured: format!("{:.0} %", share * 100.0),
            met: Some(share >= 0.25),
        },
        None => not_measured("first page: at least 25 % of the database ceiling at concurrency 32"),
    });
    checks.push(match first {
        Some(row) => TargetCheck {
            target: "first page: p99 under 15 ms at concurrency 32",
            measured: format!("{:.2} ms", row.summary.p99_ms),
            met: Some(row.summary.p99_ms < 15.0),
        },
        None => not_measured("first page: p99 under 15 ms at concurrency 32"),
    });

    let ratios: Vec<(usize, f64)> = rows
        .iter()
        .filter(|row| row.scenario == "deep-page")
        .filter_map(|deep| {
            let first = find("first-page", deep.concurrency)?;
            Some((deep.concurrency, deep.summary.p50_ms / first.summary.p50_ms))
        })
        .collect();
    const DEEP: &str = "deep page: median within 1.2x of the first page's";
    checks.push(if ratios.is_empty() {
        not_measured(DEEP)
    } else {
        TargetCheck {
            target: DEEP,
            measured: ratios
                .iter()
                .map(|(c, ratio)| format!("c{c}: {ratio:.2}x"))
                .collect::<Vec<_>>()
                .join(", "),
            met: Some(ratios.iter().all(|(_, ratio)| *ratio <= 1.2)),
        }
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

    const CREATE: &str = "createPaymentLink: at least 2,000 per second";
    let best_create = rows
        .iter()
        .filter(|row| row.scenario == "create")
        .max_by(|a, b| a.summary.rps.total_cmp(&b.summary.rps));
    checks.push(match best_create {
        Some(row) => TargetCheck {
            target: CREATE,
            measured: format!(
                "{:.0}/s at concurrency {}",
                row.summary.rps, row.concurrency
            ),
            met: Some(row.summary.rps >= 2000.0),
        },
        None => not_measured(CREATE),
    });

    const RSS: &str = "server RSS under 64 MiB at the highest concurrency";
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
            met: Some(server.rss_kib_after_highest_concurrency < MAX_RSS_KIB),
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
