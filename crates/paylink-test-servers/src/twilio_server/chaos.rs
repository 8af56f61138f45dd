//! Faults at random, from a seeded generator: which one meets a request, and how a message's
//! status callbacks come (late, repeated, reordered, lost).

#[allow(clippy::wildcard_imports)]
use super::*;

/// A status callback to post: how long after the message was created, the status, and its
/// error code.
pub(super) type PlannedCallback = (Duration, &'static str, Option<u32>);

/// Faults at random: a seeded generator, a rate, how long a stalled answer waits, and what was
/// injected.
pub(super) struct Chaos {
    pub(super) rng: rand::rngs::StdRng,
    pub(super) rate: f64,
    pub(super) stall: Duration,
    pub(super) injected: HashMap<&'static str, usize>,
}

impl Chaos {
    /// A fault for the next POST, or none, as the dice say.
    pub(super) fn pick(&mut self) -> Option<Fault> {
        use rand::Rng as _;
        if !self.rng.random_bool(self.rate) {
            return None;
        }
        let (name, fault) = match self.rng.random_range(0..12) {
            0..=2 => ("answer lost: connection closed", Fault::CreateThenDrop),
            3..=5 => (
                "answer after the client's timeout",
                Fault::CreateThenStall(self.stall),
            ),
            6 | 7 => (
                "429 with Retry-After",
                Fault::Answer(CannedResponse::too_many_requests(1)),
            ),
            8 => (
                "500",
                Fault::Answer(CannedResponse::error(500, 20500, "Internal Server Error")),
            ),
            9 | 10 => (
                "503",
                Fault::Answer(CannedResponse::error(503, 20503, "Service Unavailable")),
            ),
            _ => (
                "21610 (permanent)",
                Fault::Answer(CannedResponse::error(
                    400,
                    21610,
                    "Attempt to send to unsubscribed recipient",
                )),
            ),
        };
        *self.injected.entry(name).or_default() += 1;
        Some(fault)
    }

    /// The status callbacks of one created message: `sent`, then a final state, each after a
    /// short wait; sometimes reordered, sometimes one twice, sometimes none at all (a callback
    /// Twilio could not deliver is not sent again).
    pub(super) fn callbacks(&mut self) -> Vec<PlannedCallback> {
        use rand::Rng as _;
        if self.rng.random_bool(0.3) {
            *self.injected.entry("status callbacks lost").or_default() += 1;
            return Vec::new();
        }
        let last = if self.rng.random_bool(0.1) {
            ("undelivered", Some(30003))
        } else {
            ("delivered", None)
        };
        let mut plan = vec![("sent", None), last];
        if self.rng.random_bool(0.25) {
            plan.reverse();
            *self
                .injected
                .entry("status callbacks out of order")
                .or_default() += 1;
        }
        if self.rng.random_bool(0.25) {
            let again = plan[self.rng.random_range(0..plan.len())];
            plan.push(again);
            *self.injected.entry("status callback repeated").or_default() += 1;
        }
        let mut at = Duration::ZERO;
        plan.into_iter()
            .map(|(status, code)| {
                at += Duration::from_millis(self.rng.random_range(0..150));
                (at, status, code)
            })
            .collect()
    }
}
