//! What every resolver gets: the caller's merchant and the shared services.

use std::sync::Arc;

use paylink_store::Store;
use tokio::sync::Notify;

/// Settings resolvers need to build public URLs.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    /// Base of public payment-link URLs, without a trailing slash.
    pub public_link_base_url: String,
    /// Base of public payment-plan session URLs, without a trailing slash.
    pub public_session_base_url: String,
}

impl LinkSettings {
    /// The public URL of a payment link.
    pub fn link_url(&self, link_id: &str) -> String {
        format!("{}/{link_id}", self.public_link_base_url)
    }

    /// The public URL of a payment-plan session.
    pub fn session_url(&self, session_id: &str) -> String {
        format!("{}/{session_id}", self.public_session_base_url)
    }
}

/// The context of one GraphQL request, made after the API key was resolved.
#[derive(Clone, Debug)]
pub struct Context {
    /// The merchant of the request's API key; every read and write is scoped to it.
    pub merchant_uid: String,
    /// The database.
    pub store: Store,
    /// URL settings.
    pub links: Arc<LinkSettings>,
    /// Wakes the delivery dispatcher when a delivery is queued, so it is sent at once.
    pub deliveries_queued: Arc<Notify>,
    /// Wakes the processor task runner when a change queued work for the processor.
    pub paying_tasks: Arc<Notify>,
    /// What merchant-given URLs may reach: checked when a merchant sets one.
    pub outbound: Arc<paylink_outbound::OutboundPolicy>,
}

impl juniper::Context for Context {}
