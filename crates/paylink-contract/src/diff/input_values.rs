//! Input values: the arguments of fields and directives, and the fields of input object
//! types. All three follow the same rules (a value a client sends must still be accepted),
//! except that an optional argument added to a directive is harmless.

use apollo_compiler::ast::InputValueDefinition;
use apollo_compiler::collections::IndexMap;
use apollo_compiler::schema::Component;
use apollo_compiler::{Name, Node};

use super::values::{canonical, deprecated_note};
use super::wrapping::{safe_for_input, what_changed};
use super::{Changes, pair};
use crate::change::{ChangeKind, Criticality};

/// Which kind of input value is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// An argument of a field.
    Argument,
    /// A field of an input object type.
    InputField,
    /// An argument of a directive definition.
    DirectiveArgument,
}

impl Role {
    fn noun(self) -> &'static str {
        match self {
            Self::Argument | Self::DirectiveArgument => "argument",
            Self::InputField => "input field",
        }
    }

    fn added(self) -> ChangeKind {
        match self {
            Self::Argument => ChangeKind::ArgumentAdded,
            Self::InputField => ChangeKind::InputFieldAdded,
            Self::DirectiveArgument => ChangeKind::DirectiveArgumentAdded,
        }
    }

    fn removed(self) -> ChangeKind {
        match self {
            Self::Argument => ChangeKind::ArgumentRemoved,
            Self::InputField => ChangeKind::InputFieldRemoved,
            Self::DirectiveArgument => ChangeKind::DirectiveArgumentRemoved,
        }
    }

    fn type_changed(self) -> ChangeKind {
        match self {
            Self::Argument => ChangeKind::ArgumentTypeChanged,
            Self::InputField => ChangeKind::InputFieldTypeChanged,
            Self::DirectiveArgument => ChangeKind::DirectiveArgumentTypeChanged,
        }
    }

    fn default_changed(self) -> ChangeKind {
        match self {
            Self::Argument => ChangeKind::ArgumentDefaultValueChanged,
            Self::InputField => ChangeKind::InputFieldDefaultValueChanged,
            Self::DirectiveArgument => ChangeKind::DirectiveArgumentDefaultValueChanged,
        }
    }

    /// How adding an optional value of this role is classified.
    fn optional_added(self) -> Criticality {
        match self {
            // graphql-js and graphql-inspector: the server may now behave differently for
            // operations that leave it out.
            Self::Argument | Self::InputField => Criticality::Dangerous,
            Self::DirectiveArgument => Criticality::NonBreaking,
        }
    }
}

/// The arguments of a field or directive, by name.
pub(super) fn of_arguments(
    arguments: &[Node<InputValueDefinition>],
) -> Vec<(&str, &InputValueDefinition)> {
    arguments
        .iter()
        .map(|argument| (argument.name.as_str(), &**argument))
        .collect()
}

/// The fields of an input object type, by name.
pub(super) fn of_input_object(
    fields: &IndexMap<Name, Component<InputValueDefinition>>,
) -> Vec<(&str, &InputValueDefinition)> {
    fields
        .iter()
        .map(|(name, field)| (name.as_str(), &***field))
        .collect()
}

/// A value that a client must send: non-null without a default.
fn required(value: &InputValueDefinition) -> bool {
    value.ty.is_non_null() && value.default_value.is_none()
}

fn default_value(value: &InputValueDefinition) -> Option<String> {
    value.default_value.as_ref().map(|value| canonical(value))
}

/// Compares the input values of `owner` (a phrase such as "the field `Query.links`");
/// `coordinate_of` makes a value's coordinate from its name.
pub(super) fn compare(
    changes: &mut Changes,
    role: Role,
    owner: &str,
    coordinate_of: &dyn Fn(&str) -> String,
    old: &[(&str, &InputValueDefinition)],
    new: &[(&str, &InputValueDefinition)],
) {
    let noun = role.noun();
    for (name, old, new) in pair(old.iter().copied(), new.iter().copied()) {
        let coordinate = coordinate_of(name);
        match (old, new) {
            (Some(old), None) => changes.push(
                Criticality::Breaking,
                &coordinate,
                role.removed(),
                format!(
                    "The {noun} `{name}` was removed from {owner}: clients that send it fail{}",
                    deprecated_note(&old.directives)
                ),
            ),
            (None, Some(new)) if required(new) => changes.push(
                Criticality::Breaking,
                &coordinate,
                role.added(),
                format!(
                    "The required {noun} `{name}: {}` was added to {owner}: clients that do not send it fail",
                    new.ty
                ),
            ),
            (None, Some(new)) => changes.push(
                role.optional_added(),
                &coordinate,
                role.added(),
                format!(
                    "The optional {noun} `{name}: {}` was added to {owner}",
                    new.ty
                ),
            ),
            (Some(old), Some(new)) => changed(changes, role, &coordinate, old, new),
            (None, None) => {}
        }
    }
}

fn changed(
    changes: &mut Changes,
    role: Role,
    coordinate: &str,
    old: &InputValueDefinition,
    new: &InputValueDefinition,
) {
    let noun = role.noun();
    if old.ty != new.ty {
        let (criticality, why) = if safe_for_input(&old.ty, &new.ty) {
            (
                Criticality::NonBreaking,
                "it only became nullable, so every value accepted before still is".to_owned(),
            )
        } else {
            (
                Criticality::Breaking,
                what_changed(
                    &old.ty,
                    &new.ty,
                    "it became non-null, so clients that send null or leave it out fail",
                ),
            )
        };
        changes.push(
            criticality,
            coordinate,
            role.type_changed(),
            format!(
                "The type of the {noun} `{coordinate}` changed from `{}` to `{}`: {why}",
                old.ty, new.ty
            ),
        );
    }
    let (old_default, new_default) = (default_value(old), default_value(new));
    if old_default != new_default {
        let show = |value: &Option<String>| {
            value
                .as_ref()
                .map_or_else(|| "none".to_owned(), |value| format!("`{value}`"))
        };
        // With the same type, dropping the default of a non-null value makes it required;
        // a type change is reported (as breaking) above.
        let (criticality, why) = if old.ty == new.ty && required(new) {
            (
                Criticality::Breaking,
                "it is now required, so clients that leave it out fail",
            )
        } else {
            (
                Criticality::Dangerous,
                "clients that leave it out get another value",
            )
        };
        changes.push(
            criticality,
            coordinate,
            role.default_changed(),
            format!(
                "The default value of the {noun} `{coordinate}` changed from {} to {}: {why}",
                show(&old_default),
                show(&new_default)
            ),
        );
    }
    let what = format!("the {noun} `{coordinate}`");
    changes.description(
        coordinate,
        &what,
        old.description.as_ref(),
        new.description.as_ref(),
    );
    changes.deprecation(coordinate, &what, &old.directives, &new.directives);
}
