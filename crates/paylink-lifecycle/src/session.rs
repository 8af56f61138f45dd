//! A payment-plan session: Active until the payer sets the plan up (Completed), the merchant
//! cancels it, or it expires.

use chrono::{DateTime, Utc};

use crate::{Cause, Status, Transition};

/// Where a payment-plan session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Its link can be used to set the plan up.
    Active,
    /// The payer set the plan up: a payment was taken, or the processor holds the plan.
    Completed,
    /// Its expiration date passed (or the merchant said so) before it was set up.
    Expired,
    /// The merchant cancelled it.
    Cancelled,
}

use Cause::{Clock, Merchant, Provider};
use SessionStatus::{Active, Cancelled, Completed, Expired};

impl Status for SessionStatus {
    const OBJECT: &'static str = "payment plan session";
    const ALL: &'static [Self] = &[Active, Completed, Expired, Cancelled];
    const TRANSITIONS: &'static [Transition<Self>] = &[
        Transition {
            from: Active,
            to: Completed,
            by: &[Provider],
            meaning: "the payer set the plan up: its first payment was taken, or the processor holds a plan that starts later",
        },
        Transition {
            from: Active,
            to: Cancelled,
            by: &[Merchant],
            meaning: "the merchant withdrew the offer; its open checkouts are expired at the processor",
        },
        Transition {
            from: Active,
            to: Expired,
            by: &[Merchant, Clock],
            meaning: "its expirationDate passed, or the merchant ended it so; its open checkouts are expired at the processor",
        },
        Transition {
            from: Completed,
            to: Cancelled,
            by: &[Merchant],
            meaning: "the merchant ended a plan that was set up: its subscription at the processor ends now and nothing more is charged",
        },
    ];

    fn name(self) -> &'static str {
        match self {
            Active => "Active",
            Completed => "Completed",
            Expired => "Expired",
            Cancelled => "Cancelled",
        }
    }
}

impl SessionStatus {
    /// The status a session has at `now`: an Active session whose expiration has passed is
    /// Expired, which the clock records the next time the session is written.
    pub fn at(self, expiration: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match expiration {
            Some(expiration) if self == Active && expiration <= now => Expired,
            _ => self,
        }
    }

    /// Whether a payer can set the plan up.
    pub fn is_payable(self) -> bool {
        self == Active
    }

    /// Whether its amount, currency, frequency, start date and occurrences may still change:
    /// only while nothing has been agreed with the payer.
    pub fn money_may_change(self) -> bool {
        self == Active
    }
}
