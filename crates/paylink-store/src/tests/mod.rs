//! Tests of the crate's own statements and pool against a real PostgreSQL: they call the
//! synchronous repository functions on a connection, which the crate keeps to itself.

mod common;
mod counts;
mod explain;
mod migrations;
mod plans;
mod pool;
mod receipts;
mod statements;
