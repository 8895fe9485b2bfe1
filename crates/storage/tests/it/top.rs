//! The largest clients per group: the rollup-based answer equals a naive sum over the client
//! rows, for whole months, whole weeks and ragged periods, after rewrites, reclassification
//! and deletions.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use usage_model::Traffic;
use usagestats_storage::{Store, TopClient};

use crate::{client, d, day, fixture, t};

/// Clients k0..k11 on every network; traffic varies by client, day and network, and every
/// third client changes group every four days.
async fn fill(store: &Store, first: Date, last: Date) {
    let mut day_n = 0i64;
    let mut x = first;
    while x <= last {
        for (n, net) in ["N_1", "N_2", "N_3"].iter().enumerate() {
            let clients = (0..12i64)
                .filter(|c| (c + day_n + n as i64) % 5 != 0)
                .map(|c| {
                    let group = match c % 4 {
                        3 => None,
                        g if c % 3 == 0 && (day_n / 4) % 2 == 1 => Some(((g + 1) % 2) as usize),
                        g => Some((g % 2) as usize),
                    };
                    let up = (c * 7_919 + day_n * 104_729 + n as i64 * 13) % 100_003 + 1;
                    let down = (c * 15_485 + day_n * 3_241 + n as i64 * 7) % 50_021;
                    client(
                        &format!("k{c}"),
                        &format!("10.0.{n}.{c}"),
                        group,
                        t(up * 1000 + c, down * 999),
                    )
                })
                .collect();
            store.write_day(&day(net, x, clients)).await.unwrap();
        }
        x = x.tomorrow().unwrap();
        day_n += 1;
    }
}

/// The naive answer: every client row of the period summed per (group, network, client).
async fn naive(
    store: &Store,
    start: Date,
    end: Date,
    limit: usize,
) -> Vec<(usize, String, String, Traffic)> {
    let rows: Vec<(Option<i64>, String, String, i64, i64)> = sqlx::query_as(
        "SELECT group_position, network_id, client_id, up_mkb, down_mkb FROM client_daily_usage
         WHERE day >= ?1 AND day <= ?2",
    )
    .bind(start.to_string())
    .bind(end.to_string())
    .fetch_all(
        &sqlx::SqlitePool::connect(&format!(
            "sqlite:{}",
            store.path().expect("a file").display()
        ))
        .await
        .unwrap(),
    )
    .await
    .unwrap();
    let mut sums: BTreeMap<(usize, String, String), Traffic> = BTreeMap::new();
    for (g, net, c, up, down) in rows {
        let Some(g) = g else { continue };
        *sums.entry((g as usize, net, c)).or_default() += t(up, down);
    }
    let mut by_group: BTreeMap<usize, Vec<(String, String, Traffic)>> = BTreeMap::new();
    for ((g, net, c), tr) in sums {
        by_group.entry(g).or_default().push((net, c, tr));
    }
    let mut out = Vec::new();
    for (g, mut list) in by_group {
        list.sort_by(|a, b| {
            b.2.total()
                .cmp(&a.2.total())
                .then(a.0.cmp(&b.0))
                .then(a.1.cmp(&b.1))
        });
        out.extend(list.into_iter().take(limit).map(|(n, c, tr)| (g, n, c, tr)));
    }
    out
}

fn shape(top: &[TopClient]) -> Vec<(usize, String, String, Traffic)> {
    top.iter()
        .map(|c| {
            (
                c.group_position,
                c.network_id.clone(),
                c.client_id.clone(),
                c.traffic,
            )
        })
        .collect()
}

async fn check(store: &Store, start: Date, end: Date) {
    for limit in [1, 5, 100] {
        let want = naive(store, start, end, limit).await;
        assert!(!want.is_empty());
        let got = store.top_clients(start, end, None, limit).await.unwrap();
        assert_eq!(shape(&got), want, "{start} to {end}, top {limit}");
        let daily = store
            .top_clients_from_daily_rows(start, end, None, limit)
            .await
            .unwrap();
        assert_eq!(got, daily, "{start} to {end}, top {limit}");
        // Ranks count from 1 within each group.
        for w in got.windows(2) {
            if w[0].group_position == w[1].group_position {
                assert_eq!(w[1].rank, w[0].rank + 1);
            } else {
                assert_eq!(w[1].rank, 1);
            }
        }
        let one = store.top_clients(start, end, Some(1), limit).await.unwrap();
        assert_eq!(
            shape(&one),
            want.iter()
                .filter(|w| w.0 == 1)
                .cloned()
                .collect::<Vec<_>>()
        );
    }
}

const PERIODS: [(i8, i8, i8, i8); 5] = [
    (2, 1, 2, 28),  // one whole month: straight from the monthly index
    (2, 9, 2, 15),  // one ISO week (Monday to Sunday): straight from the weekly index
    (1, 20, 3, 10), // ragged: days, weeks and a month
    (2, 3, 2, 3),   // one day
    (1, 1, 3, 31),  // everything
];

#[tokio::test]
async fn the_rollups_rank_exactly_like_a_sum_over_the_client_rows() {
    let (_dir, store) = fixture().await;
    fill(&store, d(1, 20), d(3, 10)).await;
    for (m1, d1, m2, d2) in PERIODS {
        check(&store, d(m1, d1), d(m2, d2)).await;
    }
    // The details are those of the client's latest day in the period, within the group.
    let top = store
        .top_clients(d(2, 9), d(2, 15), Some(0), 3)
        .await
        .unwrap();
    for c in &top {
        assert!(c.last_day <= d(2, 15) && c.last_day >= d(2, 9));
        assert!(c.ip.as_deref().unwrap().starts_with("10.0."), "{c:?}");
        assert!(c.mac.is_some() && !c.pseudonymized);
    }

    // Rewriting days, reclassifying and deleting keep the rollups equal to the rows.
    fill(&store, d(2, 10), d(2, 12)).await;
    store
        .reclassify(|c, _| match c.client_id.as_str() {
            "k1" | "k2" => Some(1),
            "k3" => None,
            _ => Some(0),
        })
        .await
        .unwrap();
    store.forget_client("00:11:22:33:44:02").await.unwrap();
    for (m1, d1, m2, d2) in PERIODS {
        check(&store, d(m1, d1), d(m2, d2)).await;
    }
}

#[tokio::test]
async fn periods_ending_on_any_weekday_and_month_end_match_the_naive_sum() {
    let (_dir, store) = fixture().await;
    // Across a leap February: 2028-02-29 exists.
    let first = jiff::civil::date(2028, 2, 14);
    let last = jiff::civil::date(2028, 3, 12);
    fill(&store, first, last).await;
    let mut end = first;
    while end <= last {
        for len in [1i64, 7, 15, 29] {
            let start = end.checked_sub((len - 1).days()).unwrap();
            let want = naive(&store, start, end, 3).await;
            let got = store.top_clients(start, end, None, 3).await.unwrap();
            assert_eq!(shape(&got), want, "{start} to {end}");
        }
        end = end.checked_add(3.days()).unwrap();
    }
}
