//! End-to-end tests: the real server over real HTTP against a real PostgreSQL database, one
//! database per test cloned from a migrated template.

mod auth;
mod axe;
mod browser;
mod cli;
mod clients;
mod deliveries;
mod faults;
mod graphiql;
mod hardening;
mod listings;
mod malformed;
mod money;
mod operations;
mod pages;
mod paging;
mod payment_links;
mod pg_proxy;
mod processes;
mod protocol;
mod query_filters;
mod query_proptest;
mod receipts;
mod schema_contract;
mod schema_diff;
mod shared_rate_limit;
mod support;
mod webdriver;
