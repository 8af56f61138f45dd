//! The API's timestamp text: RFC 3339 in UTC with exactly six fraction digits, so that a value
//! read back from the API is an exact paging cursor.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

/// The current time, cut to the microseconds PostgreSQL keeps.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// `2026-11-21T19:54:52.123456Z`.
pub fn format(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses an RFC 3339 timestamp with any offset, or a date alone (midnight UTC).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_microseconds_and_round_trips() {
        let time = parse("2026-11-21T19:54:52.123456Z").unwrap();
        assert_eq!(format(time), "2026-11-21T19:54:52.123456Z");
        let whole = parse("2026-11-21T19:54:52Z").unwrap();
        assert_eq!(format(whole), "2026-11-21T19:54:52.000000Z");
    }

    #[test]
    fn accepts_offsets_and_bare_dates() {
        assert_eq!(
            format(parse("2026-11-21T20:54:52.5+01:00").unwrap()),
            "2026-11-21T19:54:52.500000Z"
        );
        assert_eq!(
            format(parse("2026-11-21").unwrap()),
            "2026-11-21T00:00:00.000000Z"
        );
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn now_has_no_nanoseconds() {
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }
}
