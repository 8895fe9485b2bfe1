//! `top` on a year of client rows: 1,000 networks × 200 clients × 365 days = 73 million
//! `client_daily_usage` rows.
//!
//! The database is built once and cached as `$CARGO_TARGET_TMPDIR/storage-bench-top-1y-1000n.db`
//! (≈ 10 GB; delete it to rebuild). The client rows go in under the migrations before the
//! per-client rollups, in key order; opening the file with `Store` then applies
//! `20261201100100_add_client_rollups`, whose backfill fills the rollups as it would for any
//! existing database, and `20261201100200_add_client_daily_total_index`.
//!
//! Measured: [`Store::top_clients`] (the rollups) with criterion, and once per period the
//! same ranking from the daily rows alone ([`Store::top_clients_from_daily_rows`], what a
//! database without the rollups would run), printed to standard error as `before`.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions.

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use usagestats_storage::{NetworkRecord, Settings, Store};

/// Networks in the database: 1,000, or `BENCH_NETWORKS` for a quick trial.
fn networks() -> i64 {
    std::env::var("BENCH_NETWORKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}
const ORGS: i64 = 10;
const CLIENTS: i64 = 200;
const GROUPS: usize = 4;
const FIRST_DAY: &str = "2025-11-01";
const DAYS: i64 = 365; // 2025-11-01 ..= 2026-10-31

fn db_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("storage-bench-top-1y-{}n.db", networks()))
}

async fn build(path: &Path) {
    let tmp = path.with_extension("building");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
    let started = Instant::now();
    let mut conn = sqlx::SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&tmp)
            .create_if_missing(true)
            // A throwaway file being built: durability does not matter, speed does.
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", "-1048576"),
    )
    .await
    .unwrap();
    let all = sqlx::migrate!("./migrations/sqlite");
    let mut before = Migrator::DEFAULT;
    before.migrations = all
        .migrations
        .iter()
        .filter(|m| m.version < 20261201100100)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&mut conn).await.unwrap();

    let mut tx = conn.begin().await.unwrap();
    for o in 0..ORGS {
        sqlx::query("INSERT INTO organizations (id, name) VALUES (?1, ?2)")
            .bind(format!("O_{o:03}"))
            .bind(format!("Organization {o}"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for n in 0..networks() {
        sqlx::query(
            "INSERT INTO networks (id, organization_id, name, tags, time_zone)
             VALUES (?1, ?2, ?3, '[]', 'Europe/Amsterdam')",
        )
        .bind(format!("N_{n:06}"))
        .bind(format!("O_{:03}", n % ORGS))
        .bind(format!("Network {n}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(
        "CREATE TEMP TABLE bench_days AS
         WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < ?2 - 1)
         SELECT i, date(?1, '+' || i || ' days') AS day FROM d",
    )
    .bind(FIRST_DAY)
    .bind(DAYS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "CREATE TEMP TABLE bench_clients AS
         WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ?1 - 1)
         SELECT i, printf('k%04d', i) AS id FROM c",
    )
    .bind(CLIENTS)
    .execute(&mut *tx)
    .await
    .unwrap();
    // Rows in key order (network, day, client): the CROSS JOINs loop in the order written.
    // A client's traffic has a fixed size class (a few heavy clients, many light ones) and a
    // day-to-day variation, so rankings differ from period to period.
    sqlx::query(
        "INSERT INTO client_daily_usage (network_id, day, client_id, mac, ip, vlan, named_vlan,
             group_position, up_mkb, down_mkb, description)
         SELECT n.id, d.day, c.id,
                printf('02:00:%02x:%02x:00:%02x', n.rowid / 256, n.rowid % 256, c.i),
                '10.' || (n.rowid % 250) || '.' || (c.i / 100) || '.' || (c.i % 100 + 1),
                10 + c.i % 4, 'vlan' || (10 + c.i % 4),
                CASE WHEN c.i % 16 = 15 THEN NULL ELSE c.i % 4 END,
                (((c.i * 7 + n.rowid * 13) % 200 + 1) * ((c.i * 7 + n.rowid * 13) % 200 + 1))
                    * 1000 + (d.i * 7919 + c.i * 104729) % 100000,
                (((c.i * 11 + n.rowid * 17) % 200 + 1) * ((c.i * 11 + n.rowid * 17) % 200 + 1))
                    * 3000 + (d.i * 15485 + c.i * 3241) % 100000,
                CASE WHEN c.i % 4 = 0 THEN 'laptop-' || c.i END
         FROM networks AS n CROSS JOIN bench_days AS d CROSS JOIN bench_clients AS c",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    conn.close().await.unwrap();
    eprintln!("client rows written in {:.0?}", started.elapsed());

    let store = Store::open(&tmp).await.expect("migrate bench database");
    eprintln!(
        "rollups backfilled by the migration, {:.0?} in all",
        started.elapsed()
    );
    let names: Vec<String> = (0..GROUPS).map(|g| format!("Group {g}")).collect();
    store
        .save_settings(
            &Settings {
                groups: names
                    .iter()
                    .enumerate()
                    .map(|(g, n)| format!("{n}=vid:{}", g + 10))
                    .collect::<Vec<_>>()
                    .join(";"),
                filter: "dtype:mx".into(),
                time_zone_mode: usagestats_storage::TimeZoneMode::Network,
                source: usage_model::Source::Device,
            },
            &names,
        )
        .await
        .unwrap();
    store.close().await;
    std::fs::rename(&tmp, path).unwrap();
    eprintln!("built {} in {:.0?}", path.display(), started.elapsed());
}

/// A date as (year, month, day).
type Ymd = (i16, i8, i8);

const PERIODS: [(&str, Ymd, Ymd); 5] = [
    ("last-week", (2026, 10, 19), (2026, 10, 25)),
    ("last-month", (2026, 10, 1), (2026, 10, 31)),
    ("billing-15", (2026, 9, 15), (2026, 10, 14)),
    ("last-30-days", (2026, 10, 2), (2026, 10, 31)),
    ("one-year", (2025, 11, 1), (2026, 10, 31)),
];

fn d((y, m, dd): Ymd) -> Date {
    date(y, m, dd)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = db_path();
    if !path.exists() {
        rt.block_on(build(&path));
    }
    let store = rt.block_on(Store::open_existing(&path)).unwrap();
    // Before: the same answer from the daily rows, once per period (it takes seconds).
    for (name, start, end) in PERIODS {
        let t = Instant::now();
        let naive = rt
            .block_on(store.top_clients_from_daily_rows(d(start), d(end), None, 10))
            .unwrap();
        let naive_time = t.elapsed();
        let t = Instant::now();
        let fast = rt
            .block_on(store.top_clients(d(start), d(end), None, 10))
            .unwrap();
        let fast_time = t.elapsed();
        assert_eq!(
            naive, fast,
            "{name}: the rollups and the daily rows disagree"
        );
        assert_eq!(fast.len(), GROUPS * 10);
        eprintln!(
            "top_clients/{name}: before (daily rows only) {naive_time:.2?}, with the rollups {fast_time:.2?} (first run)"
        );
    }
    let mut group = c.benchmark_group("top_clients_1y_1000n_200c");
    group.sample_size(10);
    for (name, start, end) in PERIODS {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(store.top_clients(d(start), d(end), None, 10))
                    .unwrap()
            })
        });
    }
    group.bench_function("last-week/one-group", |b| {
        b.iter(|| {
            rt.block_on(store.top_clients(d(PERIODS[0].1), d(PERIODS[0].2), Some(2), 10))
                .unwrap()
        })
    });
    group.finish();
    rt.block_on(store.close());
}

/// One network-day as the sync writes it, now with 200 client rows and the per-client rollup
/// triggers (rewriting the same day each time).
fn write_day(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt
        .block_on(Store::open(&dir.path().join("write.db")))
        .unwrap();
    rt.block_on(async {
        store.upsert_organization("O_1", "Org").await.unwrap();
        store
            .upsert_network(&NetworkRecord {
                id: "N_1".into(),
                organization_id: "O_1".into(),
                name: "Net".into(),
                tags: vec![],
                time_zone: "UTC".into(),
            })
            .await
            .unwrap();
    });
    let traffic = |i: i64| usage_model::Traffic {
        up: usage_model::Kb::from_millis(i * 1_000 + 7),
        down: usage_model::Kb::from_millis(i * 3_000 + 1),
    };
    let record = usagestats_storage::DayRecord {
        network_id: "N_1".into(),
        day: date(2026, 10, 1),
        source: usage_model::Source::Device,
        groups: (0..GROUPS).map(|g| (g, traffic(g as i64))).collect(),
        unmatched: traffic(99),
        clients: (0..200)
            .map(|i| usagestats_storage::ClientDayRecord {
                client_id: format!("k{i:04}"),
                mac: Some(format!("00:00:00:00:{:02x}:{:02x}", i / 256, i % 256)),
                ip: Some(format!("10.0.{}.{}", i / 250, i % 250 + 1)),
                ip6: None,
                vlan: Some(10),
                named_vlan: Some("corp".into()),
                ssid: None,
                description: Some(format!("laptop-{i}")),
                user: None,
                group: Some(i % GROUPS),
                traffic: traffic(i as i64),
                bound: usage_model::Traffic::default(),
            })
            .collect(),
        bounds: vec![],
        unmatched_bound: usage_model::Traffic::default(),
    };
    c.bench_function("write_day/4_groups_200_clients_with_client_rollups", |b| {
        b.iter(|| rt.block_on(store.write_day(&record)).unwrap())
    });
    rt.block_on(store.close());
}

criterion_group!(benches, bench, write_day);
criterion_main!(benches);
