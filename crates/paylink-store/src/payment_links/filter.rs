//! What a listing asks for: a filter tree over columns, a sort, a direction, a cursor, a limit.

use super::column::Column;
use crate::value::Value;

/// One comparison of a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    /// `= v`
    Eq(Value),
    /// Differs from `v`; NULL differs from everything.
    Ne(Value),
    /// `> v`
    Gt(Value),
    /// `>= v`
    Ge(Value),
    /// `< v`
    Lt(Value),
    /// `<= v`
    Le(Value),
    /// Case-insensitive LIKE pattern (`%`, `_`, `\` escapes).
    Like(String),
    /// Not LIKE; NULL does not match the pattern.
    NotLike(String),
    /// Equal to one of the values.
    In(Vec<Value>),
    /// Equal to none of the values; NULL equals none.
    NotIn(Vec<Value>),
    /// NULL.
    IsNull,
    /// Not NULL.
    IsNotNull,
    /// True.
    IsTrue,
    /// False.
    IsFalse,
}

/// A filter tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Every item matches.
    All(Vec<Filter>),
    /// Some item matches.
    Any(Vec<Filter>),
    /// One column test.
    Test(Column, Test),
}

/// The listing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The sort key; `link_id` breaks ties.
    pub column: Column,
    /// Largest first (NULLs still last).
    pub descending: bool,
}

impl Default for Sort {
    /// Newest first.
    fn default() -> Self {
        Self {
            column: Column::CreatedDate,
            descending: true,
        }
    }
}

/// Which way a page goes from its boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    /// Items after the boundary in display order.
    #[default]
    Forward,
    /// Items before the boundary in display order.
    Backward,
}

/// The item a page starts from, exclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The boundary item's sort value; `None` is NULL.
    pub value: Option<Value>,
    /// The boundary item's id. Without it the boundary lies past every item with `value`.
    pub link_id: Option<String>,
}

/// One page request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    /// Which links qualify.
    pub filter: Option<Filter>,
    /// Display order.
    pub sort: Sort,
    /// Direction from the cursor.
    pub direction: Direction,
    /// Where the page starts; `None`: the first page (forward) or the last (backward).
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}
