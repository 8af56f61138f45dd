//! The SQL migrations of `migrations/`, embedded in the binary.

use diesel::{PgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;

/// Every migration of the repository's `migrations/` folder.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// A digest of the migrations embedded in this build: a database made by applying
/// [`MIGRATIONS`] can be named after it (the tests' template database is).
pub const DIGEST: &str = env!("PAYLINK_MIGRATIONS_DIGEST");

/// Key of the advisory lock that serialises migrations, so that several servers starting at once
/// on one database do not race to apply the same migration.
const MIGRATION_LOCK_KEY: i64 = 0x7061_796c_696e_6b01;

/// Applies the pending migrations and returns their versions, oldest first.
pub(crate) fn run_pending(conn: &mut PgConnection) -> Result<Vec<String>, StoreError> {
    diesel::select(pg_advisory_lock(MIGRATION_LOCK_KEY)).execute(conn)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| StoreError::Migration(e.to_string()));
    diesel::select(pg_advisory_unlock(MIGRATION_LOCK_KEY)).execute(conn)?;
    applied
}

diesel::define_sql_function! {
    /// Waits for and takes a session-level advisory lock.
    fn pg_advisory_lock(key: diesel::sql_types::BigInt);
}
diesel::define_sql_function! {
    /// Releases a session-level advisory lock.
    fn pg_advisory_unlock(key: diesel::sql_types::BigInt) -> diesel::sql_types::Bool;
}

/// Versions of the migrations not yet applied to the database.
pub(crate) fn pending(conn: &mut PgConnection) -> Result<Vec<String>, StoreError> {
    let pending = conn
        .pending_migrations(MIGRATIONS)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(pending.iter().map(|m| m.name().to_string()).collect())
}

impl crate::Store {
    /// Applies the pending migrations: see [`run_pending`].
    pub async fn apply_migrations(&self) -> Result<Vec<String>, StoreError> {
        self.run(run_pending).await
    }

    /// The migrations not applied yet.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        self.run(pending).await
    }
}
