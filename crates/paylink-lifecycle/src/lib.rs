#![doc = include_str!("../README.md")]

mod checkout;
mod link;
mod payment;
mod refund;
mod session;

use std::fmt;

pub use checkout::CheckoutStatus;
pub use link::{LinkState, LinkStatus};
pub use payment::PaymentStatus;
pub use refund::RefundStatus;
pub use session::SessionStatus;

/// Who asks for a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The merchant, through the API.
    Merchant,
    /// The payer, on a page.
    Payer,
    /// The payment processor: a webhook, or the test-mode card page that stands in for one.
    Provider,
    /// Time passing: an expiry date reached.
    Clock,
}

impl Cause {
    /// Who this is, in words for messages.
    pub fn words(self) -> &'static str {
        match self {
            Self::Merchant => "the merchant",
            Self::Payer => "the payer",
            Self::Provider => "the payment processor",
            Self::Clock => "the clock (an expiry reached)",
        }
    }
}

/// One allowed change of status and who may ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition<S: 'static> {
    /// The status before.
    pub from: S,
    /// The status after.
    pub to: S,
    /// Who may ask for it.
    pub by: &'static [Cause],
    /// What it means, for the docs.
    pub meaning: &'static str,
}

/// The statuses of one kind of object, with the table of the changes allowed between them.
pub trait Status: Copy + Eq + fmt::Debug + Sized + 'static {
    /// The object's name in messages ("payment plan session").
    const OBJECT: &'static str;
    /// Every status, in the order the docs list them.
    const ALL: &'static [Self];
    /// Every allowed change; anything else is refused.
    const TRANSITIONS: &'static [Transition<Self>];

    /// The status's name, as stored and served.
    fn name(self) -> &'static str;

    /// The status of a stored name.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| status.name() == name)
    }

    /// The status of a stored name, or an error that names the object and the text: the
    /// database holds only names the table knows, so anything else is a bug.
    fn stored(name: &str) -> Result<Self, UnknownStatus> {
        Self::parse(name).ok_or_else(|| UnknownStatus {
            object: Self::OBJECT,
            name: name.to_owned(),
        })
    }

    /// Whether no change leads out of this status.
    fn is_final(self) -> bool {
        !Self::TRANSITIONS
            .iter()
            .any(|transition| transition.from == self)
    }
}

/// What an allowed request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The status asked for is the one it has: nothing changes.
    Stay,
    /// The status changes.
    Move,
}

/// A change the table does not allow. Its text names both statuses and, when the change exists
/// for someone else, who may make it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Refused {
    /// The object's name ("payment plan session").
    pub object: &'static str,
    /// The status it has.
    pub from: &'static str,
    /// The status asked for.
    pub to: &'static str,
    /// Who asked.
    pub cause: Cause,
    /// Who may make this change, when anyone may.
    pub allowed_to: &'static [Cause],
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a {} that is {} cannot become {}",
            self.object, self.from, self.to
        )?;
        match self.allowed_to {
            [] => Ok(()),
            [only] => write!(
                f,
                " by the request of {}; only {} can do that",
                self.cause.words(),
                only.words()
            ),
            several => {
                let names: Vec<&str> = several.iter().map(|cause| cause.words()).collect();
                write!(
                    f,
                    " by the request of {}; only {} can do that",
                    self.cause.words(),
                    names.join(" or ")
                )
            }
        }
    }
}

/// A stored status the table does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {object} has the unknown status {name:?}")]
pub struct UnknownStatus {
    /// The object's name.
    pub object: &'static str,
    /// The text found.
    pub name: String,
}

/// Checks a change of status asked for by `cause` against the table of `S`.
pub fn step<S: Status>(from: S, to: S, cause: Cause) -> Result<Step, Refused> {
    if from == to {
        return Ok(Step::Stay);
    }
    let transition = S::TRANSITIONS
        .iter()
        .find(|transition| transition.from == from && transition.to == to);
    match transition {
        Some(transition) if transition.by.contains(&cause) => Ok(Step::Move),
        found => Err(Refused {
            object: S::OBJECT,
            from: from.name(),
            to: to.name(),
            cause,
            allowed_to: found.map_or(&[], |transition| transition.by),
        }),
    }
}

/// The table of `S` as Markdown rows (`| from | to | who | meaning |`), for the docs.
pub fn markdown_table<S: Status>() -> String {
    let mut out = String::from("| from | to | who may | what it means |\n|---|---|---|---|\n");
    for transition in S::TRANSITIONS {
        let who: Vec<&str> = transition.by.iter().map(|cause| cause.words()).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            transition.from.name(),
            transition.to.name(),
            who.join(", "),
            transition.meaning
        ));
    }
    let finals: Vec<&str> = S::ALL
        .iter()
        .filter(|status| status.is_final())
        .map(|status| status.name())
        .collect();
    if !finals.is_empty() {
        out.push_str(&format!("\nFinal: {}.\n", finals.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests;
