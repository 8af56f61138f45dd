use chrono::Utc;

use super::*;
use crate::domain::test_rows;

fn of(code: &str) -> PayableCurrency {
    PayableCurrency::of(code).unwrap()
}

fn percent(typed: &str) -> Percent {
    Percent::parse(typed).unwrap()
}

fn fee(typed: &str, fixed_minor: i64, code: &str) -> ServiceFee {
    ServiceFee::new(percent(typed), fixed_minor, of(code)).unwrap()
}

fn row(code: &str, basis_points: i32, fixed_minor: i64) -> ServiceFeeRow {
    ServiceFeeRow {
        merchant_uid: "mer_x".into(),
        currency: code.into(),
        basis_points,
        fixed_minor,
        updated_at: Utc::now(),
    }
}

#[test]
fn percentages_are_read_exactly_in_basis_points() {
    for (typed, basis_points) in [
        ("2.9", 290),
        ("2.90", 290),
        ("2.95", 295),
        ("3", 300),
        ("0.05", 5),
        (".5", 50),
        ("02.9", 290),
        ("2.9%", 290),
        (" 12.25 ", 1_225),
        ("0", 0),
        ("100", 10_000),
        ("100.00", 10_000),
    ] {
        assert_eq!(percent(typed).basis_points(), basis_points, "{typed:?}");
    }
    for bad in [
        "",
        ".",
        "-1",
        "2.999",
        "100.01",
        "101",
        "1000",
        "1e2",
        "2,9",
        "abc",
        "9999999999",
    ] {
        assert!(Percent::parse(bad).is_err(), "{bad:?}");
    }
    assert!(
        Percent::parse("2.999")
            .unwrap_err()
            .contains("at most two decimal places")
    );
}

#[test]
fn percentages_are_written_without_trailing_zeros() {
    for (basis_points, text) in [
        (290, "2.9"),
        (300, "3"),
        (5, "0.05"),
        (1_225, "12.25"),
        (10_000, "100"),
        (0, "0"),
    ] {
        assert_eq!(
            Percent::from_basis_points(basis_points).unwrap().text(),
            text
        );
    }
    assert_eq!(Percent::from_basis_points(10_001), None);
    assert_eq!(Percent::from_basis_points(-1), None);
}

#[test]
fn the_fee_is_the_percentage_rounded_half_up_plus_the_fixed_part() {
    // 25.00 USD at 2.9% is 0.725 USD: 0.73, and 0.30 on top.
    assert_eq!(fee("2.9", 30, "USD").on(2_500), Some(103));
    assert_eq!(fee("2.9", 0, "USD").on(2_500), Some(73));
    // 5,000 JPY at 2.9% is 145 yen; the fixed part is yen too.
    assert_eq!(fee("2.9", 30, "JPY").on(5_000), Some(175));
    // 1,000 JPY at 2.95% is 29.5 yen: 30.
    assert_eq!(fee("2.95", 0, "JPY").on(1_000), Some(30));
    // 1.500 BHD at 2.9% is 43.5 fils: 44, and 0.100 BHD on top.
    assert_eq!(fee("2.9", 100, "BHD").on(1_500), Some(144));
    assert_eq!(fee("0", 30, "USD").on(2_500), Some(30));
}

#[test]
fn rounding_goes_up_from_the_half_and_down_below_it() {
    assert_eq!(fee("50", 0, "USD").on(1), Some(1), "0.5 of a cent");
    assert_eq!(fee("49.99", 0, "USD").on(1), Some(0), "0.4999 of a cent");
    assert_eq!(fee("1", 0, "USD").on(50), Some(1), "exactly 0.5");
    assert_eq!(fee("1", 0, "USD").on(49), Some(0), "0.49");
    assert_eq!(fee("1", 0, "USD").on(150), Some(2), "1.5");
    assert_eq!(fee("0.01", 0, "USD").on(4_999), Some(0), "0.4999");
    assert_eq!(fee("0.01", 0, "USD").on(5_000), Some(1), "0.5");
    assert_eq!(fee("100", 0, "USD").on(1_234), Some(1_234));
    assert_eq!(fee("2.9", 30, "USD").on(0), Some(30));
    assert_eq!(fee("2.9", 30, "USD").on(-1), None);
}

#[test]
fn large_amounts_do_not_overflow() {
    // The product of an i64 amount and 10,000 basis points needs 128 bits.
    assert_eq!(fee("100", 0, "USD").on(i64::MAX), Some(i64::MAX));
    assert_eq!(
        fee("2.9", 0, "USD").on(i64::MAX),
        Some(267_477_789_068_788_498)
    );
    assert_eq!(
        fee("100", 1, "USD").on(i64::MAX),
        None,
        "the fixed part overflows"
    );
    let max_int = i64::from(i32::MAX);
    assert_eq!(fee("2.9", 30, "USD").on(max_int), Some(62_277_026 + 30));
    assert!(charge(max_int, Some(fee("2.9", 30, "USD")), of("USD")).is_err());
    assert!(charge(i64::MAX, Some(fee("100", 1, "USD")), of("USD")).is_err());
}

#[test]
fn the_rule_is_written_in_the_currency() {
    assert_eq!(fee("2.9", 30, "USD").rule(), "2.9% + 0.30 USD");
    assert_eq!(fee("2.9", 0, "USD").rule(), "2.9%");
    assert_eq!(fee("0", 30, "USD").rule(), "0.30 USD");
    assert_eq!(fee("3.5", 100, "JPY").rule(), "3.5% + 100 JPY");
    assert_eq!(fee("1.25", 250, "BHD").rule(), "1.25% + 0.250 BHD");
}

#[test]
fn a_fee_of_nothing_or_out_of_bounds_is_refused() {
    let nothing = ServiceFee::new(percent("0"), 0, of("USD")).unwrap_err();
    assert_eq!(nothing.field, "percent");
    let negative = ServiceFee::new(percent("1"), -1, of("USD")).unwrap_err();
    assert_eq!(negative.field, "fixed");
    assert!(ServiceFee::new(percent("1"), MAX_MINOR + 1, of("USD")).is_err());
    assert!(ServiceFee::new(percent("0"), MAX_MINOR, of("USD")).is_ok());
}

#[test]
fn only_service_fee_links_in_the_fees_currency_pay_it() {
    let link = test_rows::link();
    let usd = row("USD", 290, 30);
    assert_eq!(for_link(&link, Some(&usd)), Some(fee("2.9", 30, "USD")));
    assert_eq!(for_link(&link, None), None);
    assert_eq!(for_link(&link, Some(&row("EUR", 290, 30))), None);
    let interchange = PaymentLinkRow {
        fee_mode: "INTERCHANGE".into(),
        ..test_rows::link()
    };
    assert_eq!(for_link(&interchange, Some(&usd)), None);
    assert_eq!(
        for_link(&link, Some(&row("USD", 20_000, 30))),
        None,
        "out of bounds"
    );
}

#[test]
fn the_charge_is_the_amount_and_the_fee() {
    assert_eq!(
        charge(2_500, Some(fee("2.9", 30, "USD")), of("USD")),
        Ok(Charge {
            amount_minor: 2_500,
            fee_minor: 103,
            total_minor: 2_603
        })
    );
    assert_eq!(
        charge(2_500, None, of("USD")),
        Ok(Charge {
            amount_minor: 2_500,
            fee_minor: 0,
            total_minor: 2_500
        })
    );
    assert_eq!(
        charge(1, Some(fee("0", 1_000, "BHD")), of("BHD"))
            .unwrap()
            .total_minor,
        1_001
    );
}

#[test]
fn the_processors_minimum_applies_to_the_total() {
    // A link stored before minimums were checked: 0.30 USD alone is below 0.50 USD.
    let refused = charge(30, None, of("USD")).unwrap_err();
    assert_eq!(refused.field, "amount");
    assert_eq!(
        refused.message,
        "The total, 0.30 USD, is less than 0.50 USD, the smallest charge the payment processor \
         takes in USD."
    );
    // With its fee the charge reaches the minimum.
    assert_eq!(
        charge(30, Some(fee("0", 20, "USD")), of("USD"))
            .unwrap()
            .total_minor,
        50
    );
    assert!(charge(49, None, of("JPY")).is_err());
    assert!(charge(1, None, of("BHD")).is_ok(), "no minimum stated");
}
