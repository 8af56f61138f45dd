//! `compare::semantic_differences`: order and printing do not matter, meaning does.

use paylink_codegen::SchemaSource;
use paylink_codegen::compare::semantic_differences;

const CONTRACT: &str = r#"
"How fees are paid."
enum FeeMode {
  "Merchant pays."
  INTERCHANGE
  SERVICE_FEE @deprecated(reason: "Use INTERCHANGE.")
}

"""
A link.
Second line.
"""
type PaymentLink {
  "The amount."
  amount: Int
  fee_mode: FeeMode!
}

input Filter {
  ratio: Float = 1
  limit: Int! = 10
  old: String @deprecated
}

type Query {
  "Links."
  paymentLinks("Page size." limit: Int = 10, filter: Filter): [PaymentLink!]!
}

type Mutation {
  touch: Boolean
}
"#;

fn diff(expected: &str, actual: &str) -> Vec<String> {
    semantic_differences(
        &[SchemaSource::new("contract.graphql", expected)],
        &[SchemaSource::new("served.graphql", actual)],
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn same_schema_in_another_order_and_juniper_style_printing_is_equal() {
    // Shaped like juniper's `as_sdl()`: a `schema` block, definitions sorted by kind, enum
    // value descriptions inline, block strings indented, `1.0` for a Float default and the
    // bare `@deprecated` spelled with its default reason.
    let served = r#"
schema {
  query: Query
  mutation: Mutation
}

"How fees are paid."
enum FeeMode {
  "Merchant pays." INTERCHANGE
  SERVICE_FEE @deprecated(reason: "Use INTERCHANGE.")
}

input Filter {
  limit: Int! = 10
  old: String @deprecated(reason: "No longer supported")
  ratio: Float = 1.0
}

type Mutation {
  touch: Boolean
}

"""
    A link.
    Second line.
"""
type PaymentLink {
  fee_mode: FeeMode!
  "The amount." amount: Int
}

type Query {
  "Links." paymentLinks(filter: Filter, "Page size." limit: Int = 10): [PaymentLink!]!
}
"#;
    assert_eq!(diff(CONTRACT, served), Vec::<String>::new());
    assert_eq!(diff(CONTRACT, CONTRACT), Vec::<String>::new());
}

#[test]
fn changed_field_type_is_reported() {
    let served = CONTRACT.replace("amount: Int\n", "amount: Int!\n");
    assert_eq!(
        diff(CONTRACT, &served),
        ["PaymentLink.amount: type differs: SDL Int, served Int!"]
    );
}

#[test]
fn missing_and_extra_types_are_reported() {
    let served = CONTRACT
        .replace("input Filter {", "input Other {")
        .replace("filter: Filter", "filter: Other");
    assert_eq!(
        diff(CONTRACT, &served),
        [
            "Query.paymentLinks(filter:): type differs: SDL Filter, served Other",
            "type Filter: missing from the served schema",
            "type Other: served but not in the SDL",
        ]
    );
}

#[test]
fn changed_descriptions_are_reported() {
    let served = CONTRACT
        .replace("\"The amount.\"", "\"The sum.\"")
        .replace("\"Page size.\" ", "")
        .replace("Second line.", "Other line.");
    assert_eq!(
        diff(CONTRACT, &served),
        [
            "PaymentLink.amount: description differs: SDL \"The amount.\", served \"The sum.\"",
            "PaymentLink: description differs: SDL \"A link.\\nSecond line.\", served \"A link.\\nOther line.\"",
            "Query.paymentLinks(limit:): description differs: SDL \"Page size.\", served none",
        ]
    );
}

#[test]
fn added_enum_value_and_deprecation_changes_are_reported() {
    let served = CONTRACT
        .replace("  INTERCHANGE\n", "  INTERCHANGE\n  CASH\n")
        .replace(" @deprecated(reason: \"Use INTERCHANGE.\")", "");
    assert_eq!(
        diff(CONTRACT, &served),
        [
            "FeeMode.CASH: served but not in the SDL",
            "FeeMode.SERVICE_FEE: deprecation differs: SDL deprecated (\"Use INTERCHANGE.\"), served not deprecated",
        ]
    );
}

#[test]
fn default_values_are_compared_by_meaning() {
    // juniper prints an enum default as a string; that must not pass as equal.
    let contract = "enum E { A B }\ntype Query { f(e: E = A, n: Int = 1): Int }";
    let served = "enum E { A B }\ntype Query { f(e: E = \"A\", n: Int = 2): Int }";
    assert_eq!(
        diff(contract, served),
        [
            "Query.f(e:): default value differs: SDL A, served \"A\"",
            "Query.f(n:): default value differs: SDL 1, served 2",
        ]
    );
}

#[test]
fn root_operation_types_are_compared() {
    let served = "schema { query: Query }\n".to_owned()
        + &CONTRACT.replace("type Mutation {\n  touch: Boolean\n}", "");
    assert_eq!(
        diff(CONTRACT, &served),
        [
            "schema: mutation root type differs: SDL Mutation, served none",
            "type Mutation: missing from the served schema",
        ]
    );
}

#[test]
fn kind_changes_are_reported_once() {
    let contract = "type Query { a: A }\ntype A { x: Int }";
    let served = "type Query { a: A }\ninterface A { x: Int }";
    assert_eq!(
        diff(contract, served),
        ["type A: kind differs: SDL object type, served interface"]
    );
}

#[test]
fn unparsable_served_sdl_is_an_error_with_location() {
    let error = semantic_differences(
        &[SchemaSource::new("contract.graphql", CONTRACT)],
        &[SchemaSource::new(
            "served.graphql",
            "type Query {\n  a: Int\n  b Int\n}",
        )],
    )
    .expect_err("syntax error");
    assert!(error.to_string().contains("served.graphql:3:"), "{error}");
}
