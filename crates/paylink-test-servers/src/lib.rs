//! Local stand-ins for the providers paylink talks to, for tests only: [`smtp_server`] holds a
//! real SMTP conversation on loopback, and [`twilio_server`] speaks Twilio's Messages API. Both
//! record what they receive and can be told how to answer, so tests can script provider
//! failures.

pub mod smtp_server;
pub mod twilio_server;
