//! Report queries on a large history: 5 years × 1,000 networks × 10 groups (+ unmatched)
//! ≈ 20 million `daily_usage` rows.
//!
//! The database is built once (a few minutes) and cached as
//! `$CARGO_TARGET_TMPDIR/storage-bench-5y-1000n-10g.db`; delete it to rebuild. It is filled
//! with set-based SQL through the real schema (so the monthly rollup triggers run), not
//! through `write_day`, which would take far longer and is not what is measured here.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions.

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use usagestats_storage::{NetworkRecord, Settings, Store};

const NETWORKS: usize = 1_000;
const ORGS: usize = 10;
const GROUPS: usize = 10;
const FIRST_DAY: &str = "2021-11-01";
const DAYS: i64 = 1_826; // 2021-11-01 ..= 2026-10-31

fn db_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("storage-bench-5y-1000n-10g.db")
}

async fn build(path: &Path) {
    let tmp = path.with_extension("building");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
    let started = Instant::now();
    // The bulk rows go in under the first migration only; opening the file with `Store` then
    // applies the later ones, so the monthly rollup is filled by the real migration's backfill
    // (as for any database that predates it) instead of by 20 million trigger calls.
    let mut conn = sqlx::SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&tmp)
            .create_if_missing(true)
            // A throwaway file being built: durability does not matter, speed does.
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", "-262144"),
    )
    .await
    .unwrap();
    let all = sqlx::migrate!("./migrations/sqlite");
    let mut first = Migrator::DEFAULT;
    first.migrations = all.migrations[..1].to_vec().into();
    first.run(&mut conn).await.unwrap();

    let mut tx = conn.begin().await.unwrap();
    for o in 0..ORGS {
        sqlx::query("INSERT INTO organizations (id, name) VALUES (?1, ?2)")
            .bind(format!("O_{o:03}"))
            .bind(format!("Organization {o}"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for n in 0..NETWORKS {
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
        "CREATE TEMP TABLE bench_positions AS
         WITH RECURSIVE g(p) AS (SELECT -1 UNION ALL SELECT p + 1 FROM g WHERE p < ?1 - 1)
         SELECT p FROM g",
    )
    .bind(GROUPS as i64)
    .execute(&mut *tx)
    .await
    .unwrap();
    // Rows in primary-key order (day, network, group), so the B-tree is appended to.
    sqlx::query(
        "INSERT INTO daily_usage (day, network_id, group_position, up_mkb, down_mkb)
         SELECT d.day, n.id, g.p,
                ((d.i * 7919 + n.rowid * 104729 + g.p * 1299709) % 1000003) * 1000,
                ((d.i * 15485863 + n.rowid * 32452843 + g.p * 49979687) % 1000003) * 1000
         FROM bench_days AS d, networks AS n, bench_positions AS g
         ORDER BY d.day, n.id, g.p",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    // Every network complete except one day in 30 for one network in 100.
    sqlx::query(
        "INSERT INTO synced_days (network_id, day, synced_at, source)
         SELECT n.id, d.day, 0, 'sync' FROM networks AS n, bench_days AS d
         WHERE NOT (n.rowid % 100 = 7 AND d.i % 30 = 3)
         ORDER BY n.id, d.day",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    conn.close().await.unwrap();

    let store = Store::open(&tmp).await.expect("migrate bench database");
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
    // Week, month, year and the whole five years, each aligned and with ragged ends (the
    // worst case for rollups: partial months and weeks at both ends).
    let periods: [(&str, Date, Date); 6] = [
        ("last-week", date(2026, 10, 19), date(2026, 10, 25)),
        ("last-month", date(2026, 10, 1), date(2026, 10, 31)),
        ("one-year", date(2025, 11, 1), date(2026, 10, 31)),
        ("ragged-year", date(2025, 10, 15), date(2026, 10, 14)),
        ("five-years", date(2021, 11, 1), date(2026, 10, 31)),
        ("ragged-five-years", date(2021, 11, 15), date(2026, 10, 14)),
    ];
    let rows = rt
        .block_on(store.report_rows(periods[1].1, periods[1].2))
        .unwrap();
    assert_eq!(rows.len(), NETWORKS * (GROUPS + 1));

    let mut group = c.benchmark_group("report_query_5y_1000n_10g");
    group.sample_size(10);
    for (name, start, end) in periods {
        group.bench_function(format!("report_rows/{name}"), |b| {
            b.iter(|| rt.block_on(store.report_rows(start, end)).unwrap())
        });
        // Everything a report reads from the database (what `usage_sync::build_report` asks).
        group.bench_function(format!("cli_report/{name}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let rows = store.report_rows(start, end).await.unwrap();
                    let missing = store.missing_days(start, end).await.unwrap();
                    let bounds = store.report_bounds(start, end).await.unwrap();
                    let daily = store.daily_totals(start, end).await.unwrap();
                    let sources = store.report_sources(start, end).await.unwrap();
                    (rows, missing, bounds, daily, sources)
                })
            })
        });
    }
    group.bench_function("daily_totals/last-month", |b| {
        b.iter(|| {
            rt.block_on(store.daily_totals(date(2026, 10, 1), date(2026, 10, 31)))
                .unwrap()
        })
    });
    group.finish();
    rt.block_on(store.close());
}

/// One network-day as the sync engine writes it: 10 group rows, the unmatched row, 100 client
/// rows and the completion mark, in one transaction (rewriting the same day each time).
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
        clients: (0..100)
            .map(|i| usagestats_storage::ClientDayRecord {
                client_id: format!("k{i:04}"),
                mac: Some(format!("00:00:00:00:00:{:02x}", i)),
                ip: Some(format!("10.0.{}.{}", i / 250, i % 250 + 1)),
                ip6: None,
                vlan: Some(10),
                named_vlan: Some("corp".into()),
                ssid: None,
                description: None,
                user: None,
                group: Some(i % GROUPS),
                traffic: traffic(i as i64),
                bound: usage_model::Traffic::default(),
            })
            .collect(),
        bounds: vec![],
        unmatched_bound: usage_model::Traffic::default(),
    };
    c.bench_function("write_day/10_groups_100_clients", |b| {
        b.iter(|| rt.block_on(store.write_day(&record)).unwrap())
    });
    rt.block_on(store.close());
}

criterion_group!(benches, bench, write_day);
criterion_main!(benches);
