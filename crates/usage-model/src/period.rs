//! Report periods (`report:<time>`): `<N>`, `last-week`, `last-month`, `<date> to <date>`, and
//! billing cycles: `billing[:DAY]` (the last complete cycle starting on day DAY of the month)
//! and `this-billing[:DAY]` (the current cycle so far).
//!
//! All periods are inclusive ranges of calendar days and never include today (an incomplete
//! day), except an explicit date range that names it.
//!
//! # Billing cycles
//!
//! A cycle starting on day `DAY` (1–31, default 1) runs from that day of one month to the day
//! before that day of the next month. In a month shorter than `DAY` the cycle starts on the
//! month's last day instead (day 31 → 30 April, 28 or 29 February), and the next one again on
//! day `DAY`: a cycle never skips a month and the cycles of a year cover every day exactly once.

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// A report period as the user writes it; [`Period::resolve`] turns it into dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    /// `billing[:DAY]`: the last complete billing cycle starting on day `day` (1–31) of the
    /// month (see the module docs for short months).
    Billing {
        /// Day of the month the cycle starts on.
        day: u8,
    },
    /// `this-billing[:DAY]`: the current billing cycle from its first day to yesterday — an
    /// incomplete cycle ([`Period::is_incomplete`]).
    ThisBilling {
        /// Day of the month the cycle starts on.
        day: u8,
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
        "invalid period {0:?}: expected a number of days, last-week, last-month, billing[:DAY], this-billing[:DAY] or \"YYYY-MM-DD to YYYY-MM-DD\""
    )]
    Invalid(String),
    /// A billing day that is not 1 to 31.
    #[error("invalid billing day {0:?}: expected a day of the month, 1 to 31")]
    InvalidBillingDay(String),
    /// A date that is not a valid ISO `YYYY-MM-DD` date.
    #[error("invalid date {0:?} in period: expected YYYY-MM-DD")]
    InvalidDate(String),
    /// `0` days, or more days than the calendar allows.
    #[error("invalid number of days {0:?}: expected 1 to 100000")]
    InvalidDays(String),
    /// A billing day given for a period that is not a billing cycle.
    #[error("a billing day applies only to the billing and this-billing periods, not to {0:?}")]
    NotBilling(String),
    /// The period, or the series of periods asked for, reaches back before [`FIRST_REPORT_DAY`].
    #[error("{}", before_first_day(period, *count))]
    BeforeFirstDay {
        /// The period as written.
        period: String,
        /// How many periods of its kind were asked for (1: the period alone).
        count: usize,
    },
}

fn before_first_day(period: &str, count: usize) -> String {
    let what = if count > 1 {
        format!("{count} periods of {period:?} reach")
    } else {
        format!("the period {period:?} reaches")
    };
    format!("{what} back before {FIRST_REPORT_DAY}, the first day a report can cover")
}

/// The first day a report can cover: days are written `YYYY-MM-DD` with a four-digit year,
/// and the calendar of PostgreSQL (and of ISO 8601 as most software reads it) has no year 0.
pub const FIRST_REPORT_DAY: Date = Date::constant(1, 1, 1);

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

fn parse_billing_day(s: &str) -> Result<u8, PeriodError> {
    let t = s.trim();
    match t.parse::<u8>() {
        Ok(d) if (1..=31).contains(&d) && t.bytes().all(|b| b.is_ascii_digit()) => Ok(d),
        _ => Err(PeriodError::InvalidBillingDay(t.to_string())),
    }
}

/// The first day of the billing cycle that starts in the month of `in_month`: day `day`, or
/// the month's last day when the month is shorter.
fn cycle_start(in_month: Date, day: u8) -> Date {
    let last = in_month.days_in_month();
    let d = i8::try_from(day).unwrap_or(31).min(last).max(1);
    in_month.with().day(d).build().unwrap_or(in_month)
}

/// The billing cycle (first and last day) that contains `date`.
fn cycle_containing(date: Date, day: u8) -> DateRange {
    let this_start = cycle_start(date, day);
    let start = if date >= this_start {
        this_start
    } else {
        let prev_month = date
            .first_of_month()
            .yesterday()
            .unwrap_or(date.first_of_month());
        cycle_start(prev_month, day)
    };
    let next_month = start
        .last_of_month()
        .tomorrow()
        .unwrap_or(start.last_of_month());
    let end = cycle_start(next_month, day).yesterday().unwrap_or(start);
    DateRange { start, end }
}

impl Period {
    /// Parses `10`, `last-week`, `last-month`, `billing`, `billing:15`, `this-billing`,
    /// `this-billing:15`, `2018-01-01 to 2018-02-10` (either order). Keywords are
    /// case-insensitive.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "last-week" => return Ok(Period::LastWeek),
            "last-month" => return Ok(Period::LastMonth),
            _ => {}
        }
        for (keyword, this) in [("this-billing", true), ("billing", false)] {
            let Some(rest) = lower.strip_prefix(keyword) else {
                continue;
            };
            let day = match rest.strip_prefix(':') {
                None if rest.is_empty() => 1,
                Some(d) => parse_billing_day(d)?,
                None => continue,
            };
            return Ok(if this {
                Period::ThisBilling { day }
            } else {
                Period::Billing { day }
            });
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
            Period::Billing { day } => {
                let current = cycle_containing(today, day);
                cycle_containing(current.start.yesterday().unwrap_or(current.start), day)
            }
            Period::ThisBilling { day } => {
                let current = cycle_containing(today, day);
                DateRange {
                    start: current.start,
                    // On the cycle's first day nothing of it is complete yet: the range is
                    // that one (incomplete) day.
                    end: yesterday.max(current.start),
                }
            }
        }
    }

    /// Whether the period reaches into days that are not over: the current billing cycle.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Period::ThisBilling { .. })
    }

    /// The same kind of billing period with its cycle starting on `day` (1–31): what
    /// `billing --day 15` means. Any other period is refused ([`PeriodError::NotBilling`]).
    pub fn with_billing_day(self, day: u8) -> Result<Period, PeriodError> {
        if !(1..=31).contains(&day) {
            return Err(PeriodError::InvalidBillingDay(day.to_string()));
        }
        match self {
            Period::Billing { .. } => Ok(Period::Billing { day }),
            Period::ThisBilling { .. } => Ok(Period::ThisBilling { day }),
            other => Err(PeriodError::NotBilling(other.to_string())),
        }
    }

    /// For the current billing cycle (`this-billing`), the whole cycle `today` belongs to, of
    /// which [`Period::resolve`] covers the days before today; `None` for every complete
    /// period.
    pub fn whole_cycle(&self, today: Date) -> Option<DateRange> {
        match *self {
            Period::ThisBilling { day } => Some(cycle_containing(today, day)),
            _ => None,
        }
    }

    /// Checks that the period as of `today` — with `count` > 1, the `count − 1` periods of
    /// the same kind before it too ([`Period::resolve_series`]) — starts on or after
    /// [`FIRST_REPORT_DAY`], before any of it is used.
    ///
    /// # Errors
    /// [`PeriodError::BeforeFirstDay`], naming the period and the count.
    pub fn check_reach(&self, today: Date, count: usize) -> Result<(), PeriodError> {
        let count = count.max(1);
        let series = self.resolve_series(today, count);
        // The series stops early where the calendar ends, and clamps a start to its first day.
        let complete = series.len() == count;
        if complete && series.first().is_some_and(|r| r.start >= FIRST_REPORT_DAY) {
            return Ok(());
        }
        Err(PeriodError::BeforeFirstDay {
            period: self.to_string(),
            count,
        })
    }

    /// The period and the `count − 1` periods of the same kind before it, oldest first: for
    /// billing cycles the previous cycles, for `last-week`/`last-month` the previous weeks or
    /// months, for `N` days the previous runs of N days, for a date range the ranges of the
    /// same length before it. `count` 0 is treated as 1.
    pub fn resolve_series(&self, today: Date, count: usize) -> Vec<DateRange> {
        let mut out = vec![self.resolve(today)];
        while out.len() < count.max(1) {
            let Some(first) = out.last() else { break };
            let Ok(before) = first.start.yesterday() else {
                break;
            };
            let previous = match *self {
                Period::Billing { day } | Period::ThisBilling { day } => {
                    cycle_containing(before, day)
                }
                Period::LastMonth => DateRange {
                    start: before.first_of_month(),
                    end: before,
                },
                Period::LastWeek | Period::LastDays(_) | Period::Range { .. } => {
                    let len = i64::try_from(first.len()).unwrap_or(1).max(1);
                    DateRange {
                        start: before.checked_sub((len - 1).days()).unwrap_or(Date::MIN),
                        end: before,
                    }
                }
            };
            if previous.start >= first.start {
                break;
            }
            out.push(previous);
        }
        out.reverse();
        out
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
            Period::Billing { day: 1 } => f.write_str("billing"),
            Period::Billing { day } => write!(f, "billing:{day}"),
            Period::ThisBilling { day: 1 } => f.write_str("this-billing"),
            Period::ThisBilling { day } => write!(f, "this-billing:{day}"),
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
    fn periods_reaching_before_the_first_day_are_refused_naming_the_period() {
        let today = date(2026, 11, 29);
        assert_eq!(Period::LastDays(100_000).check_reach(today, 1), Ok(()));
        // 7 × 100000 days reach back to the year 110; 8 × would need the year −164.
        assert_eq!(Period::LastDays(100_000).check_reach(today, 7), Ok(()));
        let err = Period::LastDays(100_000)
            .check_reach(today, 120)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "120 periods of \"100000\" reach back before 0001-01-01, the first day a report can cover"
        );
        assert!(Period::LastDays(100_000).check_reach(today, 8).is_err());
        // Exactly to the first day, and one day past it.
        let first = range(date(1, 1, 1), date(1, 1, 31));
        let jan = Period::Range {
            start: first.start,
            end: first.end,
        };
        assert_eq!(jan.check_reach(today, 1), Ok(()));
        assert!(jan.check_reach(today, 2).is_err());
        let year_zero = Period::parse("0000-01-01 to 0000-01-02").unwrap();
        assert_eq!(
            year_zero.check_reach(today, 1).unwrap_err().to_string(),
            "the period \"0000-01-01 to 0000-01-02\" reaches back before 0001-01-01, the first \
             day a report can cover"
        );
        // Months and weeks from an early "today".
        let early = date(1, 3, 15);
        assert_eq!(Period::LastMonth.check_reach(early, 2), Ok(()));
        assert!(Period::LastMonth.check_reach(early, 3).is_err());
        assert!(Period::LastWeek.check_reach(date(1, 1, 3), 1).is_err());
        assert!(Period::Billing { day: 31 }.check_reach(early, 120).is_err());
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

    /// Every day of a leap year and the year before, every billing day 1–31.
    #[test]
    fn billing_cycles_over_every_day_and_billing_day() {
        let mut today = date(2023, 1, 1);
        while today <= date(2024, 12, 31) {
            let yesterday = today.yesterday().unwrap();
            for day in 1..=31u8 {
                let last = Period::Billing { day }.resolve(today);
                // A whole cycle, over before today, starting on DAY or the month's last day.
                assert!(last.start <= last.end && last.end < today, "{today} {day}");
                assert_eq!(cycle_containing(last.start, day), last, "{today} {day}");
                let want_start = i8::try_from(day).unwrap().min(last.start.days_in_month());
                assert_eq!(last.start.day(), want_start, "{today} {day}");
                // The next cycle is the current one: it holds today.
                let current = cycle_containing(last.end.tomorrow().unwrap(), day);
                assert!(current.contains(today), "{today} {day}: {current}");
                // A cycle lasts between 28 and 31 days.
                assert!((28..=31).contains(&last.len()), "{today} {day}: {last}");
                let so_far = Period::ThisBilling { day }.resolve(today);
                assert_eq!(so_far.start, current.start);
                assert_eq!(so_far.end, yesterday.max(current.start));
            }
            today = today.tomorrow().unwrap();
        }
    }

    #[test]
    fn billing_days_past_a_short_month_fall_back_to_its_last_day() {
        // Day 31 in the leap year 2024: January 31, February 29, March 31, April 30.
        let day = 31;
        assert_eq!(
            cycle_containing(date(2024, 2, 10), day),
            range(date(2024, 1, 31), date(2024, 2, 28))
        );
        assert_eq!(
            cycle_containing(date(2024, 3, 1), day),
            range(date(2024, 2, 29), date(2024, 3, 30))
        );
        assert_eq!(
            cycle_containing(date(2024, 4, 30), day),
            range(date(2024, 4, 30), date(2024, 5, 30))
        );
        // 2023 is not a leap year: day 29 falls back to February 28.
        assert_eq!(
            cycle_containing(date(2023, 3, 1), 29),
            range(date(2023, 2, 28), date(2023, 3, 28))
        );
        // The cycles of a year tile it: each starts the day after the previous one ends.
        let series = Period::Billing { day: 30 }.resolve_series(date(2025, 1, 15), 13);
        assert_eq!(series.len(), 13);
        for pair in series.windows(2) {
            assert_eq!(pair[0].end.tomorrow().unwrap(), pair[1].start, "{pair:?}");
        }
        // The newest is the last complete cycle; the current one began on 30 December.
        assert_eq!(series[12], range(date(2024, 11, 30), date(2024, 12, 29)));
        assert_eq!(series[0], range(date(2023, 11, 30), date(2023, 12, 29)));
    }

    #[test]
    fn billing_periods_parse_and_print() {
        for (text, want) in [
            ("billing", Period::Billing { day: 1 }),
            ("billing:15", Period::Billing { day: 15 }),
            ("BILLING:31", Period::Billing { day: 31 }),
            ("this-billing", Period::ThisBilling { day: 1 }),
            ("this-billing:28", Period::ThisBilling { day: 28 }),
        ] {
            let p = Period::parse(text).unwrap();
            assert_eq!(p, want, "{text}");
            assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
        }
        assert!(Period::ThisBilling { day: 5 }.is_incomplete());
        assert_eq!(
            Period::parse("billing").unwrap().with_billing_day(15),
            Ok(Period::Billing { day: 15 })
        );
        assert_eq!(
            Period::ThisBilling { day: 1 }.with_billing_day(31),
            Ok(Period::ThisBilling { day: 31 })
        );
        let e = Period::LastWeek
            .with_billing_day(15)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not to \"last-week\""), "{e}");
        assert!(Period::Billing { day: 1 }.with_billing_day(32).is_err());
        // The whole cycle of this-billing: 2024-02-10 lies in the cycle of day 31 that began
        // on January 31 and ends on February 28 (the next one starts on the 29th).
        assert_eq!(
            Period::ThisBilling { day: 31 }.whole_cycle(date(2024, 2, 10)),
            Some(range(date(2024, 1, 31), date(2024, 2, 28)))
        );
        assert_eq!(
            Period::Billing { day: 31 }.whole_cycle(date(2024, 2, 10)),
            None
        );
        assert!(!Period::Billing { day: 5 }.is_incomplete());
        for bad in [
            "billing:0",
            "billing:32",
            "billing:x",
            "billing:",
            "this-billing:-1",
        ] {
            let e = Period::parse(bad).expect_err(bad).to_string();
            assert!(e.contains("billing day"), "{bad}: {e}");
        }
        assert!(Period::parse("billingx").is_err());
    }

    #[test]
    fn series_of_weeks_months_and_days_end_with_the_period() {
        let today = date(2024, 3, 20);
        let weeks = Period::LastWeek.resolve_series(today, 3);
        assert_eq!(
            weeks,
            vec![
                range(date(2024, 2, 26), date(2024, 3, 3)),
                range(date(2024, 3, 4), date(2024, 3, 10)),
                range(date(2024, 3, 11), date(2024, 3, 17)),
            ]
        );
        let months = Period::LastMonth.resolve_series(today, 2);
        assert_eq!(
            months,
            vec![
                range(date(2024, 1, 1), date(2024, 1, 31)),
                range(date(2024, 2, 1), date(2024, 2, 29)),
            ]
        );
        assert_eq!(Period::LastDays(5).resolve_series(today, 0).len(), 1);
        let days = Period::LastDays(5).resolve_series(today, 2);
        assert_eq!(days[0], range(date(2024, 3, 10), date(2024, 3, 14)));
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
