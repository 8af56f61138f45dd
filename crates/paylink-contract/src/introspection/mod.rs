//! Introspection: the queries that read a live endpoint's schema, and the conversion of their
//! result into SDL text.

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

mod queries;
mod result;

pub use queries::{CLASSIC_QUERY, FULL_QUERY};
use result::{Directive, Field, FullType, InputValue, Schema, TypeRef};

/// Why an introspection result cannot be turned into SDL.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectionError {
    /// The server answered with GraphQL errors and no data.
    #[error("the server answered with errors: {0}")]
    Errors(String),
    /// There is no `__schema` object in the result.
    #[error("the result has no `data.__schema`")]
    NoSchema,
    /// `__schema` does not have the shape of an introspection result.
    #[error("the introspection result is malformed: {0}")]
    Malformed(String),
}

/// Scalars and directives every schema has; they are not printed.
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: [&str; 5] = ["skip", "include", "deprecated", "specifiedBy", "oneOf"];

/// Turns an introspection result into SDL text.
///
/// `result` is either a whole GraphQL response (`{"data": {"__schema": ...}}`) or its `data`
/// (`{"__schema": ...}`). Built-in scalars, introspection types and built-in directives are
/// left out, as a schema file would.
pub fn sdl_from_introspection(result: &Value) -> Result<String, IntrospectionError> {
    let data = result.get("data").unwrap_or(result);
    let Some(schema) = data.get("__schema").filter(|schema| !schema.is_null()) else {
        return Err(match result.get("errors").and_then(Value::as_array) {
            Some(errors) if !errors.is_empty() => IntrospectionError::Errors(messages(errors)),
            _ => IntrospectionError::NoSchema,
        });
    };
    let schema = Schema::deserialize(schema)
        .map_err(|error| IntrospectionError::Malformed(error.to_string()))?;
    let mut out = String::new();
    print_schema_definition(&mut out, &schema);
    for directive in schema.directives.iter().flatten() {
        if !BUILT_IN_DIRECTIVES.contains(&directive.name.as_str()) {
            print_directive(&mut out, directive)?;
        }
    }
    for ty in &schema.types {
        if !ty.name.starts_with("__") && !BUILT_IN_SCALARS.contains(&ty.name.as_str()) {
            print_type(&mut out, ty)?;
        }
    }
    Ok(out)
}

/// The `message`s of GraphQL errors, joined by "; ".
pub(crate) fn messages(errors: &[Value]) -> String {
    errors
        .iter()
        .map(|error| {
            error
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| error.to_string(), str::to_owned)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A GraphQL string literal; JSON's escapes are GraphQL's.
fn string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn print_description(out: &mut String, indent: &str, description: Option<&String>) {
    if let Some(description) = description {
        let _ = writeln!(out, "{indent}{}", string(description));
    }
}

fn print_deprecation(out: &mut String, is_deprecated: Option<bool>, reason: Option<&String>) {
    if is_deprecated == Some(true) {
        match reason {
            Some(reason) => {
                let _ = write!(out, " @deprecated(reason: {})", string(reason));
            }
            None => out.push_str(" @deprecated"),
        }
    }
}

fn print_schema_definition(out: &mut String, schema: &Schema) {
    let roots: Vec<String> = [
        ("query", &schema.query_type),
        ("mutation", &schema.mutation_type),
        ("subscription", &schema.subscription_type),
    ]
    .into_iter()
    .filter_map(|(operation, ty)| ty.as_ref().map(|ty| format!("  {operation}: {}", ty.name)))
    .collect();
    if !roots.is_empty() {
        let _ = writeln!(out, "schema {{\n{}\n}}\n", roots.join("\n"));
    }
}

fn type_ref(ty: &TypeRef) -> Result<String, IntrospectionError> {
    let inner = || {
        ty.of_type.as_deref().ok_or_else(|| {
            IntrospectionError::Malformed(format!(
                "a {} type reference without ofType (a type that nests deeper than the \
                 introspection query reads, or a server that does not say)",
                ty.kind
            ))
        })
    };
    match ty.kind.as_str() {
        "NON_NULL" => Ok(format!("{}!", type_ref(inner()?)?)),
        "LIST" => Ok(format!("[{}]", type_ref(inner()?)?)),
        _ => ty.name.clone().ok_or_else(|| {
            IntrospectionError::Malformed(format!("a {} type without a name", ty.kind))
        }),
    }
}

fn print_input_value(
    out: &mut String,
    indent: &str,
    value: &InputValue,
) -> Result<(), IntrospectionError> {
    print_description(out, indent, value.description.as_ref());
    let _ = write!(out, "{indent}{}: {}", value.name, type_ref(&value.ty)?);
    if let Some(default) = &value.default_value {
        let _ = write!(out, " = {default}");
    }
    print_deprecation(out, value.is_deprecated, value.deprecation_reason.as_ref());
    out.push('\n');
    Ok(())
}

fn print_arguments(
    out: &mut String,
    indent: &str,
    arguments: &[InputValue],
) -> Result<(), IntrospectionError> {
    if arguments.is_empty() {
        return Ok(());
    }
    out.push_str("(\n");
    for argument in arguments {
        print_input_value(out, &format!("{indent}  "), argument)?;
    }
    let _ = write!(out, "{indent})");
    Ok(())
}

fn print_directive(out: &mut String, directive: &Directive) -> Result<(), IntrospectionError> {
    print_description(out, "", directive.description.as_ref());
    let _ = write!(out, "directive @{}", directive.name);
    print_arguments(out, "", directive.args.as_deref().unwrap_or_default())?;
    if directive.is_repeatable == Some(true) {
        out.push_str(" repeatable");
    }
    let locations = directive.locations.as_deref().unwrap_or_default();
    if locations.is_empty() {
        return Err(IntrospectionError::Malformed(format!(
            "the directive @{} has no locations",
            directive.name
        )));
    }
    let _ = writeln!(out, " on {}\n", locations.join(" | "));
    Ok(())
}

fn implements(
    out: &mut String,
    interfaces: Option<&Vec<TypeRef>>,
) -> Result<(), IntrospectionError> {
    let names = interfaces
        .into_iter()
        .flatten()
        .map(type_ref)
        .collect::<Result<Vec<_>, _>>()?;
    if !names.is_empty() {
        let _ = write!(out, " implements {}", names.join(" & "));
    }
    Ok(())
}

fn print_fields(out: &mut String, fields: &[Field]) -> Result<(), IntrospectionError> {
    if fields.is_empty() {
        out.push('\n');
        return Ok(());
    }
    out.push_str(" {\n");
    for field in fields {
        print_description(out, "  ", field.description.as_ref());
        let _ = write!(out, "  {}", field.name);
        print_arguments(out, "  ", field.args.as_deref().unwrap_or_default())?;
        let _ = write!(out, ": {}", type_ref(&field.ty)?);
        print_deprecation(out, field.is_deprecated, field.deprecation_reason.as_ref());
        out.push('\n');
    }
    out.push_str("}\n");
    Ok(())
}

fn print_type(out: &mut String, ty: &FullType) -> Result<(), IntrospectionError> {
    print_description(out, "", ty.description.as_ref());
    let name = &ty.name;
    match ty.kind.as_str() {
        "SCALAR" => {
            let _ = write!(out, "scalar {name}");
            if let Some(url) = &ty.specified_by_url {
                let _ = write!(out, " @specifiedBy(url: {})", string(url));
            }
            out.push('\n');
        }
        "OBJECT" | "INTERFACE" => {
            let keyword = if ty.kind == "OBJECT" {
                "type"
            } else {
                "interface"
            };
            let _ = write!(out, "{keyword} {name}");
            implements(out, ty.interfaces.as_ref())?;
            print_fields(out, ty.fields.as_deref().unwrap_or_default())?;
        }
        "UNION" => {
            let members = ty
                .possible_types
                .iter()
                .flatten()
                .map(type_ref)
                .collect::<Result<Vec<_>, _>>()?;
            let _ = write!(out, "union {name}");
            if !members.is_empty() {
                let _ = write!(out, " = {}", members.join(" | "));
            }
            out.push('\n');
        }
        "ENUM" => {
            let _ = write!(out, "enum {name}");
            let values = ty.enum_values.as_deref().unwrap_or_default();
            if values.is_empty() {
                out.push('\n');
            } else {
                out.push_str(" {\n");
                for value in values {
                    print_description(out, "  ", value.description.as_ref());
                    let _ = write!(out, "  {}", value.name);
                    print_deprecation(out, value.is_deprecated, value.deprecation_reason.as_ref());
                    out.push('\n');
                }
                out.push_str("}\n");
            }
        }
        "INPUT_OBJECT" => {
            let _ = write!(out, "input {name}");
            if ty.is_one_of == Some(true) {
                out.push_str(" @oneOf");
            }
            let fields = ty.input_fields.as_deref().unwrap_or_default();
            if fields.is_empty() {
                out.push('\n');
            } else {
                out.push_str(" {\n");
                for field in fields {
                    print_input_value(out, "  ", field)?;
                }
                out.push_str("}\n");
            }
        }
        other => {
            return Err(IntrospectionError::Malformed(format!(
                "the type {name} has the unknown kind {other}"
            )));
        }
    }
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn named(kind: &str, name: &str) -> Value {
        json!({"kind": kind, "name": name, "ofType": null})
    }

    fn non_null(inner: Value) -> Value {
        json!({"kind": "NON_NULL", "name": null, "ofType": inner})
    }

    fn list(inner: Value) -> Value {
        json!({"kind": "LIST", "name": null, "ofType": inner})
    }

    fn result() -> Value {
        json!({"data": {"__schema": {
            "queryType": {"name": "Query"},
            "mutationType": null,
            "subscriptionType": null,
            "directives": [
                {"name": "include", "description": null, "locations": ["FIELD"], "isRepeatable": false,
                 "args": [{"name": "if", "description": null, "type": non_null(named("SCALAR", "Boolean")), "defaultValue": null}]},
                {"name": "tag", "description": "A \"tag\".", "locations": ["FIELD_DEFINITION", "OBJECT"], "isRepeatable": true,
                 "args": [{"name": "name", "description": null, "type": named("SCALAR", "String"), "defaultValue": "\"x\""}]}
            ],
            "types": [
                {"kind": "SCALAR", "name": "String", "description": "built in"},
                {"kind": "OBJECT", "name": "__Schema", "description": null, "fields": []},
                {"kind": "SCALAR", "name": "Url", "description": null, "specifiedByURL": "https://url.spec.whatwg.org/"},
                {"kind": "INTERFACE", "name": "Node", "description": null, "interfaces": [],
                 "fields": [{"name": "id", "description": null, "args": [], "type": non_null(named("SCALAR", "ID")), "isDeprecated": false, "deprecationReason": null}]},
                {"kind": "OBJECT", "name": "Query", "description": "Reads.\nTwo lines.", "interfaces": [named("INTERFACE", "Node")],
                 "fields": [
                    {"name": "id", "description": null, "args": [], "type": non_null(named("SCALAR", "ID")), "isDeprecated": false, "deprecationReason": null},
                    {"name": "items", "description": "Items.", "isDeprecated": true, "deprecationReason": "Use `things`.",
                     "args": [
                        {"name": "first", "description": "How many.", "type": named("SCALAR", "Int"), "defaultValue": "10"},
                        {"name": "filter", "description": null, "type": named("INPUT_OBJECT", "Filter"), "defaultValue": "{kind: A, tags: [\"a\"]}", "isDeprecated": true, "deprecationReason": null}
                     ],
                     "type": non_null(list(non_null(named("UNION", "Thing"))))}
                 ]},
                {"kind": "UNION", "name": "Thing", "description": null, "possibleTypes": [named("OBJECT", "Query")]},
                {"kind": "ENUM", "name": "Kind", "description": null, "enumValues": [
                    {"name": "A", "description": "The A.", "isDeprecated": false, "deprecationReason": null},
                    {"name": "B", "description": null, "isDeprecated": true, "deprecationReason": "No longer supported"}
                ]},
                {"kind": "INPUT_OBJECT", "name": "Filter", "description": null, "isOneOf": false, "inputFields": [
                    {"name": "kind", "description": null, "type": named("ENUM", "Kind"), "defaultValue": "A"},
                    {"name": "tags", "description": null, "type": list(non_null(named("SCALAR", "String"))), "defaultValue": null}
                ]},
                {"kind": "INPUT_OBJECT", "name": "Pick", "description": null, "isOneOf": true, "inputFields": [
                    {"name": "a", "description": null, "type": named("SCALAR", "Int"), "defaultValue": null}
                ]}
            ]
        }}})
    }

    #[test]
    fn a_result_becomes_sdl_equal_to_the_original() {
        let sdl = sdl_from_introspection(&result()).unwrap();
        let expected = r#"
            "A \"tag\"."
            directive @tag(name: String = "x") repeatable on FIELD_DEFINITION | OBJECT
            scalar Url @specifiedBy(url: "https://url.spec.whatwg.org/")
            interface Node { id: ID! }
            """
            Reads.
            Two lines.
            """
            type Query implements Node {
              id: ID!
              "Items."
              items("How many." first: Int = 10, filter: Filter = {tags: ["a"], kind: A} @deprecated): [Thing!]! @deprecated(reason: "Use `things`.")
            }
            union Thing = Query
            enum Kind { "The A." A, B @deprecated }
            input Filter { kind: Kind = A, tags: [String!] }
            input Pick @oneOf { a: Int }
        "#;
        let changes = crate::diff_sdl(expected, &sdl).unwrap();
        assert_eq!(changes, [], "{sdl}");
        assert!(
            !sdl.contains("__Schema") && !sdl.contains("scalar String"),
            "{sdl}"
        );
        assert!(!sdl.contains("@include"), "{sdl}");
    }

    #[test]
    fn errors_without_data_are_reported() {
        let error = sdl_from_introspection(&json!({"errors": [{"message": "no introspection"}]}))
            .unwrap_err();
        assert!(error.to_string().contains("no introspection"), "{error}");
        assert!(matches!(
            sdl_from_introspection(&json!({"data": {}})),
            Err(IntrospectionError::NoSchema)
        ));
        assert!(matches!(
            sdl_from_introspection(&json!({"data": {"__schema": {"types": 3}}})),
            Err(IntrospectionError::Malformed(_))
        ));
    }
}
