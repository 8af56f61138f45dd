//! Compiles PayTheory's `SqlQuery` input (a filter list and a sort list) into the store's typed
//! filter and sort, for any listing: each names its keys once ([`fields`]). It lives with the
//! GraphQL layer because its input is a generated GraphQL type; the domain knows nothing of
//! GraphQL. Every client value becomes a typed [`Value`]; nothing the client sends is SQL.
//! Errors name the offending item by its path, such as `query_list[2].query_group[0].value`.

pub mod fields;

use paylink_store::listing::{Column, ColumnKind, Filter, Sort, Test, Value};

use super::generated::{
    ConjunctiveOperator, Operator, QueryPair, SortDirection, SortPair, SqlQuery,
};
use super::scalars::Amount;
use crate::domain::{self, InvalidField, timestamps};
use fields::{Field, Fields, Spelling};

/// Most query items in one query, groups included.
pub const MAX_ITEMS: usize = 50;
/// Deepest nesting of `query_group`s.
pub const MAX_DEPTH: usize = 4;
/// Most entries of `in_values`.
pub const MAX_IN_VALUES: usize = 100;

/// A compiled query over the columns `C`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledQuery<C> {
    /// The filter, if the query has one.
    pub filter: Option<Filter<C>>,
    /// The order.
    pub sort: Sort<C>,
}

/// Compiles an optional `SqlQuery` for the listing whose keys `F` names.
pub fn compile<F: Fields>(
    query: Option<&SqlQuery>,
) -> Result<CompiledQuery<F::Column>, InvalidField> {
    let Some(query) = query else {
        return Ok(CompiledQuery {
            filter: None,
            sort: Sort::default(),
        });
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
            Some(compile_list::<F>("query_list", items, 0)?)
        }
    };
    let sort = compile_sort::<F>(query.sort_list.as_deref().unwrap_or_default())?;
    Ok(CompiledQuery { filter, sort })
}

/// Parses a value given as text for `field`, as filters and paging cursors give them.
pub fn parse_value<C: Column>(
    field: &Field<C>,
    text: &str,
    path: &str,
) -> Result<Value, InvalidField> {
    domain::storable_text(path, text)?;
    let invalid = |expected: &str| {
        InvalidField::new(
            path,
            format!("must be {expected} for {}, not {text:?}", field.key),
        )
    };
    match (field.spelling, field.column.kind()) {
        (Spelling::Enum(names), _) => {
            let names = names();
            if names.contains(&text) {
                Ok(Value::Text(text.to_owned()))
            } else {
                Err(invalid(&format!("one of {}", names.join(", "))))
            }
        }
        (Spelling::Amount, _) => Amount::parse(text.trim())
            .map(|amount| Value::BigInt(amount.minor()))
            .ok_or_else(|| invalid("an amount such as 12.50")),
        (Spelling::Plain, ColumnKind::Text | ColumnKind::Enum) => Ok(Value::Text(text.to_owned())),
        (Spelling::Plain, ColumnKind::Integer) => text
            .trim()
            .parse::<i32>()
            .map(Value::Integer)
            .map_err(|_| invalid("an integer")),
        (Spelling::Plain, ColumnKind::BigInt) => text
            .trim()
            .parse::<i64>()
            .map(Value::BigInt)
            .map_err(|_| invalid("an integer")),
        (Spelling::Plain, ColumnKind::Boolean) => match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(Value::Boolean(true)),
            t if t.eq_ignore_ascii_case("false") => Ok(Value::Boolean(false)),
            _ => Err(invalid("true or false")),
        },
        (Spelling::Plain, ColumnKind::Timestamp) => timestamps::parse(text)
            .map(Value::Timestamp)
            .ok_or_else(|| invalid("an RFC 3339 timestamp or a date (YYYY-MM-DD)")),
        (Spelling::Plain, ColumnKind::Date) => {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(Value::Date)
                .map_err(|_| invalid("a date (YYYY-MM-DD)"))
        }
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

fn field<F: Fields>(
    key: Option<&str>,
    path: String,
) -> Result<&'static Field<F::Column>, InvalidField> {
    let Some(key) = key else {
        return Err(InvalidField::new(
            path,
            "is required: name the field to test",
        ));
    };
    F::by_key(key).ok_or_else(|| {
        let keys: Vec<&str> = F::FIELDS.iter().map(|field| field.key).collect();
        InvalidField::new(
            path,
            format!(
                "{key:?} is not a field you can query; use one of {}",
                keys.join(", ")
            ),
        )
    })
}

/// Compiles one list (the top-level one or a group's).
fn compile_list<F: Fields>(
    path: &str,
    items: &[Option<QueryPair>],
    depth: usize,
) -> Result<Filter<F::Column>, InvalidField> {
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
        compiled.push(compile_item::<F>(&item_path, item, depth)?);
    }
    Ok(match join {
        Some(ConjunctiveOperator::OrNext) => Filter::Any(compiled),
        _ => Filter::All(compiled),
    })
}

fn compile_item<F: Fields>(
    path: &str,
    item: &QueryPair,
    depth: usize,
) -> Result<Filter<F::Column>, InvalidField> {
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
        return compile_list::<F>(&format!("{path}.query_group"), group, depth + 1);
    }
    let field = field::<F>(item.key.as_deref(), format!("{path}.key"))?;
    let operator = item.operator.ok_or_else(|| {
        InvalidField::new(
            format!("{path}.operator"),
            "is required with a key: say how to compare it",
        )
    })?;
    check_operator(field, operator, &format!("{path}.operator"))?;
    let value = || -> Result<Value, InvalidField> {
        let value_path = format!("{path}.value");
        let text = item.value.as_deref().ok_or_else(|| {
            InvalidField::new(
                &value_path,
                format!("is required with {}", operator.as_str()),
            )
        })?;
        parse_value(field, text, &value_path)
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
        Operator::InList => Test::In(in_values(path, field, item)?),
        Operator::NotInList => Test::NotIn(in_values(path, field, item)?),
        Operator::IsNull => Test::IsNull,
        Operator::IsNotNull => Test::IsNotNull,
        Operator::EqualTrue => Test::IsTrue,
        Operator::EqualFalse => Test::IsFalse,
    };
    Ok(Filter::Test(field.column, test))
}

/// Refuses an operator that does not apply to the field's type.
fn check_operator<C: Column>(
    field: &Field<C>,
    operator: Operator,
    path: &str,
) -> Result<(), InvalidField> {
    let column = field.column;
    let kind = column.kind();
    let (allowed, applies_to) = match operator {
        Operator::Equal | Operator::NotEqual => (true, "every field"),
        Operator::GreaterThan
        | Operator::GreaterEqual
        | Operator::LessThan
        | Operator::LessEqual => (
            matches!(
                kind,
                ColumnKind::Integer
                    | ColumnKind::BigInt
                    | ColumnKind::Timestamp
                    | ColumnKind::Date
                    | ColumnKind::Text
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
            path,
            format!(
                "{} cannot be used with {} ({}); it applies to {applies_to}",
                operator.as_str(),
                field.key,
                kind_name(field),
            ),
        ))
    }
}

fn kind_name<C: Column>(field: &Field<C>) -> &'static str {
    let nullable = field.column.nullable();
    match (field.spelling, field.column.kind()) {
        (Spelling::Amount, _) => "an amount",
        (_, ColumnKind::Text) if nullable => "a nullable string",
        (_, ColumnKind::Text) => "a string",
        (_, ColumnKind::Enum) => "an enum",
        (_, ColumnKind::Integer | ColumnKind::BigInt) if nullable => "a nullable integer",
        (_, ColumnKind::Integer | ColumnKind::BigInt) => "an integer",
        (_, ColumnKind::Boolean) => "a boolean",
        (_, ColumnKind::Timestamp) => "a date",
        (_, ColumnKind::Date) => "a calendar date",
    }
}

fn in_values<C: Column>(
    path: &str,
    field: &Field<C>,
    item: &QueryPair,
) -> Result<Vec<Value>, InvalidField> {
    let list_path = format!("{path}.in_values");
    let values = item.in_values.as_deref().unwrap_or_default();
    if values.is_empty() || values.len() > MAX_IN_VALUES {
        return Err(InvalidField::new(
            list_path,
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
            let entry = format!("{list_path}[{i}]");
            let text = value
                .as_deref()
                .ok_or_else(|| InvalidField::new(&entry, "must not be null"))?;
            parse_value(field, text, &entry)
        })
        .collect()
}

fn compile_sort<F: Fields>(
    sort_list: &[Option<SortPair>],
) -> Result<Sort<F::Column>, InvalidField> {
    match sort_list {
        [] => Ok(Sort::default()),
        [None] => Err(InvalidField::new("sort_list[0]", "must not be null")),
        [Some(pair)] => {
            let field = field::<F>(pair.key.as_deref(), "sort_list[0].key".into())?;
            if !field.column.sortable() {
                return Err(InvalidField::new(
                    "sort_list[0].key",
                    format!(
                        "{} is another object's field: it can be filtered on, not sorted by",
                        field.key
                    ),
                ));
            }
            Ok(Sort {
                column: field.column,
                descending: pair.direction == Some(SortDirection::Desc),
            })
        }
        more => Err(InvalidField::new(
            "sort_list",
            format!(
                "may have one sort key, not {}; {} always breaks ties",
                more.len(),
                F::ID
            ),
        )),
    }
}

#[cfg(test)]
mod tests;
