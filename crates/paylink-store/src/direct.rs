//! A connection of the caller's own, outside the pool, for work that is not the service's: the
//! load benchmark's database ceiling (the listing's statements with no pool, runtime or HTTP in
//! front of them) and tools that migrate or seed a database they made (the test database
//! template, benchmark seeds, tests that set up what the API cannot).
//!
//! Compiled only with the `direct` feature, which the service does not turn on: the service
//! reaches the database through [`crate::Store`]'s operations. The connection is opaque, so no
//! diesel type leaves the crate here either.

use std::time::Duration;

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};

use crate::plans::{PlannedConnection, Planning};

use crate::StoreError;
use crate::api_keys::{self, ApiKey, NewApiKey};
use crate::checkouts::payments::PaymentRow;
use crate::contacts::ContactRow;
use crate::deliveries::{self, DeliveryRow};
use crate::listing::{
    self, Filter, LinkColumn, Links, ListRequest, PaymentColumn, Payments, Search,
};
use crate::merchants::{self, Merchant};
use crate::migrations;
use crate::payment_links::{self, PaymentLinkRow};
use crate::sessions::SessionRow;

pub use crate::sql::PlainStatement;

/// A listing whose statement [`Connection::page_statement`] writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementOf {
    /// `paymentLinks`.
    Links(ListRequest<LinkColumn>),
    /// `payments`.
    Payments(ListRequest<PaymentColumn>),
}

/// One PostgreSQL connection, used from one thread at a time, planning as the pool's do.
pub struct Connection(PlannedConnection);

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL it was opened with may hold a password; nothing else is worth printing.
        f.write_str("Connection")
    }
}

impl Connection {
    /// Opens a connection to `database_url`.
    pub fn open(database_url: &str) -> Result<Self, StoreError> {
        PlannedConnection::open(database_url)
            .map(Self)
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// The connection, planning as store operations other than listings do.
    fn by_default(&mut self) -> Result<&mut PgConnection, StoreError> {
        Ok(self.0.planning(Planning::Default)?)
    }

    /// Applies the pending migrations (under the same lock as the service) and returns their
    /// versions, oldest first.
    pub fn apply_migrations(&mut self) -> Result<Vec<String>, StoreError> {
        migrations::run_pending(self.by_default()?)
    }

    /// Inserts a merchant with the given id and name.
    pub fn insert_merchant(
        &mut self,
        merchant_uid: &str,
        name: &str,
    ) -> Result<Merchant, StoreError> {
        merchants::insert(self.by_default()?, merchant_uid, name)
    }

    /// Stores an API key's digest.
    pub fn insert_key(&mut self, key: NewApiKey<'_>) -> Result<ApiKey, StoreError> {
        api_keys::insert(self.by_default()?, key)
    }

    /// Stores links as they are, in one statement, `created_date` included: seeding through the
    /// service could not choose it.
    pub fn insert_links(&mut self, rows: &[PaymentLinkRow]) -> Result<usize, StoreError> {
        Ok(diesel::insert_into(crate::schema::payment_links::table)
            .values(rows)
            .execute(self.by_default()?)?)
    }

    /// Stores payments as they are, in one statement per thousand: seeding through the service
    /// could not choose their times or statuses. Their checkouts must exist.
    pub fn insert_payments(&mut self, rows: &[PaymentRow]) -> Result<usize, StoreError> {
        let conn = self.by_default()?;
        let mut stored = 0;
        // 18 columns each keeps a statement well under PostgreSQL's 65,535 bind parameters.
        for chunk in rows.chunks(1_000) {
            stored += diesel::insert_into(crate::schema::payments::table)
                .values(chunk)
                .execute(conn)?;
        }
        Ok(stored)
    }

    /// Stores contacts as they are, in one statement.
    pub fn insert_contacts(&mut self, rows: &[ContactRow]) -> Result<usize, StoreError> {
        Ok(diesel::insert_into(crate::schema::contacts::table)
            .values(rows)
            .execute(self.by_default()?)?)
    }

    /// Stores payment-plan sessions as they are (their stored status included), in one
    /// statement. Their contacts must exist.
    pub fn insert_sessions(&mut self, rows: &[SessionRow]) -> Result<usize, StoreError> {
        Ok(
            diesel::insert_into(crate::schema::payment_plan_sessions::table)
                .values(rows)
                .execute(self.by_default()?)?,
        )
    }

    /// How many links of the merchant match `filter` (all of them without one).
    pub fn count_links(
        &mut self,
        merchant_uid: &str,
        filter: Option<&Filter<LinkColumn>>,
    ) -> Result<i64, StoreError> {
        payment_links::count(self.by_default()?, merchant_uid, filter)
    }

    /// One page of the merchant's links: the statements [`crate::Store::list_links`] runs,
    /// without its total count.
    pub fn page_links(
        &mut self,
        merchant_uid: &str,
        search: &Search<LinkColumn>,
    ) -> Result<Vec<PaymentLinkRow>, StoreError> {
        let planning = listing::search::planning(search.filter.as_ref(), search.sort.column);
        listing::search::page::<Links>(self.0.planning(planning)?, merchant_uid, search)
    }

    /// The first statement a listing runs for `request` (without its count), as text with its
    /// values, for running the very same SQL with another client (the benchmark's pgbench
    /// ceiling). `None` when the page runs no statement, or starts after a row the merchant does
    /// not have.
    pub fn page_statement(
        &mut self,
        merchant_uid: &str,
        request: &StatementOf,
    ) -> Result<Option<PlainStatement>, StoreError> {
        fn first<T: listing::Table>(
            conn: &mut PgConnection,
            merchant_uid: &str,
            request: &ListRequest<T::Column>,
        ) -> Result<Option<PlainStatement>, StoreError> {
            match listing::search_for::<T>(conn, merchant_uid, request.clone())? {
                Some(search) => listing::search::first_statement::<T>(merchant_uid, &search),
                None => Ok(None),
            }
        }
        let conn = self.by_default()?;
        match request {
            StatementOf::Links(request) => first::<Links>(conn, merchant_uid, request),
            StatementOf::Payments(request) => first::<Payments>(conn, merchant_uid, request),
        }
    }

    /// Queues a delivery as a server does: stored and announced to every server's dispatcher
    /// in one transaction.
    pub fn queue_delivery(&mut self, row: &DeliveryRow) -> Result<DeliveryRow, StoreError> {
        self.by_default()?.transaction(|conn| {
            let row = deliveries::insert(conn, row)?;
            crate::queue_listener::announce(conn)?;
            Ok(row)
        })
    }

    /// One delivery by id, whoever owns it.
    pub fn delivery(&mut self, id: &str) -> Result<Option<DeliveryRow>, StoreError> {
        deliveries::get(self.by_default()?, id)
    }

    /// Deliveries by status.
    pub fn delivery_counts(&mut self) -> Result<Vec<(String, i64)>, StoreError> {
        deliveries::count_by_status(self.by_default()?)
    }

    /// Claims up to `limit` due deliveries, as a dispatcher does, leasing each for `lease`.
    pub fn claim_deliveries(
        &mut self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        deliveries::claim(self.by_default()?, limit, lease)
    }
}
