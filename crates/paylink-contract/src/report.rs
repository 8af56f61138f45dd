//! A diff's result as the command line shows it: text for people, JSON for programs.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::change::{Change, Criticality};

/// The changes and their counts: the JSON output of `paylink schema diff --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Every change, in the diff's order.
    pub changes: Vec<Change>,
    /// How many changes there are of each criticality.
    pub summary: Summary,
}

/// Counts of changes. Accepted changes are counted in `accepted` only, so `breaking` is the
/// number of breaking changes that fail a check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Breaking changes not accepted.
    pub breaking: usize,
    /// Dangerous changes not accepted.
    pub dangerous: usize,
    /// Non-breaking changes.
    pub non_breaking: usize,
    /// Breaking and dangerous changes accepted by an accept list.
    pub accepted: usize,
}

impl Report {
    /// Counts the changes.
    pub fn new(changes: Vec<Change>) -> Self {
        let mut summary = Summary::default();
        for change in &changes {
            match (change.accepted, change.criticality) {
                (true, _) => summary.accepted += 1,
                (false, Criticality::Breaking) => summary.breaking += 1,
                (false, Criticality::Dangerous) => summary.dangerous += 1,
                (false, Criticality::NonBreaking) => summary.non_breaking += 1,
            }
        }
        Self { changes, summary }
    }

    /// How many changes fail a check that fails on `fail_on` (breaking: breaking changes;
    /// dangerous: breaking and dangerous ones); accepted changes never do.
    pub fn failures(&self, fail_on: Criticality) -> usize {
        self.changes
            .iter()
            .filter(|change| !change.accepted && change.criticality <= fail_on)
            .count()
    }

    /// Pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a report is always JSON");
        json.push('\n');
        json
    }

    /// One line per change (criticality, coordinate, reason, in aligned columns), then a
    /// summary line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.changes.is_empty() {
            out.push_str("no changes\n");
            return out;
        }
        let label = |change: &Change| {
            if change.accepted {
                format!("{} (accepted)", change.criticality)
            } else {
                change.criticality.to_string()
            }
        };
        let label_width = self
            .changes
            .iter()
            .map(|c| label(c).len())
            .max()
            .unwrap_or(0);
        let coordinate_width = self
            .changes
            .iter()
            .map(|change| change.coordinate.chars().count())
            .max()
            .unwrap_or(0);
        for change in &self.changes {
            let _ = writeln!(
                out,
                "{:label_width$}  {:coordinate_width$}  {}",
                label(change),
                change.coordinate,
                change.reason
            );
        }
        let summary = &self.summary;
        let _ = write!(
            out,
            "\n{} change(s): {} breaking, {} dangerous, {} non-breaking",
            self.changes.len(),
            summary.breaking,
            summary.dangerous,
            summary.non_breaking
        );
        if summary.accepted > 0 {
            let _ = write!(out, ", {} accepted", summary.accepted);
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::ChangeKind;

    fn report() -> Report {
        let mut accepted = Change::new(
            Criticality::Breaking,
            "Query.old",
            ChangeKind::FieldRemoved,
            "gone",
        );
        accepted.accepted = true;
        Report::new(vec![
            Change::new(
                Criticality::Breaking,
                "Query.x",
                ChangeKind::FieldRemoved,
                "x gone",
            ),
            accepted,
            Change::new(
                Criticality::Dangerous,
                "Kind.C",
                ChangeKind::EnumValueAdded,
                "new value",
            ),
            Change::new(
                Criticality::NonBreaking,
                "Query.y",
                ChangeKind::FieldAdded,
                "y added",
            ),
        ])
    }

    #[test]
    fn the_summary_counts_accepted_changes_apart() {
        let report = report();
        assert_eq!(
            report.summary,
            Summary {
                breaking: 1,
                dangerous: 1,
                non_breaking: 1,
                accepted: 1
            }
        );
        assert_eq!(report.failures(Criticality::Breaking), 1);
        assert_eq!(report.failures(Criticality::Dangerous), 2);
    }

    #[test]
    fn text_has_one_aligned_line_per_change() {
        let text = report().to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "BREAKING             Query.x    x gone");
        assert_eq!(lines[1], "BREAKING (accepted)  Query.old  gone");
        assert_eq!(lines[3], "NON_BREAKING         Query.y    y added");
        assert_eq!(
            lines[5],
            "4 change(s): 1 breaking, 1 dangerous, 1 non-breaking, 1 accepted"
        );
        assert_eq!(Report::new(vec![]).to_text(), "no changes\n");
    }

    #[test]
    fn json_has_changes_and_summary() {
        let json: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        assert_eq!(
            json["changes"][0],
            serde_json::json!({
                "criticality": "BREAKING",
                "coordinate": "Query.x",
                "kind": "FIELD_REMOVED",
                "reason": "x gone",
                "accepted": false
            })
        );
        assert_eq!(
            json["summary"],
            serde_json::json!({"breaking": 1, "dangerous": 1, "non_breaking": 1, "accepted": 1})
        );
    }
}
