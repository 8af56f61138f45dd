//! Isolated PostgreSQL databases for tests.
//!
//! The first test of a run migrates a template database (named after a digest of the migrations
//! the build embeds, so a changed migration makes a new template); every test then gets its own
//! database cloned from it with `CREATE DATABASE ... TEMPLATE`, which takes milliseconds, and
//! drops it when done. Tests
//! therefore run in parallel, in one process or many (nextest), against a real server. Databases
//! left behind by crashed runs are swept when a template is checked. Templates of older
//! migration sets are kept (a concurrent run on another checkout may be using one); they are
//! small, and `DROP DATABASE` removes them by hand.
//!
//! The server is the one at `PAYLINK_TEST_DATABASE_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`; the URL's role must be allowed to create
//! databases.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// Name prefix of per-test databases.
const TEST_DB_PREFIX: &str = "paylink_t_";
/// Name prefix of template databases.
const TEMPLATE_PREFIX: &str = "paylink_tpl_";
/// Per-test databases older than this are leftovers of crashed runs.
const STALE_AFTER_SECS: u64 = 3 * 60 * 60;
/// Serialises template creation across test processes.
const TEMPLATE_LOCK_KEY: i64 = 0x7061_796c_696e_6b02;

/// A database that exists for one test and is dropped with this value.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    url: String,
    admin_url: String,
}

impl TestDb {
    /// Creates a fresh, fully migrated database. Panics with the reason when the server cannot be
    /// used: a test without its database cannot say anything useful.
    pub fn new() -> Self {
        let admin_url = admin_url();
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("tests need PostgreSQL at {}: {e}", redact(&admin_url)));
        let template = ensure_template(&mut admin, &admin_url);
        let name = format!(
            "{TEST_DB_PREFIX}{}_{}_{}",
            unix_now(),
            std::process::id(),
            NEXT_ID.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!(
                r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#
            ))
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        let url = with_database(&admin_url, &name);
        Self {
            name,
            url,
            admin_url,
        }
    }

    /// The connection URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new connection to this test's database.
    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connecting to the test database")
    }
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            // FORCE ends the pool's idle connections that the test left open.
            let _ = admin.batch_execute(&format!(
                r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#,
                self.name
            ));
        }
    }
}

static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// The URL of the server's maintenance database, used to create and drop databases.
pub fn admin_url() -> String {
    std::env::var("PAYLINK_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
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

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = Text)]
    datname: String,
}

fn database_names(admin: &mut PgConnection, prefix: &str) -> Vec<String> {
    diesel::sql_query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
        .bind::<Text, _>(prefix)
        .load::<DatabaseName>(admin)
        .expect("listing databases")
        .into_iter()
        .map(|row| row.datname)
        .collect()
}

/// Makes sure the migrated template for the current migrations exists and returns its name.
fn ensure_template(admin: &mut PgConnection, admin_url: &str) -> String {
    // Named after the migrations this build applies, not the files on disk, which may have
    // changed since it was compiled.
    let template = format!("{TEMPLATE_PREFIX}{}", paylink_store::migrations::DIGEST);
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})"))
        .expect("taking the template lock");
    sweep_stale_test_databases(admin);
    if !database_names(admin, &template).contains(&template) {
        // Migrate under a scratch name and rename at the end, so a crash never leaves a
        // half-migrated template under the real name.
        let scratch = format!("{template}_wip");
        admin
            .batch_execute(&format!(
                r#"DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)"#
            ))
            .expect("dropping a half-made template database");
        admin
            .batch_execute(&format!(r#"CREATE DATABASE "{scratch}""#))
            .expect("creating the template database");
        {
            paylink_store::direct::Connection::open(&with_database(admin_url, &scratch))
                .expect("connecting to the template database")
                .apply_migrations()
                .expect("migrating the template");
        }
        admin
            .batch_execute(&format!(
                r#"ALTER DATABASE "{scratch}" RENAME TO "{template}""#
            ))
            .expect("renaming the template database");
    }
    admin
        .batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})"))
        .expect("releasing the template lock");
    template
}

/// Drops test databases left by crashed runs.
fn sweep_stale_test_databases(admin: &mut PgConnection) {
    let now = unix_now();
    for name in database_names(admin, TEST_DB_PREFIX) {
        let created = name[TEST_DB_PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|created| now.saturating_sub(created) > STALE_AFTER_SECS) {
            let _ =
                admin.batch_execute(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://***@h/db");
    }
}
