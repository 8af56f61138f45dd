//! Closing an open Checkout Session before the payer pays: `POST
//! /v1/checkout/sessions/{id}/expire`.

use reqwest::StatusCode;

use super::{
    Stripe, check_key,
    retry::{Failure, Method},
    unreadable,
};
use crate::{ExpireOutcome, PaymentError};

impl Stripe {
    /// Expires a Checkout Session so that its page takes no payment: `POST
    /// {base_url}/v1/checkout/sessions/{checkout_session_id}/expire`, with the same
    /// authentication, attempts, waits and error classes as [`Stripe::create_checkout`], every
    /// attempt under `idempotency_key` (1 to 255 characters; the caller makes one per session
    /// to expire, and keeps it).
    ///
    /// Stripe expires only an `open` session and refuses any other with a 400. The payer may
    /// finish the page while this call is on its way, so after a 400 the call reads the
    /// session (`GET /v1/checkout/sessions/{id}`) and answers
    /// [`ExpireOutcome::AlreadyClosed`] when it is `complete` (`completed: true`: the caller
    /// refunds) or already `expired`; a 400 about a session still open stays
    /// [`PaymentError::Permanent`]. An unknown session is `Permanent` too.
    ///
    /// On [`ExpireOutcome::Expired`] Stripe sends `checkout.session.expired`
    /// ([`EventKind::CheckoutExpired`](crate::EventKind::CheckoutExpired)), which the caller
    /// may handle as it handles a session that timed out.
    pub async fn expire_checkout(
        &self,
        checkout_session_id: &str,
        idempotency_key: &str,
    ) -> Result<ExpireOutcome, PaymentError> {
        check_key(idempotency_key)?;
        let id = checkout_session_id.trim();
        if id.is_empty() {
            return Err(PaymentError::Permanent(
                "no Checkout Session id was given".into(),
            ));
        }
        // Each a single path segment, percent-encoded: an id cannot reach another endpoint.
        let url = self.endpoint(&["checkout", "sessions", id, "expire"])?;
        let sent = self
            .send(
                Method::Post,
                url,
                Some(idempotency_key),
                &[],
                "Checkout Session expiry",
            )
            .await;
        match sent {
            Ok(reply) if reply.status.as_deref() == Some("expired") => {
                tracing::debug!(idempotency_key, session = id, "Checkout Session expired");
                Ok(ExpireOutcome::Expired)
            }
            // A replay would bring back the same answer.
            Ok(_) => Err(unreadable()),
            Err(Failure {
                error,
                refused: Some(StatusCode::BAD_REQUEST),
            }) => self.closed_before(id, error).await,
            Err(failure) => Err(failure.error),
        }
    }

    /// After Stripe refused to expire session `id` with `refusal`: how the session had closed,
    /// or the refusal when it is still open.
    async fn closed_before(
        &self,
        id: &str,
        refusal: PaymentError,
    ) -> Result<ExpireOutcome, PaymentError> {
        let url = self.endpoint(&["checkout", "sessions", id])?;
        let session = match self
            .send(Method::Get, url, None, &[], "Checkout Session")
            .await
        {
            Ok(session) => session,
            Err(Failure {
                refused: Some(_), ..
            }) => return Err(refusal),
            Err(failure) => return Err(failure.error),
        };
        let outcome = match session.status.as_deref() {
            Some("complete") => ExpireOutcome::AlreadyClosed { completed: true },
            Some("expired") => ExpireOutcome::AlreadyClosed { completed: false },
            _ => return Err(refusal),
        };
        tracing::debug!(
            session = id,
            ?outcome,
            "Checkout Session was already closed"
        );
        Ok(outcome)
    }
}
