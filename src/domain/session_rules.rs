//! The rules of payment-plan sessions and how their status reads.

use chrono::{DateTime, Utc};
use paylink_store::sessions::SessionRow;

use super::InvalidField;
use super::minimums::Written;

/// Fewest payments in a plan.
pub const MIN_OCCURRENCES: i32 = 1;
/// Most payments in a plan (ten years of weekly payments).
pub const MAX_OCCURRENCES: i32 = 520;

/// Status names as stored and served.
pub use paylink_store::sessions::status;

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

/// The status a session reads as at `now`: an Active session past its expiration is Expired.
pub fn effective_status(session: &SessionRow, now: DateTime<Utc>) -> &str {
    match session.expiration_date {
        Some(expiration) if expiration <= now && session.status == status::ACTIVE => {
            status::EXPIRED
        }
        _ => &session.status,
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
    fn past_expiration_reads_as_expired() {
        let now = Utc::now();
        let mut s = session();
        assert_eq!(effective_status(&s, now), "Active");
        s.expiration_date = Some(now - Duration::seconds(1));
        assert_eq!(effective_status(&s, now), "Expired");
        s.status = "Cancelled".into();
        assert_eq!(effective_status(&s, now), "Cancelled");
        assert!(future_expiration(Some(now - Duration::seconds(1)), now).is_err());
        assert!(future_expiration(Some(now + Duration::seconds(60)), now).is_ok());
    }
}
