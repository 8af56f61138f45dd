//! The paging arguments of list queries: page size, direction and the boundary cursor.

use super::{InvalidField, timestamps};

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

/// Parses an `offset` cursor: a `created_date` as the API returns it.
pub fn created_date_offset(
    offset: Option<&str>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, InvalidField> {
    offset
        .map(|text| {
            timestamps::parse(text).ok_or_else(|| {
                InvalidField::new(
                    "offset",
                    format!(
                        "must be a created_date as the API returns it (RFC 3339, such as \
                         2026-01-31T12:00:00.000000Z), not {text:?}"
                    ),
                )
            })
        })
        .transpose()
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
    fn offsets_parse_as_timestamps() {
        assert!(created_date_offset(None).unwrap().is_none());
        assert!(
            created_date_offset(Some("2026-01-31T12:00:00.000001Z"))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            created_date_offset(Some("soon")).unwrap_err().field,
            "offset"
        );
    }
}
