use chrono::{Duration, Utc};

use super::*;

fn every_pair<S: Status>() -> impl Iterator<Item = (S, S)> {
    S::ALL
        .iter()
        .flat_map(|from| S::ALL.iter().map(move |to| (*from, *to)))
}

const CAUSES: [Cause; 4] = [Cause::Merchant, Cause::Payer, Cause::Provider, Cause::Clock];

/// Each table: names round-trip, no change is listed twice or to itself, and a change is
/// allowed exactly when the table lists it for that cause.
fn table_is_consistent<S: Status>() {
    for status in S::ALL {
        assert_eq!(S::parse(status.name()), Some(*status));
    }
    assert!(S::stored("nonsense").is_err());
    for (index, transition) in S::TRANSITIONS.iter().enumerate() {
        assert_ne!(transition.from, transition.to, "{transition:?}");
        assert!(!transition.by.is_empty(), "{transition:?}");
        assert!(
            S::TRANSITIONS[index + 1..]
                .iter()
                .all(|other| (other.from, other.to) != (transition.from, transition.to)),
            "{transition:?} is listed twice"
        );
    }
    for (from, to) in every_pair::<S>() {
        for cause in CAUSES {
            let listed = S::TRANSITIONS
                .iter()
                .any(|t| t.from == from && t.to == to && t.by.contains(&cause));
            match step(from, to, cause) {
                Ok(Step::Stay) => assert_eq!(from, to),
                Ok(Step::Move) => assert!(listed, "{from:?} -> {to:?} by {cause:?}"),
                Err(refused) => {
                    assert!(!listed && from != to);
                    assert_eq!((refused.from, refused.to), (from.name(), to.name()));
                }
            }
        }
    }
}

#[test]
fn every_table_is_consistent() {
    table_is_consistent::<SessionStatus>();
    table_is_consistent::<LinkStatus>();
    table_is_consistent::<CheckoutStatus>();
    table_is_consistent::<PaymentStatus>();
    table_is_consistent::<RefundStatus>();
}

#[test]
fn a_session_completes_only_from_active_and_only_by_a_payment() {
    use SessionStatus::*;
    assert_eq!(step(Active, Completed, Cause::Provider), Ok(Step::Move));
    assert!(step(Active, Completed, Cause::Merchant).is_err());
    assert!(step(Cancelled, Completed, Cause::Provider).is_err());
    assert!(step(Expired, Completed, Cause::Provider).is_err());
    assert_eq!(step(Completed, Completed, Cause::Provider), Ok(Step::Stay));
}

#[test]
fn cancelled_and_expired_sessions_are_final_and_completed_ones_only_cancel() {
    use SessionStatus::*;
    assert!(Cancelled.is_final() && Expired.is_final());
    assert!(!Active.is_final() && !Completed.is_final());
    assert!(step(Completed, Active, Cause::Merchant).is_err());
    assert!(step(Completed, Expired, Cause::Merchant).is_err());
    assert_eq!(step(Completed, Cancelled, Cause::Merchant), Ok(Step::Move));
    assert!(step(Cancelled, Active, Cause::Merchant).is_err());
}

#[test]
fn a_refusal_names_both_statuses_and_who_may() {
    let refused = step(
        SessionStatus::Active,
        SessionStatus::Completed,
        Cause::Merchant,
    )
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a payment plan session that is Active cannot become Completed by the request of the merchant; only the payment processor can do that"
    );
    let refused = step(
        SessionStatus::Completed,
        SessionStatus::Active,
        Cause::Merchant,
    )
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a payment plan session that is Completed cannot become Active"
    );
}

#[test]
fn an_active_session_past_its_expiration_is_expired() {
    let now = Utc::now();
    let past = Some(now - Duration::seconds(1));
    let future = Some(now + Duration::seconds(60));
    assert_eq!(SessionStatus::Active.at(past, now), SessionStatus::Expired);
    assert_eq!(SessionStatus::Active.at(future, now), SessionStatus::Active);
    assert_eq!(SessionStatus::Active.at(None, now), SessionStatus::Active);
    assert_eq!(
        SessionStatus::Completed.at(past, now),
        SessionStatus::Completed
    );
}

#[test]
fn a_links_status_is_read_from_its_switch_date_and_count() {
    let now = Utc::now();
    let state = LinkState {
        is_active: true,
        expires_at: None,
        max_payments: None,
        payment_count: 0,
    };
    assert_eq!(LinkStatus::of(state, now), LinkStatus::Active);
    let expired = LinkState {
        expires_at: Some(now - Duration::seconds(1)),
        ..state
    };
    assert_eq!(LinkStatus::of(expired, now), LinkStatus::Expired);
    let used_up = LinkState {
        max_payments: Some(2),
        payment_count: 2,
        ..state
    };
    assert_eq!(LinkStatus::of(used_up, now), LinkStatus::UsedUp);
    let one_left = LinkState {
        payment_count: 1,
        ..used_up
    };
    assert_eq!(LinkStatus::of(one_left, now), LinkStatus::Active);
    let off = LinkState {
        is_active: false,
        ..expired
    };
    assert_eq!(
        LinkStatus::of(off, now),
        LinkStatus::Inactive,
        "the switch comes first"
    );
    assert!(step(LinkStatus::Active, LinkStatus::UsedUp, Cause::Provider).is_ok());
    assert!(step(LinkStatus::UsedUp, LinkStatus::Active, Cause::Provider).is_err());
    assert!(step(LinkStatus::Expired, LinkStatus::Active, Cause::Payer).is_err());
}

#[test]
fn only_open_checkouts_take_payments() {
    use CheckoutStatus::*;
    assert!(Open.is_payable());
    for status in [Completed, Failed, Expired, Cancelled] {
        assert!(!status.is_payable(), "{status:?}");
    }
    assert!(step(Expired, Completed, Cause::Provider).is_err());
    assert!(step(Cancelled, Completed, Cause::Provider).is_err());
}

#[test]
fn payments_never_go_back() {
    use PaymentStatus::*;
    for from in [Succeeded, Failed, Refunded] {
        assert!(step(from, Pending, Cause::Provider).is_err());
    }
    assert!(step(Failed, Succeeded, Cause::Provider).is_err());
    assert!(step(Refunded, Succeeded, Cause::Provider).is_err());
}

#[test]
fn the_docs_table_lists_every_change_and_the_final_statuses() {
    let table = markdown_table::<SessionStatus>();
    assert_eq!(
        table.lines().filter(|line| line.starts_with("| ")).count(),
        1 + SessionStatus::TRANSITIONS.len()
    );
    assert!(table.contains("Final: Expired, Cancelled."), "{table}");
}

/// The payer-and-payments guide prints every table as the code has it.
#[test]
fn the_guide_prints_every_table() {
    let guide = include_str!("../../../docs/payments.md");
    for (object, table) in [
        ("sessions", markdown_table::<SessionStatus>()),
        ("links", markdown_table::<LinkStatus>()),
        ("checkouts", markdown_table::<CheckoutStatus>()),
        ("payments", markdown_table::<PaymentStatus>()),
        ("refunds", markdown_table::<RefundStatus>()),
    ] {
        assert!(
            guide.contains(&table),
            "docs/payments.md does not have the {object} table as the code has it:\n{table}"
        );
    }
}
