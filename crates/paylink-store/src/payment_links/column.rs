//! The columns of a payment link that clients filter and sort on, with their kinds and values.

use super::PaymentLinkRow;
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
    /// `expires_at`
    ExpiresAt,
    /// `max_payments`
    MaxPayments,
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
    pub const ALL: [Self; 21] = [
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
            Self::ExpiresAt => "expires_at",
            Self::MaxPayments => "max_payments",
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
            Self::Amount | Self::MinAmount | Self::MaxAmount | Self::MaxPayments => {
                ColumnKind::Integer
            }
            Self::AmountIsVariable | Self::RequirePhone | Self::IsActive => ColumnKind::Boolean,
            Self::CreatedDate | Self::ExpiresAt => ColumnKind::Timestamp,
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
                | Self::ExpiresAt
                | Self::MaxPayments
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
            Self::ExpiresAt => row.expires_at.map(Value::Timestamp),
            Self::MaxPayments => row.max_payments.map(Value::Integer),
        }
    }
}
