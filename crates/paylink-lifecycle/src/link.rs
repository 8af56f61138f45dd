//! A payment link: Active while payers can pay it; Inactive when the merchant turns it off;
//! Expired once its `expires_at` has passed; UsedUp once it has taken `max_payments` payments.
//! The status is read from those fields (in that order of precedence), so the table below says
//! who may bring each change about.

use chrono::{DateTime, Utc};

use crate::{Cause, Status, Transition};

/// Where a payment link stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkStatus {
    /// Payers can pay it.
    Active,
    /// The merchant turned it off (`is_active: false`).
    Inactive,
    /// Its `expires_at` has passed.
    Expired,
    /// It has taken its `max_payments` payments.
    UsedUp,
}

use Cause::{Clock, Merchant, Provider};
use LinkStatus::{Active, Expired, Inactive, UsedUp};

impl Status for LinkStatus {
    const OBJECT: &'static str = "payment link";
    const ALL: &'static [Self] = &[Active, Inactive, Expired, UsedUp];
    const TRANSITIONS: &'static [Transition<Self>] = &[
        Transition {
            from: Active,
            to: Inactive,
            by: &[Merchant],
            meaning: "the merchant turned the link off; its open checkouts are expired at the processor",
        },
        Transition {
            from: Expired,
            to: Inactive,
            by: &[Merchant],
            meaning: "the merchant turned an expired link off",
        },
        Transition {
            from: UsedUp,
            to: Inactive,
            by: &[Merchant],
            meaning: "the merchant turned a used-up link off",
        },
        Transition {
            from: Inactive,
            to: Active,
            by: &[Merchant],
            meaning: "the merchant turned the link on again",
        },
        Transition {
            from: Inactive,
            to: Expired,
            by: &[Merchant],
            meaning: "the merchant turned on a link whose expires_at has passed",
        },
        Transition {
            from: Inactive,
            to: UsedUp,
            by: &[Merchant],
            meaning: "the merchant turned on a link that has taken its max_payments",
        },
        Transition {
            from: Active,
            to: Expired,
            by: &[Clock],
            meaning: "its expires_at passed; its open checkouts can no longer be paid",
        },
        Transition {
            from: UsedUp,
            to: Expired,
            by: &[Clock],
            meaning: "its expires_at passed after it was used up",
        },
        Transition {
            from: Expired,
            to: Active,
            by: &[Merchant],
            meaning: "the merchant moved expires_at later, or removed it",
        },
        Transition {
            from: Expired,
            to: UsedUp,
            by: &[Merchant],
            meaning: "the merchant moved expires_at later on a link that has taken its max_payments",
        },
        Transition {
            from: Active,
            to: UsedUp,
            by: &[Provider, Merchant],
            meaning: "the payment that reached max_payments was taken (its other open checkouts are closed), or the merchant lowered max_payments to what it has taken",
        },
        Transition {
            from: UsedUp,
            to: Active,
            by: &[Merchant],
            meaning: "the merchant raised max_payments, or removed it",
        },
    ];

    fn name(self) -> &'static str {
        match self {
            Active => "Active",
            Inactive => "Inactive",
            Expired => "Expired",
            UsedUp => "UsedUp",
        }
    }
}

/// The fields a link's status is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkState {
    /// `is_active`.
    pub is_active: bool,
    /// `expires_at`.
    pub expires_at: Option<DateTime<Utc>>,
    /// `max_payments`.
    pub max_payments: Option<i32>,
    /// Payments it has taken.
    pub payment_count: i32,
}

impl LinkStatus {
    /// The status of a link in `state` at `now`: off, expired, used up or active, in that order.
    pub fn of(state: LinkState, now: DateTime<Utc>) -> Self {
        if !state.is_active {
            Inactive
        } else if state.expires_at.is_some_and(|expires| expires <= now) {
            Expired
        } else if state
            .max_payments
            .is_some_and(|max| state.payment_count >= max)
        {
            UsedUp
        } else {
            Active
        }
    }

    /// Whether payers can pay it.
    pub fn is_payable(self) -> bool {
        self == Active
    }
}
