//! A typed value of a column, as filters compare with it and listings bind it.

use chrono::{DateTime, NaiveDate, Utc};

/// A value to compare a column with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Text or an enum value's name.
    Text(String),
    /// A 32-bit integer.
    Integer(i32),
    /// A 64-bit integer (amounts in minor units).
    BigInt(i64),
    /// A boolean.
    Boolean(bool),
    /// A timestamp.
    Timestamp(DateTime<Utc>),
    /// A calendar date.
    Date(NaiveDate),
}
