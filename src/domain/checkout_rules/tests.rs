use super::*;

/// The domain's test link with a fixed 12.50 USD.
fn link() -> PaymentLinkRow {
    PaymentLinkRow {
        amount: Some(1_250),
        ..crate::domain::test_rows::link()
    }
}

fn usd() -> PayableCurrency {
    PayableCurrency::of("USD").unwrap()
}

fn form(amount: Option<&str>, phone: Option<&str>, method: Option<&str>) -> PayForm {
    PayForm {
        amount: amount.map(str::to_owned),
        phone: phone.map(str::to_owned),
        method: method.map(str::to_owned),
        email: None,
    }
}

fn fields(result: Result<CheckedPayment, Vec<InvalidField>>) -> Vec<String> {
    result
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|problem| problem.field)
        .collect()
}

#[test]
fn a_fixed_amount_is_the_links_whatever_is_posted() {
    let paid = check_link_form(&link(), usd(), &form(Some("0.01"), None, Some("card"))).unwrap();
    assert_eq!(paid.amount_minor, 1_250);
    assert_eq!(paid.method, PayMethod::Card);
}

#[test]
fn a_variable_amount_must_be_within_the_bounds() {
    let mut link = link();
    link.amount_is_variable = true;
    link.min_amount = Some(500);
    link.max_amount = Some(10_000);
    let check = |typed: &str| check_link_form(&link, usd(), &form(Some(typed), None, Some("ach")));
    assert_eq!(check("25").unwrap().amount_minor, 2_500);
    assert_eq!(check("5.00").unwrap().amount_minor, 500);
    assert_eq!(check("100").unwrap().amount_minor, 10_000);
    for bad in ["4.99", "100.01", "0", "", "abc", "1.001"] {
        assert_eq!(fields(check(bad)), ["amount"], "{bad:?}");
    }
}

#[test]
fn a_required_phone_must_be_e164() {
    let mut link = link();
    link.require_phone = true;
    let check =
        |phone: Option<&str>| check_link_form(&link, usd(), &form(None, phone, Some("card")));
    assert_eq!(
        check(Some("+1 415 555 2671")).unwrap().phone.as_deref(),
        Some("+14155552671")
    );
    assert_eq!(fields(check(None)), ["phone"]);
    assert_eq!(fields(check(Some("555-1234"))), ["phone"]);
}

#[test]
fn the_method_must_be_one_the_link_accepts_online() {
    let mut link = link();
    link.accepted_payment_methods = "ONLY_ACH".into();
    let check = |method: Option<&str>| check_link_form(&link, usd(), &form(None, None, method));
    assert_eq!(check(None).unwrap().method, PayMethod::Ach, "the only one");
    assert_eq!(fields(check(Some("card"))), ["method"]);
    link.accepted_payment_methods = "ALL".into();
    let check = |method: Option<&str>| check_link_form(&link, usd(), &form(None, None, method));
    assert_eq!(fields(check(None)), ["method"], "a choice must be made");
    assert_eq!(
        fields(check(Some("cash"))),
        ["method"],
        "cash is not paid online"
    );
}

#[test]
fn every_problem_is_listed_at_once() {
    let mut link = link();
    link.amount_is_variable = true;
    link.require_phone = true;
    assert_eq!(
        fields(check_link_form(
            &link,
            usd(),
            &form(Some("x"), Some("x"), Some("x"))
        )),
        ["amount", "phone", "method"]
    );
}

#[test]
fn accepted_methods_map_to_what_can_be_paid_online() {
    assert_eq!(methods("ALL").online, [PayMethod::Card, PayMethod::Ach]);
    assert!(methods("ALL").cash);
    assert_eq!(methods("ONLY_CASH").online, []);
    assert_eq!(methods("NOT_CARD").online, [PayMethod::Ach]);
    assert!(!methods("NOT_CASH").cash);
}

#[test]
fn posted_forms_are_read_once_per_field() {
    let form = PayForm::parse(b"amount=12.50&phone=%2B15551234567&method=card&method=ach&x=1");
    assert_eq!(form.amount.as_deref(), Some("12.50"));
    assert_eq!(form.phone.as_deref(), Some("+15551234567"));
    assert_eq!(form.method.as_deref(), Some("card"));
}

#[test]
fn a_variable_amount_without_bounds_must_reach_the_processors_minimum() {
    let mut link = link();
    link.amount_is_variable = true;
    link.amount = None;
    let check = |typed: &str| check_link_form(&link, usd(), &form(Some(typed), None, Some("card")));
    assert_eq!(check("0.50").unwrap().amount_minor, 50);
    let refused = check("0.49").unwrap_err();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].message, "Enter an amount of at least 0.50 USD.");
    assert_eq!(
        amount_hint(&link, usd()),
        "Any amount of at least 0.50 USD."
    );
    link.max_amount = Some(10_000);
    assert_eq!(
        amount_hint(&link, usd()),
        "Any amount between 0.50 USD and 100.00 USD."
    );
    let yen = PayableCurrency::of("JPY").unwrap();
    assert_eq!(
        amount_hint(&link, yen),
        "Any amount between 50 JPY and 10,000 JPY."
    );
    let dinar = PayableCurrency::of("BHD").unwrap();
    link.max_amount = None;
    assert_eq!(
        amount_hint(&link, dinar),
        "Any amount in BHD.",
        "no stated minimum"
    );
}

#[test]
fn a_links_own_minimum_holds_above_the_processors() {
    let mut link = link();
    link.amount_is_variable = true;
    link.min_amount = Some(2_000);
    assert_eq!(
        amount_hint(&link, usd()),
        "Any amount of at least 20.00 USD."
    );
    link.min_amount = Some(10);
    assert_eq!(
        amount_hint(&link, usd()),
        "Any amount of at least 0.50 USD.",
        "a row stored before minimums were checked"
    );
}

#[test]
fn the_phone_refusal_gives_an_example_the_check_accepts() {
    let mut link = link();
    link.require_phone = true;
    let refused = check_link_form(
        &link,
        usd(),
        &form(None, Some("+15551234567"), Some("card")),
    )
    .unwrap_err();
    let example = crate::domain::contact_rules::PHONE_EXAMPLE;
    assert!(
        refused[0].message.contains(example),
        "{}",
        refused[0].message
    );
    let paid = check_link_form(&link, usd(), &form(None, Some(example), Some("card"))).unwrap();
    assert_eq!(paid.phone.as_deref(), Some(example));
}

#[test]
fn plans_offer_bank_debits_in_usd_only() {
    assert_eq!(
        plan_methods("USD").online,
        [PayMethod::Card, PayMethod::Ach]
    );
    for currency in ["EUR", "JPY", "BHD"] {
        assert_eq!(
            plan_methods(currency).online,
            [PayMethod::Card],
            "{currency}"
        );
    }
    let ach = form(None, None, Some("ach"));
    assert_eq!(check_plan_form(&ach, "USD"), Ok(PayMethod::Ach));
    let refused = check_plan_form(&ach, "EUR").unwrap_err();
    assert_eq!(refused[0].field, "method");
    assert_eq!(
        check_plan_form(&form(None, None, None), "EUR"),
        Ok(PayMethod::Card),
        "the only method needs no choice"
    );
}
