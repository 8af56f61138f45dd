//! Stripe's limits on a `metadata` map: at most 50 keys, keys of 40 and values of 500
//! characters.

use std::collections::BTreeMap;

use super::param_error::{ParamError, invalid};

/// Checks `metadata`, sent as `param`, against Stripe's limits.
pub(super) fn check_metadata(
    param: &str,
    metadata: &BTreeMap<String, String>,
) -> Result<(), ParamError> {
    if metadata.len() > 50 {
        return Err(invalid(
            param,
            "Invalid metadata: metadata can have at most 50 keys.",
        ));
    }
    for (key, value) in metadata {
        if key.chars().count() > 40 {
            return Err(invalid(
                param,
                format!("Invalid metadata: key {key:?} is longer than 40 characters."),
            ));
        }
        if value.chars().count() > 500 {
            return Err(invalid(
                param,
                format!("Invalid metadata: the value of {key:?} is longer than 500 characters."),
            ));
        }
    }
    Ok(())
}
