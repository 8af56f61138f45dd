//! A refund: money given back from a payment.

use crate::{Cause, Status, Transition};

/// Where a refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// Asked for; the processor has not confirmed it yet.
    Pending,
    /// The processor gave the money back.
    Succeeded,
    /// The processor could not give it back; its amount counts as refundable again.
    Failed,
}

use Cause::Provider;
use RefundStatus::{Failed, Pending, Succeeded};

impl Status for RefundStatus {
    const OBJECT: &'static str = "refund";
    const ALL: &'static [Self] = &[Pending, Succeeded, Failed];
    const TRANSITIONS: &'static [Transition<Self>] = &[
        Transition {
            from: Pending,
            to: Succeeded,
            by: &[Provider],
            meaning: "the processor gave the money back",
        },
        Transition {
            from: Pending,
            to: Failed,
            by: &[Provider],
            meaning: "the processor could not give it back",
        },
    ];

    fn name(self) -> &'static str {
        match self {
            Pending => "Pending",
            Succeeded => "Succeeded",
            Failed => "Failed",
        }
    }
}
