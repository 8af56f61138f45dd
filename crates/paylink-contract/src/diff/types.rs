//! Named types: added, removed, changed kind, and what belongs to the type itself
//! (description, union members, implemented interfaces, enum values, `@specifiedBy`, `@oneOf`).

use apollo_compiler::Schema;
use apollo_compiler::ast::EnumValueDefinition;
use apollo_compiler::collections::IndexSet;
use apollo_compiler::schema::{ComponentName, EnumType, ExtendedType};

use super::values::{canonical, deprecated_note};
use super::{Changes, fields, input_values, pair};
use crate::change::{ChangeKind, Criticality};

/// The kind of a type, as a noun for reasons.
fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "object type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input object type",
    }
}

/// The types a schema defines itself: not built-in scalars nor introspection types.
fn custom_types(schema: &Schema) -> Vec<(&str, &ExtendedType)> {
    schema
        .types
        .iter()
        .filter(|(name, ty)| !ty.is_built_in() && !name.starts_with("__"))
        .map(|(name, ty)| (name.as_str(), ty))
        .collect()
}

pub(super) fn compare(changes: &mut Changes, old: &Schema, new: &Schema) {
    for (name, old, new) in pair(custom_types(old), custom_types(new)) {
        match (old, new) {
            (Some(old), None) => changes.push(
                Criticality::Breaking,
                name,
                ChangeKind::TypeRemoved,
                format!(
                    "The {} `{name}` was removed: operations and fragments that name it fail",
                    kind(old)
                ),
            ),
            (None, Some(new)) => changes.push(
                Criticality::NonBreaking,
                name,
                ChangeKind::TypeAdded,
                format!("The {} `{name}` was added", kind(new)),
            ),
            (Some(old), Some(new)) => changed(changes, name, old, new),
            (None, None) => {}
        }
    }
}

fn changed(changes: &mut Changes, name: &str, old: &ExtendedType, new: &ExtendedType) {
    if kind(old) != kind(new) {
        changes.push(
            Criticality::Breaking,
            name,
            ChangeKind::TypeKindChanged,
            format!(
                "`{name}` changed from {} to {}",
                with_article(kind(old)),
                with_article(kind(new))
            ),
        );
        return;
    }
    let what = format!("the {} `{name}`", kind(old));
    changes.description(name, &what, old.description(), new.description());
    match (old, new) {
        (ExtendedType::Scalar(_), ExtendedType::Scalar(_)) => specified_by(changes, name, old, new),
        (ExtendedType::Object(o), ExtendedType::Object(n)) => {
            interfaces(
                changes,
                name,
                kind(old),
                &o.implements_interfaces,
                &n.implements_interfaces,
            );
            fields::compare(changes, name, kind(old), &o.fields, &n.fields);
        }
        (ExtendedType::Interface(o), ExtendedType::Interface(n)) => {
            interfaces(
                changes,
                name,
                kind(old),
                &o.implements_interfaces,
                &n.implements_interfaces,
            );
            fields::compare(changes, name, kind(old), &o.fields, &n.fields);
        }
        (ExtendedType::Union(o), ExtendedType::Union(n)) => {
            union_members(changes, name, &o.members, &n.members)
        }
        (ExtendedType::Enum(o), ExtendedType::Enum(n)) => enum_values(changes, name, o, n),
        (ExtendedType::InputObject(o), ExtendedType::InputObject(n)) => {
            one_of(changes, name, old, new);
            input_values::compare(
                changes,
                input_values::Role::InputField,
                &format!("the input object type `{name}`"),
                &|field| format!("{name}.{field}"),
                &input_values::of_input_object(&o.fields),
                &input_values::of_input_object(&n.fields),
            );
        }
        _ => {}
    }
}

fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn names(set: &IndexSet<ComponentName>) -> Vec<(&str, &ComponentName)> {
    set.iter().map(|name| (name.as_str(), name)).collect()
}

fn interfaces(
    changes: &mut Changes,
    name: &str,
    kind: &str,
    old: &IndexSet<ComponentName>,
    new: &IndexSet<ComponentName>,
) {
    for (interface, old, new) in pair(names(old), names(new)) {
        match (old, new) {
            (Some(_), None) => changes.push(
                Criticality::Breaking,
                name,
                ChangeKind::InterfaceImplementationRemoved,
                format!(
                    "The {kind} `{name}` no longer implements `{interface}`: fragments on `{interface}` stop matching it"
                ),
            ),
            (None, Some(_)) => changes.push(
                Criticality::Dangerous,
                name,
                ChangeKind::InterfaceImplementationAdded,
                format!(
                    "The {kind} `{name}` now implements `{interface}`: clients may get it where they only expected the other implementations"
                ),
            ),
            _ => {}
        }
    }
}

fn union_members(
    changes: &mut Changes,
    name: &str,
    old: &IndexSet<ComponentName>,
    new: &IndexSet<ComponentName>,
) {
    for (member, old, new) in pair(names(old), names(new)) {
        match (old, new) {
            (Some(_), None) => changes.push(
                Criticality::Breaking,
                name,
                ChangeKind::UnionMemberRemoved,
                format!(
                    "`{member}` was removed from the union `{name}`: fragments on `{member}` within it fail"
                ),
            ),
            (None, Some(_)) => changes.push(
                Criticality::Dangerous,
                name,
                ChangeKind::UnionMemberAdded,
                format!(
                    "`{member}` was added to the union `{name}`: clients that switch on `__typename` may not handle it"
                ),
            ),
            _ => {}
        }
    }
}

fn values(ty: &EnumType) -> Vec<(&str, &EnumValueDefinition)> {
    ty.values
        .iter()
        .map(|(value, definition)| (value.as_str(), &***definition))
        .collect()
}

fn enum_values(changes: &mut Changes, name: &str, old: &EnumType, new: &EnumType) {
    for (value, old, new) in pair(values(old), values(new)) {
        let coordinate = format!("{name}.{value}");
        match (old, new) {
            (Some(old), None) => changes.push(
                Criticality::Breaking,
                &coordinate,
                ChangeKind::EnumValueRemoved,
                format!(
                    "The value `{value}` was removed from the enum `{name}`: clients sending it fail{}",
                    deprecated_note(&old.directives)
                ),
            ),
            (None, Some(_)) => changes.push(
                Criticality::Dangerous,
                &coordinate,
                ChangeKind::EnumValueAdded,
                format!(
                    "The value `{value}` was added to the enum `{name}`: clients reading `{name}` may not handle it"
                ),
            ),
            (Some(old), Some(new)) => {
                let what = format!("the enum value `{coordinate}`");
                changes.description(
                    &coordinate,
                    &what,
                    old.description.as_ref(),
                    new.description.as_ref(),
                );
                changes.deprecation(&coordinate, &what, &old.directives, &new.directives);
            }
            (None, None) => {}
        }
    }
}

fn specified_by(changes: &mut Changes, name: &str, old: &ExtendedType, new: &ExtendedType) {
    let url = |ty: &ExtendedType| {
        ty.directives()
            .get("specifiedBy")
            .and_then(|directive| directive.specified_argument_by_name("url"))
            .map(|url| canonical(url))
    };
    let (old, new) = (url(old), url(new));
    if old != new {
        let show = |url: Option<String>| url.unwrap_or_else(|| "none".to_owned());
        changes.push(
            Criticality::NonBreaking,
            name,
            ChangeKind::ScalarSpecifiedByChanged,
            format!(
                "The `@specifiedBy` URL of the scalar `{name}` changed from {} to {}",
                show(old),
                show(new)
            ),
        );
    }
}

fn one_of(changes: &mut Changes, name: &str, old: &ExtendedType, new: &ExtendedType) {
    let is_one_of = |ty: &ExtendedType| ty.directives().get("oneOf").is_some();
    match (is_one_of(old), is_one_of(new)) {
        (false, true) => changes.push(
            Criticality::Breaking,
            name,
            ChangeKind::InputOneOfAdded,
            format!(
                "The input object type `{name}` became `@oneOf`: values that set several fields, or none, are refused"
            ),
        ),
        (true, false) => changes.push(
            Criticality::NonBreaking,
            name,
            ChangeKind::InputOneOfRemoved,
            format!("The input object type `{name}` is no longer `@oneOf`"),
        ),
        _ => {}
    }
}
