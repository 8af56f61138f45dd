//! Semantic comparison of two SDL schemas, used to prove that the schema juniper serves
//! (`RootNode::as_sdl()`) is the checked-in SDL.
//!
//! Printing differs legitimately between the two (order of definitions and fields, the
//! `schema { ... }` block juniper always prints, block-string layout of descriptions, `1` vs
//! `1.0`), so both sides are parsed and compared as schemas, never as text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use apollo_compiler::ast::{
    DirectiveDefinition, DirectiveList, EnumValueDefinition, FieldDefinition, InputValueDefinition,
    Value,
};
use apollo_compiler::collections::{IndexMap, IndexSet};
use apollo_compiler::schema::{Component, ComponentName, EnumType, ExtendedType};
use apollo_compiler::{Name, Node, Schema};

use crate::diagnostics::CodegenError;
use crate::load::{load_lenient, load_valid};
use crate::options::SchemaSource;

/// The reason GraphQL assumes for a bare `@deprecated`.
const DEFAULT_DEPRECATION_REASON: &str = "No longer supported";

/// Compares the `expected` SDL (the contract, validated) with the `actual` SDL (what a server
/// prints, only parsed), type by type, ignoring order, built-in scalars, introspection types
/// and built-in directives.
///
/// Returns one human-readable line per difference, sorted; an empty vector means the schemas
/// are equal.
pub fn semantic_differences(
    expected: &[SchemaSource],
    actual: &[SchemaSource],
) -> Result<Vec<String>, CodegenError> {
    let expected = load_valid(expected)?.into_inner();
    let actual = load_lenient(actual)?;
    let mut out = Differences::default();
    out.schemas(&expected, &actual);
    out.lines.sort();
    Ok(out.lines)
}

#[derive(Default)]
struct Differences {
    lines: Vec<String>,
}

fn or_none(value: Option<impl Display>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn description(description: Option<&Node<str>>) -> Option<&str> {
    description.map(|d| d.trim()).filter(|d| !d.is_empty())
}

fn deprecation(directives: &DirectiveList) -> Option<String> {
    let directive = directives.get("deprecated")?;
    Some(
        directive
            .specified_argument_by_name("reason")
            .and_then(|reason| reason.as_str())
            .unwrap_or(DEFAULT_DEPRECATION_REASON)
            .to_owned(),
    )
}

/// A printing-independent form of a value: numbers by their numeric value (juniper prints a
/// Float default `1` as `1.0` or vice versa), object fields sorted by name.
fn canonical(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Enum(name) => name.to_string(),
        Value::Variable(name) => format!("${name}"),
        Value::String(string) => format!("{string:?}"),
        Value::Int(_) | Value::Float(_) => value
            .to_f64()
            .map_or_else(|| value.to_string(), |number| number.to_string()),
        Value::Boolean(boolean) => boolean.to_string(),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|item| canonical(item)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: BTreeMap<&str, String> = fields
                .iter()
                .map(|(name, value)| (name.as_str(), canonical(value)))
                .collect();
            let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "object type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input object",
    }
}

fn names<'a>(set: impl IntoIterator<Item = &'a ComponentName>) -> BTreeSet<&'a str> {
    set.into_iter().map(|name| name.as_str()).collect()
}

/// Pairs up two name-keyed collections: `(name, expected, actual)` for every name on either side.
fn pair<'a, T: ?Sized>(
    expected: impl IntoIterator<Item = (&'a str, &'a T)>,
    actual: impl IntoIterator<Item = (&'a str, &'a T)>,
) -> Vec<(&'a str, Option<&'a T>, Option<&'a T>)> {
    let mut paired: BTreeMap<&str, (Option<&T>, Option<&T>)> = BTreeMap::new();
    for (name, item) in expected {
        paired.entry(name).or_default().0 = Some(item);
    }
    for (name, item) in actual {
        paired.entry(name).or_default().1 = Some(item);
    }
    paired
        .into_iter()
        .map(|(name, (e, a))| (name, e, a))
        .collect()
}

impl Differences {
    fn push(&mut self, path: &str, what: impl Display) {
        self.lines.push(format!("{path}: {what}"));
    }

    /// Reports a one-sided item; returns both sides when the item exists on both.
    fn both<'a, T: ?Sized>(
        &mut self,
        path: &str,
        expected: Option<&'a T>,
        actual: Option<&'a T>,
    ) -> Option<(&'a T, &'a T)> {
        match (expected, actual) {
            (Some(e), Some(a)) => Some((e, a)),
            (Some(_), None) => {
                self.push(path, "missing from the served schema");
                None
            }
            (None, Some(_)) => {
                self.push(path, "served but not in the SDL");
                None
            }
            (None, None) => None,
        }
    }

    fn differs(&mut self, path: &str, what: &str, expected: impl Display, actual: impl Display) {
        self.push(
            path,
            format!("{what} differs: SDL {expected}, served {actual}"),
        );
    }

    fn description(
        &mut self,
        path: &str,
        expected: Option<&Node<str>>,
        actual: Option<&Node<str>>,
    ) {
        let (expected, actual) = (description(expected), description(actual));
        if expected != actual {
            let quoted =
                |d: Option<&str>| d.map_or_else(|| "none".to_owned(), |d| format!("{d:?}"));
            self.differs(path, "description", quoted(expected), quoted(actual));
        }
    }

    fn deprecation(&mut self, path: &str, expected: &DirectiveList, actual: &DirectiveList) {
        let (expected, actual) = (deprecation(expected), deprecation(actual));
        if expected != actual {
            let show = |d: Option<String>| {
                d.map_or_else(
                    || "not deprecated".to_owned(),
                    |r| format!("deprecated ({r:?})"),
                )
            };
            self.differs(path, "deprecation", show(expected), show(actual));
        }
    }

    fn schemas(&mut self, expected: &Schema, actual: &Schema) {
        let (e, a) = (&expected.schema_definition, &actual.schema_definition);
        for (operation, e, a) in [
            ("query", &e.query, &a.query),
            ("mutation", &e.mutation, &a.mutation),
            ("subscription", &e.subscription, &a.subscription),
        ] {
            let (e, a) = (
                e.as_ref().map(|n| n.as_str()),
                a.as_ref().map(|n| n.as_str()),
            );
            if e != a {
                self.differs(
                    "schema",
                    &format!("{operation} root type"),
                    or_none(e),
                    or_none(a),
                );
            }
        }

        for (name, e, a) in pair(custom_directives(expected), custom_directives(actual)) {
            self.both(&format!("directive @{name}"), e, a);
        }

        for (name, e, a) in pair(custom_types(expected), custom_types(actual)) {
            if let Some((e, a)) = self.both(&format!("type {name}"), e, a) {
                self.types(name, e, a);
            }
        }
    }

    fn types(&mut self, name: &str, expected: &ExtendedType, actual: &ExtendedType) {
        if kind(expected) != kind(actual) {
            self.differs(
                &format!("type {name}"),
                "kind",
                kind(expected),
                kind(actual),
            );
            return;
        }
        self.description(name, expected.description(), actual.description());
        match (expected, actual) {
            (ExtendedType::Scalar(_), ExtendedType::Scalar(_)) => {
                let (e, a) = (specified_by(expected), specified_by(actual));
                if e != a {
                    self.differs(name, "@specifiedBy url", or_none(e), or_none(a));
                }
            }
            (ExtendedType::Object(e), ExtendedType::Object(a)) => {
                self.interfaces(name, &e.implements_interfaces, &a.implements_interfaces);
                self.fields(name, object_fields(&e.fields), object_fields(&a.fields));
            }
            (ExtendedType::Interface(e), ExtendedType::Interface(a)) => {
                self.interfaces(name, &e.implements_interfaces, &a.implements_interfaces);
                self.fields(name, object_fields(&e.fields), object_fields(&a.fields));
            }
            (ExtendedType::Union(e), ExtendedType::Union(a)) => {
                let (e, a) = (names(&e.members), names(&a.members));
                if e != a {
                    self.differs(name, "members", format!("{e:?}"), format!("{a:?}"));
                }
            }
            (ExtendedType::Enum(e), ExtendedType::Enum(a)) => {
                let values = |ty: &'_ EnumType| -> Vec<(String, EnumValueDefinition)> {
                    ty.values
                        .iter()
                        .map(|(n, v)| (n.to_string(), (***v).clone()))
                        .collect()
                };
                let (e, a) = (values(e), values(a));
                let e = e.iter().map(|(n, v)| (n.as_str(), v));
                let a = a.iter().map(|(n, v)| (n.as_str(), v));
                for (value, e, a) in pair(e, a) {
                    let path = format!("{name}.{value}");
                    if let Some((e, a)) = self.both(&path, e, a) {
                        self.description(&path, e.description.as_ref(), a.description.as_ref());
                        self.deprecation(&path, &e.directives, &a.directives);
                    }
                }
            }
            (ExtendedType::InputObject(e), ExtendedType::InputObject(a)) => {
                let (e_one_of, a_one_of) = (one_of(expected), one_of(actual));
                if e_one_of != a_one_of {
                    self.differs(name, "@oneOf", e_one_of, a_one_of);
                }
                self.input_values(
                    &|field| format!("{name}.{field}"),
                    input_fields(&e.fields),
                    input_fields(&a.fields),
                );
            }
            _ => {}
        }
    }

    fn interfaces(
        &mut self,
        name: &str,
        expected: &IndexSet<ComponentName>,
        actual: &IndexSet<ComponentName>,
    ) {
        let (e, a) = (names(expected), names(actual));
        if e != a {
            self.differs(
                name,
                "implemented interfaces",
                format!("{e:?}"),
                format!("{a:?}"),
            );
        }
    }

    fn fields(
        &mut self,
        owner: &str,
        expected: Vec<(&str, &FieldDefinition)>,
        actual: Vec<(&str, &FieldDefinition)>,
    ) {
        for (field, e, a) in pair(expected, actual) {
            let path = format!("{owner}.{field}");
            let Some((e, a)) = self.both(&path, e, a) else {
                continue;
            };
            if e.ty != a.ty {
                self.differs(&path, "type", &e.ty, &a.ty);
            }
            self.description(&path, e.description.as_ref(), a.description.as_ref());
            self.deprecation(&path, &e.directives, &a.directives);
            let arguments = |f: &'_ FieldDefinition| -> Vec<(String, InputValueDefinition)> {
                f.arguments
                    .iter()
                    .map(|arg| (arg.name.to_string(), (**arg).clone()))
                    .collect()
            };
            let (e, a) = (arguments(e), arguments(a));
            self.input_values(
                &|arg| format!("{path}({arg}:)"),
                e.iter().map(|(n, v)| (n.as_str(), v)).collect(),
                a.iter().map(|(n, v)| (n.as_str(), v)).collect(),
            );
        }
    }

    /// Arguments and input fields: type, default value, description, deprecation.
    fn input_values(
        &mut self,
        path_of: &dyn Fn(&str) -> String,
        expected: Vec<(&str, &InputValueDefinition)>,
        actual: Vec<(&str, &InputValueDefinition)>,
    ) {
        for (name, e, a) in pair(expected, actual) {
            let path = path_of(name);
            let Some((e, a)) = self.both(&path, e, a) else {
                continue;
            };
            if e.ty != a.ty {
                self.differs(&path, "type", &e.ty, &a.ty);
            }
            let default = |v: &InputValueDefinition| v.default_value.as_ref().map(|d| canonical(d));
            let (e_default, a_default) = (default(e), default(a));
            if e_default != a_default {
                self.differs(
                    &path,
                    "default value",
                    or_none(e_default),
                    or_none(a_default),
                );
            }
            self.description(&path, e.description.as_ref(), a.description.as_ref());
            self.deprecation(&path, &e.directives, &a.directives);
        }
    }
}

fn custom_directives(schema: &Schema) -> Vec<(&str, &DirectiveDefinition)> {
    schema
        .directive_definitions
        .iter()
        .filter(|(_, definition)| !definition.is_built_in())
        .map(|(name, definition)| (name.as_str(), &**definition))
        .collect()
}

fn custom_types(schema: &Schema) -> Vec<(&str, &ExtendedType)> {
    schema
        .types
        .iter()
        .filter(|(_, ty)| !ty.is_built_in())
        .map(|(name, ty)| (name.as_str(), ty))
        .collect()
}

fn specified_by(ty: &ExtendedType) -> Option<String> {
    ty.directives()
        .get("specifiedBy")
        .and_then(|directive| directive.specified_argument_by_name("url"))
        .map(|url| canonical(url))
}

fn one_of(ty: &ExtendedType) -> bool {
    ty.directives().get("oneOf").is_some()
}

fn object_fields(
    fields: &IndexMap<Name, Component<FieldDefinition>>,
) -> Vec<(&str, &FieldDefinition)> {
    fields
        .iter()
        .map(|(name, field)| (name.as_str(), &***field))
        .collect()
}

fn input_fields(
    fields: &IndexMap<Name, Component<InputValueDefinition>>,
) -> Vec<(&str, &InputValueDefinition)> {
    fields
        .iter()
        .map(|(name, field)| (name.as_str(), &***field))
        .collect()
}
