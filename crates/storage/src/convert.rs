//! Conversions between the domain types and their documented column forms.

use jiff::civil::Date;
use usage_model::{Kb, Traffic};

use crate::error::{Error, Result};

/// Days are stored as `YYYY-MM-DD` text, which sorts and compares like the dates themselves.
pub(crate) fn day_text(day: Date) -> String {
    day.strftime("%Y-%m-%d").to_string()
}

pub(crate) fn parse_day(text: &str) -> Result<Date> {
    Date::strptime("%Y-%m-%d", text)
        .map_err(|e| Error::Corrupt(format!("day {text:?} is not a YYYY-MM-DD date: {e}")))
}

pub(crate) fn position_to_sql(position: usize) -> Result<i64> {
    i64::try_from(position)
        .map_err(|_| Error::InvalidInput(format!("group position {position} is too large")))
}

/// `-1` in `daily_usage.group_position` marks unmatched traffic.
pub(crate) fn position_from_sql(position: i64) -> Result<Option<usize>> {
    if position == -1 {
        return Ok(None);
    }
    usize::try_from(position)
        .map(Some)
        .map_err(|_| Error::Corrupt(format!("group position {position} is out of range")))
}

pub(crate) fn traffic(up_mkb: i64, down_mkb: i64) -> Traffic {
    Traffic {
        up: Kb::from_millis(up_mkb),
        down: Kb::from_millis(down_mkb),
    }
}

pub(crate) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(crate) fn to_sql_count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub(crate) fn timestamp(seconds: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_second(seconds)
        .map_err(|e| Error::Corrupt(format!("instant {seconds} is out of range: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_as_sortable_text() {
        let d = jiff::civil::date(2024, 3, 9);
        assert_eq!(day_text(d), "2024-03-09");
        assert_eq!(parse_day("2024-03-09").unwrap(), d);
        assert!(parse_day("2024-3-9x").is_err());
    }

    #[test]
    fn minus_one_is_unmatched() {
        assert_eq!(position_from_sql(-1).unwrap(), None);
        assert_eq!(position_from_sql(3).unwrap(), Some(3));
        assert!(position_from_sql(-2).is_err());
    }
}
