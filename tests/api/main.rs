//! End-to-end tests: the real server over real HTTP against a real PostgreSQL database, one
//! database per test cloned from a migrated template.

mod auth;
mod cli;
mod paging;
mod payment_links;
mod protocol;
mod schema_contract;
mod support;
