//! When a payment plan charges: its first payment, and the end of its last period, after which
//! the provider's subscription must stop so that it charges `occurrences` times and no more.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};

/// How far ahead a first payment must be for the provider to wait for it (Stripe Checkout's
/// `trial_end` must be at least 48 hours away), with an hour to spare for the payer.
const LEAST_DELAY_HOURS: i64 = 49;

/// The first payment of a plan starting on `start_date` and set up at `now`: midnight UTC of
/// the start date when that is far enough ahead for the provider to wait, else at once.
pub fn first_charge(start_date: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let start = start_date.and_time(chrono::NaiveTime::MIN).and_utc();
    if start >= now + chrono::Duration::hours(LEAST_DELAY_HOURS) {
        start
    } else {
        now
    }
}

/// Whether `first` is a delayed first payment the provider must be told of (not "at once").
pub fn is_delayed(first: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    first > now
}

/// The end of the last of `occurrences` periods of `frequency` from `first`; `None` on
/// overflow (520 weekly payments from a far date).
pub fn plan_end(first: DateTime<Utc>, frequency: &str, occurrences: i32) -> Option<DateTime<Utc>> {
    let n = u32::try_from(occurrences).ok()?;
    match frequency {
        "Weekly" => first.checked_add_days(Days::new(7 * u64::from(n))),
        "Biweekly" => first.checked_add_days(Days::new(14 * u64::from(n))),
        "Quarterly" => first.checked_add_months(Months::new(3 * n)),
        "Yearly" => first.checked_add_months(Months::new(12 * n)),
        _ => first.checked_add_months(Months::new(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_start_far_enough_ahead_is_waited_for() {
        let now = at("2027-01-01T12:00:00Z");
        let far = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
        assert_eq!(first_charge(far, now), at("2027-01-10T00:00:00Z"));
        let soon = NaiveDate::from_ymd_opt(2027, 1, 3).unwrap();
        assert_eq!(
            first_charge(soon, now),
            now,
            "47 hours ahead: charged at once"
        );
        let past = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(first_charge(past, now), now);
    }

    #[test]
    fn the_plan_ends_after_its_last_period() {
        let first = at("2027-01-31T00:00:00Z");
        assert_eq!(
            plan_end(first, "Weekly", 2),
            Some(at("2027-02-14T00:00:00Z"))
        );
        assert_eq!(
            plan_end(first, "Biweekly", 1),
            Some(at("2027-02-14T00:00:00Z"))
        );
        // Month ends clamp as calendars do: January 31 + 1 month is February 28.
        assert_eq!(
            plan_end(first, "Monthly", 1),
            Some(at("2027-02-28T00:00:00Z"))
        );
        assert_eq!(
            plan_end(first, "Quarterly", 4),
            Some(at("2028-01-31T00:00:00Z"))
        );
        assert_eq!(
            plan_end(first, "Yearly", 3),
            Some(at("2030-01-31T00:00:00Z"))
        );
        assert_eq!(plan_end(first, "Monthly", -1), None);
    }
}
