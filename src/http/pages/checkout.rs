//! A checkout's pages: the test-mode card page (standing in for the provider's), and the page a
//! payer lands on after paying.

use http::StatusCode;
use paylink_pages::{Back, DonePage, TestCheckoutPage};
use paylink_store::checkouts::CheckoutView;
use paylink_store::lifecycle::{CheckoutStatus, PaymentStatus, Status as _};

use super::super::App;
use super::link::store_failure;
use super::respond::Page;
use super::{Base, views};
use crate::domain::checkout_rules::PayMethod;
use crate::domain::money::{self, PayableCurrency};
use crate::domain::service_fee::{self, Charge};
use crate::paying::{Owner, ProviderOutcome, TEST, TestCard, test_card};

/// The checkout `checkout_id` of the link or session `owner` under `base`; any other pairing
/// reads as absent, as an unknown id does. An Open checkout whose time is up is recorded
/// Expired first, so that it can no longer be paid.
async fn find(
    app: &App,
    base: Base,
    owner: &str,
    checkout_id: &str,
) -> Result<(CheckoutView, Owner), Page> {
    if let Err(error) = app
        .store
        .expire_checkout_if_due(checkout_id, chrono::Utc::now())
        .await
    {
        return Err(store_failure(app, &error, "expiring a checkout"));
    }
    let view = match app.store.checkout_view(checkout_id).await {
        Ok(Some(view)) => view,
        Ok(None) => return Err(Page::not_found(app)),
        Err(error) => return Err(store_failure(app, &error, "reading a checkout")),
    };
    let checkout = &view.checkout;
    let owner = match base {
        Base::Link if checkout.link_id.as_deref() == Some(owner) => Owner::Link(owner.to_owned()),
        Base::Session if checkout.session_id.as_deref() == Some(owner) => {
            Owner::Session(owner.to_owned())
        }
        _ => return Err(Page::not_found(app)),
    };
    Ok((view, owner))
}

fn description(view: &CheckoutView) -> String {
    match (&view.link, &view.session) {
        (Some(link), _) => format!("{} to {}", link.payment_name, view.merchant_name),
        _ => format!("First payment of your plan with {}", view.merchant_name),
    }
}

/// The checkout's charge split into the amount and its service fee, when it has a fee.
fn charge_with_fee(view: &CheckoutView) -> Option<(PayableCurrency, Charge)> {
    let checkout = &view.checkout;
    let currency = PayableCurrency::of(&checkout.currency)?;
    (checkout.fee_amount > 0).then_some((
        currency,
        Charge {
            amount_minor: checkout.amount_minor - checkout.fee_amount,
            fee_minor: checkout.fee_amount,
            total_minor: checkout.amount_minor,
        },
    ))
}

fn card_page(
    app: &App,
    view: &CheckoutView,
    owner: &Owner,
    typed: &str,
    error: Option<&str>,
) -> TestCheckoutPage {
    let checkout = &view.checkout;
    let amount = money::for_payers(&checkout.currency, checkout.amount_minor);
    // A plan whose first payment is due later takes the card and charges nothing today.
    let later = checkout
        .plan_first_charge_at
        .filter(|first| crate::domain::plan_schedule::is_delayed(*first, checkout.created_at));
    let (heading, button, description) = match later {
        Some(first) => (
            "Set up your payment plan".to_owned(),
            "Set up payment plan".to_owned(),
            format!(
                "Nothing is charged today. The first payment of {amount} is taken on {}.",
                first.format("%-d %B %Y")
            ),
        ),
        None => (
            format!("Pay {amount}"),
            format!("Pay {amount}"),
            description(view),
        ),
    };
    // Test mode has no bank to debit: a bank-account checkout takes a test card instead.
    let description = if checkout.payment_method == PayMethod::Ach.value() {
        format!(
            "{description} Test mode has no bank: a test card number stands in for the account."
        )
    } else {
        description
    };
    TestCheckoutPage {
        chrome: views::chrome(app, "Test payment", Some(&view.merchant_name)),
        action: test_card_path(app, owner, &checkout.id),
        heading,
        button,
        description,
        charges: charge_with_fee(view)
            .map(|(currency, charge)| views::charges_of(currency, &charge)),
        card_value: typed.to_owned(),
        card_error: error.map(str::to_owned),
        cancel_url: owner.page_url(&app.paying.links),
        errors: error
            .map(|message| {
                vec![paylink_pages::FieldError {
                    field: "card",
                    message: message.to_owned(),
                }]
            })
            .unwrap_or_default(),
    }
}

fn test_card_path(app: &App, owner: &Owner, checkout_id: &str) -> String {
    let (base, id) = match owner {
        Owner::Link(id) => (Base::Link, id),
        Owner::Session(id) => (Base::Session, id),
    };
    format!("{}/checkout/{checkout_id}", views::path(app, base, id))
}

/// Whether this server's test-mode card page may take `view`'s payment: a test-mode checkout,
/// on a server still in test mode (a server switched to a real processor takes no test money).
fn test_payable_here(app: &App, view: &CheckoutView) -> bool {
    view.checkout.provider == TEST && app.paying.provider.is_test()
}

fn is_open(view: &CheckoutView) -> bool {
    CheckoutStatus::parse(&view.checkout.status) == Some(CheckoutStatus::Open)
}

/// The test-mode card page of an open checkout.
pub(super) async fn show_test_card(app: &App, base: Base, owner: &str, checkout_id: &str) -> Page {
    let (view, owner) = match find(app, base, owner, checkout_id).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if !test_payable_here(app, &view) {
        return Page::not_found(app);
    }
    if !is_open(&view) {
        return Page::Redirect(owner.done_url(&app.paying.links, checkout_id));
    }
    Page::render(
        app,
        StatusCode::OK,
        &card_page(app, &view, &owner, "", None),
    )
}

/// A test card posted: 4242… pays through the same path as a provider's event; 4000…0002 is
/// declined and the page shown again, as a provider's page does.
pub(super) async fn pay_test_card(
    app: &App,
    base: Base,
    owner: &str,
    checkout_id: &str,
    body: &[u8],
) -> Page {
    let (view, owner) = match find(app, base, owner, checkout_id).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if !test_payable_here(app, &view) {
        return Page::not_found(app);
    }
    let typed = url::form_urlencoded::parse(body)
        .find(|(name, _)| name == "card")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    // Posted again after paying (a second tab, a double click), or after the checkout was
    // closed: nothing is paid twice, and nothing is paid for what can no longer be paid.
    if !is_open(&view) {
        return Page::Redirect(owner.done_url(&app.paying.links, checkout_id));
    }
    let refused = |status: StatusCode, message: &str| {
        Page::render(
            app,
            status,
            &card_page(app, &view, &owner, &typed, Some(message)),
        )
    };
    match test_card(&typed) {
        TestCard::Succeeds => match app
            .paying
            .apply(ProviderOutcome::test_paid(&view.checkout))
            .await
        {
            Ok(_) => Page::Redirect(owner.done_url(&app.paying.links, checkout_id)),
            Err(error) => store_failure(app, &error, "recording a test payment"),
        },
        TestCard::Declined => refused(
            StatusCode::PAYMENT_REQUIRED,
            "Your card was declined. Try another card.",
        ),
        TestCard::Unknown => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "In test mode, use 4242 4242 4242 4242 (succeeds) or 4000 0000 0000 0002 (declined).",
        ),
    }
}

/// Where the payer lands after paying.
pub(super) async fn done(app: &App, base: Base, owner: &str, checkout_id: &str) -> Page {
    let (view, owner) = match find(app, base, owner, checkout_id).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let checkout = &view.checkout;
    let amount = match charge_with_fee(&view) {
        Some((currency, charge)) => format!(
            "{}, including a {} of {}",
            currency.format(charge.total_minor),
            service_fee::LINE_NAME.to_lowercase(),
            currency.format(charge.fee_minor)
        ),
        None => money::for_payers(&checkout.currency, checkout.amount_minor),
    };
    let merchant = &view.merchant_name;
    let page = |heading: &str, message: String, check_again: Option<String>| {
        let page = DonePage {
            chrome: views::chrome(app, heading, Some(merchant)),
            heading: heading.to_owned(),
            message,
            amount_text: Some(amount.clone()),
            check_again,
        };
        Page::render(app, StatusCode::OK, &page)
    };
    let back = Back {
        href: owner.page_url(&app.paying.links),
        label: "Back to the payment".to_owned(),
    };
    let paid = view
        .payment
        .as_ref()
        .and_then(|payment| PaymentStatus::parse(&payment.status));
    match (CheckoutStatus::parse(&checkout.status), paid) {
        // Taken by the processor after paylink had closed the checkout: given back.
        (
            Some(CheckoutStatus::Cancelled | CheckoutStatus::Expired),
            Some(PaymentStatus::Succeeded | PaymentStatus::Pending | PaymentStatus::Refunded),
        ) => Page::gone(
            app,
            merchant,
            "This payment could not be accepted",
            "It arrived after this payment was closed, so it is being refunded to you in full.",
            Some(back),
        ),
        (Some(CheckoutStatus::Completed), paid) => {
            let pending = paid == Some(PaymentStatus::Pending);
            if let Some(link) = &view.link {
                if let Some(url) = &link.redirect_url {
                    return Page::Redirect(url.clone());
                }
                let message = link
                    .custom_success_message
                    .clone()
                    .unwrap_or_else(|| format!("{merchant} has received your payment. Thank you."));
                if pending {
                    return page(
                        "Payment on its way",
                        format!(
                            "Your bank is processing the payment; {merchant} will see it once it clears."
                        ),
                        None,
                    );
                }
                return page("Payment received", message, None);
            }
            if let Some(url) = view.session.as_ref().and_then(|s| s.success_url.clone()) {
                return Page::Redirect(url);
            }
            let when = match (paid, checkout.plan_first_charge_at) {
                (None, Some(first)) => format!(
                    "Nothing was charged today; the first payment is taken on {}.",
                    first.format("%-d %B %Y")
                ),
                _ => "You will be charged on the dates shown.".to_owned(),
            };
            page(
                "Payment plan set up",
                format!("Your payment plan with {merchant} is set up. {when}"),
                None,
            )
        }
        (Some(CheckoutStatus::Failed), _) => Page::gone(
            app,
            merchant,
            "The payment did not go through",
            "Your bank did not complete the payment. Nothing was charged.",
            Some(back),
        ),
        (Some(CheckoutStatus::Expired), _) => Page::gone(
            app,
            merchant,
            "This payment page expired",
            "It was not paid in time. Nothing was charged.",
            Some(back),
        ),
        (Some(CheckoutStatus::Cancelled), _) => Page::gone(
            app,
            merchant,
            "This payment page was closed",
            "It can no longer be paid, and nothing was charged through it.",
            Some(back),
        ),
        _ => page(
            "Processing your payment",
            "Waiting for the payment provider to confirm. This usually takes a few seconds."
                .to_owned(),
            Some(owner.done_url(&app.paying.links, checkout_id)),
        ),
    }
}
