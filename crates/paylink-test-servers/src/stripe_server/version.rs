//! The API version whose shapes the stand-in's objects and events take.

/// One of Stripe's API versions, as far as the stand-in's objects and events differ between
/// them. An account's default version shapes both its API answers and the events of a webhook
/// endpoint without a version of its own, so one setting covers both
/// ([`StripeServer::set_api_version`](super::StripeServer::set_api_version)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    /// `2024-06-20`, the default. A Charge no longer lists its refunds (since 2022-11-15); a
    /// refund of a charge sends `charge.refunded`, and a refund's later change
    /// `charge.refund.updated`, but no `refund.*` event; an invoice names its `subscription`,
    /// `payment_intent` and `charge` at the top level, and the subscription's metadata in
    /// `subscription_details`.
    #[default]
    V2024_06_20,
    /// `2025-03-31.basil`. Since 2024-10-28.acacia a refund of a charge also sends
    /// `refund.created`, and its later changes `refund.updated` (and `refund.failed`); since
    /// basil an invoice names its subscription and that subscription's metadata in
    /// `parent.subscription_details`, and no longer carries `subscription`,
    /// `subscription_details`, `payment_intent`, `charge` or `paid` (its payments are an
    /// includable list, absent from events unless expanded).
    Basil2025_03_31,
}

impl ApiVersion {
    /// The version as Stripe writes it, e.g. in an event's `api_version`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2024_06_20 => "2024-06-20",
            ApiVersion::Basil2025_03_31 => "2025-03-31.basil",
        }
    }

    /// Whether a refund of a charge sends `refund.created`, `refund.updated` and
    /// `refund.failed` (2024-10-28.acacia and later).
    pub(super) fn sends_refund_events(self) -> bool {
        self >= ApiVersion::Basil2025_03_31
    }

    /// Whether an invoice names its subscription under `parent` (2025-03-31.basil and later).
    pub(super) fn invoices_have_parent(self) -> bool {
        self >= ApiVersion::Basil2025_03_31
    }
}
