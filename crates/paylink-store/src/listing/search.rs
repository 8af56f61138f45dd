//! Filtered, sorted, keyset-paged reads of one merchant's rows of a [`Table`].
//!
//! Display order is the sort key in its direction with NULLs last, then the table's id in the
//! same direction. A page is read in "scan order": display order going forward, its reverse
//! going backward. For a nullable key the rows with a value and the rows without one are read by
//! two queries, one after the other, so that each is a plain range over an index
//! `(merchant_uid, key, id)`; an `OR key IS NULL` would defeat the index.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::filter::{Direction, Filter, Search, Test};
use super::{Column, ColumnSql, Table};
use crate::StoreError;
use crate::plans::Planning;
use crate::sql::{self, Bind, SqlBuilder};
use crate::value::Value;

/// The two runs of a listing: rows with a sort value, and rows whose sort value is NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    Valued,
    Null,
}

/// The page, in display order.
pub(crate) fn page<T: Table>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    search: &Search<T::Column>,
) -> Result<Vec<T::Row>, StoreError> {
    let mut rows = Vec::new();
    for segment in segments(search) {
        let remaining = search.limit - rows.len() as i64;
        if remaining <= 0 {
            break;
        }
        if let Some(query) = segment_query::<T>(merchant_uid, search, segment, remaining)? {
            rows.extend(query.into_query().load::<T::Row>(conn)?);
        }
    }
    if search.direction == Direction::Backward {
        rows.reverse();
    }
    Ok(rows)
}

/// How many of the merchant's rows match `filter` (all of them without one), counted through
/// the same indexes as the page; with `at_most`, counting stops there, so that its cost is
/// bounded whatever the number of rows.
pub(crate) fn count<T: Table>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    filter: Option<&Filter<T::Column>>,
    at_most: Option<i64>,
) -> Result<i64, StoreError> {
    let mut sql = SqlBuilder::default();
    sql.push(if at_most.is_some() {
        "SELECT count(*) AS count FROM (SELECT 1 FROM "
    } else {
        "SELECT count(*) AS count FROM "
    })
    .push(T::NAME)
    .push(" WHERE merchant_uid = ");
    sql.push_value(&Value::Text(merchant_uid.to_owned()));
    if let Some(filter) = filter {
        sql.push(" AND ");
        push_filter(&mut sql, merchant_uid, filter);
    }
    if let Some(at_most) = at_most {
        sql.push(" LIMIT ");
        sql.push_bind(Bind::Count(at_most));
        sql.push(") AS matched");
    }
    Ok(sql.into_query().get_result::<Count>(conn)?.count)
}

/// One row of a count.
#[derive(QueryableByName)]
pub(crate) struct Count {
    #[diesel(sql_type = BigInt)]
    pub(crate) count: i64,
}

/// How a listing's statements (its page and its count) are planned: generically when one index
/// serves every value alike, that is when the filter only bounds the column the rows are read
/// in order of, with tests an index range answers; with their values otherwise, since the best
/// index then depends on how many rows the values match. The README's "Benchmarks" has the
/// measurements behind this (a generic plan for a name filter took 30 to 67 ms on some
/// patterns, against 0.1 ms planned with them).
pub(crate) fn planning<C: Column>(filter: Option<&Filter<C>>, order: C) -> Planning {
    fn ranged<C: Column>(filter: &Filter<C>, order: C) -> bool {
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
pub(crate) fn first_statement<T: Table>(
    merchant_uid: &str,
    search: &Search<T::Column>,
) -> Result<Option<sql::PlainStatement>, StoreError> {
    for segment in segments(search) {
        if let Some(query) = segment_query::<T>(merchant_uid, search, segment, search.limit)? {
            return Ok(Some(query.plain()));
        }
    }
    Ok(None)
}

/// PostgreSQL's plan for each query of the page, for checking index use.
#[cfg(test)]
pub(crate) fn explain<T: Table>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    search: &Search<T::Column>,
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
        if let Some(mut query) = segment_query::<T>(merchant_uid, search, segment, search.limit)? {
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
fn segments<C: Column>(search: &Search<C>) -> Vec<Segment> {
    match (search.sort.column.nullable(), search.direction) {
        (false, _) => vec![Segment::Valued],
        (true, Direction::Forward) => vec![Segment::Valued, Segment::Null],
        (true, Direction::Backward) => vec![Segment::Null, Segment::Valued],
    }
}

/// The SQL of a column rows can be ordered by; a joined column is refused (the API never asks
/// for one).
pub(crate) fn order_sql<C: Column>(column: C) -> Result<&'static str, StoreError> {
    match column.sql() {
        ColumnSql::Own(sql) => Ok(sql),
        ColumnSql::Joined(_) => Err(StoreError::Database(format!(
            "{} belongs to another table: rows cannot be ordered by it",
            column.name()
        ))),
    }
}

/// The query for one segment, or `None` when no row of it can be on the page.
fn segment_query<T: Table>(
    merchant_uid: &str,
    search: &Search<T::Column>,
    segment: Segment,
    limit: i64,
) -> Result<Option<SqlBuilder>, StoreError> {
    let column = order_sql(search.sort.column)?;
    let id = T::ID;
    // Scanning ascending: display ascending read forward, or display descending read backward.
    let ascending = search.sort.descending == (search.direction == Direction::Backward);
    let (after, order) = if ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };

    let mut sql = SqlBuilder::default();
    sql.push("SELECT ")
        .push(T::select_list())
        .push(" FROM ")
        .push(T::NAME)
        .push(" WHERE merchant_uid = ");
    sql.push_value(&Value::Text(merchant_uid.to_owned()));
    if let Some(filter) = &search.filter {
        sql.push(" AND ");
        push_filter(&mut sql, merchant_uid, filter);
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
            std::cmp::Ordering::Less => return Ok(None),
            std::cmp::Ordering::Greater => {}
            std::cmp::Ordering::Equal => match (&cursor.value, &cursor.id) {
                (Some(value), Some(boundary)) => {
                    // A row comparison is one index condition on (key, id): both columns run in
                    // the same direction and this segment holds no NULL keys, so it means
                    // exactly "k after a, or k = a and id after b", and plans faster than the OR.
                    sql.push(&format!(" AND ({column}, {id}) {after} ("));
                    sql.push_value(value);
                    sql.push(", ");
                    sql.push_value(&Value::Text(boundary.clone()));
                    sql.push(")");
                }
                (Some(value), None) => {
                    sql.push(&format!(" AND {column} {after} "));
                    sql.push_value(value);
                }
                (None, Some(boundary)) => {
                    sql.push(&format!(" AND {id} {after} "));
                    sql.push_value(&Value::Text(boundary.clone()));
                }
                // A NULL boundary without an id: nothing after it can be told apart.
                (None, None) => return Ok(None),
            },
        }
    }
    // In the NULL segment every key is NULL, so only the id orders the rows; the key stays in
    // the ORDER BY all the same, because the planner matches (key, id) to the index's order but
    // does not see that `key IS NULL` leaves the id alone, and would sort the segment.
    sql.push(&format!(" ORDER BY {column} {order}, {id} {order} LIMIT "));
    sql.push_bind(Bind::Count(limit));
    Ok(Some(sql))
}

fn push_filter<C: Column>(sql: &mut SqlBuilder, merchant_uid: &str, filter: &Filter<C>) {
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
                push_filter(sql, merchant_uid, item);
            }
            sql.push(")");
        }
        Filter::Test(column, test) => match column.sql() {
            ColumnSql::Own(name) => push_test(sql, name, test),
            ColumnSql::Joined(join) => {
                // The row the listed row points at is one of the merchant's and there is
                // exactly one, so testing it among the merchant's rows of its table that pass
                // is the same test, NULLs included, and lets an index of that table find them.
                sql.push(&format!(
                    "{} IN (SELECT id FROM {} WHERE merchant_uid = ",
                    join.via, join.table
                ));
                sql.push_value(&Value::Text(merchant_uid.to_owned()));
                sql.push(" AND ");
                push_test(sql, join.column, test);
                sql.push(")");
            }
        },
    }
}

fn push_test(sql: &mut SqlBuilder, name: &str, test: &Test) {
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
            sql.push_bind(Bind::array(values));
            sql.push(")");
        }
        Test::NotIn(values) => {
            sql.push(&format!("({name} IS NULL OR NOT ({name} = ANY("));
            sql.push_bind(Bind::array(values));
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
