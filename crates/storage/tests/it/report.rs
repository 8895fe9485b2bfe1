use jiff::ToSpan;
use jiff::civil::Date;
use usage_model::Traffic;
use usagestats_storage::{DayRecord, Settings};

use crate::{client, d, day, fixture, t};

/// Writes N_1 every day from `from` to `to` with Corp = (day-of-year, 2 × that) and an
/// unmatched 1/1; returns the exact expected Corp sum for a sub-period.
async fn fill(store: &usagestats_storage::Store, from: Date, to: Date) {
    for day in from.series(1.day()).take_while(|x| *x <= to) {
        let v = i64::from(day.day_of_year());
        store
            .write_day(&DayRecord {
                network_id: "N_1".into(),
                day,
                source: usage_model::Source::Device,
                groups: vec![(0, t(v, 2 * v)), (1, t(0, 0))],
                unmatched: t(1, 1),
                clients: vec![],
                bounds: vec![],
                unmatched_bound: Traffic::default(),
            })
            .await
            .unwrap();
    }
}

fn expected(a: Date, b: Date) -> Traffic {
    a.series(1.day())
        .take_while(|x| *x <= b)
        .map(|x| {
            let v = i64::from(x.day_of_year());
            t(v, 2 * v)
        })
        .sum()
}

#[tokio::test]
async fn report_rows_sum_exactly_over_any_period() {
    let (_dir, store) = fixture().await;
    fill(&store, d(1, 1), d(5, 31)).await;
    // Whole months, ragged edges, inside one month, one day, reversed order.
    for (a, b) in [
        (d(2, 1), d(4, 30)),
        (d(1, 17), d(5, 3)),
        (d(3, 5), d(3, 11)),
        (d(4, 30), d(4, 30)),
        (d(1, 1), d(5, 31)),
        (d(5, 3), d(1, 17)),
        // Whole ISO weeks (2026-03-02 is a Monday), and weeks with ragged ends.
        (d(3, 2), d(3, 29)),
        (d(3, 2), d(3, 8)),
        (d(2, 25), d(3, 19)),
    ] {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let rows = store.report_rows(a, b).await.unwrap();
        let corp = rows
            .iter()
            .find(|r| r.network_id == "N_1" && r.group_position == Some(0))
            .unwrap();
        assert_eq!(corp.traffic, expected(lo, hi), "period {a} to {b}");
        let days = i64::from(hi.since(lo).unwrap().get_days()) + 1;
        let unmatched = rows
            .iter()
            .find(|r| r.network_id == "N_1" && r.group_position.is_none())
            .unwrap();
        assert_eq!(unmatched.traffic, t(days, days), "period {a} to {b}");
    }
}

#[tokio::test]
async fn report_rows_list_every_network_and_group_in_order() {
    let (_dir, store) = fixture().await;
    store
        .write_day(&day(
            "N_2",
            d(6, 1),
            vec![client("a", "10.0.0.1", Some(1), t(3_000, 4_000))],
        ))
        .await
        .unwrap();
    let rows = store.report_rows(d(6, 1), d(6, 30)).await.unwrap();
    let keys: Vec<(&str, &str, Option<usize>, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r.organization_name.as_str(),
                r.network_name.as_str(),
                r.group_position,
                r.group_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("Acme", "Alpha site", Some(0), Some("Corp")),
            ("Acme", "Alpha site", Some(1), Some("Guest")),
            ("Acme", "Alpha site", None, None),
            ("Acme", "Zeta site", Some(0), Some("Corp")),
            ("Acme", "Zeta site", Some(1), Some("Guest")),
            ("Beta", "Depot", Some(0), Some("Corp")),
            ("Beta", "Depot", Some(1), Some("Guest")),
        ]
    );
    assert_eq!(rows[1].traffic, t(3_000, 4_000));
    assert_eq!(rows[3].traffic, t(0, 0));
}

#[tokio::test]
async fn rows_of_groups_removed_by_a_reconfigure_stay_visible_without_a_name() {
    let (_dir, store) = fixture().await;
    store
        .write_day(&day(
            "N_3",
            d(7, 1),
            vec![client("a", "10.0.0.1", Some(1), t(10, 20))],
        ))
        .await
        .unwrap();
    let s = Settings {
        groups: "Only=sub:10.0.0.0/8".into(),
        filter: "dtype:mx".into(),
        time_zone_mode: usagestats_storage::TimeZoneMode::Network,
        source: usage_model::Source::Device,
    };
    store.save_settings(&s, &["Only".into()]).await.unwrap();
    let rows = store.report_rows(d(7, 1), d(7, 1)).await.unwrap();
    let depot: Vec<_> = rows.iter().filter(|r| r.network_id == "N_3").collect();
    assert_eq!(depot.len(), 3);
    assert_eq!(depot[1].group_position, Some(1));
    assert_eq!(depot[1].group_name, None);
    assert_eq!(depot[1].traffic, t(10, 20));
}

#[tokio::test]
async fn missing_days_lists_gaps_per_network() {
    let (_dir, store) = fixture().await;
    for (net, days) in [
        ("N_1", vec![d(8, 1), d(8, 2), d(8, 3), d(8, 4)]),
        ("N_2", vec![d(8, 1), d(8, 4)]),
    ] {
        for x in days {
            store.write_day(&day(net, x, vec![])).await.unwrap();
        }
    }
    let missing = store.missing_days(d(8, 4), d(8, 1)).await.unwrap();
    assert_eq!(
        missing,
        [
            (
                "N_2".to_string(),
                "Alpha site".to_string(),
                vec![d(8, 2), d(8, 3)]
            ),
            (
                "N_3".to_string(),
                "Depot".to_string(),
                vec![d(8, 1), d(8, 2), d(8, 3), d(8, 4)]
            ),
        ]
    );
}

#[tokio::test]
async fn daily_totals_add_up_networks_per_day_and_group() {
    let (_dir, store) = fixture().await;
    for net in ["N_1", "N_3"] {
        store
            .write_day(&day(
                net,
                d(9, 1),
                vec![
                    client("a", "10.0.0.1", Some(0), t(100, 200)),
                    client("b", "1.1.1.1", None, t(1, 2)),
                ],
            ))
            .await
            .unwrap();
    }
    store
        .write_day(&day(
            "N_1",
            d(9, 2),
            vec![client("a", "10.0.0.1", Some(1), t(5, 5))],
        ))
        .await
        .unwrap();
    let totals = store.daily_totals(d(9, 1), d(9, 2)).await.unwrap();
    assert_eq!(
        totals,
        [
            (d(9, 1), Some(0), t(200, 400)),
            (d(9, 1), Some(1), t(0, 0)),
            (d(9, 1), None, t(2, 4)),
            (d(9, 2), Some(0), t(0, 0)),
            (d(9, 2), Some(1), t(5, 5)),
            (d(9, 2), None, t(0, 0)),
        ]
    );
}

#[tokio::test]
async fn daily_totals_follow_rewritten_days() {
    let (_dir, store) = fixture().await;
    fill(&store, d(2, 1), d(2, 28)).await;
    // Rewrite one day with other figures and without group 1: its (day, group 1) total must
    // disappear, as a GROUP BY over the daily rows would have it, and the others change.
    store
        .write_day(&DayRecord {
            network_id: "N_1".into(),
            day: d(2, 10),
            source: usage_model::Source::Device,
            groups: vec![(0, t(7, 8))],
            unmatched: t(5, 5),
            clients: vec![],
            bounds: vec![],
            unmatched_bound: Traffic::default(),
        })
        .await
        .unwrap();
    let v = |day: Date| i64::from(day.day_of_year());
    let totals = store.daily_totals(d(2, 9), d(2, 11)).await.unwrap();
    assert_eq!(
        totals,
        [
            (d(2, 9), Some(0), t(v(d(2, 9)), 2 * v(d(2, 9)))),
            (d(2, 9), Some(1), t(0, 0)),
            (d(2, 9), None, t(1, 1)),
            (d(2, 10), Some(0), t(7, 8)),
            (d(2, 10), None, t(5, 5)),
            (d(2, 11), Some(0), t(v(d(2, 11)), 2 * v(d(2, 11)))),
            (d(2, 11), Some(1), t(0, 0)),
            (d(2, 11), None, t(1, 1)),
        ]
    );
}

#[tokio::test]
async fn the_monthly_rollup_follows_rewritten_days() {
    let (_dir, store) = fixture().await;
    fill(&store, d(2, 1), d(2, 28)).await;
    // Rewrite one day with other figures and without group 1: the whole-month sum (read from
    // the rollup) must equal the day-by-day sum (read from daily rows).
    store
        .write_day(&DayRecord {
            network_id: "N_1".into(),
            day: d(2, 10),
            source: usage_model::Source::Device,
            groups: vec![(0, t(1_000_000, 3))],
            unmatched: t(5, 5),
            clients: vec![],
            bounds: vec![],
            unmatched_bound: Traffic::default(),
        })
        .await
        .unwrap();
    let month = store.report_rows(d(2, 1), d(2, 28)).await.unwrap();
    let by_days: Vec<_> = {
        let mut sums = vec![Traffic::default(); 3];
        for x in d(2, 1).series(1.day()).take_while(|x| *x <= d(2, 28)) {
            for r in store.report_rows(x, x).await.unwrap() {
                if r.network_id == "N_1" {
                    sums[r.group_position.unwrap_or(2)] += r.traffic;
                }
            }
        }
        sums
    };
    let n1: Vec<_> = month.iter().filter(|r| r.network_id == "N_1").collect();
    assert_eq!(n1[0].traffic, by_days[0]);
    assert_eq!(n1[1].traffic, by_days[1]);
    assert_eq!(n1[2].traffic, by_days[2]);
    assert_eq!(
        n1[0].traffic,
        expected(d(2, 1), d(2, 28)) + t(1_000_000, 3) + {
            let v = i64::from(d(2, 10).day_of_year());
            t(-v, -2 * v)
        }
    );
    assert_eq!(n1[2].traffic, t(27 + 5, 27 + 5));
    // The same through the weekly rollup: Monday 2026-02-09 to Sunday 2026-02-15.
    let week = store.report_rows(d(2, 9), d(2, 15)).await.unwrap();
    let n1_week = week
        .iter()
        .find(|r| r.network_id == "N_1" && r.group_position == Some(0))
        .unwrap();
    let mut n1_days = Traffic::default();
    for x in d(2, 9).series(1.day()).take(7) {
        n1_days += store
            .report_rows(x, x)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.network_id == "N_1" && r.group_position == Some(0))
            .unwrap()
            .traffic;
    }
    assert_eq!(n1_week.traffic, n1_days);
    let v = i64::from(d(2, 10).day_of_year());
    assert_eq!(
        n1_week.traffic,
        expected(d(2, 9), d(2, 15)) + t(1_000_000, 3) + t(-v, -2 * v)
    );
}

/// Fifteen months of one network with gaps (single days and a whole month), days rewritten
/// with other figures and from the other source, and two sources: every period — a day, a
/// week, months and years, aligned or not, across year ends — sums exactly the days written,
/// lists exactly the gaps and counts the sources of its days.
#[tokio::test]
async fn periods_across_years_with_gaps_and_rewrites_sum_exactly() {
    use std::collections::BTreeMap;
    use usage_model::Source;

    let (_dir, store) = fixture().await;
    let (first, last) = (
        jiff::civil::date(2024, 11, 20),
        jiff::civil::date(2026, 2, 10),
    );
    // day → (group 0, unmatched, source)
    let mut truth: BTreeMap<Date, (Traffic, Traffic, Source)> = BTreeMap::new();
    let write = |x: Date, corp: Traffic, unmatched: Traffic, source: Source| DayRecord {
        network_id: "N_1".into(),
        day: x,
        source,
        groups: vec![(0, corp), (1, t(0, 0))],
        unmatched,
        clients: vec![],
        bounds: vec![],
        unmatched_bound: Traffic::default(),
    };
    for (i, x) in first.series(1.day()).take_while(|x| *x <= last).enumerate() {
        let i = i as i64;
        if i % 9 == 4 || (x.year() == 2025 && x.month() == 6) {
            continue;
        }
        let v = i * 37 % 1001 + 1;
        let source = if i % 5 == 0 {
            Source::Network
        } else {
            Source::Device
        };
        store
            .write_day(&write(x, t(v, 2 * v), t(1, 1), source))
            .await
            .unwrap();
        truth.insert(x, (t(v, 2 * v), t(1, 1), source));
    }
    for x in [
        jiff::civil::date(2025, 1, 31),
        jiff::civil::date(2025, 12, 31),
        jiff::civil::date(2026, 1, 1),
    ] {
        store
            .write_day(&write(x, t(5, 7), t(2, 2), Source::Network))
            .await
            .unwrap();
        truth.insert(x, (t(5, 7), t(2, 2), Source::Network));
    }
    let starts = [
        jiff::civil::date(2024, 11, 1),
        jiff::civil::date(2024, 12, 31),
        jiff::civil::date(2025, 1, 1),
        jiff::civil::date(2025, 2, 15),
        jiff::civil::date(2025, 6, 10),
        jiff::civil::date(2025, 12, 29),
    ];
    for a in starts {
        for len in [0i64, 6, 30, 59, 200, 365, 500] {
            let b = a.checked_add(len.days()).unwrap();
            let inside = truth.range(a..=b);
            let corp: Traffic = inside.clone().map(|(_, v)| v.0).sum();
            let unmatched: Traffic = inside.clone().map(|(_, v)| v.1).sum();
            let rows = store.report_rows(a, b).await.unwrap();
            let n1: Vec<_> = rows.iter().filter(|r| r.network_id == "N_1").collect();
            assert_eq!(n1[0].traffic, corp, "group 0, {a} to {b}");
            if inside.clone().next().is_some() {
                assert_eq!(n1.len(), 3, "{a} to {b}");
                assert_eq!(n1[2].traffic, unmatched, "unmatched, {a} to {b}");
            } else {
                assert_eq!(n1.len(), 2, "no unmatched row without days, {a} to {b}");
            }
            let want_missing: Vec<Date> = a
                .series(1.day())
                .take_while(|x| *x <= b)
                .filter(|x| !truth.contains_key(x))
                .collect();
            let missing = store.missing_days(a, b).await.unwrap();
            let n1_missing = missing
                .iter()
                .find(|(id, _, _)| id == "N_1")
                .map(|(_, _, days)| days.clone())
                .unwrap_or_default();
            assert_eq!(n1_missing, want_missing, "missing days, {a} to {b}");
            let mut want_sources: BTreeMap<Source, u64> = BTreeMap::new();
            for (_, (_, _, s)) in inside {
                *want_sources.entry(*s).or_default() += 1;
            }
            assert_eq!(
                store.report_sources(a, b).await.unwrap(),
                want_sources.into_iter().collect::<Vec<_>>(),
                "sources, {a} to {b}"
            );
        }
    }
}
