//! The page size of list queries.

use super::InvalidField;

/// Page size when the client gives none.
pub const DEFAULT_LIMIT: i32 = 10;
/// Largest page size.
pub const MAX_LIMIT: i32 = 100;

/// Checks a requested page size, applying the default.
pub fn limit(requested: Option<i32>) -> Result<i64, InvalidField> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        limit @ 1..=MAX_LIMIT => Ok(i64::from(limit)),
        other => Err(InvalidField::new(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}, not {other}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(limit(None), Ok(10));
        assert_eq!(limit(Some(1)), Ok(1));
        assert_eq!(limit(Some(100)), Ok(100));
        assert_eq!(limit(Some(0)).unwrap_err().field, "limit");
        assert_eq!(limit(Some(101)).unwrap_err().field, "limit");
        assert_eq!(limit(Some(-5)).unwrap_err().field, "limit");
    }
}
