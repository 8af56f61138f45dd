//! Resolvers of the payment-link operations: they turn generated inputs into rows, check the
//! rules, and call the store on a blocking thread.

use paylink_store::listing::{LinkColumn, ListRequest, Listing};
use paylink_store::payment_links::PaymentLinkRow;

use super::generated::{
    AcceptedPaymentMethodsEnum, CallToActionType, FeeMode, PaymentLink, PaymentLinkInput,
    PaymentLinks, UpdatePaymentLinkInput,
};
pub use super::listing::ListArgs;
use super::listing::{boundary, total_row_count, unknown_boundary};
use super::patch::{set_optional, set_required};
use super::sql_query::fields::LinkFields;
use super::{ApiError, Context};
use crate::domain::{ids, payment_link_rules, timestamps};

/// The store's request for `paymentLinks` with these arguments: the one conversion the
/// resolver and the benchmark (which runs the same SQL through pgbench) share.
pub fn list_request(args: ListArgs) -> Result<ListRequest<LinkColumn>, ApiError> {
    super::listing::list_request::<LinkFields>(args)
}

/// `paymentLinks`: one page of the caller's links, counted as well when asked.
pub(super) async fn list(ctx: &Context, args: ListArgs) -> Result<PaymentLinks, ApiError> {
    let request = list_request(args)?;
    let after = boundary(&request);
    let Listing { rows, total } = ctx
        .store
        .list_links(&ctx.merchant_uid, request)
        .await?
        .ok_or_else(|| unknown_boundary(after, "payment links"))?;
    Ok(PaymentLinks {
        items: rows
            .into_iter()
            .map(|row| to_payment_link(ctx, row))
            .collect::<Result<_, _>>()?,
        total_row_count: total_row_count(total),
    })
}

/// `createPaymentLink`.
pub(super) async fn create(
    ctx: &Context,
    input: PaymentLinkInput,
) -> Result<PaymentLink, ApiError> {
    own_merchant(ctx, &input.merchant_uid)?;
    let expiry = input
        .expires_at
        .as_deref()
        .map(|text| expires_at(text, timestamps::now()))
        .transpose()?;
    let mut row = new_row(&ctx.merchant_uid, input);
    row.expires_at = expiry;
    payment_link_rules::validate(&row)?;
    let row = ctx.store.insert_link(row).await?;
    to_payment_link(ctx, row)
}

/// `updatePaymentLink`.
pub(super) async fn update(
    ctx: &Context,
    input: UpdatePaymentLinkInput,
) -> Result<PaymentLink, ApiError> {
    own_merchant(ctx, &input.merchant_uid)?;
    let link_id = input.link_id.clone();
    let missing = format!("no payment link {:?}", input.link_id);
    let row = ctx
        .store
        .update_link(&ctx.merchant_uid, &link_id, |current| {
            let next = apply_update(current, input)?;
            payment_link_rules::validate(&next)?;
            Ok::<_, ApiError>(next)
        })
        .await
        .map_err(|error| match error {
            ApiError::NotFound(_) => ApiError::NotFound(missing),
            other => other,
        })?;
    // A link turned off or changed closed its open checkouts: the processor expires them.
    ctx.paying_tasks.notify_one();
    to_payment_link(ctx, row)
}

/// Refuses a `merchant_uid` other than the API key's.
fn own_merchant(ctx: &Context, merchant_uid: &str) -> Result<(), ApiError> {
    if merchant_uid == ctx.merchant_uid {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "merchant_uid must be the merchant of the API key".into(),
        ))
    }
}

/// A new link's row: the input with defaults applied.
fn new_row(merchant_uid: &str, input: PaymentLinkInput) -> PaymentLinkRow {
    let now = timestamps::now();
    let currency = input.currency.unwrap_or_else(|| "USD".to_owned());
    let accepted_payment_methods = match input.accepted_payment_methods {
        Some(methods) => methods.as_str(),
        None => payment_link_rules::default_accepted_methods(&currency),
    };
    PaymentLinkRow {
        link_id: ids::new_link_id(),
        merchant_uid: merchant_uid.to_owned(),
        link_name: input.link_name.trim().to_owned(),
        payment_name: input.payment_name.trim().to_owned(),
        payment_description: input.payment_description,
        amount: input.amount,
        currency,
        fee_mode: input
            .fee_mode
            .unwrap_or(FeeMode::ServiceFee)
            .as_str()
            .to_owned(),
        amount_is_variable: input.amount_is_variable.unwrap_or(false),
        min_amount: input.min_amount,
        max_amount: input.max_amount,
        require_phone: input.require_phone.unwrap_or(false),
        call_to_action: input
            .call_to_action
            .unwrap_or(CallToActionType::Pay)
            .as_str()
            .to_owned(),
        accepted_payment_methods: accepted_payment_methods.to_owned(),
        account_code: input.account_code,
        custom_success_message: input.custom_success_message,
        redirect_url: input.redirect_url,
        is_active: true,
        created_date: now,
        updated_at: now,
        expires_at: None,
        max_payments: input.max_payments,
        payment_count: 0,
    }
}

/// The row after an update: only the fields the input names change.
fn apply_update(
    mut row: PaymentLinkRow,
    input: UpdatePaymentLinkInput,
) -> Result<PaymentLinkRow, ApiError> {
    set_required(
        "link_name",
        &mut row.link_name,
        input.link_name.map(trimmed),
    )?;
    set_required(
        "payment_name",
        &mut row.payment_name,
        input.payment_name.map(trimmed),
    )?;
    set_optional(&mut row.payment_description, input.payment_description);
    set_optional(&mut row.amount, input.amount);
    set_required("currency", &mut row.currency, input.currency)?;
    set_required(
        "fee_mode",
        &mut row.fee_mode,
        input.fee_mode.map(|v| v.as_str().to_owned()),
    )?;
    set_required(
        "amount_is_variable",
        &mut row.amount_is_variable,
        input.amount_is_variable,
    )?;
    set_optional(&mut row.min_amount, input.min_amount);
    set_optional(&mut row.max_amount, input.max_amount);
    set_required("require_phone", &mut row.require_phone, input.require_phone)?;
    set_required(
        "call_to_action",
        &mut row.call_to_action,
        input.call_to_action.map(|v| v.as_str().to_owned()),
    )?;
    set_required(
        "accepted_payment_methods",
        &mut row.accepted_payment_methods,
        input
            .accepted_payment_methods
            .map(|v| v.as_str().to_owned()),
    )?;
    set_optional(&mut row.account_code, input.account_code);
    set_optional(
        &mut row.custom_success_message,
        input.custom_success_message,
    );
    set_optional(&mut row.redirect_url, input.redirect_url);
    set_required("is_active", &mut row.is_active, input.is_active)?;
    let now = timestamps::now();
    let expiry = match input.expires_at {
        juniper::Nullable::Some(text) => juniper::Nullable::Some(expires_at(&text, now)?),
        juniper::Nullable::ExplicitNull => juniper::Nullable::ExplicitNull,
        juniper::Nullable::ImplicitNull => juniper::Nullable::ImplicitNull,
    };
    set_optional(&mut row.expires_at, expiry);
    set_optional(&mut row.max_payments, input.max_payments);
    row.updated_at = now;
    Ok(row)
}

fn trimmed(value: String) -> String {
    value.trim().to_owned()
}

/// The API's view of a stored link.
fn to_payment_link(ctx: &Context, row: PaymentLinkRow) -> Result<PaymentLink, ApiError> {
    fn sdl_enum<T>(column: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
        parse(value).ok_or_else(|| {
            ApiError::internal(format!("unknown {column} {value:?} in the database"))
        })
    }
    Ok(PaymentLink {
        link_url: ctx.links.link_url(&row.link_id),
        fee_mode: sdl_enum("fee_mode", &row.fee_mode, FeeMode::from_sdl_name)?,
        call_to_action: sdl_enum(
            "call_to_action",
            &row.call_to_action,
            CallToActionType::from_sdl_name,
        )?,
        accepted_payment_methods: sdl_enum(
            "accepted_payment_methods",
            &row.accepted_payment_methods,
            AcceptedPaymentMethodsEnum::from_sdl_name,
        )?,
        created_date: timestamps::format(row.created_date),
        merchant_uid: row.merchant_uid,
        link_id: row.link_id,
        link_name: row.link_name,
        payment_name: row.payment_name,
        payment_description: row.payment_description,
        amount: row.amount,
        currency: row.currency,
        amount_is_variable: row.amount_is_variable,
        min_amount: row.min_amount,
        max_amount: row.max_amount,
        require_phone: row.require_phone,
        account_code: row.account_code,
        custom_success_message: row.custom_success_message,
        redirect_url: row.redirect_url,
        is_active: row.is_active,
        expires_at: row.expires_at.map(timestamps::format),
        max_payments: row.max_payments,
        payment_count: row.payment_count,
    })
}

/// A link's `expires_at` as given: a time or date, in the future.
fn expires_at(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    let at = timestamps::parse(text).ok_or_else(|| {
        ApiError::bad_input(
            "expires_at",
            format!("must be an RFC 3339 time or a YYYY-MM-DD date, not {text:?}"),
        )
    })?;
    if at <= now {
        return Err(ApiError::bad_input("expires_at", "must be in the future"));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values a column's CHECK constraint allows, as the migration writes them.
    fn allowed(sql: &str, column: &str) -> Vec<String> {
        let start = sql
            .find(&format!("CHECK ({column} IN"))
            .unwrap_or_else(|| panic!("no CHECK of {column}"));
        let list = &sql[start..];
        let list = &list[list.find('(').unwrap() + 1..];
        let list = &list[list.find('(').unwrap() + 1..list.find(')').unwrap()];
        list.split(',')
            .map(|value| value.trim().trim_matches('\'').to_owned())
            .collect()
    }

    fn sdl_names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|value| name(*value).to_owned()).collect()
    }

    /// Enum columns are stored as their SDL names; the database refuses any other. The two
    /// lists must stay one list.
    #[test]
    fn enum_columns_allow_exactly_the_sdl_values() {
        let sql = include_str!("../../migrations/2026-11-21-000002_payment_links/up.sql");
        assert_eq!(
            allowed(sql, "fee_mode"),
            sdl_names(FeeMode::ALL, FeeMode::as_str)
        );
        assert_eq!(
            allowed(sql, "call_to_action"),
            sdl_names(CallToActionType::ALL, CallToActionType::as_str)
        );
        assert_eq!(
            allowed(sql, "accepted_payment_methods"),
            sdl_names(
                AcceptedPaymentMethodsEnum::ALL,
                AcceptedPaymentMethodsEnum::as_str
            )
        );
    }
}
