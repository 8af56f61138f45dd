//! The payment-plan sessions' listing, with the contact's email and phone to filter on.

use std::sync::LazyLock;

use chrono::Utc;
use diesel::prelude::*;
use paylink_lifecycle::{SessionStatus, Status as _};

use super::{Column, ColumnKind, ColumnSql, Join, Table};
use crate::StoreError;
use crate::schema::payment_plan_sessions;
use crate::sessions::SessionRow;
use crate::value::Value;

/// The status a session reads as: an Active one whose expiration has passed is Expired, as
/// [`SessionStatus::at`] says, whether or not a write has recorded it yet. It depends on the
/// clock, so no index holds it in order: sorting by it sorts the merchant's matching sessions.
const STATUS: &str = "(CASE WHEN status = 'Active' AND expiration_date <= now() \
                      THEN 'Expired' ELSE status END)";

/// A column of a session clients may filter and sort on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionColumn {
    /// `id`
    Id,
    /// The status it reads as (see [`STATUS`]).
    Status,
    /// `amount_minor`
    Amount,
    /// `currency`
    Currency,
    /// `frequency`
    Frequency,
    /// `created_at`
    CreatedAt,
    /// `start_date`
    StartDate,
    /// `contact_id`
    ContactId,
    /// `expiration_date`
    ExpirationDate,
    /// The contact's `email`: filtered on, not sorted by.
    ContactEmail,
    /// The contact's `phone`: filtered on, not sorted by.
    ContactPhone,
}

impl Column for SessionColumn {
    const ALL: &'static [Self] = &[
        Self::Id,
        Self::Status,
        Self::Amount,
        Self::Currency,
        Self::Frequency,
        Self::CreatedAt,
        Self::StartDate,
        Self::ContactId,
        Self::ExpirationDate,
        Self::ContactEmail,
        Self::ContactPhone,
    ];
    const NEWEST_FIRST: Self = Self::CreatedAt;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Status => "status",
            Self::Amount => "amount_minor",
            Self::Currency => "currency",
            Self::Frequency => "frequency",
            Self::CreatedAt => "created_at",
            Self::StartDate => "start_date",
            Self::ContactId => "contact_id",
            Self::ExpirationDate => "expiration_date",
            Self::ContactEmail => "contacts.email",
            Self::ContactPhone => "contacts.phone",
        }
    }

    fn sql(self) -> ColumnSql {
        let contact = |column| {
            ColumnSql::Joined(Join {
                via: "contact_id",
                table: "contacts",
                column,
            })
        };
        match self {
            Self::Status => ColumnSql::Own(STATUS),
            Self::ContactEmail => contact("email"),
            Self::ContactPhone => contact("phone"),
            other => ColumnSql::Own(other.name()),
        }
    }

    fn kind(self) -> ColumnKind {
        match self {
            Self::Status | Self::Frequency => ColumnKind::Enum,
            Self::Amount => ColumnKind::BigInt,
            Self::CreatedAt | Self::ExpirationDate => ColumnKind::Timestamp,
            Self::StartDate => ColumnKind::Date,
            Self::Id
            | Self::Currency
            | Self::ContactId
            | Self::ContactEmail
            | Self::ContactPhone => ColumnKind::Text,
        }
    }

    fn nullable(self) -> bool {
        matches!(
            self,
            Self::ExpirationDate | Self::ContactEmail | Self::ContactPhone
        )
    }
}

/// The payment-plan sessions' listing.
#[derive(Clone, Copy, Debug)]
pub struct Sessions;

impl Table for Sessions {
    type Column = SessionColumn;
    type Row = SessionRow;
    const NAME: &'static str = "payment_plan_sessions";
    const ID: &'static str = "id";

    fn select_list() -> &'static str {
        static COLUMNS: LazyLock<String> = LazyLock::new(|| {
            super::select_list(&payment_plan_sessions::table.select(SessionRow::as_select()))
        });
        &COLUMNS
    }

    fn value_of(column: SessionColumn, row: &SessionRow) -> Option<Value> {
        let text = |value: &String| Some(Value::Text(value.clone()));
        match column {
            SessionColumn::Id => text(&row.id),
            SessionColumn::Status => match SessionStatus::stored(&row.status) {
                Ok(stored) => Some(Value::Text(
                    stored.at(row.expiration_date, Utc::now()).name().to_owned(),
                )),
                Err(_) => text(&row.status),
            },
            SessionColumn::Amount => Some(Value::BigInt(row.amount_minor)),
            SessionColumn::Currency => text(&row.currency),
            SessionColumn::Frequency => text(&row.frequency),
            SessionColumn::CreatedAt => Some(Value::Timestamp(row.created_at)),
            SessionColumn::StartDate => Some(Value::Date(row.start_date)),
            SessionColumn::ContactId => text(&row.contact_id),
            SessionColumn::ExpirationDate => row.expiration_date.map(Value::Timestamp),
            // Never a sort key, so never a page's boundary.
            SessionColumn::ContactEmail | SessionColumn::ContactPhone => None,
        }
    }

    fn find(
        conn: &mut PgConnection,
        merchant_uid: &str,
        id: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        crate::sessions::find(conn, merchant_uid, id)
    }
}
