//! Checkouts: a payer's attempt to pay a link or a session, opened from its page with the
//! link or session locked, so that a link deactivated or a session completed in another tab
//! cannot be paid through a form shown before.

mod closing;
pub mod invoices;
mod keeping;
mod outcomes;
pub mod payments;
pub mod processor_refunds;
mod refund_queries;
pub mod refunds;

pub use closing::Open;
pub(crate) use closing::{close_open, move_checkout};
pub use outcomes::{Applied, CheckoutOutcome, Completion, OutcomeEvent, OutcomeResult};
pub use payments::PaymentRow;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::payment_links::PaymentLinkRow;
use crate::schema::checkouts::{self, dsl};
use crate::service_fees::{self, ServiceFeeRow};
use crate::sessions::SessionRow;

/// A checkout row.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = checkouts)]
pub struct CheckoutRow {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// The link paid (or `session_id`).
    pub link_id: Option<String>,
    /// The session paid (or `link_id`).
    pub session_id: Option<String>,
    /// What the payer is charged, in minor units: the amount and any service fee together,
    /// as the processor's total says it.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// `card` or `ach`.
    pub payment_method: String,
    /// The payer's phone number, E.164, when the page asked for it.
    pub payer_phone: Option<String>,
    /// `test` or `stripe`.
    pub provider: String,
    /// The provider's id of its checkout, once made.
    pub provider_checkout_id: Option<String>,
    /// The provider's page the payer is sent to, once made.
    pub provider_url: Option<String>,
    /// See [`paylink_lifecycle::CheckoutStatus`].
    pub status: String,
    /// A plan's first payment: the start date when the provider can wait for it, else when
    /// the payer sets the plan up.
    pub plan_first_charge_at: Option<DateTime<Utc>>,
    /// When a plan's subscription ends: `occurrences` periods after its first payment.
    pub plan_ends_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it stops taking a payment; the processor's page expires then too.
    pub expires_at: DateTime<Utc>,
    /// The processor's subscription of a plan set up through it.
    pub provider_subscription_id: Option<String>,
    /// The link's `account_code`, passed to the processor and kept on the payment.
    pub account_code: Option<String>,
    /// What is paid for: the link's `payment_name`, or the plan's description.
    pub reference: Option<String>,
    /// The payer's email when paylink knows it (a session's contact): prefilled at the
    /// processor, kept on the payment.
    pub payer_email: Option<String>,
    /// The service fee within `amount_minor`, in minor units; 0 when none was added.
    pub fee_amount: i64,
    /// The payer's attempt at a link (a cookie of its pages), when the browser keeps one.
    pub attempt_key: Option<String>,
}

/// A link as its public page shows it.
#[derive(Clone, Debug)]
pub struct PublicLink {
    /// The link.
    pub link: PaymentLinkRow,
    /// Its merchant's name.
    pub merchant_name: String,
    /// Its merchant's service fee in the link's currency, whatever the link's `fee_mode`.
    pub service_fee: Option<ServiceFeeRow>,
}

/// A session as its public page shows it.
#[derive(Clone, Debug)]
pub struct PublicSession {
    /// The session.
    pub session: SessionRow,
    /// Its contact's name, when the contact has one.
    pub contact_name: Option<String>,
    /// Its contact's email, when the contact has one.
    pub contact_email: Option<String>,
    /// Its merchant's name.
    pub merchant_name: String,
}

/// A checkout with what its pages show.
#[derive(Clone, Debug)]
pub struct CheckoutView {
    /// The checkout.
    pub checkout: CheckoutRow,
    /// The link it pays, if a link.
    pub link: Option<PaymentLinkRow>,
    /// The session it pays, if a session.
    pub session: Option<SessionRow>,
    /// Its payment, once the provider said.
    pub payment: Option<PaymentRow>,
    /// The merchant's name.
    pub merchant_name: String,
}

/// What opening a checkout decided: the row to store with what else the caller took from the
/// locked link or session (`T`), or why there is none (`R`).
pub type Opened<T, R> = Result<(CheckoutRow, T), R>;

fn merchant_name(conn: &mut PgConnection, merchant_uid: &str) -> Result<String, StoreError> {
    crate::merchants::find(conn, merchant_uid)?
        .map(|merchant| merchant.name)
        .ok_or_else(|| StoreError::Database(format!("merchant {merchant_uid} is missing")))
}

fn link_by_id(
    conn: &mut PgConnection,
    link_id: &str,
    lock: bool,
) -> Result<Option<PaymentLinkRow>, StoreError> {
    use crate::schema::payment_links::dsl as links;
    if !crate::storable(link_id) {
        return Ok(None);
    }
    let query = links::payment_links
        .filter(links::link_id.eq(link_id))
        .select(PaymentLinkRow::as_select());
    Ok(if lock {
        query.for_share().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    })
}

fn session_by_id(
    conn: &mut PgConnection,
    session_id: &str,
    lock: bool,
) -> Result<Option<SessionRow>, StoreError> {
    use crate::schema::payment_plan_sessions::dsl as sessions;
    if !crate::storable(session_id) {
        return Ok(None);
    }
    let query = sessions::payment_plan_sessions
        .filter(sessions::id.eq(session_id))
        .select(SessionRow::as_select());
    Ok(if lock {
        query.for_update().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    })
}

/// One checkout, locked until the transaction ends when `lock`.
pub(crate) fn find(
    conn: &mut PgConnection,
    id: &str,
    lock: bool,
) -> Result<Option<CheckoutRow>, StoreError> {
    if !crate::storable(id) {
        return Ok(None);
    }
    let query = dsl::checkouts
        .filter(dsl::id.eq(id))
        .select(CheckoutRow::as_select());
    Ok(if lock {
        query.for_update().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    })
}

impl crate::Store {
    /// A link by its public id alone, for its page; the caller shows only what payers may see.
    pub async fn public_link(&self, link_id: &str) -> Result<Option<PublicLink>, StoreError> {
        let link_id = link_id.to_owned();
        self.run(move |conn| {
            let Some(link) = link_by_id(conn, &link_id, false)? else {
                return Ok(None);
            };
            let merchant_name = merchant_name(conn, &link.merchant_uid)?;
            let service_fee = service_fees::find(conn, &link.merchant_uid, &link.currency)?;
            Ok(Some(PublicLink {
                link,
                merchant_name,
                service_fee,
            }))
        })
        .await
    }

    /// A session by its public id alone, for its page.
    pub async fn public_session(
        &self,
        session_id: &str,
    ) -> Result<Option<PublicSession>, StoreError> {
        let session_id = session_id.to_owned();
        self.run(move |conn| {
            let Some(session) = session_by_id(conn, &session_id, false)? else {
                return Ok(None);
            };
            let contact = crate::contacts::find(conn, &session.merchant_uid, &session.contact_id)?;
            let merchant_name = merchant_name(conn, &session.merchant_uid)?;
            Ok(Some(PublicSession {
                contact_email: contact.as_ref().and_then(|contact| contact.email.clone()),
                contact_name: contact.and_then(|contact| {
                    contact
                        .name
                        .or(match (contact.given_name, contact.family_name) {
                            (Some(given), Some(family)) => Some(format!("{given} {family}")),
                            (given, family) => given.or(family),
                        })
                }),
                session,
                merchant_name,
            }))
        })
        .await
    }

    /// Opens a checkout for a link: with the link locked against changes, `decide` sees it as it
    /// is now (`None` when there is none), its merchant's service fee in the link's currency as
    /// it is now, and the open checkout of the payer's `attempt`, and returns the checkout to
    /// store (that very open one to go on with it), with what else it needs of the link, or why
    /// not. Another row replaces the attempt's open checkout, which is closed.
    pub async fn open_link_checkout<T, R>(
        &self,
        link_id: &str,
        attempt: Option<&str>,
        now: DateTime<Utc>,
        decide: impl FnOnce(
            Option<&PaymentLinkRow>,
            Option<&ServiceFeeRow>,
            Option<&CheckoutRow>,
        ) -> Opened<T, R>
        + Send
        + 'static,
    ) -> Result<Opened<T, R>, StoreError>
    where
        T: Send + 'static,
        R: Send + 'static,
    {
        let link_id = link_id.to_owned();
        let attempt = attempt.map(str::to_owned);
        self.run(move |conn| {
            conn.transaction(|conn| {
                let link = link_by_id(conn, &link_id, true)?;
                let fee = match &link {
                    Some(link) => service_fees::find(conn, &link.merchant_uid, &link.currency)?,
                    None => None,
                };
                let open = match (&link, &attempt) {
                    (Some(link), Some(key)) => closing::open_of(
                        conn,
                        Open::Attempt {
                            link: &link.link_id,
                            key,
                        },
                    )?,
                    _ => None,
                };
                let decided = decide(link.as_ref(), fee.as_ref(), open.as_ref());
                match (&decided, &open) {
                    (Ok((row, _)), Some(open)) if row.id == open.id => return Ok(decided),
                    (Ok(_), Some(open)) => closing::replace(conn, open, now)?,
                    _ => {}
                }
                insert_decided(conn, decided)
            })
        })
        .await
    }

    /// Opens a checkout for a session, as [`Store::open_link_checkout`] does for a link, with
    /// at most one Open checkout per session: `decide` also sees the session's open checkout,
    /// and returns that very row to reuse it; any other row replaces it, and the open one is
    /// closed (Expired when its time is up, else Cancelled at the payer's request) and expired
    /// at the processor.
    pub async fn open_session_checkout<T, R>(
        &self,
        session_id: &str,
        now: DateTime<Utc>,
        decide: impl FnOnce(Option<&SessionRow>, Option<&CheckoutRow>) -> Opened<T, R> + Send + 'static,
    ) -> Result<Opened<T, R>, StoreError>
    where
        T: Send + 'static,
        R: Send + 'static,
    {
        let session_id = session_id.to_owned();
        self.run(move |conn| {
            conn.transaction(|conn| {
                let session = session_by_id(conn, &session_id, true)?;
                let open = match &session {
                    Some(session) => closing::open_of(conn, Open::Session(&session.id))?,
                    None => None,
                };
                let decided = decide(session.as_ref(), open.as_ref());
                match (&decided, &open) {
                    (Ok((row, _)), Some(open)) if row.id == open.id => return Ok(decided),
                    (Ok(_), Some(open)) => closing::replace(conn, open, now)?,
                    _ => {}
                }
                insert_decided(conn, decided)
            })
        })
        .await
    }

    /// Records the provider's id and page of a checkout it made.
    pub async fn set_provider_checkout(
        &self,
        checkout_id: &str,
        provider_checkout_id: &str,
        provider_url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (id, provider_id, url) = (
            checkout_id.to_owned(),
            provider_checkout_id.to_owned(),
            provider_url.to_owned(),
        );
        self.run(move |conn| {
            diesel::update(dsl::checkouts.filter(dsl::id.eq(&id)))
                .set((
                    dsl::provider_checkout_id.eq(&provider_id),
                    dsl::provider_url.eq(&url),
                    dsl::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
    }

    /// A checkout with the link or session it pays and its payment, for its pages.
    pub async fn checkout_view(
        &self,
        checkout_id: &str,
    ) -> Result<Option<CheckoutView>, StoreError> {
        let checkout_id = checkout_id.to_owned();
        self.run(move |conn| {
            let Some(checkout) = find(conn, &checkout_id, false)? else {
                return Ok(None);
            };
            let link = match &checkout.link_id {
                Some(link_id) => link_by_id(conn, link_id, false)?,
                None => None,
            };
            let session = match &checkout.session_id {
                Some(session_id) => session_by_id(conn, session_id, false)?,
                None => None,
            };
            let payment = payments::for_checkout(conn, &checkout.id)?;
            let merchant_name = merchant_name(conn, &checkout.merchant_uid)?;
            Ok(Some(CheckoutView {
                checkout,
                link,
                session,
                payment,
                merchant_name,
            }))
        })
        .await
    }
}

fn insert_decided<T, R>(
    conn: &mut PgConnection,
    decided: Opened<T, R>,
) -> Result<Opened<T, R>, StoreError> {
    match decided {
        Ok((row, taken)) => {
            let row = diesel::insert_into(checkouts::table)
                .values(&row)
                .returning(CheckoutRow::as_returning())
                .get_result(conn)?;
            Ok(Ok((row, taken)))
        }
        Err(refusal) => Ok(Err(refusal)),
    }
}
