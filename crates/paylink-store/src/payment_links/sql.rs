//! SQL text with numbered placeholders and the values bound to them. Column names come only from
//! [`Column`](super::Column); every client value is a bound parameter.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, Bool, Int4, Text, Timestamptz};

use super::search::Value;

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub(super) enum Bind {
    /// One value.
    One(Value),
    /// An array of values of one kind, for `= ANY($n)`.
    Texts(Vec<String>),
    /// An array of integers.
    Integers(Vec<i32>),
    /// An array of timestamps.
    Timestamps(Vec<DateTime<Utc>>),
}

/// SQL being built and its binds.
#[derive(Debug, Default)]
pub(super) struct SqlBuilder {
    sql: String,
    binds: Vec<Bind>,
}

impl SqlBuilder {
    /// Puts SQL text written by this crate in front of the query.
    pub(super) fn prepend(&mut self, sql: &str) -> &mut Self {
        self.sql.insert_str(0, sql);
        self
    }

    /// Appends SQL text written by this crate.
    pub(super) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `bind`.
    pub(super) fn push_bind(&mut self, bind: Bind) -> &mut Self {
        self.binds.push(bind);
        let placeholder = format!("${}", self.binds.len());
        self.sql.push_str(&placeholder);
        self
    }

    /// Appends a placeholder for one value.
    pub(super) fn push_value(&mut self, value: &Value) -> &mut Self {
        self.push_bind(Bind::One(value.clone()))
    }

    /// The query with every value bound.
    pub(super) fn into_query(self) -> BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery> {
        let mut query = diesel::sql_query(self.sql).into_boxed::<Pg>();
        for bind in self.binds {
            query = match bind {
                Bind::One(Value::Text(value)) => query.bind::<Text, _>(value),
                Bind::One(Value::Integer(value)) => query.bind::<Int4, _>(value),
                Bind::One(Value::Boolean(value)) => query.bind::<Bool, _>(value),
                Bind::One(Value::Timestamp(value)) => query.bind::<Timestamptz, _>(value),
                Bind::Texts(values) => query.bind::<Array<Text>, _>(values),
                Bind::Integers(values) => query.bind::<Array<Int4>, _>(values),
                Bind::Timestamps(values) => query.bind::<Array<Timestamptz>, _>(values),
            };
        }
        query
    }
}
