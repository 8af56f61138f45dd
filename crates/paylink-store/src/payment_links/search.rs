//! Filtered, sorted, keyset-paged reads of one merchant's links.
//!
//! Display order is the sort key in its direction with NULLs last, then `link_id` in the same
//! direction. A page is read in "scan order": display order going forward, its reverse going
//! backward. For a nullable key the rows with a value and the rows without one are read by two
//! queries, one after the other, so that each is a plain range over an index
//! `(merchant_uid, key, link_id)`; an `OR key IS NULL` would defeat the index.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::PaymentLinkRow;
use crate::StoreError;
use crate::sql::{self, Bind, SqlBuilder};
use crate::value::Value;

/// A column clients may filter and sort on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// `link_id`
    LinkId,
    /// `merchant_uid`
    MerchantUid,
    /// `link_name`
    LinkName,
    /// `payment_name`
    PaymentName,
    /// `payment_description`
    PaymentDescription,
    /// `amount`
    Amount,
    /// `currency`
    Currency,
    /// `fee_mode`
    FeeMode,
    /// `amount_is_variable`
    AmountIsVariable,
    /// `min_amount`
    MinAmount,
    /// `max_amount`
    MaxAmount,
    /// `require_phone`
    RequirePhone,
    /// `call_to_action`
    CallToAction,
    /// `accepted_payment_methods`
    AcceptedPaymentMethods,
    /// `account_code`
    AccountCode,
    /// `custom_success_message`
    CustomSuccessMessage,
    /// `redirect_url`
    RedirectUrl,
    /// `is_active`
    IsActive,
    /// `created_date`
    CreatedDate,
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
    /// A boolean.
    Boolean,
    /// A timestamp with time zone.
    Timestamp,
}

impl Column {
    /// Every column, in table order.
    pub const ALL: [Self; 19] = [
        Self::LinkId,
        Self::MerchantUid,
        Self::LinkName,
        Self::PaymentName,
        Self::PaymentDescription,
        Self::Amount,
        Self::Currency,
        Self::FeeMode,
        Self::AmountIsVariable,
        Self::MinAmount,
        Self::MaxAmount,
        Self::RequirePhone,
        Self::CallToAction,
        Self::AcceptedPaymentMethods,
        Self::AccountCode,
        Self::CustomSuccessMessage,
        Self::RedirectUrl,
        Self::IsActive,
        Self::CreatedDate,
    ];

    /// The column's name, which is also the API field's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::LinkId => "link_id",
            Self::MerchantUid => "merchant_uid",
            Self::LinkName => "link_name",
            Self::PaymentName => "payment_name",
            Self::PaymentDescription => "payment_description",
            Self::Amount => "amount",
            Self::Currency => "currency",
            Self::FeeMode => "fee_mode",
            Self::AmountIsVariable => "amount_is_variable",
            Self::MinAmount => "min_amount",
            Self::MaxAmount => "max_amount",
            Self::RequirePhone => "require_phone",
            Self::CallToAction => "call_to_action",
            Self::AcceptedPaymentMethods => "accepted_payment_methods",
            Self::AccountCode => "account_code",
            Self::CustomSuccessMessage => "custom_success_message",
            Self::RedirectUrl => "redirect_url",
            Self::IsActive => "is_active",
            Self::CreatedDate => "created_date",
        }
    }

    /// The column with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|column| column.name() == name)
    }

    /// The type of its values.
    pub fn kind(self) -> ColumnKind {
        match self {
            Self::LinkId
            | Self::MerchantUid
            | Self::LinkName
            | Self::PaymentName
            | Self::PaymentDescription
            | Self::Currency
            | Self::AccountCode
            | Self::CustomSuccessMessage
            | Self::RedirectUrl => ColumnKind::Text,
            Self::FeeMode | Self::CallToAction | Self::AcceptedPaymentMethods => ColumnKind::Enum,
            Self::Amount | Self::MinAmount | Self::MaxAmount => ColumnKind::Integer,
            Self::AmountIsVariable | Self::RequirePhone | Self::IsActive => ColumnKind::Boolean,
            Self::CreatedDate => ColumnKind::Timestamp,
        }
    }

    /// Whether the column may be NULL.
    pub fn nullable(self) -> bool {
        matches!(
            self,
            Self::PaymentDescription
                | Self::Amount
                | Self::MinAmount
                | Self::MaxAmount
                | Self::AccountCode
                | Self::CustomSuccessMessage
                | Self::RedirectUrl
        )
    }

    /// The row's value in this column.
    pub fn value_of(self, row: &PaymentLinkRow) -> Option<Value> {
        let text = |value: &String| Some(Value::Text(value.clone()));
        match self {
            Self::LinkId => text(&row.link_id),
            Self::MerchantUid => text(&row.merchant_uid),
            Self::LinkName => text(&row.link_name),
            Self::PaymentName => text(&row.payment_name),
            Self::PaymentDescription => row.payment_description.as_ref().and_then(text),
            Self::Amount => row.amount.map(Value::Integer),
            Self::Currency => text(&row.currency),
            Self::FeeMode => text(&row.fee_mode),
            Self::AmountIsVariable => Some(Value::Boolean(row.amount_is_variable)),
            Self::MinAmount => row.min_amount.map(Value::Integer),
            Self::MaxAmount => row.max_amount.map(Value::Integer),
            Self::RequirePhone => Some(Value::Boolean(row.require_phone)),
            Self::CallToAction => text(&row.call_to_action),
            Self::AcceptedPaymentMethods => text(&row.accepted_payment_methods),
            Self::AccountCode => row.account_code.as_ref().and_then(text),
            Self::CustomSuccessMessage => row.custom_success_message.as_ref().and_then(text),
            Self::RedirectUrl => row.redirect_url.as_ref().and_then(text),
            Self::IsActive => Some(Value::Boolean(row.is_active)),
            Self::CreatedDate => Some(Value::Timestamp(row.created_date)),
        }
    }
}

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

const COLUMNS: &str = "link_id, merchant_uid, link_name, payment_name, payment_description, amount, \
    currency, fee_mode, amount_is_variable, min_amount, max_amount, require_phone, call_to_action, \
    accepted_payment_methods, account_code, custom_success_message, redirect_url, is_active, \
    created_date, updated_at";

/// The two runs of a listing: rows with a sort value, and rows whose sort value is NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    Valued,
    Null,
}

/// The page, in display order.
pub fn page(
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

/// How many links match the filter.
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
    sql.push("SELECT count(*) AS count FROM payment_links WHERE merchant_uid = ");
    sql.push_value(&Value::Text(merchant_uid.to_owned()));
    if let Some(filter) = filter {
        sql.push(" AND ");
        push_filter(&mut sql, filter);
    }
    Ok(sql.into_query().get_result::<Count>(conn)?.count)
}

/// PostgreSQL's plan for each query of the page, for checking index use.
pub fn explain(
    conn: &mut PgConnection,
    merchant_uid: &str,
    search: &Search,
) -> Result<String, StoreError> {
    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
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
        .push(COLUMNS)
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
