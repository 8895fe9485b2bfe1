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
        let full = store
            .top_clients_by_full_sums(start, end, None, limit)
            .await
            .unwrap();
        assert_eq!(got, full, "{start} to {end}, top {limit}");
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

/// A deterministic pseudo-random sequence (64-bit LCG), so the test needs no seed file.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Hundreds of clients per group with close totals: the threshold ranking cannot settle on the
/// first clients of each month's list and must read deeper, and some clients change group or
/// go quiet for days, so a month's total is only a bound. Every period still ranks exactly
/// like the naive sum.
#[tokio::test]
async fn many_close_clients_make_the_threshold_ranking_read_deeper_and_stay_exact() {
    let (_dir, store) = fixture().await;
    many_close_clients(&store, true).await;
}

/// The same on PostgreSQL, checked against its own sum over the daily rows.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn many_close_clients_rank_exactly_on_postgresql() {
    let (_db, store) = pg_fixture().await;
    many_close_clients(&store, false).await;
}

/// A PostgreSQL database from the tests' server, with the groups of [`fixture`].
#[cfg(feature = "postgres")]
async fn pg_fixture() -> (test_support::postgres::TestDatabase, Store) {
    let db = test_support::postgres::PgServer::get().database();
    let location = usagestats_storage::Location::parse(&db.url()).unwrap();
    let store = Store::connect(&location, usagestats_storage::OpenMode::Create)
        .await
        .unwrap();
    crate::populate(&store).await;
    (db, store)
}

/// The expected ranking: the naive sum over the raw rows (SQLite) or the backend's own sum
/// over the daily rows (itself checked against the naive sum on SQLite).
async fn expected(
    store: &Store,
    start: Date,
    end: Date,
    limit: usize,
    sqlite: bool,
) -> Vec<(usize, String, String, Traffic)> {
    if sqlite {
        naive(store, start, end, limit).await
    } else {
        shape(
            &store
                .top_clients_from_daily_rows(start, end, None, limit)
                .await
                .unwrap(),
        )
    }
}

async fn many_close_clients(store: &Store, sqlite: bool) {
    let first = jiff::civil::date(2026, 1, 26);
    let last = jiff::civil::date(2026, 4, 6);
    let mut rng = Lcg(0x5eed);
    let mut x = first;
    while x <= last {
        for net in ["N_1", "N_2", "N_3"] {
            let present: Vec<u64> = (0..160u64).filter(|_| rng.next(10) != 0).collect();
            let clients = present
                .into_iter()
                .map(|c| {
                    // Mostly flat, a few heavy clients, some switching group on some days.
                    let heavy = if c % 53 == 7 { 40 } else { 1 };
                    let up = (rng.next(1_000) + 500) * heavy;
                    let down = rng.next(2_000) * heavy;
                    let group = match (c % 5, rng.next(8)) {
                        (4, _) => None,
                        (_, 0) => Some(((c + 1) % 2) as usize),
                        _ => Some((c % 2) as usize),
                    };
                    client(
                        &format!("k{c:03}"),
                        &format!("10.1.{}.{}", c / 200, c % 200),
                        group,
                        t(up as i64 * 1000, down as i64 * 1000 + c as i64),
                    )
                })
                .collect();
            store.write_day(&day(net, x, clients)).await.unwrap();
        }
        x = x.tomorrow().unwrap();
    }
    for _ in 0..12 {
        let len = rng.next(70) as i64;
        let offset = rng.next(71 - len as u64) as i64;
        let start = first.checked_add(offset.days()).unwrap();
        let end = start.checked_add(len.days()).unwrap().min(last);
        for limit in [1usize, 3, 10, 40] {
            let want = expected(store, start, end, limit, sqlite).await;
            let got = store.top_clients(start, end, None, limit).await.unwrap();
            assert_eq!(shape(&got), want, "{start} to {end}, top {limit}");
            let full = store
                .top_clients_by_full_sums(start, end, None, limit)
                .await
                .unwrap();
            assert_eq!(got, full, "{start} to {end}, top {limit}");
        }
    }
}

/// A client that is never among the largest of any one month but is the largest of the
/// quarter: the threshold ranking must not stop early. 70 clients a month each send 100 to
/// 169 kB on one day; client `z` sends 60 kB in each month, 180 kB in all.
#[tokio::test]
async fn a_steady_client_hidden_in_every_month_still_ranks_first_over_the_quarter() {
    let (_dir, store) = fixture().await;
    steady_client(&store, true).await;
}

/// The same on PostgreSQL.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_steady_client_ranks_first_over_the_quarter_on_postgresql() {
    let (_db, store) = pg_fixture().await;
    steady_client(&store, false).await;
}

async fn steady_client(store: &Store, sqlite: bool) {
    for (month, prefix) in [(1i8, "j"), (2, "f"), (3, "m")] {
        let spiky = (0..70i64)
            .map(|i| {
                client(
                    &format!("{prefix}{i:02}"),
                    "10.2.0.1",
                    Some(0),
                    t((100 + i) * 1000, 0),
                )
            })
            .collect();
        let x = jiff::civil::date(2026, month, 10);
        store.write_day(&day("N_1", x, spiky)).await.unwrap();
        let steady = vec![client("z", "10.2.0.2", Some(0), t(60_000, 0))];
        let y = jiff::civil::date(2026, month, 11);
        store.write_day(&day("N_1", y, steady)).await.unwrap();
    }
    for (start, end) in [
        (
            jiff::civil::date(2026, 1, 1),
            jiff::civil::date(2026, 3, 31),
        ),
        (
            jiff::civil::date(2026, 1, 5),
            jiff::civil::date(2026, 3, 20),
        ),
    ] {
        for limit in [1usize, 3] {
            let want = expected(store, start, end, limit, sqlite).await;
            assert_eq!(want[0].2, "z");
            let got = store.top_clients(start, end, None, limit).await.unwrap();
            assert_eq!(shape(&got), want, "{start} to {end}, top {limit}");
        }
    }
}
