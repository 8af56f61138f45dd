//! The payer's side of a link or session, between the pages and the store: opening a checkout
//! with the payments provider, and applying what the provider (or the test-mode card page) says
//! happened. Pages and webhooks call this; it knows nothing of HTTP.

pub mod callback;
mod outcome;
mod payer_receipt;
mod plan_end;
mod processor_events;
mod start;
mod tasks;

use std::sync::Arc;

use paylink_store::Store;

pub use outcome::{ProviderOutcome, TestCard, test_card};
pub use plan_end::PlanEndError;
pub use processor_events::MoneyEvent;
pub use start::{Owner, StartError};
pub use tasks::TaskRunner;

use crate::graphql::LinkSettings;

/// Who takes payments.
#[derive(Clone, Debug)]
pub enum Provider {
    /// paylink's own test-mode card page; nothing is charged.
    Test,
    /// Stripe Checkout.
    Stripe(paylink_payments::Stripe),
}

impl Provider {
    /// The provider's name as stored with checkouts and payments.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Test => TEST,
            Self::Stripe(_) => STRIPE,
        }
    }

    /// Whether payments are simulated.
    pub fn is_test(&self) -> bool {
        matches!(self, Self::Test)
    }
}

/// The stored name of the test-mode provider.
pub const TEST: &str = "test";
/// The stored name of Stripe.
pub const STRIPE: &str = "stripe";

/// Opens checkouts and applies their outcomes.
#[derive(Clone, Debug)]
pub struct Paying {
    /// Who takes payments.
    pub provider: Provider,
    /// The database.
    pub store: Store,
    /// Where the pages are, for the URLs the provider sends payers back to.
    pub links: Arc<LinkSettings>,
    /// Wakes the dispatcher when a callback is queued.
    pub deliveries_queued: Arc<tokio::sync::Notify>,
    /// Wakes the task runner when work for the processor is queued.
    pub tasks_queued: Arc<tokio::sync::Notify>,
    /// How long a checkout takes a payment.
    pub checkout_lifetime: std::time::Duration,
}

impl Owner {
    /// The public page of the link or session.
    pub fn page_url(&self, links: &LinkSettings) -> String {
        match self {
            Owner::Link(id) => links.link_url(id),
            Owner::Session(id) => links.session_url(id),
        }
    }

    /// The page of one of its checkouts: the test-mode card page.
    pub fn checkout_url(&self, links: &LinkSettings, checkout_id: &str) -> String {
        format!("{}/checkout/{checkout_id}", self.page_url(links))
    }

    /// Where a payer lands after paying.
    pub fn done_url(&self, links: &LinkSettings, checkout_id: &str) -> String {
        format!("{}/done", self.checkout_url(links, checkout_id))
    }
}
