//! Contacts: a merchant's customers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::listing::{ContactColumn, Contacts, ListRequest, Listing};
use crate::schema::contacts::{self, dsl};

/// A contact row.
#[derive(
    Clone, Debug, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = contacts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ContactRow {
    /// Public id.
    pub id: String,
    /// Owning merchant.
    pub merchant_uid: String,
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// E.164 phone number.
    pub phone: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Stores a new contact.
pub(crate) fn insert(conn: &mut PgConnection, row: &ContactRow) -> Result<ContactRow, StoreError> {
    Ok(diesel::insert_into(contacts::table)
        .values(row)
        .returning(ContactRow::as_returning())
        .get_result(conn)?)
}

/// One of the merchant's contacts.
pub(crate) fn find(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
) -> Result<Option<ContactRow>, StoreError> {
    if !crate::storable(id) {
        return Ok(None);
    }
    Ok(dsl::contacts
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .filter(dsl::id.eq(id))
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?)
}

/// The merchant's contacts of `ids`, in no particular order.
pub(crate) fn of_ids(
    conn: &mut PgConnection,
    merchant_uid: &str,
    ids: &[String],
) -> Result<Vec<ContactRow>, StoreError> {
    Ok(dsl::contacts
        .filter(dsl::merchant_uid.eq(merchant_uid))
        .filter(dsl::id.eq_any(ids))
        .select(ContactRow::as_select())
        .load(conn)?)
}

/// Changes one of the merchant's contacts under a row lock; see
/// [`payment_links::update`](crate::payment_links::update) for the contract of `change`.
pub(crate) fn update<E>(
    conn: &mut PgConnection,
    merchant_uid: &str,
    id: &str,
    change: impl FnOnce(ContactRow) -> Result<ContactRow, E>,
) -> Result<ContactRow, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
{
    if !crate::storable(id) {
        return Err(StoreError::NotFound.into());
    }
    conn.transaction(|conn| {
        let current = dsl::contacts
            .filter(dsl::merchant_uid.eq(merchant_uid))
            .filter(dsl::id.eq(id))
            .select(ContactRow::as_select())
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let mut next = change(current.clone())?;
        next.id = current.id;
        next.merchant_uid = current.merchant_uid;
        next.created_at = current.created_at;
        Ok(diesel::update(dsl::contacts.find(id))
            .set(&next)
            .returning(ContactRow::as_returning())
            .get_result(conn)?)
    })
}

impl crate::Store {
    /// One page of the merchant's contacts: see [`crate::listing`]. `None` when the request
    /// starts after a contact the merchant does not have.
    pub async fn list_contacts(
        &self,
        merchant_uid: &str,
        request: ListRequest<ContactColumn>,
    ) -> Result<Option<Listing<ContactRow>>, StoreError> {
        self.list_then::<Contacts, _, _>(merchant_uid, request, |_, _, rows| Ok(rows))
            .await
    }

    /// Stores a new contact.
    pub async fn insert_contact(&self, row: ContactRow) -> Result<ContactRow, StoreError> {
        self.run(move |conn| insert(conn, &row)).await
    }

    /// One of the merchant's contacts.
    pub async fn find_contact(
        &self,
        merchant_uid: &str,
        id: &str,
    ) -> Result<Option<ContactRow>, StoreError> {
        let (merchant_uid, id) = (merchant_uid.to_owned(), id.to_owned());
        self.run(move |conn| find(conn, &merchant_uid, &id)).await
    }

    /// Changes one of the merchant's contacts: see [`update`].
    pub async fn update_contact<E>(
        &self,
        merchant_uid: &str,
        id: &str,
        change: impl FnOnce(ContactRow) -> Result<ContactRow, E> + Send + 'static,
    ) -> Result<ContactRow, E>
    where
        E: From<StoreError> + Send + 'static,
    {
        let (merchant_uid, id) = (merchant_uid.to_owned(), id.to_owned());
        self.run(move |conn| {
            update(conn, &merchant_uid, &id, |row| {
                change(row).map_err(crate::Failure::Caller)
            })
            .map_err(crate::Failure::into_caller)
        })
        .await
    }
}
