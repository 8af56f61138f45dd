#![doc = include_str!("../README.md")]

mod guard;
mod policy;
mod rules;

pub use guard::{GuardError, OutboundGuard, Prepared, REFUSED_REASON};
pub use ipnet::IpNet;
pub use policy::{OutboundPolicy, Refusal};
pub use rules::{Rule, embedded_v4, refused};
