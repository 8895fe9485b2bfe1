//! Report periods (`report:<time>`): `<N>`, `last-week`, `last-month`, `<date> to <date>`.
//!
//! All periods are inclusive ranges of calendar days and never include today (an incomplete
//! day), except an explicit date range that names it.

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// A report period as the user writes it; [`Period::resolve`] turns it into dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// `<N>`: the last N complete days, ending yesterday.
    LastDays(u32),
    /// `last-week`: the previous Monday–Sunday week (if today is Monday, the week ending
    /// yesterday).
    LastWeek,
    /// `last-month`: the previous calendar month.
    LastMonth,
    /// `<date> to <date>`: both days included; stored with `start <= end` whatever the
    /// order written.
    Range {
        /// First day.
        start: Date,
        /// Last day.
        end: Date,
    },
}

/// An inclusive range of calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    /// First day (included).
    pub start: Date,
    /// Last day (included).
    pub end: Date,
}

/// Why a period was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodError {
    /// Not one of the accepted forms.
    #[error(
        "invalid period {0:?}: expected a number of days, last-week, last-month or \"YYYY-MM-DD to YYYY-MM-DD\""
    )]
    Invalid(String),
    /// A date that is not a valid ISO `YYYY-MM-DD` date.
    #[error("invalid date {0:?} in period: expected YYYY-MM-DD")]
    InvalidDate(String),
    /// `0` days, or more days than the calendar allows.
    #[error("invalid number of days {0:?}: expected 1 to 100000")]
    InvalidDays(String),
}

/// Upper bound for `<N>`: keeps date arithmetic far from the calendar's limits.
const MAX_DAYS: u32 = 100_000;

fn parse_date(s: &str) -> Result<Date, PeriodError> {
    let s = s.trim();
    // Only the strict YYYY-MM-DD form (jiff also accepts a few ISO variants we do not want).
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(PeriodError::InvalidDate(s.to_string()));
    }
    s.parse::<Date>()
        .map_err(|_| PeriodError::InvalidDate(s.to_string()))
}

impl Period {
    /// Parses `10`, `last-week`, `last-month`, `2018-01-01 to 2018-02-10` (either order).
    /// Keywords are case-insensitive.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "last-week" => return Ok(Period::LastWeek),
            "last-month" => return Ok(Period::LastMonth),
            _ => {}
        }
        // Only a text with a digit can be a date range; "tomorrow" is just an invalid period.
        if let Some(pos) = lower
            .find("to")
            .filter(|_| t.bytes().any(|b| b.is_ascii_digit()))
        {
            let (a, b) = (&t[..pos], &t[pos + 2..]);
            let (a, b) = (parse_date(a)?, parse_date(b)?);
            let (start, end) = if a <= b { (a, b) } else { (b, a) };
            return Ok(Period::Range { start, end });
        }
        if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) {
            return match t.parse::<u32>() {
                Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(Period::LastDays(n)),
                _ => Err(PeriodError::InvalidDays(t.to_string())),
            };
        }
        Err(PeriodError::Invalid(t.to_string()))
    }

    /// The days this period covers, given today's date (in the report's time zone).
    ///
    /// Dates that would fall outside the calendar (year −9999..=9999) are clamped to its
    /// limits.
    pub fn resolve(&self, today: Date) -> DateRange {
        let yesterday = today.yesterday().unwrap_or(today);
        match *self {
            Period::LastDays(n) => DateRange {
                start: jiff::Span::new()
                    .try_days(i64::from(n))
                    .and_then(|span| today.checked_sub(span))
                    .unwrap_or(Date::MIN),
                end: yesterday,
            },
            Period::LastWeek => {
                let back = i64::from(today.weekday().to_monday_zero_offset()) + 1;
                let end = today.checked_sub(back.days()).unwrap_or(Date::MIN);
                let start = if end.weekday() == Weekday::Sunday {
                    end.checked_sub(6.days()).unwrap_or(Date::MIN)
                } else {
                    end
                };
                DateRange { start, end }
            }
            Period::LastMonth => {
                let first_this = today.first_of_month();
                let end = first_this.yesterday().unwrap_or(first_this);
                DateRange {
                    start: end.first_of_month(),
                    end,
                }
            }
            Period::Range { start, end } => DateRange { start, end },
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        Period::parse(s)
    }
}

/// Prints the form `Period::parse` accepts: `10`, `last-week`, `last-month`,
/// `2018-01-01 to 2018-02-10`.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::LastDays(n) => write!(f, "{n}"),
            Period::LastWeek => f.write_str("last-week"),
            Period::LastMonth => f.write_str("last-month"),
            Period::Range { start, end } => write!(f, "{start} to {end}"),
        }
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl DateRange {
    /// Every day from `start` to `end` inclusive (empty if `end < start`).
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let end = self.end;
        let mut next = (self.start <= end).then_some(self.start);
        std::iter::from_fn(move || {
            let d = next?;
            next = d.tomorrow().ok().filter(|t| *t <= end);
            Some(d)
        })
    }

    /// Number of days in the range (0 if `end < start`).
    pub fn len(&self) -> usize {
        if self.end < self.start {
            return 0;
        }
        let span = self
            .start
            .until(self.end)
            .map(|s| s.get_days())
            .unwrap_or(0);
        usize::try_from(span).map_or(0, |d| d + 1)
    }

    /// True when the range holds no day (`end < start`).
    pub fn is_empty(&self) -> bool {
        self.end < self.start
    }

    /// Whether `day` is inside the range.
    pub fn contains(&self, day: Date) -> bool {
        self.start <= day && day <= self.end
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn range(s: Date, e: Date) -> DateRange {
        DateRange { start: s, end: e }
    }

    #[test]
    fn manual_examples() {
        // Wednesday 2018-02-14.
        let today = date(2018, 2, 14);
        let p = Period::parse("10").unwrap();
        assert_eq!(p.resolve(today), range(date(2018, 2, 4), date(2018, 2, 13)));
        assert_eq!(p.resolve(today).len(), 10);
        assert_eq!(
            Period::parse("last-week").unwrap().resolve(today),
            range(date(2018, 2, 5), date(2018, 2, 11))
        );
        assert_eq!(
            Period::parse("last-month").unwrap().resolve(today),
            range(date(2018, 1, 1), date(2018, 1, 31))
        );
        let r = Period::parse("2018-01-01 to 2018-02-10").unwrap();
        assert_eq!(r.resolve(today), range(date(2018, 1, 1), date(2018, 2, 10)));
        assert_eq!(r.resolve(today).len(), 41);
    }

    #[test]
    fn range_in_either_order_and_display() {
        let a = Period::parse("2018-02-10 to 2018-01-01").unwrap();
        assert_eq!(a, Period::parse("2018-01-01 to 2018-02-10").unwrap());
        assert_eq!(a.to_string(), "2018-01-01 to 2018-02-10");
        assert_eq!(
            Period::parse("2018-01-01TO2018-01-03").unwrap().to_string(),
            "2018-01-01 to 2018-01-03"
        );
        for s in ["7", "last-week", "last-month"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn last_week_on_monday_and_sunday() {
        // Monday 2024-01-08: the week ending yesterday.
        assert_eq!(
            Period::LastWeek.resolve(date(2024, 1, 8)),
            range(date(2024, 1, 1), date(2024, 1, 7))
        );
        // Sunday 2024-01-14: still the previous full week, not the current one.
        assert_eq!(
            Period::LastWeek.resolve(date(2024, 1, 14)),
            range(date(2024, 1, 1), date(2024, 1, 7))
        );
    }

    #[test]
    fn last_month_across_year_and_leap_february() {
        assert_eq!(
            Period::LastMonth.resolve(date(2024, 1, 1)),
            range(date(2023, 12, 1), date(2023, 12, 31))
        );
        assert_eq!(
            Period::LastMonth.resolve(date(2024, 3, 31)),
            range(date(2024, 2, 1), date(2024, 2, 29))
        );
    }

    #[test]
    fn days_iterates_inclusively() {
        let r = range(date(2024, 2, 27), date(2024, 3, 2));
        let d: Vec<_> = r.days().collect();
        assert_eq!(
            d,
            vec![
                date(2024, 2, 27),
                date(2024, 2, 28),
                date(2024, 2, 29),
                date(2024, 3, 1),
                date(2024, 3, 2)
            ]
        );
        assert_eq!(r.len(), 5);
        let empty = range(date(2024, 3, 2), date(2024, 3, 1));
        assert!(empty.is_empty());
        assert_eq!(empty.days().count(), 0);
        assert_eq!(empty.len(), 0);
    }

    #[test]
    fn hand_built_extremes_do_not_panic() {
        let today = date(2024, 5, 5);
        assert!(Period::LastDays(0).resolve(today).is_empty());
        let r = Period::LastDays(u32::MAX).resolve(today);
        assert_eq!((r.start, r.end), (Date::MIN, date(2024, 5, 4)));
        let r = Period::LastWeek.resolve(Date::MIN);
        assert!(r.start <= r.end);
    }

    #[test]
    fn errors() {
        for (s, needle) in [
            ("0", "number of days"),
            ("last-year", "invalid period"),
            ("2018-02-30 to 2018-03-01", "2018-02-30"),
            ("2018-1-1 to 2018-03-01", "2018-1-1"),
            ("to", "invalid period"),
            ("tomorrow", "invalid period \"tomorrow\""),
            ("2024-01-01 to", "invalid date \"\""),
            ("", "invalid period"),
            ("-3", "invalid period"),
            ("99999999999", "number of days"),
        ] {
            let e = Period::parse(s).expect_err(s).to_string();
            assert!(e.contains(needle), "{s:?}: {e}");
        }
    }
}
