//! paylink: a schema-first GraphQL gateway for merchants' payment links.
//!
//! The contract is the SDL in `schema/`; `build.rs` generates the GraphQL types and resolver
//! traits from it ([`graphql::generated`]). Requests arrive over HTTP ([`http`]), are
//! authenticated by API key ([`api_keys`]), run against the generated schema with hand-written
//! resolvers ([`graphql`]) that apply the domain rules ([`domain`]) and call the PostgreSQL store
//! (`paylink-store`) on blocking threads. The binary's commands live in [`cli`].

pub mod api_keys;
pub mod cli;
pub mod config;
pub mod dispatch;
pub mod domain;
pub mod error_code;
pub mod graphql;
pub mod http;
pub mod outbound;
pub mod paying;
pub mod receipts;
pub mod server;
pub mod telemetry;
