//! The rules of payment-plan sessions and how their status reads.

use chrono::{DateTime, Utc};
use paylink_store::sessions::SessionRow;

use super::InvalidField;
use super::minimums::Written;

/// Fewest payments in a plan.
pub const MIN_OCCURRENCES: i32 = 1;
/// Most payments in a plan (ten years of weekly payments).
pub const MAX_OCCURRENCES: i32 = 520;

pub use paylink_store::lifecycle::SessionStatus;
use paylink_store::lifecycle::Status as _;

/// Checks a session's fields as they will be stored.
pub fn validate(session: &SessionRow) -> Result<(), InvalidField> {
    if session.amount_minor <= 0 {
        return Err(InvalidField::new("amount", "must be greater than 0"));
    }
    let currency = super::money::currency("currency", &session.currency)?;
    let Some(each_minor) = currency.from_hundredths(session.amount_minor) else {
        return Err(InvalidField::new(
            "amount",
            format!(
                "{} has {} decimal places; the amount must fit them",
                currency.code(),
                currency.decimals()
            ),
        ));
    };
    // Each payment is one charge.
    super::minimums::at_least_minimum("amount", currency, each_minor, Written::MajorUnits)?;
    if !(MIN_OCCURRENCES..=MAX_OCCURRENCES).contains(&session.occurrences) {
        return Err(InvalidField::new(
            "occurrences",
            format!(
                "must be from {MIN_OCCURRENCES} to {MAX_OCCURRENCES}, not {}",
                session.occurrences
            ),
        ));
    }
    Ok(())
}

/// Refuses an expiration date that has already passed, when one is being set.
pub fn future_expiration(
    expiration: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), InvalidField> {
    match expiration {
        Some(expiration) if expiration <= now => {
            Err(InvalidField::new("expirationDate", "must be in the future"))
        }
        _ => Ok(()),
    }
}

/// The status a session has at `now`: an Active session past its expiration is Expired. A
/// stored name the lifecycle does not know reads as itself, for the caller to refuse.
pub fn effective_status(
    session: &SessionRow,
    now: DateTime<Utc>,
) -> Result<SessionStatus, paylink_store::lifecycle::UnknownStatus> {
    Ok(SessionStatus::stored(&session.status)?.at(session.expiration_date, now))
}

/// Refuses a change of what the payer agrees to (amount, currency, frequency, start date,
/// occurrences) once the session is no longer Active: a Completed plan is set up at the
/// processor on those terms, and a Cancelled or Expired one is a record of what was offered.
pub fn terms_may_change(
    before: &SessionRow,
    after: &SessionRow,
    status: SessionStatus,
) -> Result<(), InvalidField> {
    if status.money_may_change() {
        return Ok(());
    }
    let changed = [
        ("amount", before.amount_minor != after.amount_minor),
        ("currency", before.currency != after.currency),
        ("frequency", before.frequency != after.frequency),
        ("startDate", before.start_date != after.start_date),
        ("occurrences", before.occurrences != after.occurrences),
    ];
    match changed.into_iter().find(|(_, changed)| *changed) {
        Some((field, _)) => Err(InvalidField::new(
            field,
            format!(
                "cannot change once the session is {}: its terms are fixed",
                status.name()
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::test_rows::session;

    #[test]
    fn fields_are_checked() {
        assert!(validate(&session()).is_ok());
        let field = |change: fn(&mut SessionRow)| {
            let mut s = session();
            change(&mut s);
            validate(&s).unwrap_err().field
        };
        assert_eq!(field(|s| s.amount_minor = 0), "amount");
        assert_eq!(field(|s| s.amount_minor = -100), "amount");
        assert_eq!(field(|s| s.currency = "usd".into()), "currency");
        assert_eq!(field(|s| s.occurrences = 0), "occurrences");
        assert_eq!(field(|s| s.occurrences = 521), "occurrences");
    }

    #[test]
    fn each_payment_must_reach_the_processors_minimum_charge() {
        let check = |amount_hundredths: i64, currency: &str| {
            let mut s = session();
            s.amount_minor = amount_hundredths;
            s.currency = currency.into();
            validate(&s).map_err(|refusal| refusal.message)
        };
        assert_eq!(
            check(49, "USD"),
            Err(
                "must be at least 0.50 USD, the smallest charge the payment processor takes \
                 in USD, not 0.49 USD"
                    .into()
            )
        );
        assert_eq!(check(50, "USD"), Ok(()));
        assert_eq!(
            check(4_900, "JPY"),
            Err(
                "must be at least 50 JPY, the smallest charge the payment processor takes \
                 in JPY, not 49 JPY"
                    .into()
            )
        );
        assert_eq!(check(5_000, "JPY"), Ok(()));
        assert_eq!(check(1, "BHD"), Ok(()), "no stated minimum in BHD");
    }

    #[test]
    fn terms_are_fixed_once_the_session_is_not_active() {
        let before = session();
        let mut after = session();
        after.amount_minor = 20_000;
        assert!(terms_may_change(&before, &after, SessionStatus::Active).is_ok());
        for status in [
            SessionStatus::Completed,
            SessionStatus::Cancelled,
            SessionStatus::Expired,
        ] {
            let refused = terms_may_change(&before, &after, status).unwrap_err();
            assert_eq!(refused.field, "amount");
            assert!(refused.message.contains(status.name()), "{refused}");
        }
        let mut urls_only = session();
        urls_only.callback_url = Some("https://example.com/cb".into());
        assert!(terms_may_change(&before, &urls_only, SessionStatus::Completed).is_ok());
    }

    #[test]
    fn past_expiration_reads_as_expired() {
        let now = Utc::now();
        let mut s = session();
        assert_eq!(effective_status(&s, now), Ok(SessionStatus::Active));
        s.expiration_date = Some(now - Duration::seconds(1));
        assert_eq!(effective_status(&s, now), Ok(SessionStatus::Expired));
        s.status = "Cancelled".into();
        assert_eq!(effective_status(&s, now), Ok(SessionStatus::Cancelled));
        assert!(future_expiration(Some(now - Duration::seconds(1)), now).is_err());
        assert!(future_expiration(Some(now + Duration::seconds(60)), now).is_ok());
    }
}
