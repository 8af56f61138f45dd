//! What a listing asks for: a filter tree over one table's columns, a sort, a direction, a
//! cursor, a limit.

use super::Column;
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

/// A filter tree over the columns `C` of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter<C> {
    /// Every item matches.
    All(Vec<Filter<C>>),
    /// Some item matches.
    Any(Vec<Filter<C>>),
    /// One column test.
    Test(C, Test),
}

/// The listing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort<C> {
    /// The sort key; the table's id breaks ties.
    pub column: C,
    /// Largest first (NULLs still last).
    pub descending: bool,
}

impl<C: Column> Default for Sort<C> {
    /// The table's own order when the client names none: newest first.
    fn default() -> Self {
        Self {
            column: C::NEWEST_FIRST,
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
    pub id: Option<String>,
}

/// One page request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search<C> {
    /// Which rows qualify.
    pub filter: Option<Filter<C>>,
    /// Display order.
    pub sort: Sort<C>,
    /// Direction from the cursor.
    pub direction: Direction,
    /// Where the page starts; `None`: the first page (forward) or the last (backward).
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}
