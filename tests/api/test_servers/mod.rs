//! Copies of the SMTP server and Twilio stand-in of `crates/paylink-notify/tests/support/`, so
//! that the API tests can drive the whole server against them; keep them identical to those.

pub(crate) mod smtp_server;
pub(crate) mod twilio_server;
