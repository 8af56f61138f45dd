//! API keys. Only a digest of each key is stored; making and hashing keys is the caller's job.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::StoreError;
use crate::schema::api_keys;

/// An API key row, without its digest.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    /// Row id.
    pub id: i64,
    /// Owning merchant.
    pub merchant_uid: String,
    /// Visible start of the key.
    pub prefix: String,
    /// Free-form label.
    pub label: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the key was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key to store.
#[derive(Clone, Copy)]
pub struct NewApiKey<'a> {
    /// Owning merchant.
    pub merchant_uid: &'a str,
    /// Visible start of the key.
    pub prefix: &'a str,
    /// SHA-256 digest of the whole key.
    pub key_hash: &'a [u8],
    /// Free-form label.
    pub label: Option<&'a str>,
}

impl std::fmt::Debug for NewApiKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiKey")
            .field("merchant_uid", &self.merchant_uid)
            .field("prefix", &self.prefix)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Stores a key.
pub(crate) fn insert(conn: &mut PgConnection, key: NewApiKey<'_>) -> Result<ApiKey, StoreError> {
    Ok(diesel::insert_into(api_keys::table)
        .values((
            api_keys::merchant_uid.eq(key.merchant_uid),
            api_keys::prefix.eq(key.prefix),
            api_keys::key_hash.eq(key.key_hash),
            api_keys::label.eq(key.label),
        ))
        .returning(ApiKey::as_returning())
        .get_result(conn)?)
}

/// The unrevoked key with this digest.
pub(crate) fn find_active_by_hash(
    conn: &mut PgConnection,
    key_hash: &[u8],
) -> Result<Option<ApiKey>, StoreError> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?)
}

/// Keys, oldest first; one merchant's when `merchant_uid` is given.
pub(crate) fn list(
    conn: &mut PgConnection,
    merchant_uid: Option<&str>,
) -> Result<Vec<ApiKey>, StoreError> {
    let mut query = api_keys::table
        .order((api_keys::created_at.asc(), api_keys::id.asc()))
        .select(ApiKey::as_select())
        .into_boxed();
    if let Some(merchant_uid) = merchant_uid {
        query = query.filter(api_keys::merchant_uid.eq(merchant_uid.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Revokes the unrevoked keys whose prefix is `prefix`; returns the keys revoked.
pub(crate) fn revoke_by_prefix(
    conn: &mut PgConnection,
    prefix: &str,
) -> Result<Vec<ApiKey>, StoreError> {
    Ok(diesel::update(
        api_keys::table
            .filter(api_keys::prefix.eq(prefix))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(diesel::dsl::now))
    .returning(ApiKey::as_returning())
    .get_results(conn)?)
}

impl crate::Store {
    /// Stores a key (only its digest and visible prefix) for a merchant.
    pub async fn insert_key(
        &self,
        merchant_uid: &str,
        prefix: &str,
        key_hash: [u8; 32],
        label: Option<&str>,
    ) -> Result<ApiKey, StoreError> {
        let (merchant_uid, prefix) = (merchant_uid.to_owned(), prefix.to_owned());
        let label = label.map(str::to_owned);
        self.run(move |conn| {
            insert(
                conn,
                NewApiKey {
                    merchant_uid: &merchant_uid,
                    prefix: &prefix,
                    key_hash: &key_hash,
                    label: label.as_deref(),
                },
            )
        })
        .await
    }

    /// Keys, of one merchant or of all.
    pub async fn list_keys(&self, merchant_uid: Option<&str>) -> Result<Vec<ApiKey>, StoreError> {
        let merchant_uid = merchant_uid.map(str::to_owned);
        self.run(move |conn| list(conn, merchant_uid.as_deref()))
            .await
    }

    /// Revokes the active keys with this prefix; returns them.
    pub async fn revoke_keys(&self, prefix: &str) -> Result<Vec<ApiKey>, StoreError> {
        let prefix = prefix.to_owned();
        self.run(move |conn| revoke_by_prefix(conn, &prefix)).await
    }

    /// The unrevoked key with this digest.
    pub async fn find_active_key(&self, key_hash: [u8; 32]) -> Result<Option<ApiKey>, StoreError> {
        self.run(move |conn| find_active_by_hash(conn, &key_hash))
            .await
    }
}
