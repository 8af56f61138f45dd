//! The accept list: a committed file of schema coordinates whose breaking (or dangerous)
//! changes were deliberately made and must not fail the check.
//!
//! One coordinate per line (`Query.paymentLinks`, `PaymentLinkInput.amount`, `@tag`, ...);
//! `#` starts a comment, to the end of the line; blank lines are ignored.

use std::collections::BTreeSet;
use std::path::Path;

use crate::change::{Change, Criticality};

/// The coordinates of an accept file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcceptList {
    coordinates: BTreeSet<String>,
}

impl AcceptList {
    /// Reads the text of an accept file.
    pub fn parse(text: &str) -> Self {
        let coordinates = text
            .lines()
            .map(|line| {
                line.split_once('#')
                    .map_or(line, |(before, _)| before)
                    .trim()
            })
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        Self { coordinates }
    }

    /// Reads an accept file.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(&std::fs::read_to_string(path)?))
    }

    /// The listed coordinates, sorted.
    pub fn coordinates(&self) -> impl Iterator<Item = &str> {
        self.coordinates.iter().map(String::as_str)
    }

    /// Marks every breaking or dangerous change at a listed coordinate as accepted, and
    /// returns the listed coordinates that matched no such change (stale entries, which a
    /// caller may want to point out).
    pub fn apply(&self, changes: &mut [Change]) -> Vec<String> {
        let mut used = BTreeSet::new();
        for change in changes.iter_mut() {
            if change.criticality != Criticality::NonBreaking
                && self.coordinates.contains(&change.coordinate)
            {
                change.accepted = true;
                used.insert(change.coordinate.clone());
            }
        }
        self.coordinates.difference(&used).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::ChangeKind;

    #[test]
    fn comments_and_blank_lines_are_ignored() {
        let list = AcceptList::parse("# released 1.2\n\nQuery.links  # renamed\n  @tag\n");
        assert_eq!(
            list.coordinates().collect::<Vec<_>>(),
            ["@tag", "Query.links"]
        );
    }

    #[test]
    fn listed_breaking_and_dangerous_changes_are_accepted() {
        let mut changes = vec![
            Change::new(
                Criticality::Breaking,
                "Query.links",
                ChangeKind::FieldRemoved,
                "",
            ),
            Change::new(
                Criticality::Breaking,
                "Query.other",
                ChangeKind::FieldRemoved,
                "",
            ),
            Change::new(
                Criticality::Dangerous,
                "Kind.C",
                ChangeKind::EnumValueAdded,
                "",
            ),
            Change::new(
                Criticality::NonBreaking,
                "Kind",
                ChangeKind::DescriptionChanged,
                "",
            ),
        ];
        let stale = AcceptList::parse("Query.links\nKind.C\nKind\nGone.field").apply(&mut changes);
        let accepted: Vec<bool> = changes.iter().map(|change| change.accepted).collect();
        assert_eq!(accepted, [true, false, true, false]);
        assert_eq!(stale, ["Gone.field", "Kind"]);
    }
}
