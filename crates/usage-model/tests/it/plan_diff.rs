//! Day planning matches its written definition in many zones; diffing cumulative snapshots
//! recovers exact per-day usage.

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use proptest::prelude::*;
use usage_model::{
    ClientAddr, ClientUsage, DayRun, Kb, Snapshot, Traffic, day_bounds, diff_run, plan_missing_days,
};

const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe", // 30-minute DST shift
    "America/Santiago",    // DST changes at midnight: some days start at 01:00
    "Asia/Kolkata",
    "Pacific/Kiritimati", // UTC+14
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn plan_matches_definition(
        zone in proptest::sample::select(ZONES),
        secs in 1_500_000_000i64..1_900_000_000,
        lookback in 0u32..40,
        stored_back in proptest::collection::btree_set(1i64..40, 0..20),
    ) {
        let tz = TimeZone::get(zone).unwrap();
        let now = Timestamp::from_second(secs).unwrap();
        let today = now.to_zoned(tz.clone()).date();
        let stored: BTreeSet<Date> = stored_back
            .iter()
            .map(|b| today.checked_sub(b.days()).unwrap())
            .collect();

        let runs = plan_missing_days(&stored, now, &tz, lookback);

        let oldest = now - SignedDuration::from_hours(31 * 24);
        let expected: Vec<Date> = (1..=i64::from(lookback))
            .rev()
            .map(|b| today.checked_sub(b.days()).unwrap())
            .filter(|d| !stored.contains(d) && day_bounds(*d, &tz).0 >= oldest)
            .collect();
        let planned: Vec<Date> = runs.iter().flat_map(|r| r.days.clone()).collect();
        prop_assert_eq!(&planned, &expected);

        for r in &runs {
            prop_assert!(!r.days.is_empty());
            prop_assert_eq!(r.boundaries.len(), r.days.len() + 1);
            for (i, d) in r.days.iter().enumerate() {
                let (start, end) = day_bounds(*d, &tz);
                prop_assert_eq!(r.boundaries[i], start);
                prop_assert_eq!(r.boundaries[i + 1], end);
                prop_assert_eq!(start.to_zoned(tz.clone()).date(), *d);
                prop_assert!(end > start);
            }
        }
        // Runs are maximal: two runs never touch.
        for w in runs.windows(2) {
            let last = *w[0].days.last().unwrap();
            prop_assert!(last.tomorrow().unwrap() < w[1].days[0]);
        }
    }

    #[test]
    fn diff_recovers_exact_daily_usage(
        usage in proptest::collection::vec(
            proptest::collection::vec((0i64..5_000_000, 0i64..5_000_000), 4),
            1..20,
        ),
    ) {
        // usage[client][day] = (sent, recv) in thousandths of a kB, 4 days.
        let days: Vec<Date> = (1..=4).map(|d| Date::new(2024, 3, d).unwrap()).collect();
        let run = DayRun::new(days.clone(), &TimeZone::get("Europe/Berlin").unwrap());
        let snapshots: Vec<Snapshot> = (0..=4)
            .map(|since| Snapshot {
                clients: usage
                    .iter()
                    .enumerate()
                    .filter(|(_, per_day)| per_day[since.min(4)..].iter().any(|&(s, r)| s + r > 0))
                    .map(|(c, per_day)| {
                        let (sent, recv) = per_day[since.min(4)..]
                            .iter()
                            .fold((0, 0), |(a, b), &(s, r)| (a + s, b + r));
                        (
                            format!("c{c}"),
                            ClientUsage {
                                sent: Kb::from_millis(sent),
                                recv: Kb::from_millis(recv),
                                addr: ClientAddr {
                                    ip: Some(Ipv4Addr::new(10, 0, 0, c as u8)),
                                    ..ClientAddr::default()
                                },
                                mac: format!("m{c}"),
                                description: None,
                                user: None,
                            },
                        )
                    })
                    .collect(),
            })
            .collect();

        let out = diff_run(&run, &snapshots);
        prop_assert_eq!(out.len(), 4);
        for (i, day) in out.iter().enumerate() {
            prop_assert_eq!(day.day, days[i]);
            prop_assert_eq!(day.anomalies, 0);
            let got: HashMap<&str, Traffic> =
                day.clients.iter().map(|c| (c.id.as_str(), c.traffic)).collect();
            for (c, per_day) in usage.iter().enumerate() {
                let (s, r) = per_day[i];
                let want = Traffic::from_sent_recv(Kb::from_millis(s), Kb::from_millis(r));
                let id = format!("c{c}");
                if s + r == 0 {
                    prop_assert!(!got.contains_key(id.as_str()));
                } else {
                    prop_assert_eq!(got.get(id.as_str()), Some(&want));
                }
            }
        }
    }
}
