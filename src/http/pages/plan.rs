//! A payment-plan session's page and its form.

use chrono::Utc;
use http::StatusCode;
use paylink_pages::Back;
use paylink_store::checkouts::PublicSession;

use super::super::App;
use super::link::store_failure;
use super::respond::Page;
use super::views;
use crate::domain::checkout_rules::{self, PayForm};
use crate::domain::session_rules::SessionStatus;
use crate::paying::StartError;

/// The page a session's link opens: the plan on offer, only while the session is Active.
pub(super) async fn show(app: &App, session_id: &str) -> Page {
    let public = match app.store.public_session(session_id).await {
        Ok(Some(public)) => public,
        Ok(None) => return Page::not_found(app),
        Err(error) => return store_failure(app, &error, "reading a session for its page"),
    };
    if let Some(status) = checkout_rules::session_closed(&public.session, Utc::now()) {
        return closed(app, &public, status);
    }
    let page = views::plan_page(app, &public, &PayForm::default(), &[]);
    Page::render(app, StatusCode::OK, &page)
}

/// A posted form: a checkout for the plan is opened and the payer sent to set it up.
pub(super) async fn submit(app: &App, session_id: &str, body: &[u8]) -> Page {
    let form = PayForm::parse(body);
    let result = app.paying.start_plan(session_id, form.clone()).await;
    match result {
        Ok(url) => Page::Redirect(url),
        Err(StartError::NotFound) => Page::not_found(app),
        Err(StartError::SessionGone(status)) => match app.store.public_session(session_id).await {
            Ok(Some(public)) => closed(app, &public, status),
            _ => Page::not_found(app),
        },
        Err(StartError::LinkGone(_)) => Page::not_found(app),
        Err(StartError::Invalid(problems)) => match app.store.public_session(session_id).await {
            Ok(Some(public)) => {
                let page = views::plan_page(app, &public, &form, &problems);
                Page::render(app, StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Ok(None) => Page::not_found(app),
            Err(error) => store_failure(app, &error, "reading a session for its page"),
        },
        Err(StartError::Provider(error)) => {
            tracing::warn!(session = session_id, %error, "the payments provider did not make a checkout");
            let back = Back {
                href: views::path(app, super::Base::Session, session_id),
                label: "Back to the payment plan".to_owned(),
            };
            Page::unavailable(app, None, Some(back))
        }
        Err(StartError::Store(error)) => store_failure(app, &error, "opening a checkout"),
    }
}

/// The page of a session that is no longer open, saying which way it ended.
fn closed(app: &App, public: &PublicSession, status: SessionStatus) -> Page {
    let merchant = &public.merchant_name;
    let (heading, message) = match status {
        SessionStatus::Completed => (
            "This payment plan is already set up",
            format!("The payment plan with {merchant} has been set up. Nothing more is needed."),
        ),
        SessionStatus::Cancelled => (
            "This payment plan offer was withdrawn",
            format!(
                "{merchant} cancelled this offer. Nothing was charged. Contact them for a new one."
            ),
        ),
        _ => (
            "This payment plan offer has expired",
            format!(
                "The offer from {merchant} has expired. Nothing was charged. Contact them for a new link."
            ),
        ),
    };
    Page::gone(app, merchant, heading, &message, None)
}
