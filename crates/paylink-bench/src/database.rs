//! The run's own database: dropped and created afresh, migrated, and named in URLs.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::Fallible;

/// Drops the database `name` (ending its connections) and creates it empty; returns its URL.
pub(crate) fn recreate(admin_url: &str, name: &str) -> Fallible<String> {
    let mut admin = PgConnection::establish(admin_url)
        .map_err(|e| format!("connecting to PostgreSQL at {}: {e}", redact(admin_url)))?;
    admin.batch_execute(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))?;
    admin.batch_execute(&format!(r#"CREATE DATABASE "{name}""#))?;
    Ok(with_database(admin_url, name))
}

/// Applies paylink's migrations to the database at `url`.
pub(crate) fn migrate(url: &str) -> Fallible<usize> {
    let mut conn = paylink_store::direct::Connection::open(url)?;
    Ok(conn.apply_migrations()?.len())
}

/// A new connection.
pub(crate) fn connect(url: &str) -> Fallible<PgConnection> {
    Ok(PgConnection::establish(url).map_err(|e| format!("connecting to {}: {e}", redact(url)))?)
}

/// The server's version, as `SHOW server_version` gives it.
pub(crate) fn server_version(conn: &mut PgConnection) -> Fallible<String> {
    setting(conn, "server_version")
}

/// The database's default `plan_cache_mode`, under which pgbench's ceilings run (paylink's
/// connections choose theirs per statement).
pub(crate) fn plan_cache_mode(conn: &mut PgConnection) -> Fallible<String> {
    setting(conn, "plan_cache_mode")
}

/// A run-time setting of the connection, as `SHOW` gives it.
fn setting(conn: &mut PgConnection, name: &str) -> Fallible<String> {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    Ok(diesel::sql_query("SELECT current_setting($1) AS value")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Setting>(conn)?
        .value)
}

/// Deliveries by status, in status order.
pub(crate) fn delivery_counts(conn: &mut PgConnection) -> Fallible<Vec<(String, i64)>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    Ok(diesel::sql_query(
        "SELECT status, count(*) AS count FROM link_deliveries GROUP BY status ORDER BY status",
    )
    .load::<Count>(conn)?
    .into_iter()
    .map(|c| (c.status, c.count))
    .collect())
}

/// `url` with its database name replaced by `database`.
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// `url` without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => match authority[..at].split_once(':') {
            Some((user, _)) => format!(
                "{}{user}:***{}",
                &url[..scheme_end],
                &url[scheme_end + at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_another_database() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "b"),
            "postgres://u@h:5432/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "b"), "postgres://h/b");
    }

    #[test]
    fn hides_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
