//! A payment link's page and its form.

use http::StatusCode;
use paylink_pages::Back;
use paylink_store::StoreError;

use super::super::App;
use super::respond::Page;
use super::views;
use crate::domain::checkout_rules::{self, PayForm};
use crate::paying::StartError;
use paylink_store::lifecycle::LinkStatus;

/// The page a link opens: its form, or why it cannot be paid.
pub(super) async fn show(app: &App, link_id: &str) -> Page {
    let public = match app.store.public_link(link_id).await {
        Ok(Some(public)) => public,
        Ok(None) => return Page::not_found(app),
        Err(error) => return store_failure(app, &error, "reading a link for its page"),
    };
    if let Some(status) = checkout_rules::link_closed(&public.link, chrono::Utc::now()) {
        return closed(app, &public.merchant_name, status);
    }
    let page = views::link_page(app, &public, &PayForm::default(), &[]);
    Page::render(app, StatusCode::OK, &page)
}

/// A posted form: a checkout is opened and the payer sent to pay, or the form is shown again
/// with its problems.
pub(super) async fn submit(app: &App, link_id: &str, body: &[u8], attempt: Option<&str>) -> Page {
    let form = PayForm::parse(body);
    match app.paying.start_link(link_id, form.clone(), attempt).await {
        Ok(url) => Page::Redirect(url),
        Err(StartError::NotFound) => Page::not_found(app),
        Err(StartError::LinkGone(status)) => match app.store.public_link(link_id).await {
            Ok(Some(public)) => closed(app, &public.merchant_name, status),
            _ => Page::not_found(app),
        },
        Err(StartError::SessionGone(_)) => Page::not_found(app),
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

/// The page of a link that can no longer be paid (410), saying why and nothing else of it.
fn closed(app: &App, merchant_name: &str, status: LinkStatus) -> Page {
    let (heading, message) = match status {
        LinkStatus::Expired => (
            "This payment link has expired",
            format!(
                "{merchant_name} set this link to stop taking payments, and that time has passed. Nothing was charged. Contact them if you still need to pay."
            ),
        ),
        LinkStatus::UsedUp => (
            "This payment link is no longer available",
            format!(
                "This link has taken all the payments {merchant_name} opened it for. Nothing was charged. Contact them if you still need to pay."
            ),
        ),
        LinkStatus::Active | LinkStatus::Inactive => (
            "This payment link is no longer active",
            format!(
                "{merchant_name} has stopped taking payments through this link. Nothing was charged. Contact them if you still need to pay."
            ),
        ),
    };
    Page::gone(app, merchant_name, heading, &message, None)
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
