//! Hand-written SQL with placeholders and the values bound to them: the listings, built from a
//! filter ([`SqlBuilder`]), and the crate's fixed statements ([`fixed`]). Column
//! names come only from this crate; every client value is a bound parameter.
//!
//! The statements run prepared and stay in the connection's statement cache, keyed by their
//! text, so PostgreSQL parses and plans one once per connection instead of once per run
//! (diesel's own `sql_query` is never cached). Fixed statements are few. Clients choose the
//! listings' filters, so the number of their texts has no natural bound: [`admit`] lets a fixed
//! number of shapes into the caches and runs the rest as one-off statements.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::pg::data_types::PgInterval;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{
    Array, BigInt, Bool, Bytea, Date, Int4, Int8, Interval, Text, Timestamptz, Untyped,
};
use diesel::{QueryResult, RunQueryDsl};

use crate::value::Value;

/// What [`folded`] writes before and after the text it lower-cases.
const FOLD_OPEN: &str = "(lower(";
const FOLD_CLOSE: &str = r#" COLLATE "und-x-icu") COLLATE "C")"#;

/// `column` lower-cased for case-insensitive LIKE. The "C" collation of the columns lower-cases
/// ASCII letters only, so the text is lower-cased by ICU's root locale (every letter, "É" as
/// well as "E"), and the result compared by bytes again, which keeps `LIKE 'prefix%'` an index
/// range (the name search index is on this same expression).
pub(crate) fn folded(column: &str) -> String {
    format!("{FOLD_OPEN}{column}{FOLD_CLOSE}")
}

/// Most statement texts that each connection keeps prepared.
const MAX_PREPARED_SHAPES: usize = 256;

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub(crate) enum Bind {
    /// One value.
    One(Value),
    /// A row count (`LIMIT`).
    Count(i64),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A duration.
    Interval(PgInterval),
    /// An array of values of one kind, for `= ANY($n)`.
    Texts(Vec<String>),
    /// An array of integers.
    Integers(Vec<i32>),
    /// An array of timestamps.
    Timestamps(Vec<DateTime<Utc>>),
    /// An array of 64-bit integers.
    BigInts(Vec<i64>),
    /// An array of dates.
    Dates(Vec<NaiveDate>),
}

impl Bind {
    /// The values as one array bind, for `= ANY($n)`; callers give values of one kind (booleans
    /// are never listed).
    pub(crate) fn array(values: &[Value]) -> Self {
        fn each<T>(values: &[Value], pick: impl Fn(&Value) -> Option<T>) -> Vec<T> {
            values.iter().filter_map(pick).collect()
        }
        match values.first() {
            Some(Value::Integer(_)) => Self::Integers(each(values, |v| match v {
                Value::Integer(i) => Some(*i),
                _ => None,
            })),
            Some(Value::BigInt(_)) => Self::BigInts(each(values, |v| match v {
                Value::BigInt(i) => Some(*i),
                _ => None,
            })),
            Some(Value::Timestamp(_)) => Self::Timestamps(each(values, |v| match v {
                Value::Timestamp(t) => Some(*t),
                _ => None,
            })),
            Some(Value::Date(_)) => Self::Dates(each(values, |v| match v {
                Value::Date(d) => Some(*d),
                _ => None,
            })),
            _ => Self::Texts(each(values, |v| match v {
                Value::Text(t) => Some(t.clone()),
                _ => None,
            })),
        }
    }
}

/// A statement as plain text: its SQL with `$n` placeholders, and the text of each bind in order.
#[cfg(feature = "direct")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainStatement {
    /// The SQL, with `$1`, `$2`, ...
    pub text: String,
    /// `$1`'s value, `$2`'s, ..., as PostgreSQL's input syntax for its type.
    pub params: Vec<String>,
}

#[cfg(feature = "direct")]
impl Bind {
    /// The value in PostgreSQL's text input syntax for its type.
    fn as_text(&self) -> String {
        fn array<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
            let quoted: Vec<String> = items
                .iter()
                .map(|item| {
                    let text = each(item).replace('\\', "\\\\").replace('"', "\\\"");
                    format!("\"{text}\"")
                })
                .collect();
            format!("{{{}}}", quoted.join(","))
        }
        let timestamp = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match self {
            Self::One(Value::Text(text)) => text.clone(),
            Self::One(Value::Integer(number)) => number.to_string(),
            Self::One(Value::BigInt(number)) => number.to_string(),
            Self::One(Value::Date(day)) => day.to_string(),
            Self::One(Value::Boolean(flag)) => flag.to_string(),
            Self::One(Value::Timestamp(at)) => timestamp(at),
            Self::Count(count) => count.to_string(),
            Self::Bytes(bytes) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                format!("\\x{hex}")
            }
            Self::Interval(interval) => format!(
                "{} months {} days {} microseconds",
                interval.months, interval.days, interval.microseconds
            ),
            Self::Texts(texts) => array(texts, String::clone),
            Self::Integers(numbers) => array(numbers, i32::to_string),
            Self::Timestamps(times) => array(times, timestamp),
            Self::BigInts(numbers) => array(numbers, i64::to_string),
            Self::Dates(days) => array(days, NaiveDate::to_string),
        }
    }
}

/// SQL being built and its binds.
#[derive(Debug)]
pub(crate) struct SqlBuilder {
    /// The text around the placeholders: one piece more than there are binds.
    pieces: Vec<String>,
    binds: Vec<Bind>,
    one_off: bool,
}

impl Default for SqlBuilder {
    fn default() -> Self {
        Self {
            pieces: vec![String::new()],
            binds: Vec::new(),
            one_off: false,
        }
    }
}

impl SqlBuilder {
    /// Puts SQL text written by this crate in front of the query.
    #[cfg(test)]
    pub(crate) fn prepend(&mut self, sql: &str) -> &mut Self {
        self.pieces[0].insert_str(0, sql);
        self
    }

    /// Appends SQL text written by this crate.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.pieces
            .last_mut()
            .expect("a builder always has a piece")
            .push_str(sql);
        self
    }

    /// Appends a placeholder for `bind`.
    pub(crate) fn push_bind(&mut self, bind: Bind) -> &mut Self {
        self.binds.push(bind);
        self.pieces.push(String::new());
        self
    }

    /// Appends a placeholder for one value.
    pub(crate) fn push_value(&mut self, value: &Value) -> &mut Self {
        self.push_bind(Bind::One(value.clone()))
    }

    /// Appends a placeholder for `text` lower-cased as [`folded`] columns are.
    pub(crate) fn push_bind_folded(&mut self, text: &str) -> &mut Self {
        self.push(FOLD_OPEN)
            .push_value(&Value::Text(text.to_owned()))
            .push(FOLD_CLOSE)
    }

    /// Marks the statement as run once (diagnostics such as `EXPLAIN`): it is not kept prepared.
    #[cfg(test)]
    pub(crate) fn one_off(&mut self) -> &mut Self {
        self.one_off = true;
        self
    }

    /// The query with every value bound.
    pub(crate) fn into_query(self) -> BuiltQuery {
        let prepared = !self.one_off && admit(&self.text());
        BuiltQuery {
            pieces: self.pieces,
            binds: self.binds,
            prepared,
        }
    }

    /// The statement as text with PostgreSQL's `$n` placeholders, and each bind as the text
    /// PostgreSQL would read it in, for running it with another client (pgbench).
    #[cfg(feature = "direct")]
    pub(crate) fn plain(&self) -> PlainStatement {
        PlainStatement {
            text: self.text(),
            params: self.binds.iter().map(Bind::as_text).collect(),
        }
    }

    /// The statement's text with PostgreSQL's `$n` placeholders.
    fn text(&self) -> String {
        let mut text = String::with_capacity(self.pieces.iter().map(String::len).sum::<usize>());
        for (index, piece) in self.pieces.iter().enumerate() {
            if index > 0 {
                text.push('$');
                text.push_str(&index.to_string());
            }
            text.push_str(piece);
        }
        text
    }
}

/// A statement written in this crate, with PostgreSQL's `$1`, `$2`, ... placeholders (in any
/// order, each as often as needed) standing for `binds[0]`, `binds[1]`, ...; always kept
/// prepared. Panics on a placeholder without a bind: a bug in the caller's fixed text.
pub(crate) fn fixed(text: &'static str, binds: &[Bind]) -> BuiltQuery {
    let mut sql = SqlBuilder::default();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        let digits = rest[dollar + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - dollar - 1);
        if digits == 0 {
            sql.push(&rest[..=dollar]);
            rest = &rest[dollar + 1..];
            continue;
        }
        let number: usize = rest[dollar + 1..dollar + 1 + digits]
            .parse()
            .expect("placeholder digits");
        sql.push(&rest[..dollar]);
        sql.push_bind(binds[number - 1].clone());
        rest = &rest[dollar + 1 + digits..];
    }
    sql.push(rest);
    BuiltQuery {
        pieces: sql.pieces,
        binds: sql.binds,
        prepared: true,
    }
}

/// Whether statements with this text may be kept prepared: yes for the first
/// [`MAX_PREPARED_SHAPES`] texts the process meets, no for any other. Shared by every
/// connection, so no connection's cache grows past that many listing statements.
fn admit(text: &str) -> bool {
    static ADMITTED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);
    let mut admitted = ADMITTED.lock().unwrap_or_else(PoisonError::into_inner);
    if admitted.contains(text) {
        true
    } else if admitted.len() < MAX_PREPARED_SHAPES {
        admitted.insert(text.to_owned());
        true
    } else {
        false
    }
}

/// A built statement, ready to load rows that implement `QueryableByName`.
#[derive(Debug)]
pub(crate) struct BuiltQuery {
    pieces: Vec<String>,
    binds: Vec<Bind>,
    prepared: bool,
}

impl QueryFragment<Pg> for BuiltQuery {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        if !self.prepared {
            out.unsafe_to_cache_prepared();
        }
        let mut binds = self.binds.iter();
        for piece in &self.pieces {
            out.push_sql(piece);
            if let Some(bind) = binds.next() {
                push_bind(out.reborrow(), bind)?;
            }
        }
        Ok(())
    }
}

fn push_bind<'b>(mut out: AstPass<'_, 'b, Pg>, bind: &'b Bind) -> QueryResult<()> {
    match bind {
        Bind::One(Value::Text(value)) => out.push_bind_param::<Text, _>(value),
        Bind::One(Value::Integer(value)) => out.push_bind_param::<Int4, _>(value),
        Bind::One(Value::BigInt(value)) => out.push_bind_param::<Int8, _>(value),
        Bind::One(Value::Date(value)) => out.push_bind_param::<Date, _>(value),
        Bind::One(Value::Boolean(value)) => out.push_bind_param::<Bool, _>(value),
        Bind::One(Value::Timestamp(value)) => out.push_bind_param::<Timestamptz, _>(value),
        Bind::Count(value) => out.push_bind_param::<BigInt, _>(value),
        Bind::Bytes(value) => out.push_bind_param::<Bytea, _>(value),
        Bind::Interval(value) => out.push_bind_param::<Interval, _>(value),
        Bind::Texts(values) => out.push_bind_param::<Array<Text>, _>(values),
        Bind::Integers(values) => out.push_bind_param::<Array<Int4>, _>(values),
        Bind::Timestamps(values) => out.push_bind_param::<Array<Timestamptz>, _>(values),
        Bind::BigInts(values) => out.push_bind_param::<Array<Int8>, _>(values),
        Bind::Dates(values) => out.push_bind_param::<Array<Date>, _>(values),
    }
}

// The statement cache keys a query without a static id by its text and bind types.
impl QueryId for BuiltQuery {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for BuiltQuery {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for BuiltQuery {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = SqlBuilder::default();
        sql.push("SELECT 1 WHERE a = ")
            .push_value(&Value::Integer(1))
            .push(" AND b = ANY(")
            .push_bind(Bind::Texts(vec!["x".to_owned()]))
            .push(") LIMIT ")
            .push_bind(Bind::Count(10));
        sql.prepend("EXPLAIN ");
        assert_eq!(
            sql.text(),
            "EXPLAIN SELECT 1 WHERE a = $1 AND b = ANY($2) LIMIT $3"
        );
    }

    #[test]
    fn fixed_statements_take_their_binds_in_placeholder_order() {
        let query = fixed(
            "SELECT $2, $1 WHERE a = $2 AND price = '$'",
            &[Bind::Count(1), Bind::Count(2)],
        );
        let builder = SqlBuilder {
            pieces: query.pieces,
            binds: query.binds,
            one_off: false,
        };
        assert_eq!(builder.text(), "SELECT $1, $2 WHERE a = $3 AND price = '$'");
        let counts: Vec<i64> = builder
            .binds
            .iter()
            .map(|bind| match bind {
                Bind::Count(n) => *n,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(counts, [2, 1, 2]);
    }

    #[test]
    fn only_a_bounded_number_of_texts_is_kept_prepared() {
        let texts: Vec<String> = (0..=MAX_PREPARED_SHAPES)
            .map(|i| format!("SELECT {i} /* admit test */"))
            .collect();
        let admitted: Vec<&String> = texts.iter().filter(|text| admit(text)).collect();
        assert!(admitted.len() < texts.len(), "every text was admitted");
        assert!(
            admitted.iter().all(|text| admit(text)),
            "a text let in once stays in"
        );
    }
}
