//! How a report period is read from the prefix-sum rollups (migration
//! `20261202100000_add_prefix_rollups` in both backends): with P(x) the sum of every day up to
//! and including x, a period `a..=b` is P(b) − P(a − 1 day), and
//!
//! ```text
//! P(x) = Σ year totals of the years before x's year
//!      + the year-to-month sum at the month before x's month (none in January)
//!      + the month-to-day sum at x
//! ```
//!
//! The years before `a − 1`'s year cancel out, so a period reads the years from `a − 1`'s year
//! up to (not including) `b`'s year and four single slices — whatever its length or alignment.

use jiff::civil::Date;

/// The slices of the rollups that make up one period. A `None` slice reads nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrefixPlan {
    /// Years `first..last` (half open) of the year totals, added.
    pub(crate) years: (i64, i64),
    /// The year-to-month slice added (`YYYY-MM`).
    pub(crate) plus_month: Option<String>,
    /// The month-to-day slice added: the period's last day.
    pub(crate) plus_day: Date,
    /// The year-to-month slice subtracted.
    pub(crate) minus_month: Option<String>,
    /// The month-to-day slice subtracted: the day before the period.
    pub(crate) minus_day: Option<Date>,
}

/// `YYYY-MM` of the month before `d`'s, in the same year; `None` in January.
fn month_before(d: Date) -> Option<String> {
    (d.month() > 1).then(|| format!("{:04}-{:02}", d.year(), d.month() - 1))
}

/// Before every year a database can hold.
const BEFORE_ALL_YEARS: i64 = -10_000;

impl PrefixPlan {
    /// The plan of the inclusive period `start..=end` (`start <= end`).
    pub(crate) fn new(start: Date, end: Date) -> PrefixPlan {
        let before = start.yesterday().ok();
        PrefixPlan {
            years: (
                before.map_or(BEFORE_ALL_YEARS, |d| i64::from(d.year())),
                i64::from(end.year()),
            ),
            plus_month: month_before(end),
            plus_day: end,
            minus_month: before.and_then(month_before),
            minus_day: before,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::ToSpan;
    use jiff::civil::date;

    use super::*;

    /// The rollups built from a sparse day → value map, as the triggers keep them.
    struct Rollups {
        years: BTreeMap<i64, i64>,
        year_to_month: BTreeMap<String, i64>,
        month_to_day: BTreeMap<Date, i64>,
    }

    fn rollups(days: &BTreeMap<Date, i64>) -> Rollups {
        let mut r = Rollups {
            years: BTreeMap::new(),
            year_to_month: BTreeMap::new(),
            month_to_day: BTreeMap::new(),
        };
        for (d, v) in days {
            *r.years.entry(i64::from(d.year())).or_default() += v;
            for m in d.month()..=12 {
                *r.year_to_month
                    .entry(format!("{:04}-{:02}", d.year(), m))
                    .or_default() += v;
            }
            let mut x = *d;
            while x.month() == d.month() {
                *r.month_to_day.entry(x).or_default() += v;
                x = x.tomorrow().unwrap();
            }
        }
        r
    }

    fn read(r: &Rollups, p: &PrefixPlan) -> i64 {
        let years: i64 = r.years.range(p.years.0..p.years.1).map(|(_, v)| v).sum();
        let month = |m: &Option<String>| m.as_ref().and_then(|m| r.year_to_month.get(m)).copied();
        let day = |d: Option<Date>| d.and_then(|d| r.month_to_day.get(&d)).copied();
        years + month(&p.plus_month).unwrap_or(0) + day(Some(p.plus_day)).unwrap_or(0)
            - month(&p.minus_month).unwrap_or(0)
            - day(p.minus_day).unwrap_or(0)
    }

    /// Every period of a sparse history (gaps, month and year ends, a leap day) sums exactly
    /// the days inside it.
    #[test]
    fn any_period_is_the_difference_of_two_prefixes() {
        let mut days = BTreeMap::new();
        let mut x = date(2023, 11, 20);
        let mut i = 0i64;
        while x <= date(2026, 3, 10) {
            // Gaps: every 7th day and the whole of June 2024 are missing.
            if i % 7 != 3 && !(x.year() == 2024 && x.month() == 6) {
                days.insert(x, i * 37 % 101 + 1);
            }
            x = x.tomorrow().unwrap();
            i += 1;
        }
        let r = rollups(&days);
        let starts = [
            date(2023, 11, 1),
            date(2023, 12, 31),
            date(2024, 1, 1),
            date(2024, 2, 29),
            date(2024, 6, 15),
            date(2025, 3, 1),
        ];
        for a in starts {
            for len in [0, 1, 6, 27, 30, 31, 45, 90, 364, 365, 366, 400, 800] {
                let b = a.checked_add(len.days()).unwrap();
                let want: i64 = days.range(a..=b).map(|(_, v)| v).sum();
                assert_eq!(read(&r, &PrefixPlan::new(a, b)), want, "{a} to {b}");
            }
        }
    }

    #[test]
    fn five_years_read_five_year_totals_and_four_slices() {
        let p = PrefixPlan::new(date(2021, 11, 15), date(2026, 10, 14));
        assert_eq!(p.years, (2021, 2026));
        assert_eq!(p.plus_month.as_deref(), Some("2026-09"));
        assert_eq!(p.minus_month.as_deref(), Some("2021-10"));
        assert_eq!(p.minus_day, Some(date(2021, 11, 14)));
        // A January end reads no year-to-month slice; a week inside a month no year at all.
        let p = PrefixPlan::new(date(2026, 1, 5), date(2026, 1, 11));
        assert_eq!(p.years, (2026, 2026));
        assert_eq!((p.plus_month, p.minus_month), (None, None));
    }
}
