//! Compiles PayTheory's `SqlQuery` input (a filter list and a sort list) into the store's typed
//! filter and sort. It lives with the GraphQL layer because its input is a generated GraphQL
//! type; the domain knows nothing of GraphQL. Every client value becomes a typed [`Value`]; nothing the client sends is SQL.
//! Errors name the offending item by its path, such as `query_list[2].query_group[0].value`.

use paylink_store::payment_links::{Column, ColumnKind, Filter, Sort, Test, Value};

use super::generated::{
    AcceptedPaymentMethodsEnum, CallToActionType, ConjunctiveOperator, FeeMode, Operator,
    QueryPair, SortDirection, SortPair, SqlQuery,
};
use crate::domain::{self, InvalidField, timestamps};

/// Most query items in one query, groups included.
pub const MAX_ITEMS: usize = 50;
/// Deepest nesting of `query_group`s.
pub const MAX_DEPTH: usize = 4;
/// Most entries of `in_values`.
pub const MAX_IN_VALUES: usize = 100;

/// A compiled query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompiledQuery {
    /// The filter, if the query has one.
    pub filter: Option<Filter>,
    /// The order.
    pub sort: Sort,
}

/// Compiles an optional `SqlQuery`.
pub fn compile(query: Option<&SqlQuery>) -> Result<CompiledQuery, InvalidField> {
    let Some(query) = query else {
        return Ok(CompiledQuery::default());
    };
    let filter = match query.query_list.as_deref() {
        None | Some([]) => None,
        Some(items) => {
            let count = count_items(items);
            if count > MAX_ITEMS {
                return Err(InvalidField::new(
                    "query_list",
                    format!("has {count} items in all; at most {MAX_ITEMS} are allowed"),
                ));
            }
            Some(compile_list("query_list", items, 0)?)
        }
    };
    let sort = compile_sort(query.sort_list.as_deref().unwrap_or_default())?;
    Ok(CompiledQuery { filter, sort })
}

/// Parses a value given as text for `column`, as filters and paging cursors give them.
pub fn parse_value(column: Column, text: &str, field: &str) -> Result<Value, InvalidField> {
    domain::storable_text(field, text)?;
    let invalid = |expected: &str| {
        InvalidField::new(
            field,
            format!("must be {expected} for {}, not {text:?}", column.name()),
        )
    };
    match column.kind() {
        ColumnKind::Text => Ok(Value::Text(text.to_owned())),
        ColumnKind::Enum => {
            let names = enum_names(column);
            if names.contains(&text) {
                Ok(Value::Text(text.to_owned()))
            } else {
                Err(invalid(&format!("one of {}", names.join(", "))))
            }
        }
        ColumnKind::Integer => text
            .trim()
            .parse::<i32>()
            .map(Value::Integer)
            .map_err(|_| invalid("an integer")),
        ColumnKind::Boolean => match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(Value::Boolean(true)),
            t if t.eq_ignore_ascii_case("false") => Ok(Value::Boolean(false)),
            _ => Err(invalid("true or false")),
        },
        ColumnKind::Timestamp => timestamps::parse(text)
            .map(Value::Timestamp)
            .ok_or_else(|| invalid("an RFC 3339 timestamp or a date (YYYY-MM-DD)")),
    }
}

/// The value names of an enum column.
fn enum_names(column: Column) -> Vec<&'static str> {
    match column {
        Column::FeeMode => FeeMode::ALL.iter().map(|v| v.as_str()).collect(),
        Column::CallToAction => CallToActionType::ALL.iter().map(|v| v.as_str()).collect(),
        Column::AcceptedPaymentMethods => AcceptedPaymentMethodsEnum::ALL
            .iter()
            .map(|v| v.as_str())
            .collect(),
        _ => Vec::new(),
    }
}

fn count_items(items: &[Option<QueryPair>]) -> usize {
    items
        .iter()
        .flatten()
        .map(|item| 1 + item.query_group.as_deref().map_or(0, count_items))
        .sum::<usize>()
        + items.iter().filter(|item| item.is_none()).count()
}

fn column(key: Option<&str>, field: String) -> Result<Column, InvalidField> {
    let Some(key) = key else {
        return Err(InvalidField::new(
            field,
            "is required: name the field to test",
        ));
    };
    Column::from_name(key).ok_or_else(|| {
        let names: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
        InvalidField::new(
            field,
            format!(
                "{key:?} is not a field you can query; use one of {}",
                names.join(", ")
            ),
        )
    })
}

/// Compiles one list (the top-level one or a group's).
fn compile_list(
    path: &str,
    items: &[Option<QueryPair>],
    depth: usize,
) -> Result<Filter, InvalidField> {
    if depth > MAX_DEPTH {
        return Err(InvalidField::new(
            path,
            format!("nests groups more than {MAX_DEPTH} deep"),
        ));
    }
    let mut join: Option<ConjunctiveOperator> = None;
    let mut compiled = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let item = item
            .as_ref()
            .ok_or_else(|| InvalidField::new(&item_path, "must not be null"))?;
        let last = i + 1 == items.len();
        let conjunctive = item.conjunctive_operator;
        match (last, conjunctive) {
            (true, None | Some(ConjunctiveOperator::NoneNext)) => {}
            (true, Some(_)) => {
                return Err(InvalidField::new(
                    format!("{item_path}.conjunctive_operator"),
                    "must be NONE_NEXT or omitted on the last item of a list",
                ));
            }
            (false, None | Some(ConjunctiveOperator::NoneNext)) => {
                return Err(InvalidField::new(
                    format!("{item_path}.conjunctive_operator"),
                    "must be AND_NEXT or OR_NEXT: it joins this item to the next",
                ));
            }
            (false, Some(next)) => match join {
                Some(previous) if previous != next => {
                    return Err(InvalidField::new(
                        path,
                        "mixes AND_NEXT and OR_NEXT; one list joins its items one way, so put \
                         the items joined the other way in a query_group",
                    ));
                }
                _ => join = Some(next),
            },
        }
        compiled.push(compile_item(&item_path, item, depth)?);
    }
    Ok(match join {
        Some(ConjunctiveOperator::OrNext) => Filter::Any(compiled),
        _ => Filter::All(compiled),
    })
}

fn compile_item(path: &str, item: &QueryPair, depth: usize) -> Result<Filter, InvalidField> {
    if let Some(group) = &item.query_group {
        if item.key.is_some() || item.operator.is_some() {
            return Err(InvalidField::new(
                format!("{path}.query_group"),
                "takes the place of key and operator; give either a group or a key and operator",
            ));
        }
        if group.is_empty() {
            return Err(InvalidField::new(
                format!("{path}.query_group"),
                "must have at least one item",
            ));
        }
        return compile_list(&format!("{path}.query_group"), group, depth + 1);
    }
    let column = column(item.key.as_deref(), format!("{path}.key"))?;
    let operator = item.operator.ok_or_else(|| {
        InvalidField::new(
            format!("{path}.operator"),
            "is required with a key: say how to compare it",
        )
    })?;
    check_operator(column, operator, &format!("{path}.operator"))?;
    let value = || -> Result<Value, InvalidField> {
        let field = format!("{path}.value");
        let text = item.value.as_deref().ok_or_else(|| {
            InvalidField::new(&field, format!("is required with {}", operator.as_str()))
        })?;
        parse_value(column, text, &field)
    };
    let pattern = || -> Result<String, InvalidField> {
        let field = format!("{path}.value");
        let pattern = item.value.clone().ok_or_else(|| {
            InvalidField::new(
                &field,
                format!("is required with {}: give a pattern", operator.as_str()),
            )
        })?;
        domain::storable_text(&field, &pattern)?;
        let trailing_escapes = pattern.chars().rev().take_while(|c| *c == '\\').count();
        if trailing_escapes % 2 == 1 {
            return Err(InvalidField::new(
                field,
                "must not end with a lone \\ (it escapes the next character; write \\\\ for a backslash)",
            ));
        }
        Ok(pattern)
    };
    let test = match operator {
        Operator::Equal => Test::Eq(value()?),
        Operator::NotEqual => Test::Ne(value()?),
        Operator::GreaterThan => Test::Gt(value()?),
        Operator::GreaterEqual => Test::Ge(value()?),
        Operator::LessThan => Test::Lt(value()?),
        Operator::LessEqual => Test::Le(value()?),
        Operator::Like => Test::Like(pattern()?),
        Operator::NotLike => Test::NotLike(pattern()?),
        Operator::InList => Test::In(in_values(path, column, item)?),
        Operator::NotInList => Test::NotIn(in_values(path, column, item)?),
        Operator::IsNull => Test::IsNull,
        Operator::IsNotNull => Test::IsNotNull,
        Operator::EqualTrue => Test::IsTrue,
        Operator::EqualFalse => Test::IsFalse,
    };
    Ok(Filter::Test(column, test))
}

/// Refuses an operator that does not apply to the column's type.
fn check_operator(column: Column, operator: Operator, field: &str) -> Result<(), InvalidField> {
    let kind = column.kind();
    let (allowed, applies_to) = match operator {
        Operator::Equal | Operator::NotEqual => (true, "every field"),
        Operator::GreaterThan
        | Operator::GreaterEqual
        | Operator::LessThan
        | Operator::LessEqual => (
            matches!(
                kind,
                ColumnKind::Integer | ColumnKind::Timestamp | ColumnKind::Text
            ),
            "numbers, dates and strings",
        ),
        Operator::Like | Operator::NotLike => (kind == ColumnKind::Text, "strings"),
        Operator::InList | Operator::NotInList => {
            (kind != ColumnKind::Boolean, "every field but booleans")
        }
        Operator::IsNull | Operator::IsNotNull => (column.nullable(), "nullable fields"),
        Operator::EqualTrue | Operator::EqualFalse => (kind == ColumnKind::Boolean, "booleans"),
    };
    if allowed {
        Ok(())
    } else {
        Err(InvalidField::new(
            field,
            format!(
                "{} cannot be used with {} ({}); it applies to {applies_to}",
                operator.as_str(),
                column.name(),
                kind_name(column),
            ),
        ))
    }
}

fn kind_name(column: Column) -> &'static str {
    match (column.kind(), column.nullable()) {
        (ColumnKind::Text, false) => "a string",
        (ColumnKind::Text, true) => "a nullable string",
        (ColumnKind::Enum, _) => "an enum",
        (ColumnKind::Integer, false) => "an integer",
        (ColumnKind::Integer, true) => "a nullable integer",
        (ColumnKind::Boolean, _) => "a boolean",
        (ColumnKind::Timestamp, _) => "a date",
    }
}

fn in_values(path: &str, column: Column, item: &QueryPair) -> Result<Vec<Value>, InvalidField> {
    let field = format!("{path}.in_values");
    let values = item.in_values.as_deref().unwrap_or_default();
    if values.is_empty() || values.len() > MAX_IN_VALUES {
        return Err(InvalidField::new(
            field,
            format!(
                "must have 1 to {MAX_IN_VALUES} values, not {}",
                values.len()
            ),
        ));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let entry = format!("{field}[{i}]");
            let text = value
                .as_deref()
                .ok_or_else(|| InvalidField::new(&entry, "must not be null"))?;
            parse_value(column, text, &entry)
        })
        .collect()
}

fn compile_sort(sort_list: &[Option<SortPair>]) -> Result<Sort, InvalidField> {
    match sort_list {
        [] => Ok(Sort::default()),
        [None] => Err(InvalidField::new("sort_list[0]", "must not be null")),
        [Some(pair)] => Ok(Sort {
            column: column(pair.key.as_deref(), "sort_list[0].key".into())?,
            descending: pair.direction == Some(SortDirection::Desc),
        }),
        more => Err(InvalidField::new(
            "sort_list",
            format!(
                "may have one sort key, not {}; link_id always breaks ties",
                more.len()
            ),
        )),
    }
}

#[cfg(test)]
mod tests;
