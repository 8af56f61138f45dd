//! A Checkout Session's line items with their prices given inline (`price_data`).

use super::{
    param_error::{ParamError, invalid, missing},
    session::LineItem,
};

/// `line_items[0]`, `[1]`, ... until one is missing.
pub(super) fn line_items(
    form: &[(String, String)],
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<LineItem>, ParamError> {
    let mut items = Vec::new();
    loop {
        let at = format!("line_items[{}]", items.len());
        if !form.iter().any(|(k, _)| k.starts_with(&at)) {
            return Ok(items);
        }
        if let Some(price) = get(&format!("{at}[price]")) {
            return Err(ParamError {
                param: Some(format!("{at}[price]")),
                code: "resource_missing",
                message: format!("No such price: '{price}'"),
            });
        }
        let price = format!("{at}[price_data]");
        let field = |name: &str| {
            let param = format!("{price}{name}");
            get(&param).ok_or_else(|| missing(&param))
        };
        let currency = field("[currency]")?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid(
                &format!("{price}[currency]"),
                format!("Invalid currency: {currency}."),
            ));
        }
        let unit_amount = integer(
            &format!("{price}[unit_amount]"),
            &field("[unit_amount]")?,
            0,
        )?;
        let name = field("[product_data][name]")?;
        let description = get(&format!("{price}[product_data][description]"));
        let interval = get(&format!("{price}[recurring][interval]"));
        let count_param = format!("{price}[recurring][interval_count]");
        let interval_count = match (&interval, get(&count_param)) {
            (None, Some(_)) => return Err(missing(&format!("{price}[recurring][interval]"))),
            (None, None) => None,
            (Some(_), count) => Some(integer(&count_param, count.as_deref().unwrap_or("1"), 1)?),
        };
        if let Some(interval) = &interval {
            let days_per = match interval.as_str() {
                "day" => 1,
                "week" => 7,
                "month" => 31,
                "year" => 366,
                _ => {
                    return Err(invalid(
                        &format!("{price}[recurring][interval]"),
                        format!(
                            "Invalid {price}[recurring][interval]: must be one of day, week, month, or year"
                        ),
                    ));
                }
            };
            if interval_count.unwrap_or(1) * days_per > 3 * 366 {
                return Err(invalid(
                    &count_param,
                    "The maximum billing interval is three years.",
                ));
            }
        }
        let quantity_param = format!("{at}[quantity]");
        let quantity = get(&quantity_param).ok_or_else(|| missing(&quantity_param))?;
        let quantity = integer(&quantity_param, &quantity, 1)?;
        items.push(LineItem {
            name,
            description,
            currency: currency.to_ascii_lowercase(),
            unit_amount,
            quantity,
            interval,
            interval_count: interval_count.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        });
    }
}

fn integer(param: &str, value: &str, minimum: i64) -> Result<i64, ParamError> {
    let n: i64 = value
        .parse()
        .map_err(|_| invalid(param, format!("Invalid integer: {value}")))?;
    if n < minimum {
        return Err(invalid(
            param,
            format!("This value must be greater than or equal to {minimum}."),
        ));
    }
    Ok(n)
}
