//! Amounts in a currency's minor unit, as ISO 4217 defines it (through `iso_currency`): USD has
//! two decimals, JPY none, BHD three. Formats amounts for payers and reads the amounts they type.

use iso_currency::Currency;

use super::InvalidField;

/// A currency that amounts can be paid in: a known ISO 4217 code with a minor unit (not a
/// fund or metal code such as XAU, which has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayableCurrency {
    code: &'static str,
    decimals: u32,
}

impl PayableCurrency {
    /// The currency of `code` (upper-case), if paylink can take payments in it.
    pub fn of(code: &str) -> Option<Self> {
        let currency = Currency::from_code(code)?;
        Some(Self {
            code: currency.code(),
            decimals: u32::from(currency.exponent()?),
        })
    }

    /// Its ISO 4217 code.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point in its major unit.
    pub fn decimals(self) -> u32 {
        self.decimals
    }

    /// `amount_minor` as decimal text, digits grouped by thousands: "1,234.50" for 123450 USD,
    /// "500" for 500 JPY.
    pub fn decimal(self, amount_minor: i64) -> String {
        digits(amount_minor, self.decimals, true)
    }

    /// `amount_minor` for payers: the decimal amount and the code, "1,234.50 USD". The code,
    /// not a symbol: "$" alone would not tell US from Canadian dollars. Every amount a payer or
    /// merchant reads as money is written by this function.
    pub fn format(self, amount_minor: i64) -> String {
        format!("{} {}", self.decimal(amount_minor), self.code)
    }

    /// `amount_minor` as a payer would type it back: no grouping ("1234.50").
    pub fn plain(self, amount_minor: i64) -> String {
        digits(amount_minor, self.decimals, false)
    }

    /// An amount given in hundredths of the major unit (a session's `Amount`, "100.50"), in
    /// this currency's minor unit; `None` when the currency cannot hold it exactly ("100.50"
    /// JPY) or it overflows.
    pub fn from_hundredths(self, hundredths: i64) -> Option<i64> {
        match self.decimals {
            0 => (hundredths % 100 == 0).then_some(hundredths / 100),
            1 => (hundredths % 10 == 0).then_some(hundredths / 10),
            decimals => hundredths.checked_mul(10_i64.checked_pow(decimals - 2)?),
        }
    }

    /// Reads an amount a payer typed in the major unit ("12.5", "1,234.50", "500") into minor
    /// units; `None` when it is not such an amount or has more decimals than the currency.
    pub fn parse(self, typed: &str) -> Option<i64> {
        let typed = typed.trim().replace([',', ' '], "");
        let (whole, fraction) = typed.split_once('.').unwrap_or((&typed, ""));
        let all_digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > self.decimals as usize
            || whole.len() > 15
        {
            return None;
        }
        let scale = 10_i64.pow(self.decimals);
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let fraction: i64 = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<width$}", width = self.decimals as usize);
            padded.parse().ok()?
        };
        whole.checked_mul(scale)?.checked_add(fraction)
    }
}

/// An amount in a stored currency code for payers: [`PayableCurrency::format`], or the bare
/// minor units and the code when paylink cannot pay in it (a row stored before currencies were
/// checked).
pub fn for_payers(code: &str, amount_minor: i64) -> String {
    match PayableCurrency::of(code) {
        Some(currency) => currency.format(amount_minor),
        None => format!("{amount_minor} {code}"),
    }
}

/// A session's amount (hundredths of the major unit, as its `Amount` holds it) for payers,
/// in the currency's own minor unit: "5,000 JPY" for "5000.00" JPY. A currency paylink cannot
/// pay in, or an amount it cannot hold, shows the `Amount` as given and the code.
pub fn hundredths_for_payers(code: &str, hundredths: i64) -> String {
    match PayableCurrency::of(code).and_then(|currency| {
        currency
            .from_hundredths(hundredths)
            .map(|minor| currency.format(minor))
    }) {
        Some(text) => text,
        None => format!("{} {code}", hundredths_text(hundredths)),
    }
}

/// The wire form of an `Amount` (a session's amount in hundredths of the major unit): two
/// fraction digits, no grouping, "100.50". The API and the merchant's callback both write it.
pub fn hundredths_text(hundredths: i64) -> String {
    digits(hundredths, 2, false)
}

/// `amount` units of 10^-`decimals` as decimal text, optionally grouped by thousands.
fn digits(amount: i64, decimals: u32, grouped: bool) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let digits = amount.unsigned_abs().to_string();
    let decimals = decimals as usize;
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (whole, fraction) = padded.split_at(padded.len() - decimals);
    let mut text = String::with_capacity(whole.len() + whole.len() / 3 + decimals + 2);
    text.push_str(sign);
    for (index, digit) in whole.chars().enumerate() {
        if grouped && index > 0 && (whole.len() - index) % 3 == 0 {
            text.push(',');
        }
        text.push(digit);
    }
    if decimals > 0 {
        text.push('.');
        text.push_str(fraction);
    }
    text
}

/// Checks that `code` names a currency paylink can take payments in.
pub fn currency(field: &str, code: &str) -> Result<PayableCurrency, InvalidField> {
    PayableCurrency::of(code).ok_or_else(|| {
        InvalidField::new(
            field,
            format!(
                "must be an ISO 4217 currency code of three uppercase letters with a minor unit, such as USD, not {code:?}"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(code: &str) -> PayableCurrency {
        PayableCurrency::of(code).unwrap()
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(of("USD").decimals(), 2);
        assert_eq!(of("JPY").decimals(), 0);
        assert_eq!(of("BHD").decimals(), 3);
        assert_eq!(PayableCurrency::of("XAU"), None, "gold has no minor unit");
        assert_eq!(PayableCurrency::of("ZZZ"), None);
        assert_eq!(PayableCurrency::of("usd"), None);
    }

    #[test]
    fn amounts_are_formatted_in_the_major_unit() {
        assert_eq!(of("USD").format(123_450), "1,234.50 USD");
        assert_eq!(of("USD").format(5), "0.05 USD");
        assert_eq!(of("JPY").format(500), "500 JPY");
        assert_eq!(of("JPY").format(1_234_567), "1,234,567 JPY");
        assert_eq!(of("BHD").format(1_500), "1.500 BHD");
        assert_eq!(of("USD").plain(123_450), "1234.50");
        assert_eq!(of("USD").format(-123_450), "-1,234.50 USD");
        assert_eq!(of("JPY").plain(-1_234_567), "-1234567");
    }

    #[test]
    fn stored_codes_and_session_amounts_for_payers() {
        assert_eq!(for_payers("JPY", 5_000), "5,000 JPY");
        assert_eq!(for_payers("XAU", 5_000), "5000 XAU");
        assert_eq!(hundredths_for_payers("JPY", 500_000), "5,000 JPY");
        assert_eq!(hundredths_for_payers("BHD", 150), "1.500 BHD");
        assert_eq!(hundredths_for_payers("USD", 1_250), "12.50 USD");
        assert_eq!(hundredths_for_payers("JPY", 10_050), "100.50 JPY");
    }

    #[test]
    fn amounts_on_the_wire_have_two_fraction_digits() {
        assert_eq!(hundredths_text(10_050), "100.50");
        assert_eq!(hundredths_text(5), "0.05");
        assert_eq!(hundredths_text(123_456_789), "1234567.89");
        assert_eq!(hundredths_text(-5), "-0.05");
    }

    #[test]
    fn typed_amounts_are_read_in_the_major_unit() {
        assert_eq!(of("USD").parse("12.5"), Some(1_250));
        assert_eq!(of("USD").parse(" 1,234.50 "), Some(123_450));
        assert_eq!(of("USD").parse("7"), Some(700));
        assert_eq!(of("USD").parse(".25"), Some(25));
        assert_eq!(of("USD").parse("1.234"), None, "three decimals in USD");
        assert_eq!(of("JPY").parse("500"), Some(500));
        assert_eq!(of("JPY").parse("500.5"), None);
        assert_eq!(of("BHD").parse("1.5"), Some(1_500));
        for bad in ["", ".", "-5", "1e3", "abc", "1.2.3", "99999999999999999999"] {
            assert_eq!(of("USD").parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hundredths_become_the_currencys_minor_unit() {
        assert_eq!(of("USD").from_hundredths(10_050), Some(10_050));
        assert_eq!(of("JPY").from_hundredths(10_000), Some(100));
        assert_eq!(of("JPY").from_hundredths(10_050), None);
        assert_eq!(of("BHD").from_hundredths(10_050), Some(100_500));
    }

    #[test]
    fn round_trips() {
        for amount in [1, 99, 100, 12_345, 1_000_000] {
            for code in ["USD", "JPY", "BHD"] {
                assert_eq!(of(code).parse(&of(code).plain(amount)), Some(amount));
            }
        }
    }
}
