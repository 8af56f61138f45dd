//! Fields of object types and interfaces: added, removed, type changed, and their arguments.

use apollo_compiler::Name;
use apollo_compiler::ast::FieldDefinition;
use apollo_compiler::collections::IndexMap;
use apollo_compiler::schema::Component;

use super::values::deprecated_note;
use super::wrapping::{safe_for_output, what_changed};
use super::{Changes, input_values, pair};
use crate::change::{ChangeKind, Criticality};

fn by_name(fields: &IndexMap<Name, Component<FieldDefinition>>) -> Vec<(&str, &FieldDefinition)> {
    fields
        .iter()
        .map(|(name, field)| (name.as_str(), &***field))
        .collect()
}

/// Compares the fields of the type `owner` (whose kind, as a noun, is `kind`).
pub(super) fn compare(
    changes: &mut Changes,
    owner: &str,
    kind: &str,
    old: &IndexMap<Name, Component<FieldDefinition>>,
    new: &IndexMap<Name, Component<FieldDefinition>>,
) {
    for (field, old, new) in pair(by_name(old), by_name(new)) {
        let coordinate = format!("{owner}.{field}");
        match (old, new) {
            (Some(old), None) => changes.push(
                Criticality::Breaking,
                &coordinate,
                ChangeKind::FieldRemoved,
                format!(
                    "The field `{field}` was removed from the {kind} `{owner}`: operations that select it fail{}",
                    deprecated_note(&old.directives)
                ),
            ),
            (None, Some(new)) => changes.push(
                Criticality::NonBreaking,
                &coordinate,
                ChangeKind::FieldAdded,
                format!("The field `{field}: {}` was added to the {kind} `{owner}`", new.ty),
            ),
            (Some(old), Some(new)) => changed(changes, &coordinate, old, new),
            (None, None) => {}
        }
    }
}

fn changed(changes: &mut Changes, coordinate: &str, old: &FieldDefinition, new: &FieldDefinition) {
    if old.ty != new.ty {
        let (criticality, why) = if safe_for_output(&old.ty, &new.ty) {
            (
                Criticality::NonBreaking,
                "it only became non-null, which clients of the old type handle".to_owned(),
            )
        } else {
            (
                Criticality::Breaking,
                what_changed(
                    &old.ty,
                    &new.ty,
                    "it may now be null where it could not before",
                ),
            )
        };
        changes.push(
            criticality,
            coordinate,
            ChangeKind::FieldTypeChanged,
            format!(
                "The type of the field `{coordinate}` changed from `{}` to `{}`: {why}",
                old.ty, new.ty
            ),
        );
    }
    let what = format!("the field `{coordinate}`");
    changes.description(
        coordinate,
        &what,
        old.description.as_ref(),
        new.description.as_ref(),
    );
    changes.deprecation(coordinate, &what, &old.directives, &new.directives);
    input_values::compare(
        changes,
        input_values::Role::Argument,
        &what,
        &|argument| format!("{coordinate}({argument}:)"),
        &input_values::of_arguments(&old.arguments),
        &input_values::of_arguments(&new.arguments),
    );
}
