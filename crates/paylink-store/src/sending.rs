//! Sending a link: read what the send needs under lock, let the caller decide, and queue the
//! delivery in the same transaction (the outbox).

use diesel::prelude::*;

use crate::StoreError;
use crate::deliveries::{DeliveryRow, insert};

/// What sending a session's link sees, read under the session's row lock.
#[derive(Clone, Debug)]
pub struct SessionSend {
    /// The session, locked until the send is queued or refused.
    pub session: crate::sessions::SessionRow,
    /// Its contact, if it still exists.
    pub contact: Option<crate::contacts::ContactRow>,
    /// The merchant's name, for the message; `None` would be a broken invariant.
    pub merchant_name: Option<String>,
}

/// What sending a payment link sees.
#[derive(Clone, Debug)]
pub struct LinkSend {
    /// The link.
    pub link: crate::payment_links::PaymentLinkRow,
    /// The merchant's name, for the message; `None` would be a broken invariant.
    pub merchant_name: Option<String>,
}

/// What a send decided: the delivery to queue, or why there is none (`R`).
pub type Decision<R> = Result<DeliveryRow, R>;

fn merchant_name(
    conn: &mut PgConnection,
    merchant_uid: &str,
) -> Result<Option<String>, StoreError> {
    Ok(crate::merchants::find(conn, merchant_uid)?.map(|merchant| merchant.name))
}

/// Runs `decide` in a transaction and queues the delivery it returns there (the outbox).
fn queue_decided<R, E>(
    conn: &mut PgConnection,
    decide: impl FnOnce(&mut PgConnection) -> Result<Decision<R>, crate::Failure<E>>,
) -> Result<Decision<R>, E>
where
    E: From<StoreError>,
{
    conn.transaction(|conn| match decide(conn)? {
        Ok(row) => {
            let row = insert(conn, &row)?;
            crate::queue_listener::announce(conn)?;
            Ok(Ok(row))
        }
        Err(refusal) => Ok(Err(refusal)),
    })
    .map_err(crate::Failure::into_caller)
}

impl crate::Store {
    /// Sends the link of one of the merchant's sessions: in one transaction, with the session
    /// locked so that it cannot be cancelled in between, `decide` sees it (`None` when the
    /// merchant has no such session) and returns the delivery to queue, or why not; the
    /// delivery is queued in the same transaction.
    pub async fn queue_session_send<R, E>(
        &self,
        merchant_uid: &str,
        session_id: &str,
        decide: impl FnOnce(Option<SessionSend>) -> Result<Decision<R>, E> + Send + 'static,
    ) -> Result<Decision<R>, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (merchant_uid, session_id) = (merchant_uid.to_owned(), session_id.to_owned());
        self.run(move |conn| {
            queue_decided(conn, |conn| {
                let send = match crate::sessions::find_for_update(conn, &merchant_uid, &session_id)?
                {
                    None => None,
                    Some(session) => Some(SessionSend {
                        contact: crate::contacts::find(conn, &merchant_uid, &session.contact_id)?,
                        merchant_name: merchant_name(conn, &merchant_uid)?,
                        session,
                    }),
                };
                decide(send).map_err(crate::Failure::Caller)
            })
        })
        .await
    }

    /// Sends one of the merchant's payment links, as [`Store::queue_session_send`] does a
    /// session's.
    pub async fn queue_link_send<R, E>(
        &self,
        merchant_uid: &str,
        link_id: &str,
        decide: impl FnOnce(Option<LinkSend>) -> Result<Decision<R>, E> + Send + 'static,
    ) -> Result<Decision<R>, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (merchant_uid, link_id) = (merchant_uid.to_owned(), link_id.to_owned());
        self.run(move |conn| {
            queue_decided(conn, |conn| {
                let send = match crate::payment_links::find(conn, &merchant_uid, &link_id)? {
                    None => None,
                    Some(link) => Some(LinkSend {
                        link,
                        merchant_name: merchant_name(conn, &merchant_uid)?,
                    }),
                };
                decide(send).map_err(crate::Failure::Caller)
            })
        })
        .await
    }
}
