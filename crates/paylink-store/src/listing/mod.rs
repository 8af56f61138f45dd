//! Merchant-wide listings, one machinery for every table: a filter tree over the table's
//! columns, a sort with NULLs last and the id as the tie-breaker, keyset paging in either
//! direction from a cursor, and a count of the matches.
//!
//! Each listed table describes itself once: its columns ([`Column`]: the SQL of each, its kind,
//! whether it may be NULL) and the crate-private [`Table`] (its SQL name, its id, its row type
//! and how to read one row). [`search`] writes the SQL for any of them; values only ever reach
//! PostgreSQL as bound parameters.

mod contacts;
mod filter;
mod links;
mod payments;
pub(crate) mod search;
mod sessions;

use diesel::PgConnection;
use diesel::QueryableByName;
use diesel::pg::Pg;

pub use contacts::{ContactColumn, Contacts};
pub use filter::{Cursor, Direction, Filter, Search, Sort, Test};
pub use links::{LinkColumn, Links};
pub use payments::{PaymentColumn, Payments};
pub use sessions::{SessionColumn, Sessions};

pub use crate::value::Value;

use crate::StoreError;
use crate::plans::Planning;

/// How many matches a count of payments, sessions or contacts reads at most: past it the
/// total reads as this many. Payment links keep per-merchant counters instead (migration
/// `link_counts`), so their unfiltered count is exact at any size.
pub const COUNT_LIMIT: i64 = 10_000;

/// A column of a listed table that clients filter and sort on.
pub trait Column: Copy + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {
    /// Every column, in table order.
    const ALL: &'static [Self];
    /// The column of the table's default order, newest first.
    const NEWEST_FIRST: Self;

    /// The column's name in the store, for messages.
    fn name(self) -> &'static str;
    /// Where its values come from.
    fn sql(self) -> ColumnSql;
    /// The type of its values.
    fn kind(self) -> ColumnKind;
    /// Whether its value may be NULL.
    fn nullable(self) -> bool;

    /// Whether rows can be ordered by it: only by their own columns.
    fn sortable(self) -> bool {
        matches!(self.sql(), ColumnSql::Own(_))
    }
}

/// The type of a column's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Free text.
    Text,
    /// One of an enum's value names, stored as text.
    Enum,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInt,
    /// A boolean.
    Boolean,
    /// A timestamp with time zone.
    Timestamp,
    /// A calendar date.
    Date,
}

/// Where a column's values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnSql {
    /// A column of the listed table, or an expression over its columns (written by this crate).
    Own(&'static str),
    /// A column of the merchant's row that the listed row points at, in another table.
    Joined(Join),
}

/// A column of another table, reached through the listed row's reference to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Join {
    /// The listed table's column holding the other row's `id`.
    pub via: &'static str,
    /// The other table; its rows have `id` and `merchant_uid`.
    pub table: &'static str,
    /// The other table's column.
    pub column: &'static str,
}

/// A listed table, as the SQL builder needs it.
pub(crate) trait Table: Sized + 'static {
    /// Its columns.
    type Column: Column;
    /// The row a page holds.
    type Row: QueryableByName<Pg> + Send + 'static;
    /// The table's SQL name.
    const NAME: &'static str;
    /// Its id column: unique, never NULL, the tie-breaker of every order.
    const ID: &'static str;

    /// The columns a page reads, as diesel selects them for [`Table::Row`], so that the row
    /// struct is the one place they are listed.
    fn select_list() -> &'static str;
    /// The row's value of `column`: the boundary of a page that starts after it.
    fn value_of(column: Self::Column, row: &Self::Row) -> Option<Value>;
    /// One of the merchant's rows; another merchant's reads as absent.
    fn find(
        conn: &mut PgConnection,
        merchant_uid: &str,
        id: &str,
    ) -> Result<Option<Self::Row>, StoreError>;

    /// How many of the merchant's rows match `filter`: at most [`COUNT_LIMIT`] unless the table
    /// keeps counts of its own.
    fn count(
        conn: &mut PgConnection,
        merchant_uid: &str,
        filter: Option<&Filter<Self::Column>>,
    ) -> Result<i64, StoreError> {
        search::count::<Self>(conn, merchant_uid, filter, Some(COUNT_LIMIT))
    }
}

/// The text of `select`'s column list (what diesel writes between `SELECT` and `FROM`).
pub(crate) fn select_list<S>(select: &S) -> String
where
    S: diesel::query_builder::QueryFragment<Pg>,
{
    let sql = diesel::debug_query::<Pg, _>(select).to_string();
    sql.strip_prefix("SELECT ")
        .and_then(|rest| rest.split(" FROM ").next())
        .expect("diesel writes a select as SELECT ... FROM ...")
        .to_owned()
}

/// Where a listing starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageStart {
    /// The first page in the direction of the listing.
    First,
    /// After (or before, going backward) this boundary.
    At(Cursor),
    /// After (or before) the merchant's row with this id, whose sort value is read from it.
    After(String),
}

/// A listing as a client asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRequest<C> {
    /// Which rows.
    pub filter: Option<Filter<C>>,
    /// In which order.
    pub sort: Sort<C>,
    /// Which way from the start.
    pub direction: Direction,
    /// Where the page starts.
    pub start: PageStart,
    /// Page size.
    pub limit: i64,
    /// Whether to count every matching row too.
    pub count: bool,
}

impl<C: Column> ListRequest<C> {
    /// How the listing's statements are planned (see [`search::planning`]).
    pub(crate) fn planning(&self) -> Planning {
        search::planning(self.filter.as_ref(), self.sort.column)
    }
}

/// One page, and how many rows match in all when asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing<R> {
    /// The page, in display order.
    pub rows: Vec<R>,
    /// Every matching row's count, when the request asked for it.
    pub total: Option<i64>,
}

/// The search a request makes: its start as a cursor, read from the row it names when it
/// starts after one. `None` when the merchant has no such row.
pub(crate) fn search_for<T: Table>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    request: ListRequest<T::Column>,
) -> Result<Option<Search<T::Column>>, StoreError> {
    search::order_sql(request.sort.column)?;
    let cursor = match request.start {
        PageStart::First => None,
        PageStart::At(cursor) => Some(cursor),
        PageStart::After(id) => {
            let Some(row) = T::find(conn, merchant_uid, &id)? else {
                return Ok(None);
            };
            Some(Cursor {
                value: T::value_of(request.sort.column, &row),
                id: Some(id),
            })
        }
    };
    Ok(Some(Search {
        filter: request.filter,
        sort: request.sort,
        direction: request.direction,
        cursor,
        limit: request.limit,
    }))
}

/// One page of the merchant's rows and, when asked, their count, on one connection. `None` when
/// the request starts after a row the merchant does not have.
pub(crate) fn list<T: Table>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    request: ListRequest<T::Column>,
) -> Result<Option<Listing<T::Row>>, StoreError> {
    let count_wanted = request.count;
    let Some(search) = search_for::<T>(conn, merchant_uid, request)? else {
        return Ok(None);
    };
    let rows = search::page::<T>(conn, merchant_uid, &search)?;
    let total = count_wanted
        .then(|| T::count(conn, merchant_uid, search.filter.as_ref()))
        .transpose()?;
    Ok(Some(Listing { rows, total }))
}

impl crate::Store {
    /// Runs [`list`] for `T` on a connection planning as the request needs, then `then` on the
    /// same connection with the page (to read what the rows point at).
    pub(crate) async fn list_then<T, R, F>(
        &self,
        merchant_uid: &str,
        request: ListRequest<T::Column>,
        then: F,
    ) -> Result<Option<Listing<R>>, StoreError>
    where
        T: Table,
        R: Send + 'static,
        F: FnOnce(&mut PgConnection, &str, Vec<T::Row>) -> Result<Vec<R>, StoreError>
            + Send
            + 'static,
    {
        let merchant_uid = merchant_uid.to_owned();
        let planning = request.planning();
        self.run_planned(planning, move |conn| {
            let Some(Listing { rows, total }) = list::<T>(conn, &merchant_uid, request)? else {
                return Ok(None);
            };
            let rows = then(conn, &merchant_uid, rows)?;
            Ok(Some(Listing { rows, total }))
        })
        .await
    }
}
