//! A checkout: one payer's attempt to pay a link or a session at the processor.

use crate::{Cause, Status, Transition};

/// Where a checkout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckoutStatus {
    /// Made; the payer can still pay it until it expires.
    Open,
    /// The processor took the payment (or set the plan up).
    Completed,
    /// The processor could not collect the payment.
    Failed,
    /// It timed out unpaid.
    Expired,
    /// Closed by paylink because its session or link can no longer be paid.
    Cancelled,
}

use Cause::{Clock, Merchant, Payer, Provider};
use CheckoutStatus::{Cancelled, Completed, Expired, Failed, Open};

impl Status for CheckoutStatus {
    const OBJECT: &'static str = "checkout";
    const ALL: &'static [Self] = &[Open, Completed, Failed, Expired, Cancelled];
    const TRANSITIONS: &'static [Transition<Self>] = &[
        Transition {
            from: Open,
            to: Completed,
            by: &[Provider],
            meaning: "the payer paid (a bank debit may still be settling) or set the plan up",
        },
        Transition {
            from: Open,
            to: Failed,
            by: &[Provider],
            meaning: "the processor could not collect the payment",
        },
        Transition {
            from: Completed,
            to: Failed,
            by: &[Provider],
            meaning: "a bank debit failed after the payer finished the page",
        },
        Transition {
            from: Open,
            to: Expired,
            by: &[Provider, Clock],
            meaning: "it timed out unpaid",
        },
        Transition {
            from: Open,
            to: Cancelled,
            by: &[Merchant, Payer, Clock, Provider],
            meaning: "its session was cancelled or expired, its link turned off, expired or used up, or the payer chose another way to pay: it is expired at the processor",
        },
    ];

    fn name(self) -> &'static str {
        match self {
            Open => "Open",
            Completed => "Completed",
            Failed => "Failed",
            Expired => "Expired",
            Cancelled => "Cancelled",
        }
    }
}

impl CheckoutStatus {
    /// Whether a payment for it may be kept: only while it is Open. A payment that still
    /// arrives for a checkout closed in the meantime (a race with the processor) is refunded.
    pub fn is_payable(self) -> bool {
        self == Open
    }
}
