//! The custom scalars of the contract. Their descriptions repeat the SDL's exactly, because
//! juniper serves the Rust-side description and `schema check` compares it with the SDL.

use std::fmt;

use chrono::{NaiveDate, SecondsFormat, Utc};
use juniper::GraphQLScalar;

/// Largest amount accepted, in minor units: keeps sums far from overflow.
const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

/// A decimal amount with two fraction digits, held in minor units (cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, GraphQLScalar)]
#[graphql(
    name = "Amount",
    description = "A decimal amount as a string with two fraction digits, such as \"100.00\".",
    to_output_with = Self::output,
    from_input_with = Self::from_input,
    parse_token(String)
)]
pub struct Amount(i64);

impl Amount {
    /// An amount of `minor` units (cents).
    pub fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses `"100"`, `"100.5"` or `"100.50"`; a leading `-` is kept so that the domain rule can
    /// refuse a negative amount with a clear message.
    pub fn parse(text: &str) -> Option<Self> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 13
            || fraction.len() > 2
            || !all_digits(whole)
            || !all_digits(fraction)
        {
            return None;
        }
        if digits.ends_with('.') {
            return None;
        }
        let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
        let minor = whole
            .parse::<i64>()
            .ok()?
            .checked_mul(100)?
            .checked_add(cents)?;
        if minor > MAX_AMOUNT_MINOR {
            return None;
        }
        Some(Self(if negative { -minor } else { minor }))
    }

    fn output(&self) -> String {
        self.to_string()
    }

    fn from_input(text: &str) -> Result<Self, Box<str>> {
        Self::parse(text).ok_or_else(|| {
            format!("Expected an Amount such as \"100.00\" (at most two fraction digits), found {text:?}")
                .into()
        })
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::domain::money::hundredths_text(self.0))
    }
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, GraphQLScalar)]
#[graphql(
    name = "Date",
    description = "A calendar date, YYYY-MM-DD.",
    to_output_with = Self::output,
    from_input_with = Self::from_input,
    parse_token(String)
)]
pub struct Date(pub NaiveDate);

impl Date {
    fn output(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }

    fn from_input(text: &str) -> Result<Self, Box<str>> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Self)
            .map_err(|_| format!("Expected a Date as YYYY-MM-DD, found {text:?}").into())
    }
}

/// A point in time, served in UTC with microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, GraphQLScalar)]
#[graphql(
    name = "DateTime",
    description = "A point in time, RFC 3339 (for example 2026-11-21T19:54:52.123456Z).",
    to_output_with = Self::output,
    from_input_with = Self::from_input,
    parse_token(String)
)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl DateTime {
    fn output(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    fn from_input(text: &str) -> Result<Self, Box<str>> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|time| Self(time.with_timezone(&Utc)))
            .map_err(|_| format!("Expected an RFC 3339 DateTime, found {text:?}").into())
    }
}

/// An absolute http or https URL.
#[derive(Clone, Debug, PartialEq, Eq, GraphQLScalar)]
#[graphql(
    name = "URL",
    description = "An absolute http or https URL.",
    to_output_with = Self::output,
    from_input_with = Self::from_input,
    parse_token(String)
)]
pub struct Url(pub String);

impl Url {
    fn output(&self) -> String {
        self.0.clone()
    }

    fn from_input(text: &str) -> Result<Self, Box<str>> {
        match crate::domain::urls::absolute_http(text) {
            Ok(()) => Ok(Self(text.to_owned())),
            Err(problem) => {
                Err(format!("Expected an absolute http(s) URL ({problem}), found {text:?}").into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_and_print_with_two_digits() {
        assert_eq!(Amount::parse("100.00"), Some(Amount(10_000)));
        assert_eq!(Amount::parse("100.5"), Some(Amount(10_050)));
        assert_eq!(Amount::parse("7"), Some(Amount(700)));
        assert_eq!(Amount::parse("-1.25"), Some(Amount(-125)));
        for bad in [
            "",
            "1.234",
            "abc",
            "1.",
            ".5",
            "1e3",
            "1,00",
            "99999999999999.00",
        ] {
            assert_eq!(Amount::parse(bad), None, "{bad}");
        }
        assert_eq!(Amount(10_050).to_string(), "100.50");
        assert_eq!(Amount(5).to_string(), "0.05");
        assert_eq!(Amount(-125).to_string(), "-1.25");
    }
}
