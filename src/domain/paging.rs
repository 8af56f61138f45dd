//! The page size and cursor parts of list queries.

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

/// A part of a page cursor (`offset` or `offset_id`) as the client gave it: an empty one is
/// none, since PayTheory's documentation asks for the first page with `offset: ""` and
/// `offset_id: ""`. No link id is empty, and an empty sort value is still reached through
/// `offset_id`, which reads the boundary from the link itself.
pub fn cursor_part(given: Option<String>) -> Option<String> {
    given.filter(|part| !part.is_empty())
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

    #[test]
    fn empty_cursor_parts_are_none() {
        assert_eq!(cursor_part(Some(String::new())), None);
        assert_eq!(cursor_part(None), None);
        assert_eq!(cursor_part(Some(" ".into())), Some(" ".into()));
        assert_eq!(
            cursor_part(Some("pt_link_1".into())),
            Some("pt_link_1".into())
        );
    }
}
