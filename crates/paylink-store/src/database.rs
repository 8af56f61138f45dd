//! Creating the application's database itself, for development set-up.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::StoreError;

/// Creates the database named in `url` when the server does not have it yet, connecting to the
/// server's `postgres` database to do so. Returns whether it was created.
pub fn create_if_missing(url: &str) -> Result<bool, StoreError> {
    if PgConnection::establish(url).is_ok() {
        return Ok(false);
    }
    let (maintenance_url, name) = split_database(url)
        .ok_or_else(|| StoreError::Unavailable("the database URL names no database".into()))?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(StoreError::Unavailable(format!(
            "will not create a database named {name:?}: use letters, digits, _ and -"
        )));
    }
    let mut conn = PgConnection::establish(&maintenance_url)?;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found")
            .bind::<Text, _>(&name)
            .get_result::<Found>(&mut conn)?
            .found;
    if found {
        // It exists, so the first connection failed for another reason: report that one.
        PgConnection::establish(url)?;
        return Ok(false);
    }
    conn.batch_execute(&format!(r#"CREATE DATABASE "{name}""#))?;
    Ok(true)
}

/// The URL of the server's `postgres` database, and the database name of `url`.
fn split_database(url: &str) -> Option<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://")? + 3;
    let slash = scheme_end + base[scheme_end..].find('/')?;
    let name = &base[slash + 1..];
    if name.is_empty() {
        return None;
    }
    Some((
        format!("{}/postgres{query}", &base[..slash]),
        name.to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_database_from_a_url() {
        assert_eq!(
            split_database("postgres://u@h:5432/paylink?sslmode=disable"),
            Some((
                "postgres://u@h:5432/postgres?sslmode=disable".into(),
                "paylink".into()
            ))
        );
        assert_eq!(split_database("postgres://h"), None);
    }
}
