//! The pages' contents from the store's rows: what each page shows, in the payer's words.

use paylink_pages::{
    AmountField, Charges, Chrome, EmailField, FieldError, LinkPage, MethodChoice, PhoneField,
    PlanPage,
};
use paylink_store::checkouts::{PublicLink, PublicSession};

use super::super::App;
use super::{Base, STYLESHEET_PATH};
use crate::domain::InvalidField;
use crate::domain::checkout_rules::{self, Methods, PayForm};
use crate::domain::contact_rules::PHONE_EXAMPLE;
use crate::domain::money::{self, PayableCurrency};
use crate::domain::service_fee::{self, ServiceFee};

/// Shown as the merchant on pages that belong to none (not found, errors).
const SERVICE_NAME: &str = "paylink";

/// What every page shows around its content.
pub(super) fn chrome(app: &App, title: &str, merchant_name: Option<&str>) -> Chrome {
    Chrome {
        title: title.to_owned(),
        merchant_name: merchant_name.unwrap_or(SERVICE_NAME).to_owned(),
        test_mode: app.paying.provider.is_test(),
        stylesheet: format!("{}{STYLESHEET_PATH}", app.page_paths.link),
    }
}

/// The path a base's page posts to.
pub(super) fn path(app: &App, base: Base, id: &str) -> String {
    match base {
        Base::Link => format!("{}/{id}", app.page_paths.link),
        Base::Session => format!("{}/{id}", app.page_paths.session),
    }
}

/// The methods to choose from; the one posted is chosen, else the first.
fn choices(methods: &Methods, chosen: Option<&str>) -> Vec<MethodChoice> {
    let chosen = chosen
        .filter(|value| methods.online.iter().any(|method| method.value() == *value))
        .or_else(|| methods.online.first().map(|method| method.value()));
    methods
        .online
        .iter()
        .map(|method| MethodChoice {
            value: method.value(),
            label: method.label(),
            checked: chosen == Some(method.value()),
        })
        .collect()
}

fn field_errors(problems: &[InvalidField]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|problem| FieldError {
            field: match problem.field.as_str() {
                "amount" => "amount",
                "phone" => "phone",
                _ => "method",
            },
            message: problem.message.clone(),
        })
        .collect()
}

fn problem_for<'a>(problems: &'a [InvalidField], field: &str) -> Option<&'a InvalidField> {
    problems.iter().find(|problem| problem.field == field)
}

/// A link's page, with what was posted and its problems when the form is shown again.
pub(super) fn link_page(
    app: &App,
    public: &PublicLink,
    posted: &PayForm,
    problems: &[InvalidField],
) -> LinkPage {
    let link = &public.link;
    let currency = PayableCurrency::of(&link.currency);
    let methods = checkout_rules::methods(&link.accepted_payment_methods);
    // A fee is charged online only: cash is paid to the merchant, as the merchant asks.
    let fee = service_fee::for_link(link, public.service_fee.as_ref())
        .filter(|_| !methods.online.is_empty());
    let amount_field = match (link.amount_is_variable, currency) {
        (true, Some(currency)) => Some(AmountField {
            currency: currency.code().to_owned(),
            value: posted.amount.clone().unwrap_or_else(|| {
                link.amount
                    .map(|amount| currency.plain(amount.into()))
                    .unwrap_or_default()
            }),
            // The fee of an amount not yet typed is told as its rule; the card page, or the
            // processor's, shows it worked out before anything is charged.
            hint: match fee {
                Some(fee) => format!(
                    "{} A {} of {} is added to it.",
                    checkout_rules::amount_hint(link, currency),
                    service_fee::LINE_NAME.to_lowercase(),
                    fee.rule()
                ),
                None => checkout_rules::amount_hint(link, currency),
            },
            error: problem_for(problems, "amount").map(|problem| problem.message.clone()),
        }),
        _ => None,
    };
    let charges = match (link.amount_is_variable, link.amount, fee) {
        (false, Some(amount), Some(fee)) => charges(fee, amount.into()),
        _ => None,
    };
    let amount_text = match (link.amount_is_variable, link.amount) {
        (false, Some(amount)) => money::for_payers(&link.currency, amount.into()),
        (true, _) => currency
            .map(|currency| checkout_rules::amount_hint(link, currency))
            .unwrap_or_default(),
        (false, None) => String::new(),
    };
    LinkPage {
        chrome: chrome(app, &link.payment_name, Some(&public.merchant_name)),
        action: path(app, Base::Link, &link.link_id),
        payment_name: link.payment_name.clone(),
        payment_description: link.payment_description.clone(),
        amount_text,
        charges,
        amount_field,
        phone_field: link.require_phone.then(|| PhoneField {
            value: posted.phone.clone().unwrap_or_default(),
            example: PHONE_EXAMPLE,
            error: problem_for(problems, "phone").map(|problem| problem.message.clone()),
        }),
        email_field: EmailField {
            value: posted.email.clone().unwrap_or_default(),
            error: problem_for(problems, "email").map(|problem| problem.message.clone()),
        },
        methods: choices(&methods, posted.method.as_deref()),
        cash_accepted: methods.cash && !methods.online.is_empty(),
        button: checkout_rules::button_text(&link.call_to_action).to_owned(),
        errors: field_errors(problems),
    }
}

/// `amount_minor` with `fee` on lines of their own; `None` when the fee comes to nothing or
/// cannot be worked out (the form's check then says why).
fn charges(fee: ServiceFee, amount_minor: i64) -> Option<Charges> {
    let charge = service_fee::charge(amount_minor, Some(fee), fee.currency).ok()?;
    (charge.fee_minor > 0).then(|| charges_of(fee.currency, &charge))
}

/// A charge on lines of its own, each amount written by [`PayableCurrency::format`].
pub(super) fn charges_of(currency: PayableCurrency, charge: &service_fee::Charge) -> Charges {
    Charges {
        amount_text: currency.format(charge.amount_minor),
        fee_label: service_fee::LINE_NAME.to_owned(),
        fee_text: currency.format(charge.fee_minor),
        total_text: currency.format(charge.total_minor),
    }
}

/// A session's page.
pub(super) fn plan_page(
    app: &App,
    public: &PublicSession,
    posted: &PayForm,
    problems: &[InvalidField],
) -> PlanPage {
    let session = &public.session;
    // A session holds hundredths of the major unit, whatever its currency's minor unit.
    let text = |hundredths: i64| money::hundredths_for_payers(&session.currency, hundredths);
    PlanPage {
        chrome: chrome(app, "Your payment plan", Some(&public.merchant_name)),
        action: path(app, Base::Session, &session.id),
        contact_name: public.contact_name.clone(),
        amount_text: text(session.amount_minor),
        frequency: checkout_rules::frequency_words(&session.frequency).to_owned(),
        start_date: session.start_date.format("%-d %B %Y").to_string(),
        occurrences: session.occurrences,
        total_text: checkout_rules::plan_total(session)
            .map(text)
            .unwrap_or_default(),
        methods: choices(
            &checkout_rules::plan_methods(&session.currency),
            posted.method.as_deref(),
        ),
        cancel_url: session.cancel_url.clone(),
        errors: field_errors(problems),
    }
}
