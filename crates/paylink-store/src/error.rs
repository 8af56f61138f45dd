//! The store's typed errors. Callers map them to client-facing codes; nothing here is meant to be
//! shown to a client verbatim.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, or belongs to another merchant.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database could not be reached, or no connection was free in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A migration could not be applied.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other database error: a bug or a broken invariant.
    #[error("database error: {0}")]
    Database(String),
    /// The change asks for a status the lifecycle's table does not allow; nothing was written.
    #[error("{0}")]
    Refused(#[from] paylink_lifecycle::Refused),
}

impl From<paylink_lifecycle::UnknownStatus> for StoreError {
    fn from(error: paylink_lifecycle::UnknownStatus) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict(info.constraint_name().unwrap_or("unique").to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            // libpq reports a lost server through the message only.
            DieselError::DatabaseError(_, info) if is_connection_lost(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::BrokenTransactionManager => {
                Self::Unavailable("the connection broke during a transaction".to_owned())
            }
            // Kept as text: the detail is for the log, and no diesel type leaves the crate.
            other => Self::Database(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

impl From<diesel::ConnectionError> for StoreError {
    fn from(error: diesel::ConnectionError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

/// Whether a libpq message says the server went away rather than refused the statement.
fn is_connection_lost(message: &str) -> bool {
    const SIGNS: [&str; 7] = [
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "connection to server",
        "could not connect",
        "Connection refused",
        "the database system is shutting down",
    ];
    SIGNS.iter().any(|sign| message.contains(sign))
}
