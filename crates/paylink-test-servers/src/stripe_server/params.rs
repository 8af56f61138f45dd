//! The parameters of `POST /v1/checkout/sessions`, checked as Stripe checks them.

use std::collections::BTreeMap;

use super::{
    expiry::check_expires_at,
    metadata::check_metadata,
    param_error::{ParamError, invalid, missing},
    prices::line_items,
    session::NewSession,
    subscription_data, unix_now,
};

/// The parameters modelled, with array indices as `[n]` and metadata keys as `[*]`.
const KNOWN: [&str; 20] = [
    "mode",
    "expires_at",
    "success_url",
    "cancel_url",
    "client_reference_id",
    "customer_email",
    "metadata[*]",
    "payment_method_types[n]",
    "line_items[n][quantity]",
    "line_items[n][price]",
    "line_items[n][price_data][currency]",
    "line_items[n][price_data][unit_amount]",
    "line_items[n][price_data][product_data][name]",
    "line_items[n][price_data][product_data][description]",
    "line_items[n][price_data][recurring][interval]",
    "line_items[n][price_data][recurring][interval_count]",
    "subscription_data[metadata][*]",
    "subscription_data[trial_end]",
    "payment_intent_data[metadata][*]",
    "payment_intent_data[receipt_email]",
];

/// Payment method types Checkout takes (Stripe's list, as of its 2024 API versions).
const PAYMENT_METHOD_TYPES: [&str; 33] = [
    "acss_debit",
    "affirm",
    "afterpay_clearpay",
    "alipay",
    "au_becs_debit",
    "bacs_debit",
    "bancontact",
    "blik",
    "boleto",
    "card",
    "cashapp",
    "customer_balance",
    "eps",
    "fpx",
    "giropay",
    "grabpay",
    "ideal",
    "klarna",
    "konbini",
    "link",
    "oxxo",
    "p24",
    "paynow",
    "paypal",
    "pix",
    "promptpay",
    "revolut_pay",
    "sepa_debit",
    "sofort",
    "swish",
    "us_bank_account",
    "wechat_pay",
    "zip",
];

/// A key with indices replaced by `[n]` and metadata keys by `[*]`.
fn shape(key: &str) -> String {
    for prefix in [
        "metadata[",
        "subscription_data[metadata][",
        "payment_intent_data[metadata][",
    ] {
        if key.starts_with(prefix) && key.ends_with(']') && key.len() > prefix.len() + 1 {
            return format!("{prefix}*]");
        }
    }
    let mut out = String::with_capacity(key.len());
    for (i, part) in key.split('[').enumerate() {
        if i > 0 {
            out.push('[');
            let inner = part.strip_suffix(']').unwrap_or(part);
            if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str("n]");
                continue;
            }
        }
        out.push_str(part);
    }
    out
}

/// Checks the form and says what session it asks for.
pub(super) fn parse(form: &[(String, String)]) -> Result<NewSession, ParamError> {
    for (key, _) in form {
        if !KNOWN.contains(&shape(key).as_str()) {
            return Err(ParamError {
                param: Some(key.clone()),
                code: "parameter_unknown",
                message: format!("Received unknown parameter: {key}"),
            });
        }
    }
    // Stripe reads an empty value as "not given".
    let get = |key: &str| {
        form.iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let map = |prefix: &str| -> BTreeMap<String, String> {
        form.iter()
            .filter_map(|(k, v)| {
                Some((
                    k.strip_prefix(prefix)?.strip_suffix(']')?.to_owned(),
                    v.clone(),
                ))
            })
            .collect()
    };

    let mode = get("mode").ok_or_else(|| missing("mode"))?;
    if !["payment", "subscription", "setup"].contains(&mode.as_str()) {
        return Err(invalid(
            "mode",
            "Invalid mode: must be one of payment, setup, or subscription",
        ));
    }
    let success_url = get("success_url").ok_or_else(|| missing("success_url"))?;
    check_url("success_url", &success_url)?;
    let cancel_url = get("cancel_url");
    if let Some(url) = &cancel_url {
        check_url("cancel_url", url)?;
    }
    let client_reference_id = get("client_reference_id");
    if client_reference_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 200)
    {
        return Err(invalid(
            "client_reference_id",
            "Invalid string: must be at most 200 characters",
        ));
    }
    let expires_at = check_expires_at(get("expires_at").as_deref(), unix_now())?;
    let customer_email = get("customer_email");
    for (param, email) in [
        ("customer_email", &customer_email),
        (
            "payment_intent_data[receipt_email]",
            &get("payment_intent_data[receipt_email]"),
        ),
    ] {
        if let Some(email) = email {
            let (local, domain) = email.split_once('@').unwrap_or_default();
            if local.is_empty() || !domain.contains('.') {
                return Err(invalid(param, format!("Invalid email address: {email}")));
            }
        }
    }
    if get("payment_intent_data[receipt_email]").is_some() && mode != "payment" {
        return Err(invalid(
            "payment_intent_data",
            format!("You can not pass `payment_intent_data` in `{mode}` mode."),
        ));
    }

    let metadata = map("metadata[");
    check_metadata("metadata", &metadata)?;
    let subscription_data = subscription_data::parse(form, &mode)?;
    let payment_intent_metadata = map("payment_intent_data[metadata][");
    check_metadata("payment_intent_data[metadata]", &payment_intent_metadata)?;
    if !payment_intent_metadata.is_empty() && mode != "payment" {
        return Err(invalid(
            "payment_intent_data",
            format!("You can not pass `payment_intent_data` in `{mode}` mode."),
        ));
    }

    let mut payment_method_types = Vec::new();
    while let Some(kind) = get(&format!(
        "payment_method_types[{}]",
        payment_method_types.len()
    )) {
        if !PAYMENT_METHOD_TYPES.contains(&kind.as_str()) {
            let param = format!("payment_method_types[{}]", payment_method_types.len());
            let message = format!(
                "Invalid {param}: must be one of {}",
                PAYMENT_METHOD_TYPES.join(", ")
            );
            return Err(invalid(&param, message));
        }
        payment_method_types.push(kind);
    }
    if payment_method_types.len()
        != form
            .iter()
            .filter(|(k, _)| k.starts_with("payment_method_types["))
            .count()
    {
        return Err(invalid(
            "payment_method_types",
            "Invalid array: indices must start at 0 and be consecutive",
        ));
    }

    let line_items = line_items(form, &get)?;
    let item_count = form
        .iter()
        .filter(|(k, _)| k.starts_with("line_items["))
        .count();
    match mode.as_str() {
        "setup" if item_count > 0 => {
            return Err(invalid(
                "line_items",
                "You can not pass `line_items` in `setup` mode.",
            ));
        }
        "setup" => {}
        _ if line_items.is_empty() => return Err(missing("line_items")),
        _ => {}
    }
    if mode == "subscription" && line_items.iter().all(|item| item.interval.is_none()) {
        return Err(ParamError {
            param: Some("line_items[0][price_data][recurring][interval]".into()),
            code: "parameter_missing",
            message: "You must provide at least one recurring price in `subscription` mode when using prices.".into(),
        });
    }
    if mode == "payment"
        && let Some(at) = line_items.iter().position(|item| item.interval.is_some())
    {
        return Err(invalid(
            &format!("line_items[{at}][price_data][recurring]"),
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
        ));
    }
    if let Some(first) = line_items.first() {
        if line_items
            .iter()
            .any(|item| item.currency != first.currency)
        {
            return Err(invalid(
                "line_items",
                "All line items must use the same currency.",
            ));
        }
        let total: i64 = line_items.iter().map(|i| i.unit_amount * i.quantity).sum();
        if mode == "payment" && first.currency == "usd" && total < 50 {
            return Err(invalid(
                "line_items",
                "The Checkout Session's total amount due must add up to at least $0.50 usd",
            ));
        }
        if payment_method_types.iter().any(|t| t == "us_bank_account") && first.currency != "usd" {
            let message = format!(
                "The currency provided ({}) is invalid for one or more payment method types on this Checkout Session.",
                first.currency
            );
            return Err(invalid("payment_method_types", message));
        }
    }
    Ok(NewSession {
        mode,
        success_url,
        cancel_url,
        client_reference_id,
        customer_email,
        metadata,
        subscription_metadata: subscription_data.metadata,
        payment_method_types,
        line_items,
        trial_end: subscription_data.trial_end,
        expires_at,
    })
}

fn check_url(param: &str, url: &str) -> Result<(), ParamError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(invalid(param, "Not a valid URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn keys_are_shaped_for_the_known_list() {
        assert_eq!(
            shape("line_items[12][price_data][currency]"),
            "line_items[n][price_data][currency]"
        );
        assert_eq!(shape("metadata[checkout]"), "metadata[*]");
        assert_eq!(
            shape("subscription_data[metadata][x]"),
            "subscription_data[metadata][*]"
        );
        assert_eq!(shape("payment_method_types[0]"), "payment_method_types[n]");
    }

    #[test]
    fn a_payment_charges_the_sum_of_its_lines() {
        let two_lines = form(&[
            ("mode", "payment"),
            ("success_url", "https://x.test/s"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "2500"),
            ("line_items[0][price_data][product_data][name]", "Dues"),
            ("line_items[0][quantity]", "1"),
            ("line_items[1][price_data][currency]", "usd"),
            ("line_items[1][price_data][unit_amount]", "103"),
            (
                "line_items[1][price_data][product_data][name]",
                "Service fee",
            ),
            ("line_items[1][quantity]", "1"),
        ]);
        let session = parse(&two_lines)
            .unwrap()
            .create("http://stripe.test", None);
        assert_eq!(session.line_items.len(), 2);
        assert_eq!(session.amount_total, Some(2_603));

        // Lines in two currencies are refused, as Stripe refuses them.
        let mut mixed = two_lines.clone();
        mixed[6].1 = "eur".into();
        assert_eq!(
            parse(&mixed).unwrap_err().param.as_deref(),
            Some("line_items")
        );
        // The minimum is checked on the sum: 0.40 + 0.10 USD is enough.
        let mut small = two_lines;
        small[3].1 = "40".into();
        small[7].1 = "10".into();
        assert_eq!(
            parse(&small)
                .unwrap()
                .create("http://stripe.test", None)
                .amount_total,
            Some(50)
        );
    }

    #[test]
    fn a_subscription_needs_a_recurring_price_and_a_payment_refuses_one() {
        let base = [
            ("success_url", "https://x.test/s"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "900"),
            ("line_items[0][price_data][product_data][name]", "Plan"),
            ("line_items[0][quantity]", "1"),
        ];
        let mut subscription = form(&base);
        subscription.push(("mode".into(), "subscription".into()));
        let error = parse(&subscription).unwrap_err();
        assert_eq!(
            error.param.as_deref(),
            Some("line_items[0][price_data][recurring][interval]")
        );

        let mut payment = form(&base);
        payment.push(("mode".into(), "payment".into()));
        payment.push((
            "line_items[0][price_data][recurring][interval]".into(),
            "month".into(),
        ));
        let error = parse(&payment).unwrap_err();
        assert_eq!(
            error.param.as_deref(),
            Some("line_items[0][price_data][recurring]")
        );

        let mut misspelt = form(&base);
        misspelt.push(("mode".into(), "payment".into()));
        misspelt.push(("line_items[0][price_data][unit_ammount]".into(), "1".into()));
        let error = parse(&misspelt).unwrap_err();
        assert_eq!(
            error.message,
            "Received unknown parameter: line_items[0][price_data][unit_ammount]"
        );
    }
}
