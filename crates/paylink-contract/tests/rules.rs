//! One test per classification rule: an old and a new SDL, and the change expected between
//! them (criticality, coordinate, kind).

use paylink_contract::{Change, ChangeKind, Criticality, diff_sdl};

use ChangeKind as K;
use Criticality::{Breaking, Dangerous, NonBreaking};

/// The changes from `old` to `new`, each SDL completed with `type Query { ok: Int }` unless
/// it defines `Query` itself.
fn changes(old: &str, new: &str) -> Vec<Change> {
    let complete = |sdl: &str| {
        if sdl.contains("type Query") || sdl.contains("schema {") {
            sdl.to_owned()
        } else {
            format!("type Query {{ ok: Int }}\n{sdl}")
        }
    };
    diff_sdl(&complete(old), &complete(new)).expect("both sides parse")
}

/// Asserts that the only change from `old` to `new` is the expected one; returns its reason.
#[track_caller]
fn only(
    old: &str,
    new: &str,
    criticality: Criticality,
    coordinate: &str,
    kind: ChangeKind,
) -> String {
    let changes = changes(old, new);
    assert_eq!(changes.len(), 1, "expected one change, got {changes:#?}");
    let change = &changes[0];
    assert_eq!(
        (change.criticality, change.coordinate.as_str(), change.kind),
        (criticality, coordinate, kind),
        "{change:#?}"
    );
    assert!(!change.accepted);
    assert!(!change.reason.is_empty() && !change.reason.contains('\n'));
    change.reason.clone()
}

/// Asserts that some change from `old` to `new` is the expected one.
#[track_caller]
fn includes(old: &str, new: &str, criticality: Criticality, coordinate: &str, kind: ChangeKind) {
    let changes = changes(old, new);
    assert!(
        changes
            .iter()
            .any(|change| change.criticality == criticality
                && change.coordinate == coordinate
                && change.kind == kind),
        "no {criticality} {kind:?} at {coordinate} in {changes:#?}"
    );
}

// ---- no change -------------------------------------------------------------------------------

#[test]
fn order_layout_and_number_printing_are_not_changes() {
    let old = r#"
        "Reads."
        type Query { b(x: Float = 1): String, a: Int }
        enum E { X Y }
        """
        A block
          description.
        """
        input I { f: Int = 2, g: [E!] = [X] }
    "#;
    let new = r#"
        "A block\n  description."
        input I {
          g: [E!] = [X]
          f: Int = 2
        }
        enum E { Y, X }
        """
        Reads.
        """
        type Query {
          a: Int
          b(x: Float = 1.0): String
        }
    "#;
    assert_eq!(changes(old, new), []);
}

#[test]
fn built_in_directives_and_a_bare_deprecation_are_not_changes() {
    let old = r#"type Query { a: Int @deprecated }"#;
    let new = r#"
        directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ENUM_VALUE
        directive @oneOf on INPUT_OBJECT
        type Query { a: Int @deprecated(reason: "No longer supported") }
    "#;
    assert_eq!(changes(old, new), []);
}

// ---- types -----------------------------------------------------------------------------------

#[test]
fn type_added_is_safe() {
    only(
        "",
        "type Thing { a: Int }",
        NonBreaking,
        "Thing",
        K::TypeAdded,
    );
}

#[test]
fn type_removed_breaks() {
    only("scalar Money", "", Breaking, "Money", K::TypeRemoved);
}

#[test]
fn type_kind_changed_breaks_and_hides_inner_changes() {
    only(
        "type Thing { a: Int }",
        "interface Thing { a: Int, b: Int }",
        Breaking,
        "Thing",
        K::TypeKindChanged,
    );
    only(
        "enum Thing { A }",
        "scalar Thing",
        Breaking,
        "Thing",
        K::TypeKindChanged,
    );
    only(
        "input Thing { a: Int }",
        "type Thing { a: Int }",
        Breaking,
        "Thing",
        K::TypeKindChanged,
    );
}

#[test]
fn type_description_changes_are_safe() {
    only(
        r#""Old." scalar S"#,
        r#""New." scalar S"#,
        NonBreaking,
        "S",
        K::DescriptionChanged,
    );
    only(
        "scalar S",
        r#""New." scalar S"#,
        NonBreaking,
        "S",
        K::DescriptionChanged,
    );
    only(
        r#""Old." scalar S"#,
        "scalar S",
        NonBreaking,
        "S",
        K::DescriptionChanged,
    );
}

#[test]
fn scalar_specified_by_change_is_safe() {
    only(
        r#"scalar Url @specifiedBy(url: "https://a.test")"#,
        r#"scalar Url @specifiedBy(url: "https://b.test")"#,
        NonBreaking,
        "Url",
        K::ScalarSpecifiedByChanged,
    );
}

// ---- root operation types -------------------------------------------------------------------

#[test]
fn root_operation_type_changed_breaks() {
    only(
        "type Query { a: Int } type Other { a: Int }",
        "schema { query: Other } type Query { a: Int } type Other { a: Int }",
        Breaking,
        "schema.query",
        K::RootOperationTypeChanged,
    );
}

#[test]
fn root_operation_type_removed_breaks() {
    only(
        "type Query { a: Int } type Mutation { a: Int }",
        "schema { query: Query } type Query { a: Int } type Mutation { a: Int }",
        Breaking,
        "schema.mutation",
        K::RootOperationTypeRemoved,
    );
}

#[test]
fn root_operation_type_added_is_safe() {
    only(
        "schema { query: Query } type Query { a: Int } type Mutation { a: Int }",
        "type Query { a: Int } type Mutation { a: Int }",
        NonBreaking,
        "schema.mutation",
        K::RootOperationTypeAdded,
    );
}

// ---- fields of object types and interfaces --------------------------------------------------

#[test]
fn field_added_is_safe_on_objects_and_interfaces() {
    only(
        "type T { a: Int }",
        "type T { a: Int, b: String }",
        NonBreaking,
        "T.b",
        K::FieldAdded,
    );
    only(
        "interface I { a: Int }",
        "interface I { a: Int, b: String }",
        NonBreaking,
        "I.b",
        K::FieldAdded,
    );
}

#[test]
fn field_removed_breaks() {
    let reason = only(
        "type T { a: Int, b: Int }",
        "type T { a: Int }",
        Breaking,
        "T.b",
        K::FieldRemoved,
    );
    assert!(!reason.contains("deprecated"), "{reason}");
    only(
        "interface I { a: Int, b: Int }",
        "interface I { a: Int }",
        Breaking,
        "I.b",
        K::FieldRemoved,
    );
}

#[test]
fn deprecated_field_removed_still_breaks_and_says_deprecated() {
    let reason = only(
        r#"type Query { a: Int, old: Int @deprecated(reason: "Use a.") }"#,
        "type Query { a: Int }",
        Breaking,
        "Query.old",
        K::FieldRemoved,
    );
    assert!(
        reason.contains("deprecated") && reason.contains("Use a."),
        "{reason}"
    );
}

#[test]
fn output_field_made_non_null_is_safe() {
    only(
        "type T { a: Int }",
        "type T { a: Int! }",
        NonBreaking,
        "T.a",
        K::FieldTypeChanged,
    );
    only(
        "type T { a: [Int] }",
        "type T { a: [Int!]! }",
        NonBreaking,
        "T.a",
        K::FieldTypeChanged,
    );
    only(
        "interface I { a: Int }",
        "interface I { a: Int! }",
        NonBreaking,
        "I.a",
        K::FieldTypeChanged,
    );
}

#[test]
fn output_field_made_nullable_breaks() {
    only(
        "type T { a: Int! }",
        "type T { a: Int }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
    only(
        "type T { a: [Int!] }",
        "type T { a: [Int] }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
}

#[test]
fn output_field_list_wrapping_changes_break() {
    only(
        "type T { a: Int }",
        "type T { a: [Int] }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
    only(
        "type T { a: [Int] }",
        "type T { a: Int }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
    only(
        "type T { a: [Int] }",
        "type T { a: [[Int]] }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
}

#[test]
fn output_field_named_type_change_breaks() {
    only(
        "type T { a: Int }",
        "type T { a: String }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
    only(
        "type T { a: Int }",
        "type T { a: String! }",
        Breaking,
        "T.a",
        K::FieldTypeChanged,
    );
}

// ---- arguments --------------------------------------------------------------------------------

#[test]
fn required_argument_added_breaks() {
    only(
        "type Query { a: Int }",
        "type Query { a(x: Int!): Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentAdded,
    );
}

#[test]
fn optional_argument_added_is_dangerous() {
    only(
        "type Query { a: Int }",
        "type Query { a(x: Int): Int }",
        Dangerous,
        "Query.a(x:)",
        K::ArgumentAdded,
    );
    // Non-null with a default: callers need not pass it.
    only(
        "type Query { a: Int }",
        "type Query { a(x: Int! = 1): Int }",
        Dangerous,
        "Query.a(x:)",
        K::ArgumentAdded,
    );
}

#[test]
fn argument_removed_breaks() {
    only(
        "type Query { a(x: Int): Int }",
        "type Query { a: Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentRemoved,
    );
}

#[test]
fn deprecated_argument_removed_breaks_and_says_deprecated() {
    let reason = only(
        r#"type Query { a(x: Int @deprecated(reason: "Unused.")): Int }"#,
        "type Query { a: Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentRemoved,
    );
    assert!(reason.contains("deprecated"), "{reason}");
}

#[test]
fn argument_made_required_breaks() {
    only(
        "type Query { a(x: Int): Int }",
        "type Query { a(x: Int!): Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentTypeChanged,
    );
}

#[test]
fn argument_made_optional_is_safe() {
    only(
        "type Query { a(x: Int!): Int }",
        "type Query { a(x: Int): Int }",
        NonBreaking,
        "Query.a(x:)",
        K::ArgumentTypeChanged,
    );
    only(
        "type Query { a(x: [Int!]!): Int }",
        "type Query { a(x: [Int]): Int }",
        NonBreaking,
        "Query.a(x:)",
        K::ArgumentTypeChanged,
    );
}

#[test]
fn argument_type_change_breaks() {
    only(
        "type Query { a(x: Int): Int }",
        "type Query { a(x: Float): Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentTypeChanged,
    );
    only(
        "type Query { a(x: Int): Int }",
        "type Query { a(x: [Int]): Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentTypeChanged,
    );
}

#[test]
fn argument_default_value_change_is_dangerous() {
    only(
        "type Query { a(x: Int = 1): Int }",
        "type Query { a(x: Int = 2): Int }",
        Dangerous,
        "Query.a(x:)",
        K::ArgumentDefaultValueChanged,
    );
    only(
        "type Query { a(x: Int): Int }",
        "type Query { a(x: Int = 2): Int }",
        Dangerous,
        "Query.a(x:)",
        K::ArgumentDefaultValueChanged,
    );
    only(
        "type Query { a(x: Int = 1): Int }",
        "type Query { a(x: Int): Int }",
        Dangerous,
        "Query.a(x:)",
        K::ArgumentDefaultValueChanged,
    );
}

#[test]
fn removing_the_default_of_a_non_null_argument_breaks() {
    only(
        "type Query { a(x: Int! = 1): Int }",
        "type Query { a(x: Int!): Int }",
        Breaking,
        "Query.a(x:)",
        K::ArgumentDefaultValueChanged,
    );
}

// ---- input object fields --------------------------------------------------------------------

#[test]
fn required_input_field_added_breaks() {
    only(
        "input I { a: Int }",
        "input I { a: Int, b: Int! }",
        Breaking,
        "I.b",
        K::InputFieldAdded,
    );
}

#[test]
fn optional_input_field_added_is_dangerous() {
    only(
        "input I { a: Int }",
        "input I { a: Int, b: Int }",
        Dangerous,
        "I.b",
        K::InputFieldAdded,
    );
    only(
        "input I { a: Int }",
        "input I { a: Int, b: Int! = 3 }",
        Dangerous,
        "I.b",
        K::InputFieldAdded,
    );
}

#[test]
fn input_field_removed_breaks() {
    only(
        "input I { a: Int, b: Int }",
        "input I { a: Int }",
        Breaking,
        "I.b",
        K::InputFieldRemoved,
    );
    let reason = only(
        r#"input I { a: Int, b: Int @deprecated }"#,
        "input I { a: Int }",
        Breaking,
        "I.b",
        K::InputFieldRemoved,
    );
    assert!(reason.contains("deprecated"), "{reason}");
}

#[test]
fn input_field_made_required_breaks() {
    only(
        "input I { a: Int }",
        "input I { a: Int! }",
        Breaking,
        "I.a",
        K::InputFieldTypeChanged,
    );
}

#[test]
fn input_field_made_optional_is_safe() {
    only(
        "input I { a: Int! }",
        "input I { a: Int }",
        NonBreaking,
        "I.a",
        K::InputFieldTypeChanged,
    );
}

#[test]
fn input_field_type_change_breaks() {
    only(
        "input I { a: Int }",
        "input I { a: String }",
        Breaking,
        "I.a",
        K::InputFieldTypeChanged,
    );
    only(
        "input I { a: [Int] }",
        "input I { a: Int }",
        Breaking,
        "I.a",
        K::InputFieldTypeChanged,
    );
}

#[test]
fn input_field_default_value_change_is_dangerous() {
    only(
        r#"input I { a: String = "x" }"#,
        r#"input I { a: String = "y" }"#,
        Dangerous,
        "I.a",
        K::InputFieldDefaultValueChanged,
    );
    only(
        "enum E { A B } input I { a: E = A }",
        "enum E { A B } input I { a: E = B }",
        Dangerous,
        "I.a",
        K::InputFieldDefaultValueChanged,
    );
}

#[test]
fn one_of_added_breaks_and_removed_is_safe() {
    only(
        "input I { a: Int, b: Int }",
        "input I @oneOf { a: Int, b: Int }",
        Breaking,
        "I",
        K::InputOneOfAdded,
    );
    only(
        "input I @oneOf { a: Int, b: Int }",
        "input I { a: Int, b: Int }",
        NonBreaking,
        "I",
        K::InputOneOfRemoved,
    );
}

// ---- enums ------------------------------------------------------------------------------------

#[test]
fn enum_value_added_is_dangerous() {
    only(
        "enum E { A }",
        "enum E { A B }",
        Dangerous,
        "E.B",
        K::EnumValueAdded,
    );
}

#[test]
fn enum_value_removed_breaks() {
    let reason = only(
        "enum E { A B }",
        "enum E { A }",
        Breaking,
        "E.B",
        K::EnumValueRemoved,
    );
    assert!(!reason.contains("deprecated"), "{reason}");
}

#[test]
fn deprecated_enum_value_removed_breaks_and_says_deprecated() {
    let reason = only(
        r#"enum E { A B @deprecated(reason: "Use A.") }"#,
        "enum E { A }",
        Breaking,
        "E.B",
        K::EnumValueRemoved,
    );
    assert!(reason.contains("deprecated"), "{reason}");
}

// ---- unions and interfaces --------------------------------------------------------------------

const OBJECTS: &str = "type A { a: Int } type B { b: Int } type C { c: Int }";

#[test]
fn union_member_added_is_dangerous() {
    only(
        &format!("{OBJECTS} union U = A | B"),
        &format!("{OBJECTS} union U = A | B | C"),
        Dangerous,
        "U",
        K::UnionMemberAdded,
    );
}

#[test]
fn union_member_removed_breaks() {
    only(
        &format!("{OBJECTS} union U = A | B"),
        &format!("{OBJECTS} union U = A"),
        Breaking,
        "U",
        K::UnionMemberRemoved,
    );
}

#[test]
fn interface_implementation_added_is_dangerous() {
    only(
        "interface I { a: Int } type T { a: Int }",
        "interface I { a: Int } type T implements I { a: Int }",
        Dangerous,
        "T",
        K::InterfaceImplementationAdded,
    );
    only(
        "interface I { a: Int } interface J { a: Int }",
        "interface I { a: Int } interface J implements I { a: Int }",
        Dangerous,
        "J",
        K::InterfaceImplementationAdded,
    );
}

#[test]
fn interface_implementation_removed_breaks() {
    only(
        "interface I { a: Int } interface J { a: Int } type T implements I & J { a: Int }",
        "interface I { a: Int } interface J { a: Int } type T implements I { a: Int }",
        Breaking,
        "T",
        K::InterfaceImplementationRemoved,
    );
}

// ---- directive definitions ----------------------------------------------------------------------

#[test]
fn directive_added_is_safe() {
    only(
        "",
        "directive @tag on FIELD",
        NonBreaking,
        "@tag",
        K::DirectiveAdded,
    );
}

#[test]
fn directive_removed_breaks() {
    only(
        "directive @tag on FIELD",
        "",
        Breaking,
        "@tag",
        K::DirectiveRemoved,
    );
}

#[test]
fn directive_location_removed_breaks_and_added_is_safe() {
    only(
        "directive @tag on FIELD | QUERY",
        "directive @tag on FIELD",
        Breaking,
        "@tag",
        K::DirectiveLocationRemoved,
    );
    only(
        "directive @tag on FIELD",
        "directive @tag on FIELD | QUERY",
        NonBreaking,
        "@tag",
        K::DirectiveLocationAdded,
    );
}

#[test]
fn directive_repeatable_removed_breaks_and_added_is_safe() {
    only(
        "directive @tag repeatable on FIELD",
        "directive @tag on FIELD",
        Breaking,
        "@tag",
        K::DirectiveRepeatableRemoved,
    );
    only(
        "directive @tag on FIELD",
        "directive @tag repeatable on FIELD",
        NonBreaking,
        "@tag",
        K::DirectiveRepeatableAdded,
    );
}

#[test]
fn directive_arguments_follow_the_input_rules() {
    only(
        "directive @tag on FIELD",
        "directive @tag(name: String!) on FIELD",
        Breaking,
        "@tag(name:)",
        K::DirectiveArgumentAdded,
    );
    only(
        "directive @tag on FIELD",
        "directive @tag(name: String) on FIELD",
        NonBreaking,
        "@tag(name:)",
        K::DirectiveArgumentAdded,
    );
    only(
        "directive @tag(name: String) on FIELD",
        "directive @tag on FIELD",
        Breaking,
        "@tag(name:)",
        K::DirectiveArgumentRemoved,
    );
    only(
        "directive @tag(name: String) on FIELD",
        "directive @tag(name: String!) on FIELD",
        Breaking,
        "@tag(name:)",
        K::DirectiveArgumentTypeChanged,
    );
    only(
        "directive @tag(name: String!) on FIELD",
        "directive @tag(name: String) on FIELD",
        NonBreaking,
        "@tag(name:)",
        K::DirectiveArgumentTypeChanged,
    );
    only(
        r#"directive @tag(name: String = "a") on FIELD"#,
        r#"directive @tag(name: String = "b") on FIELD"#,
        Dangerous,
        "@tag(name:)",
        K::DirectiveArgumentDefaultValueChanged,
    );
}

#[test]
fn directive_description_change_is_safe() {
    only(
        r#""Old." directive @tag on FIELD"#,
        r#""New." directive @tag on FIELD"#,
        NonBreaking,
        "@tag",
        K::DescriptionChanged,
    );
}

// ---- deprecations -------------------------------------------------------------------------------

#[test]
fn deprecation_added_is_safe_everywhere() {
    only(
        "type Query { a: Int }",
        r#"type Query { a: Int @deprecated(reason: "Gone soon.") }"#,
        NonBreaking,
        "Query.a",
        K::DeprecationAdded,
    );
    only(
        "enum E { A B }",
        "enum E { A B @deprecated }",
        NonBreaking,
        "E.B",
        K::DeprecationAdded,
    );
    only(
        "type Query { a(x: Int): Int }",
        "type Query { a(x: Int @deprecated): Int }",
        NonBreaking,
        "Query.a(x:)",
        K::DeprecationAdded,
    );
    only(
        "input I { a: Int }",
        "input I { a: Int @deprecated }",
        NonBreaking,
        "I.a",
        K::DeprecationAdded,
    );
}

#[test]
fn deprecation_removed_is_safe() {
    only(
        "type Query { a: Int @deprecated }",
        "type Query { a: Int }",
        NonBreaking,
        "Query.a",
        K::DeprecationRemoved,
    );
    only(
        "enum E { A @deprecated }",
        "enum E { A }",
        NonBreaking,
        "E.A",
        K::DeprecationRemoved,
    );
}

#[test]
fn deprecation_reason_change_is_safe() {
    only(
        r#"type Query { a: Int @deprecated(reason: "Old.") }"#,
        r#"type Query { a: Int @deprecated(reason: "New.") }"#,
        NonBreaking,
        "Query.a",
        K::DeprecationReasonChanged,
    );
}

// ---- descriptions of elements -------------------------------------------------------------------

#[test]
fn description_changes_are_safe_everywhere() {
    only(
        r#"type Query { "Old." a: Int }"#,
        r#"type Query { "New." a: Int }"#,
        NonBreaking,
        "Query.a",
        K::DescriptionChanged,
    );
    only(
        r#"type Query { a("Old." x: Int): Int }"#,
        r#"type Query { a("New." x: Int): Int }"#,
        NonBreaking,
        "Query.a(x:)",
        K::DescriptionChanged,
    );
    only(
        r#"enum E { "Old." A }"#,
        r#"enum E { "New." A }"#,
        NonBreaking,
        "E.A",
        K::DescriptionChanged,
    );
    only(
        r#"input I { "Old." a: Int }"#,
        r#"input I { a: Int }"#,
        NonBreaking,
        "I.a",
        K::DescriptionChanged,
    );
}

// ---- several changes at once ----------------------------------------------------------------------

#[test]
fn every_change_is_reported_in_a_stable_order() {
    let old = "type Query { a: Int, b: String } enum E { A }";
    let new = "type Query { a: Int!, c: Int } enum E { A B }";
    let changes = changes(old, new);
    let summary: Vec<(Criticality, &str, ChangeKind)> = changes
        .iter()
        .map(|change| (change.criticality, change.coordinate.as_str(), change.kind))
        .collect();
    assert_eq!(
        summary,
        [
            (Dangerous, "E.B", K::EnumValueAdded),
            (NonBreaking, "Query.a", K::FieldTypeChanged),
            (Breaking, "Query.b", K::FieldRemoved),
            (NonBreaking, "Query.c", K::FieldAdded),
        ]
    );
    includes(old, new, Breaking, "Query.b", K::FieldRemoved);
}

#[test]
fn sdl_that_does_not_parse_is_an_error() {
    let error = diff_sdl("type Query { a: Int }", "type Query { a: }").unwrap_err();
    assert!(error.to_string().contains("new.graphql"), "{error}");
}
