//! The keys each listing's `SqlQuery` takes, spelt as its GraphQL type spells its fields
//! (`PaymentLink`'s snake_case, the camelCase of `Payment`, `PaymentPlanSession` and `Contact`),
//! and the store column each stands for. The SDL descriptions of the listings name the same
//! keys; a test keeps every key a field of its type.

use paylink_store::listing::{Column, ContactColumn, LinkColumn, PaymentColumn, SessionColumn};

use super::super::generated::{
    AcceptedPaymentMethodsEnum, CallToActionType, FeeMode, PaymentPlanFrequency,
    PaymentPlanSessionStatus, PaymentStatus,
};

/// How a field's values are written, beyond the store column's kind.
#[derive(Clone, Copy, Debug)]
pub enum Spelling {
    /// As the column's kind says: text, an integer, `true`/`false`, a time, a date.
    Plain,
    /// One of these enum value names.
    Enum(fn() -> Vec<&'static str>),
    /// An `Amount` such as `12.50`, held in minor units.
    Amount,
}

/// One key of a listing.
#[derive(Clone, Copy, Debug)]
pub struct Field<C> {
    /// The key, as the GraphQL type spells the field.
    pub key: &'static str,
    /// The store column it stands for.
    pub column: C,
    /// How its values are written.
    pub spelling: Spelling,
}

/// The keys of one listing.
pub trait Fields {
    /// The store's columns of the listed table.
    type Column: Column;
    /// Every key, in the type's field order.
    const FIELDS: &'static [Field<Self::Column>];
    /// The key of the id, which breaks ties in every order.
    const ID: &'static str;

    /// The field with this key.
    fn by_key(key: &str) -> Option<&'static Field<Self::Column>> {
        Self::FIELDS.iter().find(|field| field.key == key)
    }

    /// The field of this column.
    fn by_column(column: Self::Column) -> &'static Field<Self::Column> {
        Self::FIELDS
            .iter()
            .find(|field| field.column == column)
            .expect("every column a listing uses has a key")
    }
}

const fn plain<C>(key: &'static str, column: C) -> Field<C> {
    Field {
        key,
        column,
        spelling: Spelling::Plain,
    }
}

const fn enumerated<C>(key: &'static str, column: C, names: fn() -> Vec<&'static str>) -> Field<C> {
    Field {
        key,
        column,
        spelling: Spelling::Enum(names),
    }
}

fn fee_modes() -> Vec<&'static str> {
    FeeMode::ALL.iter().map(|v| v.as_str()).collect()
}

fn calls_to_action() -> Vec<&'static str> {
    CallToActionType::ALL.iter().map(|v| v.as_str()).collect()
}

fn accepted_payment_methods() -> Vec<&'static str> {
    AcceptedPaymentMethodsEnum::ALL
        .iter()
        .map(|v| v.as_str())
        .collect()
}

fn payment_statuses() -> Vec<&'static str> {
    PaymentStatus::ALL.iter().map(|v| v.as_str()).collect()
}

fn session_statuses() -> Vec<&'static str> {
    PaymentPlanSessionStatus::ALL
        .iter()
        .map(|v| v.as_str())
        .collect()
}

fn frequencies() -> Vec<&'static str> {
    PaymentPlanFrequency::ALL
        .iter()
        .map(|v| v.as_str())
        .collect()
}

/// `paymentLinks`: every stored column of a link, under its own (snake_case) name.
#[derive(Clone, Copy, Debug)]
pub struct LinkFields;

impl Fields for LinkFields {
    type Column = LinkColumn;
    const FIELDS: &'static [Field<LinkColumn>] = &[
        plain("link_id", LinkColumn::LinkId),
        plain("merchant_uid", LinkColumn::MerchantUid),
        plain("link_name", LinkColumn::LinkName),
        plain("payment_name", LinkColumn::PaymentName),
        plain("payment_description", LinkColumn::PaymentDescription),
        plain("amount", LinkColumn::Amount),
        plain("currency", LinkColumn::Currency),
        enumerated("fee_mode", LinkColumn::FeeMode, fee_modes),
        plain("amount_is_variable", LinkColumn::AmountIsVariable),
        plain("min_amount", LinkColumn::MinAmount),
        plain("max_amount", LinkColumn::MaxAmount),
        plain("require_phone", LinkColumn::RequirePhone),
        enumerated("call_to_action", LinkColumn::CallToAction, calls_to_action),
        enumerated(
            "accepted_payment_methods",
            LinkColumn::AcceptedPaymentMethods,
            accepted_payment_methods,
        ),
        plain("account_code", LinkColumn::AccountCode),
        plain("custom_success_message", LinkColumn::CustomSuccessMessage),
        plain("redirect_url", LinkColumn::RedirectUrl),
        plain("is_active", LinkColumn::IsActive),
        plain("created_date", LinkColumn::CreatedDate),
        plain("expires_at", LinkColumn::ExpiresAt),
        plain("max_payments", LinkColumn::MaxPayments),
    ];
    const ID: &'static str = "link_id";
}

/// `payments`: `Payment`'s camelCase fields.
#[derive(Clone, Copy, Debug)]
pub struct PaymentFields;

impl Fields for PaymentFields {
    type Column = PaymentColumn;
    const FIELDS: &'static [Field<PaymentColumn>] = &[
        plain("id", PaymentColumn::Id),
        plain("amount", PaymentColumn::Amount),
        plain("currency", PaymentColumn::Currency),
        enumerated("status", PaymentColumn::Status, payment_statuses),
        plain("amountRefunded", PaymentColumn::AmountRefunded),
        plain("paymentMethod", PaymentColumn::PaymentMethod),
        plain("linkId", PaymentColumn::LinkId),
        plain("sessionId", PaymentColumn::SessionId),
        plain("payerPhone", PaymentColumn::PayerPhone),
        plain("payerEmail", PaymentColumn::PayerEmail),
        plain("accountCode", PaymentColumn::AccountCode),
        plain("reference", PaymentColumn::Reference),
        plain("providerReference", PaymentColumn::ProviderReference),
        plain("createdAt", PaymentColumn::CreatedAt),
    ];
    const ID: &'static str = "id";
}

/// `paymentPlanSessions`: `PaymentPlanSession`'s camelCase fields, and its contact's email and
/// phone by their path.
#[derive(Clone, Copy, Debug)]
pub struct SessionFields;

impl Fields for SessionFields {
    type Column = SessionColumn;
    const FIELDS: &'static [Field<SessionColumn>] = &[
        plain("id", SessionColumn::Id),
        plain("contactId", SessionColumn::ContactId),
        plain("contact.email", SessionColumn::ContactEmail),
        plain("contact.phone", SessionColumn::ContactPhone),
        Field {
            key: "amount",
            column: SessionColumn::Amount,
            spelling: Spelling::Amount,
        },
        plain("currency", SessionColumn::Currency),
        enumerated("status", SessionColumn::Status, session_statuses),
        enumerated("frequency", SessionColumn::Frequency, frequencies),
        plain("startDate", SessionColumn::StartDate),
        plain("expirationDate", SessionColumn::ExpirationDate),
        plain("createdAt", SessionColumn::CreatedAt),
    ];
    const ID: &'static str = "id";
}

/// `contacts`: `Contact`'s camelCase fields.
#[derive(Clone, Copy, Debug)]
pub struct ContactFields;

impl Fields for ContactFields {
    type Column = ContactColumn;
    const FIELDS: &'static [Field<ContactColumn>] = &[
        plain("id", ContactColumn::Id),
        plain("name", ContactColumn::Name),
        plain("email", ContactColumn::Email),
        plain("phone", ContactColumn::Phone),
        plain("createdAt", ContactColumn::CreatedAt),
    ];
    const ID: &'static str = "id";
}
