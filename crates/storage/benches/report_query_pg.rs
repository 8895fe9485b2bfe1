//! The report queries of `report_query` on PostgreSQL: the same history (5 years × 1,000
//! networks × 10 groups + unmatched ≈ 20 million `daily_usage` rows), the same periods.
//!
//! The server is test-support's (initdb into a temporary directory, a free loopback port), so
//! the database is built at every run: the rows go in one month per statement through the real
//! schema, its statement triggers maintaining every rollup as a sync's writes would. Building
//! takes several minutes; the build time is printed.

#![allow(missing_docs)] // criterion_group! generates undocumented public functions.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use usagestats_storage::{Location, OpenMode, Settings, Store};

const NETWORKS: i64 = 1_000;
const ORGS: i64 = 10;
const GROUPS: i64 = 10;

async fn build(url: &str) -> Store {
    let started = Instant::now();
    let location = Location::parse(url).unwrap();
    let store = Store::connect(&location, OpenMode::Create).await.unwrap();
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    sqlx::query(
        "INSERT INTO organizations (id, name)
         SELECT 'O_' || lpad(o::text, 3, '0'), 'Organization ' || o
         FROM generate_series(0, $1 - 1) AS o",
    )
    .bind(ORGS)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO networks (id, organization_id, name, tags, time_zone)
         SELECT 'N_' || lpad(n::text, 6, '0'), 'O_' || lpad((n % $2)::text, 3, '0'),
                'Network ' || n, '[]', 'Europe/Amsterdam'
         FROM generate_series(0, $1 - 1) AS n",
    )
    .bind(NETWORKS)
    .bind(ORGS)
    .execute(&pool)
    .await
    .unwrap();
    // 2021-11-01 ..= 2026-10-31, one month per statement; the same figures as the SQLite
    // bench (day index i from the first day, network rowid n + 1).
    let mut month = date(2021, 11, 1);
    while month < date(2026, 11, 1) {
        let last = month.last_of_month();
        sqlx::query(
            "INSERT INTO daily_usage (day, network_id, group_position, up_mkb, down_mkb)
             SELECT d, 'N_' || lpad(n::text, 6, '0'), g,
                    (((d - DATE '2021-11-01') * 7919::bigint + (n + 1) * 104729::bigint
                      + g * 1299709::bigint) % 1000003) * 1000,
                    (((d - DATE '2021-11-01') * 15485863::bigint + (n + 1) * 32452843::bigint
                      + g * 49979687::bigint) % 1000003) * 1000
             FROM generate_series($1::date, $2::date, interval '1 day') AS t(ts),
                  LATERAL (SELECT ts::date AS d) AS dd,
                  generate_series(0, $3 - 1) AS n, generate_series(-1, $4 - 1) AS g",
        )
        .bind(month.to_string())
        .bind(last.to_string())
        .bind(NETWORKS)
        .bind(GROUPS)
        .execute(&pool)
        .await
        .unwrap();
        // Every network complete except one day in 30 for one network in 100.
        sqlx::query(
            "INSERT INTO synced_days (network_id, day, synced_at, source)
             SELECT 'N_' || lpad(n::text, 6, '0'), d, 0, 'sync'
             FROM generate_series($1::date, $2::date, interval '1 day') AS t(ts),
                  LATERAL (SELECT ts::date AS d) AS dd,
                  generate_series(0, $3 - 1) AS n
             WHERE NOT ((n + 1) % 100 = 7 AND (d - DATE '2021-11-01') % 30 = 3)",
        )
        .bind(month.to_string())
        .bind(last.to_string())
        .bind(NETWORKS)
        .execute(&pool)
        .await
        .unwrap();
        month = month.checked_add(1.month()).unwrap();
    }
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    pool.close().await;
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
    eprintln!(
        "built the PostgreSQL bench database in {:.0?}",
        started.elapsed()
    );
    store
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = test_support::postgres::PgServer::get().database();
    let store = rt.block_on(build(&db.url()));
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
    assert_eq!(rows.len() as i64, NETWORKS * (GROUPS + 1));

    let mut group = c.benchmark_group("report_query_pg_5y_1000n_10g");
    group.sample_size(10);
    for (name, start, end) in periods {
        group.bench_function(format!("report_rows/{name}"), |b| {
            b.iter(|| rt.block_on(store.report_rows(start, end)).unwrap())
        });
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
    group.finish();
    rt.block_on(store.close());
}

criterion_group!(benches, bench);
criterion_main!(benches);
