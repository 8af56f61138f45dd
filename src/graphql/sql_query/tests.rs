//! Unit tests of the `SqlQuery` compiler, on `paymentLinks`' keys and then on the other
//! listings'.

use paylink_store::listing::{LinkColumn, PaymentColumn, SessionColumn};

use super::fields::{ContactFields, LinkFields, PaymentFields, SessionFields};
use super::*;

/// `paymentLinks`' compiler, which most tests exercise.
fn compile(query: Option<&SqlQuery>) -> Result<CompiledQuery<LinkColumn>, InvalidField> {
    super::compile::<LinkFields>(query)
}

fn pair(key: &str, operator: Operator, value: Option<&str>) -> QueryPair {
    QueryPair {
        key: Some(key.into()),
        value: value.map(Into::into),
        in_values: None,
        operator: Some(operator),
        conjunctive_operator: None,
        query_group: None,
    }
}

fn joined(mut item: QueryPair, join: ConjunctiveOperator) -> QueryPair {
    item.conjunctive_operator = Some(join);
    item
}

fn group(items: Vec<QueryPair>) -> QueryPair {
    QueryPair {
        key: None,
        value: None,
        in_values: None,
        operator: None,
        conjunctive_operator: None,
        query_group: Some(items.into_iter().map(Some).collect()),
    }
}

fn query(items: Vec<QueryPair>) -> SqlQuery {
    SqlQuery {
        query_list: Some(items.into_iter().map(Some).collect()),
        sort_list: None,
    }
}

fn error_field(items: Vec<QueryPair>) -> String {
    compile(Some(&query(items))).unwrap_err().field
}

#[test]
fn no_query_is_the_default_order_without_filter() {
    let compiled = compile(None).unwrap();
    assert_eq!(compiled.filter, None);
    assert_eq!(compiled.sort, Sort::default());
}

#[test]
fn values_become_typed_tests() {
    let compiled = compile(Some(&query(vec![
        joined(
            pair("amount", Operator::GreaterEqual, Some("100")),
            ConjunctiveOperator::AndNext,
        ),
        joined(
            pair("is_active", Operator::EqualTrue, None),
            ConjunctiveOperator::AndNext,
        ),
        pair("created_date", Operator::LessThan, Some("2026-01-31")),
    ])))
    .unwrap();
    let Some(Filter::All(items)) = compiled.filter else {
        panic!("AND list")
    };
    assert_eq!(
        items[0],
        Filter::Test(LinkColumn::Amount, Test::Ge(Value::Integer(100)))
    );
    assert_eq!(items[1], Filter::Test(LinkColumn::IsActive, Test::IsTrue));
    assert!(matches!(
        items[2],
        Filter::Test(LinkColumn::CreatedDate, Test::Lt(Value::Timestamp(_)))
    ));
}

#[test]
fn or_lists_and_groups() {
    let compiled = compile(Some(&query(vec![
        joined(
            pair("currency", Operator::Equal, Some("EUR")),
            ConjunctiveOperator::AndNext,
        ),
        group(vec![
            joined(
                pair("amount", Operator::LessThan, Some("10")),
                ConjunctiveOperator::OrNext,
            ),
            pair("amount", Operator::IsNull, None),
        ]),
    ])))
    .unwrap();
    let Some(Filter::All(items)) = compiled.filter else {
        panic!("AND list")
    };
    assert!(matches!(&items[1], Filter::Any(group) if group.len() == 2));
}

#[test]
fn errors_name_the_item_path() {
    assert_eq!(
        error_field(vec![pair("nope", Operator::Equal, Some("x"))]),
        "query_list[0].key"
    );
    assert_eq!(
        error_field(vec![pair("amount", Operator::Like, Some("1%"))]),
        "query_list[0].operator"
    );
    assert_eq!(
        error_field(vec![pair("fee_mode", Operator::Equal, Some("CASH"))]),
        "query_list[0].value"
    );
    assert_eq!(
        error_field(vec![
            joined(
                pair("amount", Operator::IsNull, None),
                ConjunctiveOperator::AndNext
            ),
            group(vec![pair("is_active", Operator::Equal, Some("maybe"))]),
        ]),
        "query_list[1].query_group[0].value"
    );
    assert_eq!(
        error_field(vec![
            joined(
                pair("amount", Operator::IsNull, None),
                ConjunctiveOperator::AndNext
            ),
            joined(
                pair("amount", Operator::IsNull, None),
                ConjunctiveOperator::OrNext
            ),
            pair("amount", Operator::IsNull, None),
        ]),
        "query_list"
    );
    assert_eq!(
        error_field(vec![pair("link_name", Operator::IsNull, None)]),
        "query_list[0].operator"
    );
    assert_eq!(
        error_field(vec![pair("amount", Operator::InList, None)]),
        "query_list[0].in_values"
    );
}

#[test]
fn nesting_and_size_are_bounded() {
    let mut nested = pair("amount", Operator::IsNull, None);
    for _ in 0..MAX_DEPTH {
        nested = group(vec![nested]);
    }
    assert!(compile(Some(&query(vec![nested.clone()]))).is_ok());
    let too_deep = group(vec![nested]);
    assert!(error_field(vec![too_deep]).ends_with(".query_group"));

    let mut items: Vec<QueryPair> = (0..MAX_ITEMS)
        .map(|_| {
            joined(
                pair("amount", Operator::IsNull, None),
                ConjunctiveOperator::AndNext,
            )
        })
        .collect();
    items.last_mut().unwrap().conjunctive_operator = None;
    assert!(compile(Some(&query(items.clone()))).is_ok());
    items.last_mut().unwrap().conjunctive_operator = Some(ConjunctiveOperator::AndNext);
    items.push(pair("amount", Operator::IsNull, None));
    assert_eq!(error_field(items), "query_list");
}

#[test]
fn one_sort_key_at_most() {
    let sort = |pairs: Vec<SortPair>| SqlQuery {
        query_list: None,
        sort_list: Some(pairs.into_iter().map(Some).collect()),
    };
    let by = |key: &str, direction| SortPair {
        key: Some(key.into()),
        direction,
    };
    let compiled = compile(Some(&sort(vec![by("amount", Some(SortDirection::Desc))]))).unwrap();
    assert_eq!(
        compiled.sort,
        Sort {
            column: LinkColumn::Amount,
            descending: true
        }
    );
    let compiled = compile(Some(&sort(vec![by("link_name", None)]))).unwrap();
    assert!(!compiled.sort.descending);
    let error = compile(Some(&sort(vec![by("amount", None), by("link_id", None)]))).unwrap_err();
    assert_eq!(error.field, "sort_list");
    let error = compile(Some(&sort(vec![by("link_url", None)]))).unwrap_err();
    assert_eq!(error.field, "sort_list[0].key");
}

fn sorted_by(key: &str) -> SqlQuery {
    SqlQuery {
        query_list: None,
        sort_list: Some(vec![Some(SortPair {
            key: Some(key.into()),
            direction: None,
        })]),
    }
}

#[test]
fn other_listings_take_their_types_camel_case_keys() {
    let compiled = super::compile::<PaymentFields>(Some(&query(vec![
        joined(
            pair("payerEmail", Operator::Like, Some("jo%")),
            ConjunctiveOperator::AndNext,
        ),
        joined(
            pair("amount", Operator::GreaterEqual, Some("1500")),
            ConjunctiveOperator::AndNext,
        ),
        pair("status", Operator::InList, None),
    ])));
    // IN_LIST without values names the item.
    assert_eq!(compiled.unwrap_err().field, "query_list[2].in_values");
    let compiled = super::compile::<PaymentFields>(Some(&query(vec![
        joined(
            pair("payerEmail", Operator::Like, Some("jo%")),
            ConjunctiveOperator::AndNext,
        ),
        pair("amount", Operator::GreaterEqual, Some("1500")),
    ])))
    .unwrap();
    assert_eq!(
        compiled.filter,
        Some(Filter::All(vec![
            Filter::Test(PaymentColumn::PayerEmail, Test::Like("jo%".into())),
            Filter::Test(PaymentColumn::Amount, Test::Ge(Value::BigInt(1500))),
        ]))
    );
    assert_eq!(compiled.sort, Sort::default());
    // PayTheory's snake_case is paymentLinks' alone.
    let error = super::compile::<PaymentFields>(Some(&query(vec![pair(
        "payer_email",
        Operator::Equal,
        Some("jo@example.com"),
    )])))
    .unwrap_err();
    assert_eq!(error.field, "query_list[0].key");
    assert!(error.message.contains("payerEmail"), "{}", error.message);
    // Payment statuses are Payment's enum.
    let error = super::compile::<PaymentFields>(Some(&query(vec![pair(
        "status",
        Operator::Equal,
        Some("Active"),
    )])))
    .unwrap_err();
    assert_eq!(error.field, "query_list[0].value");
}

#[test]
fn session_values_are_amounts_dates_and_their_own_enums() {
    let compiled = super::compile::<SessionFields>(Some(&query(vec![
        joined(
            pair("amount", Operator::Equal, Some("12.50")),
            ConjunctiveOperator::AndNext,
        ),
        joined(
            pair("startDate", Operator::LessThan, Some("2027-02-01")),
            ConjunctiveOperator::AndNext,
        ),
        joined(
            pair("status", Operator::Equal, Some("Expired")),
            ConjunctiveOperator::AndNext,
        ),
        pair("contact.email", Operator::Equal, Some("jo@example.com")),
    ])))
    .unwrap();
    let Some(Filter::All(items)) = compiled.filter else {
        panic!("AND list")
    };
    assert_eq!(
        items[0],
        Filter::Test(SessionColumn::Amount, Test::Eq(Value::BigInt(1250)))
    );
    assert_eq!(
        items[1],
        Filter::Test(
            SessionColumn::StartDate,
            Test::Lt(Value::Date(
                chrono::NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()
            ))
        )
    );
    assert_eq!(
        items[3],
        Filter::Test(
            SessionColumn::ContactEmail,
            Test::Eq(Value::Text("jo@example.com".into()))
        )
    );
    for (key, value) in [
        ("amount", "12.505"),
        ("startDate", "2027-02-01T00:00:00Z"),
        ("frequency", "MONTHLY"),
    ] {
        let error = super::compile::<SessionFields>(Some(&query(vec![pair(
            key,
            Operator::Equal,
            Some(value),
        )])))
        .unwrap_err();
        assert_eq!(error.field, "query_list[0].value", "{key} {value}");
    }
}

#[test]
fn another_objects_field_is_filtered_on_but_not_sorted_by() {
    let error = super::compile::<SessionFields>(Some(&sorted_by("contact.email"))).unwrap_err();
    assert_eq!(error.field, "sort_list[0].key");
    assert!(error.message.contains("contact.email"), "{}", error.message);
    let compiled = super::compile::<SessionFields>(Some(&sorted_by("status"))).unwrap();
    assert_eq!(compiled.sort.column, SessionColumn::Status);
    assert!(super::compile::<ContactFields>(Some(&sorted_by("email"))).is_ok());
    let error = super::compile::<ContactFields>(Some(&sorted_by("givenName"))).unwrap_err();
    assert_eq!(error.field, "sort_list[0].key");
}

/// Every key of every listing: spelt as a field of its GraphQL type (or of the object it
/// names, for `contact.email`), one key per column, and written the way its column holds.
#[test]
fn keys_are_their_types_fields_and_match_their_columns() {
    use paylink_store::listing::ColumnKind;
    use std::collections::HashSet;

    fn check<F: Fields>(type_name: &str) {
        let schema = crate::graphql::schema();
        let field_of = |type_name: &str, field: &str| {
            schema
                .schema
                .concrete_type_by_name(type_name)
                .and_then(|meta| meta.field_by_name(field))
                .is_some()
        };
        let mut columns = HashSet::new();
        for field in F::FIELDS {
            match field.key.split_once('.') {
                None => assert!(field_of(type_name, field.key), "{type_name}.{}", field.key),
                Some((object, inner)) => {
                    assert!(field_of(type_name, object), "{type_name}.{object}");
                    let object_type = {
                        let mut chars = object.chars();
                        let first = chars.next().unwrap().to_ascii_uppercase();
                        format!("{first}{}", chars.as_str())
                    };
                    assert!(field_of(&object_type, inner), "{object_type}.{inner}");
                }
            }
            assert!(columns.insert(field.column), "{} twice", field.key);
            let kind = field.column.kind();
            match field.spelling {
                Spelling::Enum(_) => assert_eq!(kind, ColumnKind::Enum, "{}", field.key),
                Spelling::Amount => assert_eq!(kind, ColumnKind::BigInt, "{}", field.key),
                Spelling::Plain => assert_ne!(kind, ColumnKind::Enum, "{}", field.key),
            }
        }
        assert_eq!(
            columns.len(),
            <F::Column as Column>::ALL.len(),
            "{type_name}: a column without a key"
        );
        assert!(F::by_key(F::ID).is_some(), "{type_name} has no {}", F::ID);
    }
    check::<LinkFields>("PaymentLink");
    check::<PaymentFields>("Payment");
    check::<SessionFields>("PaymentPlanSession");
    check::<ContactFields>("Contact");
}
