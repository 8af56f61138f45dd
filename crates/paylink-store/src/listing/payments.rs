//! The payments' listing: every payment of the merchant, whatever link or session it paid.

use std::sync::LazyLock;

use diesel::prelude::*;

use super::{Column, ColumnKind, ColumnSql, Table};
use crate::StoreError;
use crate::checkouts::payments::PaymentRow;
use crate::schema::payments::{self, dsl};
use crate::value::Value;

/// A column of a payment clients may filter and sort on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentColumn {
    /// `id`
    Id,
    /// `status`
    Status,
    /// `amount_minor`
    Amount,
    /// `currency`
    Currency,
    /// `created_at`
    CreatedAt,
    /// `link_id`
    LinkId,
    /// `session_id`
    SessionId,
    /// `account_code`
    AccountCode,
    /// `payer_email`
    PayerEmail,
    /// `payer_phone`
    PayerPhone,
    /// `payment_method`
    PaymentMethod,
    /// `provider_reference`
    ProviderReference,
    /// `reference`
    Reference,
    /// `amount_refunded`
    AmountRefunded,
}

impl Column for PaymentColumn {
    const ALL: &'static [Self] = &[
        Self::Id,
        Self::Status,
        Self::Amount,
        Self::Currency,
        Self::CreatedAt,
        Self::LinkId,
        Self::SessionId,
        Self::AccountCode,
        Self::PayerEmail,
        Self::PayerPhone,
        Self::PaymentMethod,
        Self::ProviderReference,
        Self::Reference,
        Self::AmountRefunded,
    ];
    const NEWEST_FIRST: Self = Self::CreatedAt;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Status => "status",
            Self::Amount => "amount_minor",
            Self::Currency => "currency",
            Self::CreatedAt => "created_at",
            Self::LinkId => "link_id",
            Self::SessionId => "session_id",
            Self::AccountCode => "account_code",
            Self::PayerEmail => "payer_email",
            Self::PayerPhone => "payer_phone",
            Self::PaymentMethod => "payment_method",
            Self::ProviderReference => "provider_reference",
            Self::Reference => "reference",
            Self::AmountRefunded => "amount_refunded",
        }
    }

    fn sql(self) -> ColumnSql {
        ColumnSql::Own(self.name())
    }

    fn kind(self) -> ColumnKind {
        match self {
            Self::Status => ColumnKind::Enum,
            Self::Amount | Self::AmountRefunded => ColumnKind::BigInt,
            Self::CreatedAt => ColumnKind::Timestamp,
            Self::Id
            | Self::Currency
            | Self::LinkId
            | Self::SessionId
            | Self::AccountCode
            | Self::PayerEmail
            | Self::PayerPhone
            | Self::PaymentMethod
            | Self::ProviderReference
            | Self::Reference => ColumnKind::Text,
        }
    }

    fn nullable(self) -> bool {
        matches!(
            self,
            Self::LinkId
                | Self::SessionId
                | Self::AccountCode
                | Self::PayerEmail
                | Self::PayerPhone
                | Self::ProviderReference
                | Self::Reference
        )
    }
}

/// The payments' listing.
#[derive(Clone, Copy, Debug)]
pub struct Payments;

impl Table for Payments {
    type Column = PaymentColumn;
    type Row = PaymentRow;
    const NAME: &'static str = "payments";
    const ID: &'static str = "id";

    fn select_list() -> &'static str {
        static COLUMNS: LazyLock<String> =
            LazyLock::new(|| super::select_list(&payments::table.select(PaymentRow::as_select())));
        &COLUMNS
    }

    fn value_of(column: PaymentColumn, row: &PaymentRow) -> Option<Value> {
        let text = |value: &String| Some(Value::Text(value.clone()));
        match column {
            PaymentColumn::Id => text(&row.id),
            PaymentColumn::Status => text(&row.status),
            PaymentColumn::Amount => Some(Value::BigInt(row.amount_minor)),
            PaymentColumn::Currency => text(&row.currency),
            PaymentColumn::CreatedAt => Some(Value::Timestamp(row.created_at)),
            PaymentColumn::LinkId => row.link_id.as_ref().and_then(text),
            PaymentColumn::SessionId => row.session_id.as_ref().and_then(text),
            PaymentColumn::AccountCode => row.account_code.as_ref().and_then(text),
            PaymentColumn::PayerEmail => row.payer_email.as_ref().and_then(text),
            PaymentColumn::PayerPhone => row.payer_phone.as_ref().and_then(text),
            PaymentColumn::PaymentMethod => text(&row.payment_method),
            PaymentColumn::ProviderReference => row.provider_reference.as_ref().and_then(text),
            PaymentColumn::Reference => row.reference.as_ref().and_then(text),
            PaymentColumn::AmountRefunded => Some(Value::BigInt(row.amount_refunded)),
        }
    }

    fn find(
        conn: &mut PgConnection,
        merchant_uid: &str,
        id: &str,
    ) -> Result<Option<PaymentRow>, StoreError> {
        if !crate::storable(id) {
            return Ok(None);
        }
        Ok(dsl::payments
            .filter(dsl::merchant_uid.eq(merchant_uid))
            .filter(dsl::id.eq(id))
            .select(PaymentRow::as_select())
            .first(conn)
            .optional()?)
    }
}
