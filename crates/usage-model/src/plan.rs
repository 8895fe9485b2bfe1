//! Day planning: which complete days a network is missing, grouped into runs of consecutive
//! days with their zone-aware boundaries.
//!
//! # The window
//!
//! With `today` = the calendar date of `now` in `tz`, a day `D` is a candidate when
//!
//! 1. `today − lookback_days <= D <= today − 1` (today is incomplete and never planned), and
//! 2. `start(D) >= now − 31 × 24 h`, where `start(D)` is the first instant of `D` in `tz`: the
//!    Dashboard API rejects a `t0` more than 31 days in the past, and the snapshot for `D`
//!    starts at `start(D)`. ([`API_MAX_LOOKBACK`]; exactly 31 × 86 400 s, no margin — a caller
//!    whose requests may run long after `now` should pass a later `now` or a smaller
//!    lookback.)
//!
//! and it is planned when it is also not in `stored`. Gaps in the middle of the window are
//! planned like any other day. With the default look-back of 30 days, condition 2 removes the
//! oldest day only late in the day or when a DST change makes the window longer than
//! 31 × 24 h.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// Default number of days looked back for missing data (the original used 29).
pub const DEFAULT_LOOKBACK_DAYS: u32 = 30;

/// The oldest `t0` the Dashboard API accepts, relative to now.
pub const API_MAX_LOOKBACK: SignedDuration = SignedDuration::from_hours(31 * 24);

/// A run of consecutive missing days and the instants that bound them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRun {
    /// Consecutive days, ascending.
    pub days: Vec<Date>,
    /// `days.len() + 1` instants: `boundaries[i]` is the start of `days[i]`, the last one the
    /// start of the day after the last day. One usage snapshot is taken since each.
    pub boundaries: Vec<Timestamp>,
}

impl DayRun {
    /// Builds the run for consecutive `days` (ascending, non-empty) in `tz`.
    pub fn new(days: Vec<Date>, tz: &TimeZone) -> DayRun {
        let mut boundaries: Vec<Timestamp> = days.iter().map(|d| day_bounds(*d, tz).0).collect();
        if let Some(last) = days.last() {
            boundaries.push(day_bounds(*last, tz).1);
        }
        DayRun { days, boundaries }
    }
}

/// The first instant of `day` in `tz` and the first instant of the next day.
///
/// Days are 23 or 25 hours long at DST changes; where midnight does not exist (zones that
/// change at 00:00), the day starts at the first instant after the gap. Dates at the very
/// edge of the supported calendar (year ±9999) clamp to `Timestamp::MIN`/`MAX`.
pub fn day_bounds(day: Date, tz: &TimeZone) -> (Timestamp, Timestamp) {
    let start_of = |d: Date| {
        d.to_zoned(tz.clone())
            .and_then(|z| z.start_of_day())
            .map(|z| z.timestamp())
    };
    let start = start_of(day).unwrap_or(Timestamp::MIN);
    let end = day.tomorrow().and_then(start_of).unwrap_or(Timestamp::MAX);
    (start, end)
}

/// The missing complete days in the look-back window, as runs of consecutive days (see the
/// module docs for the exact window). Runs are in ascending date order.
pub fn plan_missing_days(
    stored: &BTreeSet<Date>,
    now: Timestamp,
    tz: &TimeZone,
    lookback_days: u32,
) -> Vec<DayRun> {
    let today = now.to_zoned(tz.clone()).date();
    let oldest_t0 = now.checked_sub(API_MAX_LOOKBACK).unwrap_or(Timestamp::MIN);
    let mut runs: Vec<Vec<Date>> = Vec::new();
    // A day 33 or more days back starts more than 31 × 24 h before now even with a DST hour,
    // so larger look-backs change nothing; capping keeps the date arithmetic small.
    let lookback = i64::from(lookback_days.min(33));
    for back in (1..=lookback).rev() {
        let Ok(day) = today.checked_sub(back.days()) else {
            continue;
        };
        if stored.contains(&day) || day_bounds(day, tz).0 < oldest_t0 {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.last().and_then(|d| d.tomorrow().ok()) == Some(day) => run.push(day),
            _ => runs.push(vec![day]),
        }
    }
    runs.into_iter().map(|days| DayRun::new(days, tz)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn dst_days_are_23_and_25_hours() {
        for (zone, spring, fall) in [
            ("America/New_York", date(2024, 3, 10), date(2024, 11, 3)),
            ("Europe/Berlin", date(2024, 3, 31), date(2024, 10, 27)),
        ] {
            let tz = tz(zone);
            let (s, e) = day_bounds(spring, &tz);
            assert_eq!(
                e.duration_since(s),
                SignedDuration::from_hours(23),
                "{zone}"
            );
            let (s, e) = day_bounds(fall, &tz);
            assert_eq!(
                e.duration_since(s),
                SignedDuration::from_hours(25),
                "{zone}"
            );
            let (s, e) = day_bounds(date(2024, 6, 1), &tz);
            assert_eq!(
                e.duration_since(s),
                SignedDuration::from_hours(24),
                "{zone}"
            );
        }
        assert_eq!(
            day_bounds(date(2024, 3, 10), &tz("America/New_York")).0,
            ts("2024-03-10T05:00:00Z")
        );
        assert_eq!(
            day_bounds(date(2024, 10, 27), &tz("Europe/Berlin")),
            (ts("2024-10-26T22:00:00Z"), ts("2024-10-27T23:00:00Z"))
        );
    }

    #[test]
    fn santiago_day_without_midnight_starts_after_the_gap() {
        // Chile springs forward at 24:00 on 7 Sep 2024: 8 Sep has no 00:00 and starts at 01:00.
        let tz = tz("America/Santiago");
        let (s, e) = day_bounds(date(2024, 9, 8), &tz);
        assert_eq!(s, ts("2024-09-08T04:00:00Z"));
        assert_eq!(s.to_zoned(tz.clone()).time(), jiff::civil::time(1, 0, 0, 0));
        assert_eq!(e.duration_since(s), SignedDuration::from_hours(23));
    }

    #[test]
    fn run_across_new_york_spring_forward_has_zone_aware_boundaries() {
        let tz = tz("America/New_York");
        // Noon on 2024-03-12 local; nothing stored; look back 3 days: 9, 10, 11 March.
        let now = ts("2024-03-12T16:00:00Z");
        let runs = plan_missing_days(&BTreeSet::new(), now, &tz, 3);
        assert_eq!(runs.len(), 1);
        assert_eq!(
            runs[0].days,
            vec![date(2024, 3, 9), date(2024, 3, 10), date(2024, 3, 11)]
        );
        assert_eq!(
            runs[0].boundaries,
            vec![
                ts("2024-03-09T05:00:00Z"),
                ts("2024-03-10T05:00:00Z"),
                ts("2024-03-11T04:00:00Z"),
                ts("2024-03-12T04:00:00Z"),
            ]
        );
    }

    #[test]
    fn berlin_fall_back_day_is_25_hours_in_a_run() {
        let tz = tz("Europe/Berlin");
        let now = ts("2024-10-28T10:00:00Z");
        let runs = plan_missing_days(&BTreeSet::new(), now, &tz, 1);
        assert_eq!(runs[0].days, vec![date(2024, 10, 27)]);
        let b = &runs[0].boundaries;
        assert_eq!(b[1].duration_since(b[0]), SignedDuration::from_hours(25));
    }

    #[test]
    fn gaps_split_runs_and_today_is_excluded() {
        let tz = TimeZone::UTC;
        let now = ts("2024-05-20T12:00:00Z");
        let stored: BTreeSet<Date> = [date(2024, 5, 15), date(2024, 5, 17), date(2024, 5, 18)]
            .into_iter()
            .collect();
        let runs = plan_missing_days(&stored, now, &tz, 7);
        let days: Vec<Vec<Date>> = runs.iter().map(|r| r.days.clone()).collect();
        assert_eq!(
            days,
            vec![
                vec![date(2024, 5, 13), date(2024, 5, 14)],
                vec![date(2024, 5, 16)],
                vec![date(2024, 5, 19)],
            ]
        );
        for r in &runs {
            assert_eq!(r.boundaries.len(), r.days.len() + 1);
        }
        assert!(plan_missing_days(&stored, now, &tz, 0).is_empty());
        // Any look-back beyond the API window plans the same days, without overflow.
        assert_eq!(
            plan_missing_days(&stored, now, &tz, u32::MAX),
            plan_missing_days(&stored, now, &tz, 31)
        );
    }

    #[test]
    fn never_older_than_31_days() {
        let tz = TimeZone::UTC;
        // 23:30: today-31 started 31 d 23.5 h ago (too old); today-30 started 30 d 23.5 h ago.
        let now = ts("2024-05-31T23:30:00Z");
        let runs = plan_missing_days(&BTreeSet::new(), now, &tz, 40);
        assert_eq!(runs[0].days[0], date(2024, 5, 1));
        assert_eq!(runs[0].days.len(), 30);
        assert_eq!(*runs[0].days.last().unwrap(), date(2024, 5, 30));
        // At exactly midnight the day starting 31 × 24 h earlier is still allowed.
        let now = ts("2024-05-31T00:00:00Z");
        let runs = plan_missing_days(&BTreeSet::new(), now, &tz, 40);
        assert_eq!(runs[0].days[0], date(2024, 4, 30));
        assert_eq!(runs[0].days.len(), 31);
    }

    #[test]
    fn default_lookback_drops_oldest_day_when_dst_lengthens_window() {
        // New York, 2024-11-04 23:30 local (05:30Z next day); fall-back on 3 Nov makes the
        // 30 days before today 30 × 24 h + 1 h long, so today-30 started 31 d 0.5 h ago.
        let tz = tz("America/New_York");
        let now = ts("2024-11-05T04:30:00Z");
        let runs = plan_missing_days(&BTreeSet::new(), now, &tz, DEFAULT_LOOKBACK_DAYS);
        assert_eq!(runs[0].days[0], date(2024, 10, 6));
        assert_eq!(runs[0].days.len(), 29);
    }
}
