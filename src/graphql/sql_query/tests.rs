//! Unit tests of the `SqlQuery` compiler.

use super::*;

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
        Filter::Test(Column::Amount, Test::Ge(Value::Integer(100)))
    );
    assert_eq!(items[1], Filter::Test(Column::IsActive, Test::IsTrue));
    assert!(matches!(
        items[2],
        Filter::Test(Column::CreatedDate, Test::Lt(Value::Timestamp(_)))
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
            column: Column::Amount,
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
