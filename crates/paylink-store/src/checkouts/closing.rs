//! Closing checkouts that can no longer be paid: a session cancelled or expired, a link turned
//! off or changed, a payer who chose another way to pay. Each goes through the checkout's
//! lifecycle, and one that the processor made is queued to be expired there too, so its page
//! stops taking money; a payment that still arrives for it is refunded (see `outcomes`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use paylink_lifecycle::{Cause, CheckoutStatus, Status, Step, step};

use super::CheckoutRow;
use crate::StoreError;
use crate::processor_tasks::{self, TaskKind};
use crate::schema::checkouts::dsl;

/// Whose open checkouts.
#[derive(Clone, Copy, Debug)]
pub enum Open<'a> {
    /// A payment-plan session's.
    Session(&'a str),
    /// A payment link's.
    Link(&'a str),
    /// One payer's attempt at a payment link.
    Attempt {
        /// The link.
        link: &'a str,
        /// The attempt's key.
        key: &'a str,
    },
}

/// Moves a locked checkout to `to` for `cause`, as the lifecycle allows.
pub(crate) fn move_checkout(
    conn: &mut PgConnection,
    checkout: &CheckoutRow,
    to: CheckoutStatus,
    cause: Cause,
    now: DateTime<Utc>,
) -> Result<Step, StoreError> {
    let from = CheckoutStatus::stored(&checkout.status)?;
    let moved = step(from, to, cause)?;
    if moved == Step::Move {
        diesel::update(dsl::checkouts.filter(dsl::id.eq(&checkout.id)))
            .set((dsl::status.eq(to.name()), dsl::updated_at.eq(now)))
            .execute(conn)?;
        if matches!(to, CheckoutStatus::Cancelled) && checkout.provider_checkout_id.is_some() {
            processor_tasks::queue(
                conn,
                &checkout.merchant_uid,
                TaskKind::ExpireCheckout,
                &checkout.id,
                now,
            )?;
        }
    }
    Ok(moved)
}

fn open_checkouts(conn: &mut PgConnection, of: Open<'_>) -> Result<Vec<CheckoutRow>, StoreError> {
    let open = dsl::checkouts.filter(dsl::status.eq(CheckoutStatus::Open.name()));
    let rows = match of {
        Open::Session(id) => open
            .filter(dsl::session_id.eq(id))
            .select(CheckoutRow::as_select())
            .for_update()
            .load(conn)?,
        Open::Link(id) => open
            .filter(dsl::link_id.eq(id))
            .select(CheckoutRow::as_select())
            .for_update()
            .load(conn)?,
        Open::Attempt { link, key } => open
            .filter(dsl::link_id.eq(link))
            .filter(dsl::attempt_key.eq(key))
            .select(CheckoutRow::as_select())
            .order(dsl::created_at.desc())
            .for_update()
            .load(conn)?,
    };
    Ok(rows)
}

/// The open checkout of a session (there is at most one) or of a payer's attempt (the newest),
/// locked.
pub(super) fn open_of(
    conn: &mut PgConnection,
    of: Open<'_>,
) -> Result<Option<CheckoutRow>, StoreError> {
    Ok(open_checkouts(conn, of)?.into_iter().next())
}

/// Closes the open checkout a new one replaces: Expired when its time is up, else Cancelled at
/// the payer's request.
pub(super) fn replace(
    conn: &mut PgConnection,
    open: &CheckoutRow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if open.expires_at <= now {
        move_checkout(conn, open, CheckoutStatus::Expired, Cause::Clock, now)?;
    } else {
        move_checkout(conn, open, CheckoutStatus::Cancelled, Cause::Payer, now)?;
    }
    Ok(())
}

/// Closes every open checkout of a session or link (Cancelled, for `cause`), inside the
/// caller's transaction; how many it closed.
pub(crate) fn close_open(
    conn: &mut PgConnection,
    of: Open<'_>,
    cause: Cause,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let open = open_checkouts(conn, of)?;
    for checkout in &open {
        move_checkout(conn, checkout, CheckoutStatus::Cancelled, cause, now)?;
    }
    Ok(open.len())
}

impl crate::Store {
    /// Records the clock's expiry of an Open checkout whose time is up; whether it did.
    pub async fn expire_checkout_if_due(
        &self,
        checkout_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let id = checkout_id.to_owned();
        self.run(move |conn| {
            conn.transaction(|conn| {
                let Some(checkout) = super::find(conn, &id, true)? else {
                    return Ok(false);
                };
                if checkout.expires_at > now
                    || CheckoutStatus::stored(&checkout.status)? != CheckoutStatus::Open
                {
                    return Ok(false);
                }
                move_checkout(conn, &checkout, CheckoutStatus::Expired, Cause::Clock, now)?;
                Ok(true)
            })
        })
        .await
    }
}
