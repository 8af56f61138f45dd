//! Service fees: what a payer pays on top of a SERVICE_FEE link's amount, so that the merchant
//! does not bear the cost of taking the payment (PayTheory's `fee_mode`; INTERCHANGE links add
//! nothing, and the merchant absorbs that cost).
//!
//! A merchant sets one fee per currency: a percentage with at most two decimals, held exactly
//! in basis points (2.9% is 290), and a fixed part in that currency's minor unit. The fee of an
//! amount is `round(amount × basis points / 10,000) + fixed`, rounded half up to the minor unit
//! (0.5 of a cent is a cent, as a payer working it out by hand expects), in integers only: the
//! product is taken in 128 bits, so no amount an `i64` holds overflows it. The fixed part is
//! per currency because it is money: 30 is 0.30 USD but 30 JPY or 0.030 BHD, and paylink
//! converts no currency into another, so a link in a currency without a fee adds nothing.

use paylink_store::payment_links::PaymentLinkRow;
use paylink_store::service_fees::ServiceFeeRow;

use super::InvalidField;
use super::minimums::minimum_charge;
use super::money::PayableCurrency;

/// The `fee_mode` (its SDL name) whose payers pay the merchant's service fee.
pub const SERVICE_FEE_MODE: &str = "SERVICE_FEE";

/// What the fee is called where the payer sees it: its line on paylink's pages and on the
/// processor's.
pub const LINE_NAME: &str = "Service fee";

/// Basis points in one percent.
const PER_PERCENT: i32 = 100;
/// Basis points in the whole: 100%.
const WHOLE: i32 = 100 * PER_PERCENT;

/// The largest fixed part, and the largest charge: what the contract's `Int` holds
/// (`Payment.amount`, `ServiceFee.fixed`).
pub const MAX_MINOR: i64 = i32::MAX as i64;

/// A percentage from 0% to 100% with at most two decimals, held exactly in basis points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percent(i32);

impl Percent {
    /// `basis_points` (hundredths of a percent) if it lies within 0% to 100%.
    pub fn from_basis_points(basis_points: i32) -> Option<Self> {
        (0..=WHOLE)
            .contains(&basis_points)
            .then_some(Self(basis_points))
    }

    /// Reads a percentage written as a decimal ("2.9", "2.95", "3", ".5"); the text of the
    /// refusal otherwise.
    pub fn parse(typed: &str) -> Result<Self, String> {
        let typed = typed.trim().trim_end_matches('%');
        let (whole, fraction) = typed.split_once('.').unwrap_or((typed, ""));
        let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(format!("must be a percentage such as 2.9, not {typed:?}"));
        }
        if fraction.len() > 2 {
            return Err(format!(
                "must have at most two decimal places (2.95 is the finest), not {typed:?}"
            ));
        }
        let out_of_range = || format!("must be from 0 to 100, not {typed:?}");
        let whole: i32 = match whole.trim_start_matches('0') {
            "" => 0,
            rest if rest.len() > 3 => return Err(out_of_range()),
            rest => rest.parse().map_err(|_| out_of_range())?,
        };
        let fraction: i32 = format!("{fraction:0<2}").parse().unwrap_or(0);
        Self::from_basis_points(whole * PER_PERCENT + fraction).ok_or_else(out_of_range)
    }

    /// In basis points: 290 for 2.9%.
    pub fn basis_points(self) -> i32 {
        self.0
    }

    /// As a decimal without trailing zeros: "2.9", "3", "0.05", "12.25".
    pub fn text(self) -> String {
        let (whole, fraction) = (self.0 / PER_PERCENT, self.0 % PER_PERCENT);
        match fraction {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }
}

/// A merchant's service fee in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceFee {
    /// The percentage of the amount.
    pub percent: Percent,
    /// The fixed part, in the currency's minor unit.
    pub fixed_minor: i64,
    /// The currency both are in.
    pub currency: PayableCurrency,
}

impl ServiceFee {
    /// Checks a fee being set: a part out of bounds, or no fee at all (0% and 0), is refused
    /// naming `--percent` or `--fixed`.
    pub fn new(
        percent: Percent,
        fixed_minor: i64,
        currency: PayableCurrency,
    ) -> Result<Self, InvalidField> {
        if !(0..=MAX_MINOR).contains(&fixed_minor) {
            return Err(InvalidField::new(
                "fixed",
                format!(
                    "must be from 0 to {MAX_MINOR}, in the minor unit of {}, not {fixed_minor}",
                    currency.code()
                ),
            ));
        }
        if percent.basis_points() == 0 && fixed_minor == 0 {
            return Err(InvalidField::new(
                "percent",
                "a fee of 0% and 0 is no fee: remove the fee instead",
            ));
        }
        Ok(Self {
            percent,
            fixed_minor,
            currency,
        })
    }

    /// A stored fee; `None` for a row outside the bounds the database holds it to, or in a
    /// currency paylink cannot take payments in.
    pub fn of_row(row: &ServiceFeeRow) -> Option<Self> {
        Self::new(
            Percent::from_basis_points(row.basis_points)?,
            row.fixed_minor,
            PayableCurrency::of(&row.currency)?,
        )
        .ok()
    }

    /// The fee on `amount_minor`: the percentage rounded half up to the minor unit, plus the
    /// fixed part; `None` for a negative amount or one whose fee an `i64` cannot hold.
    pub fn on(self, amount_minor: i64) -> Option<i64> {
        if amount_minor < 0 {
            return None;
        }
        let scaled = i128::from(amount_minor) * i128::from(self.percent.basis_points());
        let share = (scaled + i128::from(WHOLE / 2)) / i128::from(WHOLE);
        i64::try_from(share).ok()?.checked_add(self.fixed_minor)
    }

    /// The rule in words for payers: "2.9% + 0.30 USD", "2.9%", "0.30 USD".
    pub fn rule(self) -> String {
        let percent = format!("{}%", self.percent.text());
        let fixed = self.currency.format(self.fixed_minor);
        match (self.percent.basis_points(), self.fixed_minor) {
            (_, 0) => percent,
            (0, _) => fixed,
            _ => format!("{percent} + {fixed}"),
        }
    }
}

/// The fee a payer of `link` pays, given its merchant's fee in the link's currency: that fee on
/// a SERVICE_FEE link, nothing on any other.
pub fn for_link(
    link: &PaymentLinkRow,
    merchants_fee: Option<&ServiceFeeRow>,
) -> Option<ServiceFee> {
    if link.fee_mode != SERVICE_FEE_MODE {
        return None;
    }
    merchants_fee
        .filter(|row| row.currency == link.currency)
        .and_then(ServiceFee::of_row)
}

/// What a payer is charged: the amount, the service fee on it, and the two together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The link's amount, or the payer's.
    pub amount_minor: i64,
    /// The service fee; 0 without one.
    pub fee_minor: i64,
    /// What the processor charges.
    pub total_minor: i64,
}

/// The charge for `amount_minor` in `currency` with `fee`, refused on `amount` when the total is
/// more than paylink records, or less than the processor's minimum charge: the processor applies
/// its minimum to what it charges, the fee included.
pub fn charge(
    amount_minor: i64,
    fee: Option<ServiceFee>,
    currency: PayableCurrency,
) -> Result<Charge, InvalidField> {
    let too_much = || {
        InvalidField::new(
            "amount",
            format!(
                "The total is more than can be paid online; the most is {}.",
                currency.format(MAX_MINOR)
            ),
        )
    };
    let fee_minor = match fee {
        Some(fee) => fee.on(amount_minor).ok_or_else(too_much)?,
        None => 0,
    };
    let total_minor = amount_minor.checked_add(fee_minor).ok_or_else(too_much)?;
    if total_minor > MAX_MINOR {
        return Err(too_much());
    }
    if let Some(minimum) = minimum_charge(currency).filter(|minimum| total_minor < *minimum) {
        return Err(InvalidField::new(
            "amount",
            format!(
                "The total, {}, is less than {}, the smallest charge the payment processor takes in {}.",
                currency.format(total_minor),
                currency.format(minimum),
                currency.code()
            ),
        ));
    }
    Ok(Charge {
        amount_minor,
        fee_minor,
        total_minor,
    })
}

#[cfg(test)]
mod tests;
