//! A Checkout Session's `subscription_data[…]`: the subscription's metadata and `trial_end`.

use std::collections::BTreeMap;

use super::{
    metadata::check_metadata,
    param_error::{ParamError, invalid},
    unix_now,
};

/// Stripe's documented minimum for Checkout's `subscription_data[trial_end]`: "Has to be at
/// least 48 hours in the future."
const MIN_TRIAL_SECONDS: i64 = 48 * 3600;

/// What `subscription_data` asked of the subscription.
#[derive(Debug, Clone, Default)]
pub(super) struct SubscriptionData {
    /// `subscription_data[metadata][k]`.
    pub(super) metadata: BTreeMap<String, String>,
    /// `subscription_data[trial_end]`, Unix seconds.
    pub(super) trial_end: Option<i64>,
}

/// Checks `subscription_data[…]` as Stripe does: only subscription mode takes it, its metadata
/// keeps Stripe's limits, and `trial_end` is an integer at least 48 hours after now.
pub(super) fn parse(form: &[(String, String)], mode: &str) -> Result<SubscriptionData, ParamError> {
    // Stripe reads an empty value as "not given".
    let given = form
        .iter()
        .filter(|(k, v)| k.starts_with("subscription_data[") && !v.is_empty());
    if given.clone().next().is_some() && mode != "subscription" {
        return Err(invalid(
            "subscription_data",
            format!("You can not pass `subscription_data` in `{mode}` mode."),
        ));
    }
    let metadata: BTreeMap<String, String> = given
        .clone()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("subscription_data[metadata][")?;
            Some((key.strip_suffix(']')?.to_owned(), v.clone()))
        })
        .collect();
    check_metadata("subscription_data[metadata]", &metadata)?;
    const PARAM: &str = "subscription_data[trial_end]";
    let trial_end = match given.clone().find(|(k, _)| k == PARAM) {
        None => None,
        Some((_, value)) => {
            let at: i64 = value
                .parse()
                .map_err(|_| invalid(PARAM, format!("Invalid integer: {value}")))?;
            if at < unix_now() + MIN_TRIAL_SECONDS {
                return Err(invalid(
                    PARAM,
                    "`subscription_data[trial_end]` has to be at least 48 hours in the future.",
                ));
            }
            Some(at)
        }
    };
    Ok(SubscriptionData {
        metadata,
        trial_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(trial_end: i64) -> Vec<(String, String)> {
        vec![("subscription_data[trial_end]".into(), trial_end.to_string())]
    }

    #[test]
    fn a_trial_end_needs_48_hours() {
        let now = unix_now();
        let error = parse(&form(now + MIN_TRIAL_SECONDS - 60), "subscription").unwrap_err();
        assert_eq!(error.param.as_deref(), Some("subscription_data[trial_end]"));
        let ok = parse(&form(now + MIN_TRIAL_SECONDS + 60), "subscription").unwrap();
        assert_eq!(ok.trial_end, Some(now + MIN_TRIAL_SECONDS + 60));
        let error = parse(&form(now + 3 * 86_400), "payment").unwrap_err();
        assert_eq!(error.param.as_deref(), Some("subscription_data"));
    }
}
