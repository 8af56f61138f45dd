//! The payment links' listing: the columns of a link that clients filter and sort on, with
//! their kinds and values.

use std::sync::LazyLock;

use diesel::prelude::*;

use super::{Column, ColumnKind, ColumnSql, Filter, Table};
use crate::StoreError;
use crate::payment_links::PaymentLinkRow;
use crate::value::Value;

/// A column of a payment link clients may filter and sort on; its name is also the API field's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkColumn {
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
    /// `expires_at`
    ExpiresAt,
    /// `max_payments`
    MaxPayments,
}

impl LinkColumn {
    /// Every column, in table order.
    const EVERY: [Self; 21] = [
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
        Self::ExpiresAt,
        Self::MaxPayments,
    ];

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
            Self::ExpiresAt => row.expires_at.map(Value::Timestamp),
            Self::MaxPayments => row.max_payments.map(Value::Integer),
        }
    }
}

impl Column for LinkColumn {
    const ALL: &'static [Self] = &Self::EVERY;
    const NEWEST_FIRST: Self = Self::CreatedDate;

    /// The column's name, which is also the API field's name.
    fn name(self) -> &'static str {
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
            Self::ExpiresAt => "expires_at",
            Self::MaxPayments => "max_payments",
        }
    }

    fn sql(self) -> ColumnSql {
        ColumnSql::Own(self.name())
    }

    /// The type of its values.
    fn kind(self) -> ColumnKind {
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
            Self::Amount | Self::MinAmount | Self::MaxAmount | Self::MaxPayments => {
                ColumnKind::Integer
            }
            Self::AmountIsVariable | Self::RequirePhone | Self::IsActive => ColumnKind::Boolean,
            Self::CreatedDate | Self::ExpiresAt => ColumnKind::Timestamp,
        }
    }

    /// Whether the column may be NULL.
    fn nullable(self) -> bool {
        matches!(
            self,
            Self::PaymentDescription
                | Self::Amount
                | Self::MinAmount
                | Self::MaxAmount
                | Self::AccountCode
                | Self::CustomSuccessMessage
                | Self::RedirectUrl
                | Self::ExpiresAt
                | Self::MaxPayments
        )
    }
}

/// The payment links' listing.
#[derive(Clone, Copy, Debug)]
pub struct Links;

impl Table for Links {
    type Column = LinkColumn;
    type Row = PaymentLinkRow;
    const NAME: &'static str = "payment_links";
    const ID: &'static str = "link_id";

    fn select_list() -> &'static str {
        static COLUMNS: LazyLock<String> = LazyLock::new(|| {
            super::select_list(
                &crate::schema::payment_links::table.select(PaymentLinkRow::as_select()),
            )
        });
        &COLUMNS
    }

    fn value_of(column: LinkColumn, row: &PaymentLinkRow) -> Option<Value> {
        column.value_of(row)
    }

    fn find(
        conn: &mut PgConnection,
        merchant_uid: &str,
        id: &str,
    ) -> Result<Option<PaymentLinkRow>, StoreError> {
        crate::payment_links::find(conn, merchant_uid, id)
    }

    /// Without a filter, the merchant's total is the sum of its counter slots (migration
    /// `link_counts`): at most 16 rows, whatever the number of links. A filter is counted over
    /// the links it matches, through the same indexes as the page, to the last one.
    fn count(
        conn: &mut PgConnection,
        merchant_uid: &str,
        filter: Option<&Filter<LinkColumn>>,
    ) -> Result<i64, StoreError> {
        match filter {
            None => Ok(crate::sql::fixed(
                "SELECT coalesce(sum(links), 0)::bigint AS count FROM payment_link_counts \
                 WHERE merchant_uid = $1",
                &[crate::sql::Bind::One(Value::Text(merchant_uid.to_owned()))],
            )
            .get_result::<super::search::Count>(conn)?
            .count),
            Some(filter) => super::search::count::<Self>(conn, merchant_uid, Some(filter), None),
        }
    }
}
