//! Filtered, sorted, keyset-paged reads of one merchant's links.
//!
//! Display order is the sort key in its direction with NULLs last, then `link_id` in the same
//! direction. A page is read in "scan order": display order going forward, its reverse going
//! backward. For a nullable key the rows with a value and the rows without one are read by two
//! queries, one after the other, so that each is a plain range over an index
//! `(merchant_uid, key, link_id)`; an `OR key IS NULL` would defeat the index.

use std::sync::LazyLock;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::PaymentLinkRow;
use super::column::Column;
use super::filter::{Direction, Filter, Search, Test};
use crate::StoreError;
use crate::plans::Planning;
use crate::sql::{self, Bind, SqlBuilder};
use crate::value::Value;

/// The columns a listing reads: those of [`PaymentLinkRow`], as diesel selects them for it, so
/// that the row struct is the one place they are listed.
static COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let select = crate::schema::payment_links::table.select(PaymentLinkRow::as_select());
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&select).to_string();
    sql.strip_prefix("SELECT ")
        .and_then(|rest| rest.split(" FROM ").next())
        .expect("diesel writes a select as SELECT ... FROM ...")
        .to_owned()
});

/// The two runs of a listing: rows with a sort value, and rows whose sort value is NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    Valued,
    Null,
}

/// The page, in display order.
pub(crate) fn page(
    conn: &mut PgConnection,
    merchant_uid: &str,
    search: &Search,
) -> Result<Vec<PaymentLinkRow>, StoreError> {
    let mut rows = Vec::new();
    for segment in segments(search) {
        let remaining = search.limit - rows.len() as i64;
        if remaining <= 0 {
            break;
        }
        if let Some(query) = segment_query(merchant_uid, search, segment, remaining) {
            rows.extend(query.into_query().load::<PaymentLinkRow>(conn)?);
        }
    }
    if search.direction == Direction::Backward {
        rows.reverse();
    }
    Ok(rows)
}

/// How many links match the filter. Without one, the merchant's total is the sum of its
/// counter slots (migration `link_counts`): at most 16 rows, whatever the number of links. A
/// filter is counted over the links it matches, through the same indexes as the page.
pub(super) fn count(
    conn: &mut PgConnection,
    merchant_uid: &str,
    filter: Option<&Filter>,
) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let mut sql = SqlBuilder::default();
    match filter {
        None => {
            sql.push(
                "SELECT coalesce(sum(links), 0)::bigint AS count FROM payment_link_counts \
                 WHERE merchant_uid = ",
            );
            sql.push_value(&Value::Text(merchant_uid.to_owned()));
        }
        Some(filter) => {
            sql.push("SELECT count(*) AS count FROM payment_links WHERE merchant_uid = ");
            sql.push_value(&Value::Text(merchant_uid.to_owned()));
            sql.push(" AND ");
            push_filter(&mut sql, filter);
        }
    }
    Ok(sql.into_query().get_result::<Count>(conn)?.count)
}

/// How a listing's statements (its page and its count) are planned: generically when one index
/// serves every value alike, that is when the filter only bounds the column the rows are read
/// in order of, with tests an index range answers; with their values otherwise, since the best
/// index then depends on how many rows the values match. The README's "Benchmarks" has the
/// measurements behind this (a generic plan for a name filter took 30 to 67 ms on some
/// patterns, against 0.1 ms planned with them).
pub(crate) fn planning(filter: Option<&Filter>, order: Column) -> Planning {
    fn ranged(filter: &Filter, order: Column) -> bool {
        match filter {
            Filter::All(items) => items.iter().all(|item| ranged(item, order)),
            Filter::Any(items) => match items.as_slice() {
                [only] => ranged(only, order),
                _ => false,
            },
            Filter::Test(tested, test) => {
                *tested == order
                    && matches!(
                        test,
                        Test::Eq(_)
                            | Test::Gt(_)
                            | Test::Ge(_)
                            | Test::Lt(_)
                            | Test::Le(_)
                            | Test::In(_)
                            | Test::IsNull
                            | Test::IsNotNull
                            | Test::IsTrue
                            | Test::IsFalse
                    )
            }
        }
    }
    match filter {
        None => Planning::Generic,
        Some(filter) if ranged(filter, order) => Planning::Generic,
        Some(_) => Planning::Custom,
    }
}

/// The page's first statement (rows with a sort value, in scan order) as plain text; it is the
/// only one run when it fills the page.
#[cfg(feature = "direct")]
pub(crate) fn first_statement(merchant_uid: &str, search: &Search) -> Option<sql::PlainStatement> {
    segments(search)
        .into_iter()
        .find_map(|segment| segment_query(merchant_uid, search, segment, search.limit))
        .map(|query| query.plain())
}

/// PostgreSQL's plan for each query of the page, for checking index use.
#[cfg(test)]
pub(crate) fn explain(
    conn: &mut PgConnection,
    merchant_uid: &str,
    search: &Search,
) -> Result<String, StoreError> {
    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    use diesel::connection::SimpleConnection;
    // Planned as the store plans it (the connection keeps that mode).
    conn.batch_execute(planning(search.filter.as_ref(), search.sort.column).statement())?;
    let mut plan = String::new();
    for segment in segments(search) {
        if let Some(mut query) = segment_query(merchant_uid, search, segment, search.limit) {
            query.prepend("EXPLAIN ").one_off();
            for line in query.into_query().load::<PlanLine>(conn)? {
                plan.push_str(&line.line);
                plan.push('\n');
            }
        }
    }
    Ok(plan)
}

/// The segments in scan order.
fn segments(search: &Search) -> Vec<Segment> {
    match (search.sort.column.nullable(), search.direction) {
        (false, _) => vec![Segment::Valued],
        (true, Direction::Forward) => vec![Segment::Valued, Segment::Null],
        (true, Direction::Backward) => vec![Segment::Null, Segment::Valued],
    }
}

/// The query for one segment, or `None` when no row of it can be on the page.
fn segment_query(
    merchant_uid: &str,
    search: &Search,
    segment: Segment,
    limit: i64,
) -> Option<SqlBuilder> {
    let column = search.sort.column.name();
    // Scanning ascending: display ascending read forward, or display descending read backward.
    let ascending = search.sort.descending == (search.direction == Direction::Backward);
    let (after, order) = if ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };

    let mut sql = SqlBuilder::default();
    sql.push("SELECT ")
        .push(&COLUMNS)
        .push(" FROM payment_links WHERE merchant_uid = ");
    sql.push_value(&Value::Text(merchant_uid.to_owned()));
    if let Some(filter) = &search.filter {
        sql.push(" AND ");
        push_filter(&mut sql, filter);
    }
    if search.sort.column.nullable() {
        sql.push(&format!(
            " AND {column} IS {}NULL",
            if segment == Segment::Valued {
                "NOT "
            } else {
                ""
            }
        ));
    }
    if let Some(cursor) = &search.cursor {
        let cursor_segment = if cursor.value.is_some() {
            Segment::Valued
        } else {
            Segment::Null
        };
        let order = segments(search);
        let position = |s| order.iter().position(|x| *x == s);
        match position(segment).cmp(&position(cursor_segment)) {
            // This whole segment lies before the cursor in scan order.
            std::cmp::Ordering::Less => return None,
            std::cmp::Ordering::Greater => {}
            std::cmp::Ordering::Equal => match (&cursor.value, &cursor.link_id) {
                (Some(value), Some(link_id)) => {
                    // A row comparison is one index condition on (key, link_id): both columns
                    // run in the same direction and this segment holds no NULL keys, so it means
                    // exactly "k after a, or k = a and id after b", and plans faster than the OR.
                    sql.push(&format!(" AND ({column}, link_id) {after} ("));
                    sql.push_value(value);
                    sql.push(", ");
                    sql.push_value(&Value::Text(link_id.clone()));
                    sql.push(")");
                }
                (Some(value), None) => {
                    sql.push(&format!(" AND {column} {after} "));
                    sql.push_value(value);
                }
                (None, Some(link_id)) => {
                    sql.push(&format!(" AND link_id {after} "));
                    sql.push_value(&Value::Text(link_id.clone()));
                }
                // A NULL boundary without an id: nothing after it can be told apart.
                (None, None) => return None,
            },
        }
    }
    // In the NULL segment every key is NULL, so only link_id orders the rows; the key stays in
    // the ORDER BY all the same, because the planner matches (key, link_id) to the index's order
    // but does not see that `key IS NULL` leaves link_id alone, and would sort the segment.
    sql.push(&format!(
        " ORDER BY {column} {order}, link_id {order} LIMIT "
    ));
    sql.push_bind(Bind::Count(limit));
    Some(sql)
}

fn push_filter(sql: &mut SqlBuilder, filter: &Filter) {
    match filter {
        Filter::All(items) | Filter::Any(items) if items.is_empty() => {
            sql.push("TRUE");
        }
        Filter::All(items) | Filter::Any(items) => {
            let join = if matches!(filter, Filter::All(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.push("(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sql.push(join);
                }
                push_filter(sql, item);
            }
            sql.push(")");
        }
        Filter::Test(column, test) => push_test(sql, *column, test),
    }
}

fn push_test(sql: &mut SqlBuilder, column: Column, test: &Test) {
    let name = column.name();
    let compare = |sql: &mut SqlBuilder, operator: &str, value: &Value| {
        sql.push(&format!("{name} {operator} "));
        sql.push_value(value);
    };
    match test {
        Test::Eq(value) => compare(sql, "=", value),
        Test::Ne(value) => compare(sql, "IS DISTINCT FROM", value),
        Test::Gt(value) => compare(sql, ">", value),
        Test::Ge(value) => compare(sql, ">=", value),
        Test::Lt(value) => compare(sql, "<", value),
        Test::Le(value) => compare(sql, "<=", value),
        Test::Like(pattern) => {
            sql.push(&format!("{} LIKE ", sql::folded(name)));
            sql.push_bind_folded(pattern);
        }
        Test::NotLike(pattern) => {
            sql.push(&format!(
                "({name} IS NULL OR {} NOT LIKE ",
                sql::folded(name)
            ));
            sql.push_bind_folded(pattern);
            sql.push(")");
        }
        Test::In(values) => {
            sql.push(&format!("{name} = ANY("));
            sql.push_bind(array(values));
            sql.push(")");
        }
        Test::NotIn(values) => {
            sql.push(&format!("({name} IS NULL OR NOT ({name} = ANY("));
            sql.push_bind(array(values));
            sql.push(")))");
        }
        Test::IsNull => {
            sql.push(&format!("{name} IS NULL"));
        }
        Test::IsNotNull => {
            sql.push(&format!("{name} IS NOT NULL"));
        }
        Test::IsTrue => {
            sql.push(&format!("{name} IS TRUE"));
        }
        Test::IsFalse => {
            sql.push(&format!("{name} IS FALSE"));
        }
    }
}

/// The values as one array bind; callers give values of one kind (booleans are never listed).
fn array(values: &[Value]) -> Bind {
    match values.first() {
        Some(Value::Integer(_)) => Bind::Integers(
            values
                .iter()
                .filter_map(|v| {
                    if let Value::Integer(i) = v {
                        Some(*i)
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        Some(Value::Timestamp(_)) => Bind::Timestamps(
            values
                .iter()
                .filter_map(|v| {
                    if let Value::Timestamp(t) = v {
                        Some(*t)
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        _ => Bind::Texts(
            values
                .iter()
                .filter_map(|v| {
                    if let Value::Text(t) = v {
                        Some(t.clone())
                    } else {
                        None
                    }
                })
                .collect(),
        ),
    }
}
