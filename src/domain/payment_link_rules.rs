//! The rules every stored payment link obeys. They are checked on the whole row after defaults
//! (create) or after merging the changes into the current row (update), so a rule that spans two
//! fields holds whichever of them a request touched.

use paylink_store::payment_links::PaymentLinkRow;

use super::InvalidField;
use super::checkout_rules::{self, PayMethod};
use super::minimums::{self, Written};
use super::money::PayableCurrency;

/// Longest link or payment name.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest payment description.
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// Longest account code.
pub const MAX_ACCOUNT_CODE_CHARS: usize = 255;
/// Longest redirect URL.
pub const MAX_REDIRECT_URL_CHARS: usize = 2_048;
/// Most payments a link may be limited to.
pub const MAX_PAYMENTS_LIMIT: i32 = 1_000_000;

/// Checks every rule; the first broken one is returned.
pub fn validate(link: &PaymentLinkRow) -> Result<(), InvalidField> {
    for (field, value) in [
        ("link_name", Some(&link.link_name)),
        ("payment_name", Some(&link.payment_name)),
        ("payment_description", link.payment_description.as_ref()),
        ("currency", Some(&link.currency)),
        ("account_code", link.account_code.as_ref()),
        (
            "custom_success_message",
            link.custom_success_message.as_ref(),
        ),
        ("redirect_url", link.redirect_url.as_ref()),
    ] {
        if let Some(value) = value {
            super::storable_text(field, value)?;
        }
    }
    name("link_name", &link.link_name)?;
    name("payment_name", &link.payment_name)?;
    if let Some(description) = &link.payment_description {
        at_most("payment_description", description, MAX_DESCRIPTION_CHARS)?;
    }
    if let Some(code) = &link.account_code {
        at_most("account_code", code, MAX_ACCOUNT_CODE_CHARS)?;
    }
    if let Some(limit) = link.max_payments
        && !(1..=MAX_PAYMENTS_LIMIT).contains(&limit)
    {
        return Err(InvalidField::new(
            "max_payments",
            format!("must be from 1 to {MAX_PAYMENTS_LIMIT}, not {limit}"),
        ));
    }
    let currency = super::money::currency("currency", &link.currency)?;
    amounts(link)?;
    chargeable_amounts(link, currency)?;
    methods_take(link, currency)?;
    if let Some(url) = &link.redirect_url {
        redirect_url(url)?;
        if link.custom_success_message.is_some() {
            return Err(InvalidField::new(
                "redirect_url",
                "cannot be set together with custom_success_message; give one or the other",
            ));
        }
    }
    Ok(())
}

fn name(field: &str, value: &str) -> Result<(), InvalidField> {
    if value.trim().is_empty() {
        return Err(InvalidField::new(field, "must not be empty"));
    }
    at_most(field, value, MAX_NAME_CHARS)
}

fn at_most(field: &str, value: &str, max: usize) -> Result<(), InvalidField> {
    let chars = value.chars().count();
    if chars > max {
        return Err(InvalidField::new(
            field,
            format!("must be at most {max} characters, not {chars}"),
        ));
    }
    Ok(())
}

fn positive(field: &str, value: Option<i32>) -> Result<(), InvalidField> {
    match value {
        Some(value) if value <= 0 => Err(InvalidField::new(
            field,
            format!("must be greater than 0, not {value}"),
        )),
        _ => Ok(()),
    }
}

fn amounts(link: &PaymentLinkRow) -> Result<(), InvalidField> {
    positive("amount", link.amount)?;
    positive("min_amount", link.min_amount)?;
    positive("max_amount", link.max_amount)?;
    if !link.amount_is_variable {
        if link.amount.is_none() {
            return Err(InvalidField::new(
                "amount",
                "is required unless amount_is_variable is true",
            ));
        }
        for (field, value) in [
            ("min_amount", link.min_amount),
            ("max_amount", link.max_amount),
        ] {
            if value.is_some() {
                return Err(InvalidField::new(
                    field,
                    "is only allowed when amount_is_variable is true; set it to null",
                ));
            }
        }
        return Ok(());
    }
    if let (Some(min), Some(max)) = (link.min_amount, link.max_amount)
        && min > max
    {
        return Err(InvalidField::new(
            "max_amount",
            format!("must be at least min_amount ({min}), not {max}"),
        ));
    }
    if let Some(amount) = link.amount {
        if link.min_amount.is_some_and(|min| amount < min) {
            return Err(InvalidField::new("amount", "must not be below min_amount"));
        }
        if link.max_amount.is_some_and(|max| amount > max) {
            return Err(InvalidField::new("amount", "must not be above max_amount"));
        }
    }
    Ok(())
}

/// Refuses an amount the payment processor would not charge: the fixed amount, and a variable
/// link's bounds and suggested amount, each at least the minimum charge in the currency.
fn chargeable_amounts(
    link: &PaymentLinkRow,
    currency: PayableCurrency,
) -> Result<(), InvalidField> {
    for (field, value) in [
        ("amount", link.amount),
        ("min_amount", link.min_amount),
        ("max_amount", link.max_amount),
    ] {
        if let Some(value) = value {
            minimums::at_least_minimum(field, currency, value.into(), Written::MinorUnits)?;
        }
    }
    Ok(())
}

/// The payment methods of a new link that names none: every method (`ALL`) where bank debits
/// pay, else every method but them (`NOT_ACH`), so a link in another currency is made as it can
/// be paid rather than refused for a choice its creator did not make. A value the creator
/// names is checked as given.
pub fn default_accepted_methods(currency: &str) -> &'static str {
    if PayMethod::Ach.pays_in(currency) {
        "ALL"
    } else {
        "NOT_ACH"
    }
}

/// Refuses bank debits (ACH) on a link in any currency but USD, the only one they pay in.
fn methods_take(link: &PaymentLinkRow, currency: PayableCurrency) -> Result<(), InvalidField> {
    let online = checkout_rules::methods(&link.accepted_payment_methods).online;
    if online.contains(&PayMethod::Ach) && !PayMethod::Ach.pays_in(currency.code()) {
        return Err(InvalidField::new(
            "accepted_payment_methods",
            format!(
                "{} allows bank debits (ACH), which are {} only; for a link in {} choose a value \
                 without them, such as NOT_ACH or ONLY_CARD",
                link.accepted_payment_methods,
                checkout_rules::ACH_CURRENCY,
                currency.code()
            ),
        ));
    }
    Ok(())
}

fn redirect_url(value: &str) -> Result<(), InvalidField> {
    at_most("redirect_url", value, MAX_REDIRECT_URL_CHARS)?;
    super::urls::absolute_http(value).map_err(|problem| InvalidField::new("redirect_url", problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_rows::link;

    fn field_of(change: impl FnOnce(&mut PaymentLinkRow)) -> Option<String> {
        let mut link = link();
        change(&mut link);
        validate(&link).err().map(|e| e.field)
    }

    #[test]
    fn a_plain_fixed_amount_link_is_valid() {
        assert_eq!(field_of(|_| {}), None);
    }

    #[test]
    fn names_must_be_non_blank_and_short() {
        assert_eq!(
            field_of(|l| l.link_name = "  ".into()),
            Some("link_name".into())
        );
        assert_eq!(
            field_of(|l| l.payment_name = String::new()),
            Some("payment_name".into())
        );
        assert_eq!(field_of(|l| l.link_name = "é".repeat(255)), None);
        assert_eq!(
            field_of(|l| l.link_name = "é".repeat(256)),
            Some("link_name".into())
        );
    }

    #[test]
    fn lengths_of_description_and_account_code() {
        assert_eq!(
            field_of(|l| l.payment_description = Some("x".repeat(1000))),
            None
        );
        assert_eq!(
            field_of(|l| l.payment_description = Some("x".repeat(1001))),
            Some("payment_description".into())
        );
        assert_eq!(
            field_of(|l| l.account_code = Some("x".repeat(256))),
            Some("account_code".into())
        );
    }

    #[test]
    fn fixed_amounts() {
        assert_eq!(field_of(|l| l.amount = None), Some("amount".into()));
        assert_eq!(field_of(|l| l.amount = Some(0)), Some("amount".into()));
        assert_eq!(
            field_of(|l| l.min_amount = Some(1)),
            Some("min_amount".into())
        );
    }

    #[test]
    fn variable_amounts() {
        let variable = |l: &mut PaymentLinkRow| {
            l.amount_is_variable = true;
            l.amount = None;
            l.min_amount = Some(100);
            l.max_amount = Some(500);
        };
        assert_eq!(field_of(variable), None);
        assert_eq!(
            field_of(|l| {
                variable(l);
                l.max_amount = Some(99);
            }),
            Some("max_amount".into())
        );
        assert_eq!(
            field_of(|l| {
                variable(l);
                l.min_amount = Some(-1);
            }),
            Some("min_amount".into())
        );
        assert_eq!(
            field_of(|l| {
                variable(l);
                l.amount = Some(501);
            }),
            Some("amount".into())
        );
        assert_eq!(
            field_of(|l| {
                variable(l);
                l.amount = Some(300);
            }),
            None
        );
    }

    #[test]
    fn amounts_must_reach_the_processors_minimum_charge() {
        assert_eq!(field_of(|l| l.amount = Some(49)), Some("amount".into()));
        assert_eq!(field_of(|l| l.amount = Some(50)), None);
        let in_yen = |l: &mut PaymentLinkRow| {
            l.currency = "JPY".into();
            l.accepted_payment_methods = "NOT_ACH".into();
        };
        assert_eq!(
            field_of(|l| {
                in_yen(l);
                l.amount = Some(49);
            }),
            Some("amount".into())
        );
        assert_eq!(
            field_of(|l| {
                l.currency = "BHD".into();
                l.accepted_payment_methods = "ONLY_CARD".into();
                l.amount = Some(1);
            }),
            None,
            "no stated minimum in BHD"
        );
        let variable = |l: &mut PaymentLinkRow| {
            l.amount_is_variable = true;
            l.amount = None;
        };
        assert_eq!(field_of(variable), None, "no bounds: the page applies it");
        assert_eq!(
            field_of(|l| {
                variable(l);
                l.min_amount = Some(30);
            }),
            Some("min_amount".into())
        );
        assert_eq!(
            field_of(|l| {
                variable(l);
                l.max_amount = Some(30);
            }),
            Some("max_amount".into())
        );
        let mut link = link();
        link.amount = Some(10);
        assert_eq!(
            validate(&link).unwrap_err().message,
            "must be at least 0.50 USD (50 in minor units), the smallest charge the payment \
             processor takes in USD, not 0.10 USD"
        );
    }

    #[test]
    fn bank_debits_are_usd_only() {
        for accepted in ["ALL", "NOT_CASH", "NOT_CARD", "ONLY_ACH"] {
            assert_eq!(
                field_of(|l| {
                    l.currency = "EUR".into();
                    l.accepted_payment_methods = accepted.into();
                }),
                Some("accepted_payment_methods".into()),
                "{accepted}"
            );
            assert_eq!(
                field_of(|l| l.accepted_payment_methods = accepted.into()),
                None,
                "{accepted} in USD"
            );
        }
        for accepted in ["NOT_ACH", "ONLY_CARD", "ONLY_CASH"] {
            assert_eq!(
                field_of(|l| {
                    l.currency = "EUR".into();
                    l.accepted_payment_methods = accepted.into();
                }),
                None,
                "{accepted}"
            );
        }
        let mut link = link();
        link.currency = "GBP".into();
        let message = validate(&link).unwrap_err().message;
        assert!(
            message.contains("ACH") && message.contains("USD only") && message.contains("NOT_ACH"),
            "{message}"
        );
    }

    #[test]
    fn currency_is_three_uppercase_letters() {
        for bad in ["usd", "US", "USDD", "U1D"] {
            assert_eq!(
                field_of(|l| l.currency = bad.into()),
                Some("currency".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn redirect_url_rules() {
        assert_eq!(
            field_of(|l| l.redirect_url = Some("https://example.com/ok".into())),
            None
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://x/ok\n",
        ] {
            assert_eq!(
                field_of(|l| l.redirect_url = Some(bad.into())),
                Some("redirect_url".into()),
                "{bad}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(
            field_of(|l| l.redirect_url = Some(long)),
            Some("redirect_url".into())
        );
        assert_eq!(
            field_of(|l| {
                l.redirect_url = Some("https://example.com".into());
                l.custom_success_message = Some("Thanks".into());
            }),
            Some("redirect_url".into())
        );
    }
}
