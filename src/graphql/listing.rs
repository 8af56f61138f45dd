//! The arguments every listing takes (`direction`, `limit`, `offset`, `offset_id`, `query`), as
//! `paymentLinks` first took them, turned into the store's request for any listing.

use paylink_store::listing::{Cursor, Direction, ListRequest, PageStart};

use super::ApiError;
use super::generated::{MoveDirection, SqlQuery};
use super::sql_query::fields::Fields;
use super::sql_query::{self, CompiledQuery};
use crate::domain::paging;

/// The arguments of a listing, as generated from the schema.
#[derive(Clone, Debug, Default)]
pub struct ListArgs {
    /// Whether `total_row_count` is selected.
    pub count_wanted: bool,
    /// `direction`.
    pub direction: Option<MoveDirection>,
    /// `limit`.
    pub limit: Option<i32>,
    /// `offset`: the boundary item's sort value.
    pub offset: Option<String>,
    /// `offset_id`: the boundary item's id.
    pub offset_id: Option<String>,
    /// `query`.
    pub query: Option<SqlQuery>,
}

/// The store's request for the listing whose keys `F` names, with these arguments: the one
/// conversion the resolvers and the benchmark (which runs the same SQL through pgbench) share.
pub fn list_request<F: Fields>(args: ListArgs) -> Result<ListRequest<F::Column>, ApiError> {
    let ListArgs {
        count_wanted,
        direction,
        limit,
        offset,
        offset_id,
        query,
    } = args;
    let limit = paging::limit(limit)?;
    let (offset, offset_id) = (paging::cursor_part(offset), paging::cursor_part(offset_id));
    if let Some(id) = &offset_id {
        crate::domain::storable_text("offset_id", id)?;
    }
    let CompiledQuery { filter, sort } = sql_query::compile::<F>(query.as_ref())?;
    let offset = offset
        .map(|text| sql_query::parse_value(F::by_column(sort.column), &text, "offset"))
        .transpose()?;
    let direction = match direction.unwrap_or(MoveDirection::Forward) {
        MoveDirection::Forward => Direction::Forward,
        MoveDirection::Backward => Direction::Backward,
    };
    let start = match (offset, offset_id) {
        (Some(value), id) => PageStart::At(Cursor {
            value: Some(value),
            id,
        }),
        // The boundary's sort value (NULL included) is read from the row itself.
        (None, Some(id)) => PageStart::After(id),
        (None, None) => PageStart::First,
    };
    Ok(ListRequest {
        filter,
        sort,
        direction,
        start,
        limit,
        count: count_wanted,
    })
}

/// The id of the row a page starts after, when it names one: the store answers `None` when the
/// merchant has no such row, and [`unknown_boundary`] says so.
pub(super) fn boundary<C>(request: &ListRequest<C>) -> Option<String> {
    match &request.start {
        PageStart::After(id) => Some(id.clone()),
        _ => None,
    }
}

/// The error of a page that starts after `id`, a row the merchant does not have (`what`:
/// "payment links", "payments", ...).
pub(super) fn unknown_boundary(id: Option<String>, what: &str) -> ApiError {
    ApiError::bad_input(
        "offset_id",
        format!(
            "does not name one of your {what}: {:?}",
            id.unwrap_or_default()
        ),
    )
}

/// `total_row_count` from a store count (0 when it was not asked for, and so not selected).
pub(super) fn total_row_count(total: Option<i64>) -> i32 {
    i32::try_from(total.unwrap_or(0)).unwrap_or(i32::MAX)
}
