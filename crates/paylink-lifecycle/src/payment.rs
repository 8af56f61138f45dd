//! A payment: what a finished checkout produced.

use crate::{Cause, Status, Transition};

/// Where a payment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Taken, but the money has not settled (bank debits).
    Pending,
    /// Paid.
    Succeeded,
    /// The processor could not collect it.
    Failed,
    /// Paid, then given back in full.
    Refunded,
}

use Cause::{Merchant, Provider};
use PaymentStatus::{Failed, Pending, Refunded, Succeeded};

impl Status for PaymentStatus {
    const OBJECT: &'static str = "payment";
    const ALL: &'static [Self] = &[Pending, Succeeded, Failed, Refunded];
    const TRANSITIONS: &'static [Transition<Self>] = &[
        Transition {
            from: Pending,
            to: Succeeded,
            by: &[Provider],
            meaning: "the bank debit settled",
        },
        Transition {
            from: Pending,
            to: Failed,
            by: &[Provider],
            meaning: "the bank debit failed",
        },
        Transition {
            from: Succeeded,
            to: Refunded,
            by: &[Merchant, Provider],
            meaning: "refunds reached the whole amount (the merchant's, the processor's dashboard's, or paylink's own for a payment it could not keep)",
        },
    ];

    fn name(self) -> &'static str {
        match self {
            Pending => "Pending",
            Succeeded => "Succeeded",
            Failed => "Failed",
            Refunded => "Refunded",
        }
    }
}
