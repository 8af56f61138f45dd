//! The smallest charge the payment processor takes in each currency. Below it a checkout fails
//! at the processor, so links and sessions are refused when they are created or changed rather
//! than when a payer tries to pay.
//!
//! Source: Stripe's "Supported currencies" page, section "Minimum and maximum charge amounts"
//! (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Stripe states each minimum
//! for a settlement currency; paylink charges in the link's or session's own currency and
//! applies that currency's row. A currency the table does not name has no minimum beyond
//! being greater than 0.

use super::InvalidField;
use super::money::PayableCurrency;

/// Minimum charges in the currency's ISO 4217 minor unit (`iso_currency`'s exponent).
const MINIMUM_CHARGES: [(&str, i64); 24] = [
    ("AED", 200),
    ("AUD", 50),
    ("BGN", 100),
    ("BRL", 50),
    ("CAD", 50),
    ("CHF", 50),
    ("CZK", 1_500),
    ("DKK", 250),
    ("EUR", 50),
    ("GBP", 30),
    ("HKD", 400),
    ("HUF", 17_500),
    ("INR", 50),
    ("JPY", 50),
    ("MXN", 1_000),
    ("MYR", 200),
    ("NOK", 300),
    ("NZD", 50),
    ("PLN", 200),
    ("RON", 200),
    ("SEK", 300),
    ("SGD", 50),
    ("THB", 1_000),
    ("USD", 50),
];

/// The smallest charge in `currency`, in its minor unit, when the processor states one.
pub fn minimum_charge(currency: PayableCurrency) -> Option<i64> {
    MINIMUM_CHARGES
        .iter()
        .find(|(code, _)| *code == currency.code())
        .map(|(_, minimum)| *minimum)
}

/// How the client wrote the amount being checked, so the refusal can say the minimum the same
/// way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// An `Int` in the currency's minor unit (a payment link's amounts).
    MinorUnits,
    /// A decimal in the major unit (a session's `Amount`).
    MajorUnits,
}

/// Refuses `amount_minor` in `currency` below the processor's minimum charge, naming `field`.
pub fn at_least_minimum(
    field: &str,
    currency: PayableCurrency,
    amount_minor: i64,
    written: Written,
) -> Result<(), InvalidField> {
    match minimum_charge(currency) {
        Some(minimum) if amount_minor < minimum => {
            let in_minor_units = match written {
                Written::MinorUnits => format!(" ({minimum} in minor units)"),
                Written::MajorUnits => String::new(),
            };
            Err(InvalidField::new(
                field,
                format!(
                    "must be at least {}{in_minor_units}, the smallest charge the payment processor takes in {}, not {}",
                    currency.format(minimum),
                    currency.code(),
                    currency.format(amount_minor),
                ),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(code: &str) -> PayableCurrency {
        PayableCurrency::of(code).unwrap()
    }

    #[test]
    fn every_listed_code_is_a_payable_currency() {
        for (code, minimum) in MINIMUM_CHARGES {
            assert!(PayableCurrency::of(code).is_some(), "{code}");
            assert!(minimum > 0, "{code}");
        }
        let mut codes: Vec<_> = MINIMUM_CHARGES.iter().map(|(code, _)| *code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), MINIMUM_CHARGES.len(), "one row a currency");
    }

    #[test]
    fn minimums_are_in_the_currencys_minor_unit() {
        assert_eq!(minimum_charge(of("USD")), Some(50));
        assert_eq!(minimum_charge(of("GBP")), Some(30));
        assert_eq!(minimum_charge(of("JPY")), Some(50), "50 yen, no minor unit");
        assert_eq!(minimum_charge(of("HUF")), Some(17_500));
        assert_eq!(minimum_charge(of("BHD")), None);
    }

    #[test]
    fn refusals_state_the_minimum_as_money() {
        let refused = at_least_minimum("amount", of("USD"), 49, Written::MinorUnits).unwrap_err();
        assert_eq!(refused.field, "amount");
        assert_eq!(
            refused.message,
            "must be at least 0.50 USD (50 in minor units), the smallest charge the payment \
             processor takes in USD, not 0.49 USD"
        );
        let refused = at_least_minimum("amount", of("JPY"), 49, Written::MajorUnits).unwrap_err();
        assert_eq!(
            refused.message,
            "must be at least 50 JPY, the smallest charge the payment processor takes in JPY, \
             not 49 JPY"
        );
        assert!(at_least_minimum("amount", of("USD"), 50, Written::MinorUnits).is_ok());
        assert!(at_least_minimum("amount", of("BHD"), 1, Written::MinorUnits).is_ok());
    }
}
