//! The comparison of two schemas, element by element, following the classification of
//! graphql-js's `findBreakingChanges` / `findDangerousChanges` and graphql-inspector.
//!
//! Built-in scalars, introspection types and the built-in directives (`@skip`, `@include`,
//! `@deprecated`, `@specifiedBy`, `@oneOf`) are never reported: they are the same in every
//! schema, whether or not a side declares them.

mod directives;
mod fields;
mod input_values;
mod types;
mod values;
mod wrapping;

use std::collections::BTreeMap;

use apollo_compiler::Schema;

use crate::change::{Change, ChangeKind, Criticality};

/// Every change from `old` to `new`, in a stable order: root operation types, then directive
/// definitions by name, then types by name (and within a type, its elements by name).
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let mut changes = Changes::default();
    roots(&mut changes, old, new);
    directives::compare(&mut changes, old, new);
    types::compare(&mut changes, old, new);
    changes.list
}

/// The changes found so far.
#[derive(Default)]
struct Changes {
    list: Vec<Change>,
}

impl Changes {
    fn push(
        &mut self,
        criticality: Criticality,
        coordinate: impl Into<String>,
        kind: ChangeKind,
        reason: impl Into<String>,
    ) {
        self.list
            .push(Change::new(criticality, coordinate, kind, reason));
    }
}

/// Pairs up two name-keyed collections: `(name, old, new)` for every name on either side,
/// sorted by name.
fn pair<'a, T: ?Sized>(
    old: impl IntoIterator<Item = (&'a str, &'a T)>,
    new: impl IntoIterator<Item = (&'a str, &'a T)>,
) -> Vec<(&'a str, Option<&'a T>, Option<&'a T>)> {
    let mut paired: BTreeMap<&str, (Option<&T>, Option<&T>)> = BTreeMap::new();
    for (name, item) in old {
        paired.entry(name).or_default().0 = Some(item);
    }
    for (name, item) in new {
        paired.entry(name).or_default().1 = Some(item);
    }
    paired
        .into_iter()
        .map(|(name, (old, new))| (name, old, new))
        .collect()
}

/// Root operation types: renaming or removing one breaks every operation of that kind;
/// adding one where there was none breaks nothing.
fn roots(changes: &mut Changes, old: &Schema, new: &Schema) {
    let (o, n) = (&old.schema_definition, &new.schema_definition);
    for (operation, old, new) in [
        ("query", &o.query, &n.query),
        ("mutation", &o.mutation, &n.mutation),
        ("subscription", &o.subscription, &n.subscription),
    ] {
        let coordinate = format!("schema.{operation}");
        match (
            old.as_ref().map(|n| n.as_str()),
            new.as_ref().map(|n| n.as_str()),
        ) {
            (Some(old), Some(new)) if old != new => changes.push(
                Criticality::Breaking,
                coordinate,
                ChangeKind::RootOperationTypeChanged,
                format!("The {operation} root type changed from `{old}` to `{new}`"),
            ),
            (Some(old), None) => changes.push(
                Criticality::Breaking,
                coordinate,
                ChangeKind::RootOperationTypeRemoved,
                format!(
                    "The {operation} root type `{old}` was removed: no {operation} can be sent"
                ),
            ),
            (None, Some(new)) => changes.push(
                Criticality::NonBreaking,
                coordinate,
                ChangeKind::RootOperationTypeAdded,
                format!("The {operation} root type `{new}` was added"),
            ),
            _ => {}
        }
    }
}
