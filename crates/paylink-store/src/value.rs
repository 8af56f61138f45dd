//! A typed value of a column, as filters compare with it and listings bind it.

use chrono::{DateTime, Utc};

/// A value to compare a column with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Text or an enum value's name.
    Text(String),
    /// An integer.
    Integer(i32),
    /// A boolean.
    Boolean(bool),
    /// A timestamp.
    Timestamp(DateTime<Utc>),
}
