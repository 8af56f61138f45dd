//! Local stand-ins for the providers paylink talks to, for tests only: [`smtp_server`] holds a
//! real SMTP conversation on loopback, [`twilio_server`] speaks Twilio's Messages API, and
//! [`stripe_server`] speaks Stripe Checkout (sessions, the hosted page, signed webhooks) and the
//! calls around it (expiring sessions, cancelling subscriptions, refunds, a plan's invoices). All
//! record what they receive and can be told how to answer, so tests can script provider
//! failures.

pub mod smtp_server;
pub mod stripe_server;
pub mod twilio_server;

/// Counts by name, sorted by name: what a stand-in's chaos injected.
fn sorted_counts(
    counts: Option<&std::collections::HashMap<&'static str, usize>>,
) -> Vec<(&'static str, usize)> {
    let mut counts: Vec<_> = counts
        .map(|counts| counts.iter().map(|(name, n)| (*name, *n)).collect())
        .unwrap_or_default();
    counts.sort();
    counts
}
