//! The contacts' listing.

use std::sync::LazyLock;

use diesel::prelude::*;

use super::{Column, ColumnKind, ColumnSql, Table};
use crate::StoreError;
use crate::contacts::ContactRow;
use crate::schema::contacts;
use crate::value::Value;

/// A column of a contact clients may filter and sort on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactColumn {
    /// `id`
    Id,
    /// `name`
    Name,
    /// `email`
    Email,
    /// `phone`
    Phone,
    /// `created_at`
    CreatedAt,
}

impl Column for ContactColumn {
    const ALL: &'static [Self] = &[
        Self::Id,
        Self::Name,
        Self::Email,
        Self::Phone,
        Self::CreatedAt,
    ];
    const NEWEST_FIRST: Self = Self::CreatedAt;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::CreatedAt => "created_at",
        }
    }

    fn sql(self) -> ColumnSql {
        ColumnSql::Own(self.name())
    }

    fn kind(self) -> ColumnKind {
        match self {
            Self::CreatedAt => ColumnKind::Timestamp,
            Self::Id | Self::Name | Self::Email | Self::Phone => ColumnKind::Text,
        }
    }

    fn nullable(self) -> bool {
        matches!(self, Self::Name | Self::Email | Self::Phone)
    }
}

/// The contacts' listing.
#[derive(Clone, Copy, Debug)]
pub struct Contacts;

impl Table for Contacts {
    type Column = ContactColumn;
    type Row = ContactRow;
    const NAME: &'static str = "contacts";
    const ID: &'static str = "id";

    fn select_list() -> &'static str {
        static COLUMNS: LazyLock<String> =
            LazyLock::new(|| super::select_list(&contacts::table.select(ContactRow::as_select())));
        &COLUMNS
    }

    fn value_of(column: ContactColumn, row: &ContactRow) -> Option<Value> {
        let text = |value: &String| Some(Value::Text(value.clone()));
        match column {
            ContactColumn::Id => text(&row.id),
            ContactColumn::Name => row.name.as_ref().and_then(text),
            ContactColumn::Email => row.email.as_ref().and_then(text),
            ContactColumn::Phone => row.phone.as_ref().and_then(text),
            ContactColumn::CreatedAt => Some(Value::Timestamp(row.created_at)),
        }
    }

    fn find(
        conn: &mut PgConnection,
        merchant_uid: &str,
        id: &str,
    ) -> Result<Option<ContactRow>, StoreError> {
        crate::contacts::find(conn, merchant_uid, id)
    }
}
