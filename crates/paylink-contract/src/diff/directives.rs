//! Directive definitions: added, removed, locations, `repeatable` and arguments.

use apollo_compiler::Schema;
use apollo_compiler::ast::DirectiveDefinition;

use super::{Changes, input_values, pair};
use crate::change::{ChangeKind, Criticality};

/// Directives every schema has, whether it declares them or not.
const BUILT_IN: [&str; 5] = ["skip", "include", "deprecated", "specifiedBy", "oneOf"];

fn custom_directives(schema: &Schema) -> Vec<(&str, &DirectiveDefinition)> {
    schema
        .directive_definitions
        .iter()
        .filter(|(name, _)| !BUILT_IN.contains(&name.as_str()))
        .map(|(name, definition)| (name.as_str(), &**definition))
        .collect()
}

pub(super) fn compare(changes: &mut Changes, old: &Schema, new: &Schema) {
    for (name, old, new) in pair(custom_directives(old), custom_directives(new)) {
        let coordinate = format!("@{name}");
        match (old, new) {
            (Some(_), None) => changes.push(
                Criticality::Breaking,
                &coordinate,
                ChangeKind::DirectiveRemoved,
                format!("The directive `@{name}` was removed: documents that use it fail"),
            ),
            (None, Some(_)) => changes.push(
                Criticality::NonBreaking,
                &coordinate,
                ChangeKind::DirectiveAdded,
                format!("The directive `@{name}` was added"),
            ),
            (Some(old), Some(new)) => changed(changes, name, &coordinate, old, new),
            (None, None) => {}
        }
    }
}

fn changed(
    changes: &mut Changes,
    name: &str,
    coordinate: &str,
    old: &DirectiveDefinition,
    new: &DirectiveDefinition,
) {
    let what = format!("the directive `@{name}`");
    changes.description(
        coordinate,
        &what,
        old.description.as_ref(),
        new.description.as_ref(),
    );
    let names = |definition: &DirectiveDefinition| -> Vec<(&'static str, &'static str)> {
        definition
            .locations
            .iter()
            .map(|location| (location.name(), location.name()))
            .collect()
    };
    for (location, old, new) in pair(names(old), names(new)) {
        match (old, new) {
            (Some(_), None) => changes.push(
                Criticality::Breaking,
                coordinate,
                ChangeKind::DirectiveLocationRemoved,
                format!(
                    "The directive `@{name}` may no longer be used on {location}: documents that use it there fail"
                ),
            ),
            (None, Some(_)) => changes.push(
                Criticality::NonBreaking,
                coordinate,
                ChangeKind::DirectiveLocationAdded,
                format!("The directive `@{name}` may now be used on {location}"),
            ),
            _ => {}
        }
    }
    match (old.repeatable, new.repeatable) {
        (true, false) => changes.push(
            Criticality::Breaking,
            coordinate,
            ChangeKind::DirectiveRepeatableRemoved,
            format!(
                "The directive `@{name}` is no longer repeatable: documents that repeat it fail"
            ),
        ),
        (false, true) => changes.push(
            Criticality::NonBreaking,
            coordinate,
            ChangeKind::DirectiveRepeatableAdded,
            format!("The directive `@{name}` became repeatable"),
        ),
        _ => {}
    }
    input_values::compare(
        changes,
        input_values::Role::DirectiveArgument,
        &what,
        &|argument| format!("@{name}({argument}:)"),
        &input_values::of_arguments(&old.arguments),
        &input_values::of_arguments(&new.arguments),
    );
}
