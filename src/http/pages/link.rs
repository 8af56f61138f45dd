//! A payment link's page and its form.

use http::StatusCode;
use paylink_pages::Back;
use paylink_store::StoreError;

use super::super::App;
use super::respond::Page;
use super::views;
use crate::domain::checkout_rules::{self, PayForm};
use crate::paying::StartError;

/// The page a link opens: its form, or why it cannot be paid.
pub(super) async fn show(app: &App, link_id: &str) -> Page {
    let public = match app.store.public_link(link_id).await {
        Ok(Some(public)) => public,
        Ok(None) => return Page::not_found(app),
        Err(error) => return store_failure(app, &error, "reading a link for its page"),
    };
    if !checkout_rules::link_payable(&public.link) {
        return inactive(app, &public.merchant_name);
    }
    let page = views::link_page(app, &public, &PayForm::default(), &[]);
    Page::render(app, StatusCode::OK, &page)
}

/// A posted form: a checkout is opened and the payer sent to pay, or the form is shown again
/// with its problems.
pub(super) async fn submit(app: &App, link_id: &str, body: &[u8]) -> Page {
    let form = PayForm::parse(body);
    match app.paying.start_link(link_id, form.clone()).await {
        Ok(url) => Page::Redirect(url),
        Err(StartError::NotFound) => Page::not_found(app),
        Err(StartError::Gone(_)) => match app.store.public_link(link_id).await {
            Ok(Some(public)) => inactive(app, &public.merchant_name),
            _ => Page::not_found(app),
        },
        Err(StartError::Invalid(problems)) => match app.store.public_link(link_id).await {
            Ok(Some(public)) => {
                let page = views::link_page(app, &public, &form, &problems);
                Page::render(app, StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Ok(None) => Page::not_found(app),
            Err(error) => store_failure(app, &error, "reading a link for its page"),
        },
        Err(StartError::Provider(error)) => {
            tracing::warn!(link = link_id, %error, "the payments provider did not make a checkout");
            let back = Back {
                href: views::path(app, super::Base::Link, link_id),
                label: "Back to the payment".to_owned(),
            };
            Page::unavailable(app, None, Some(back))
        }
        Err(StartError::Store(error)) => store_failure(app, &error, "opening a checkout"),
    }
}

fn inactive(app: &App, merchant_name: &str) -> Page {
    Page::gone(
        app,
        merchant_name,
        "This payment link is no longer active",
        &format!(
            "{merchant_name} has stopped taking payments through this link. Nothing was charged. Contact them if you still need to pay."
        ),
        None,
    )
}

/// A database failure: logged with what was being done; the page says only to try again.
pub(super) fn store_failure(app: &App, error: &StoreError, doing: &'static str) -> Page {
    match error {
        StoreError::Unavailable(_) => {
            tracing::warn!(%error, doing, "the database is unavailable for a page");
            Page::unavailable(app, None, None)
        }
        _ => {
            tracing::error!(%error, doing, "a page failed");
            Page::internal(app)
        }
    }
}
