//! Whether a payment can be kept: what a checkout pays for must still be payable when the
//! processor's word arrives (a session Active, a link Active); a link counts what it keeps
//! against its `max_payments`; what cannot be kept is given back, and a plan it set up ended.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{Cause, LinkStatus, SessionStatus, Status, Step, step};

use super::CheckoutRow;
use super::payments::{self, PaymentRow};
use super::refunds::{self, Initiator, NewRefund, RefundReason, RefundRow};
use crate::StoreError;
use crate::payment_links::PaymentLinkRow;
use crate::processor_tasks::{self, TaskKind};
use crate::sessions::SessionRow;

/// What a checkout pays for, locked: its session (for its completion), or its link's status.
pub(super) enum OwnerNow {
    Session(Box<SessionRow>),
    Link(LinkStatus),
}

impl OwnerNow {
    pub(super) fn payable(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(match self {
            Self::Session(session) => SessionStatus::stored(&session.status)?
                .at(session.expiration_date, now)
                .is_payable(),
            Self::Link(status) => status.is_payable(),
        })
    }
}

/// Whether what a checkout pays for can still be paid: its session Active (at `now`), or its
/// link Active.
pub(super) fn owner_now(
    conn: &mut PgConnection,
    checkout: &CheckoutRow,
    now: DateTime<Utc>,
) -> Result<OwnerNow, StoreError> {
    use crate::schema::payment_links::dsl as links;
    use crate::schema::payment_plan_sessions::dsl as sessions;
    if let Some(session_id) = &checkout.session_id {
        let session: SessionRow = sessions::payment_plan_sessions
            .filter(sessions::id.eq(session_id))
            .select(SessionRow::as_select())
            .for_update()
            .first(conn)?;
        return Ok(OwnerNow::Session(Box::new(session)));
    }
    let link: PaymentLinkRow = links::payment_links
        .filter(links::link_id.eq(checkout.link_id.as_deref().unwrap_or_default()))
        .select(PaymentLinkRow::as_select())
        .for_update()
        .first(conn)?;
    Ok(OwnerNow::Link(link.status(now)))
}

/// Counts a payment kept by a link; the one that reaches its `max_payments` uses it up, and its
/// other open checkouts are closed (expired at the processor) so no one else pays in vain.
pub(super) fn count_link_payment(
    conn: &mut PgConnection,
    link_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::schema::payment_links::dsl as links;
    let before: PaymentLinkRow = links::payment_links
        .filter(links::link_id.eq(link_id))
        .select(PaymentLinkRow::as_select())
        .for_update()
        .first(conn)?;
    let after: PaymentLinkRow =
        diesel::update(links::payment_links.filter(links::link_id.eq(link_id)))
            .set(links::payment_count.eq(links::payment_count + 1))
            .returning(PaymentLinkRow::as_returning())
            .get_result(conn)?;
    let (from, to) = (before.status(now), after.status(now));
    if step(from, to, Cause::Provider)? == Step::Move && to == LinkStatus::UsedUp {
        super::close_open(conn, super::Open::Link(link_id), Cause::Provider, now)?;
    }
    Ok(())
}

/// What cannot be kept of a checkout: its payment, if any, and whether the plan it set up at
/// the processor is to be ended.
pub(super) struct GiveBack<'a> {
    /// The payment to give back in full.
    pub(super) payment: Option<&'a PaymentRow>,
    /// Whether the checkout set a plan up at the processor.
    pub(super) end_plan: bool,
    /// The refund's id.
    pub(super) refund_id: &'a str,
    /// When.
    pub(super) now: DateTime<Utc>,
}

/// Gives back what the processor took for a checkout whose session or link could no longer be
/// paid, and ends a plan it set up: both queued for the processor in this transaction. The
/// refund, when there was money to give back.
pub(super) fn give_back(
    conn: &mut PgConnection,
    checkout: &CheckoutRow,
    what: GiveBack<'_>,
) -> Result<Option<RefundRow>, StoreError> {
    if what.end_plan {
        processor_tasks::queue(
            conn,
            &checkout.merchant_uid,
            TaskKind::CancelSubscription,
            &checkout.id,
            what.now,
        )?;
    }
    let Some(payment) = what.payment else {
        return Ok(None);
    };
    let payment = payments::find_for_update(conn, &payment.id)?;
    let reserved = refunds::reserve(
        conn,
        &payment,
        &NewRefund {
            id: what.refund_id.to_owned(),
            amount_minor: None,
            reason: Some(RefundReason::NotPayable),
            initiated_by: Initiator::Paylink,
        },
        what.now,
    )?;
    Ok(reserved.ok())
}
