//! A writer killed with SIGKILL in the middle of its work leaves whole days or nothing.

use std::time::{Duration, Instant};

use jiff::ToSpan;
use usagestats_storage::{ClientDayRecord, DayRecord, Store};

use crate::{d, fixture, t};

const CHILD_ENV: &str = "STORAGE_TEST_CRASH_CHILD_DB";
const GROUPS: usize = 2;
const CLIENTS: usize = 60;

fn full_day(day: jiff::civil::Date, salt: i64) -> DayRecord {
    let clients: Vec<ClientDayRecord> = (0..CLIENTS)
        .map(|i| {
            crate::client(
                &format!("c{i:03}"),
                "10.0.0.1",
                Some(i % GROUPS),
                t(salt, 1),
            )
        })
        .collect();
    crate::day("N_1", day, clients)
}

/// Child mode: write days forever (rewriting old ones too) until killed.
async fn child(path: &str) {
    let store = Store::open(std::path::Path::new(path)).await.unwrap();
    let mut salt = 1;
    loop {
        for day in d(1, 1).series(1.day()).take(40) {
            store.write_day(&full_day(day, salt)).await.unwrap();
        }
        salt += 1;
    }
}

#[tokio::test]
async fn a_killed_writer_leaves_whole_days_or_nothing() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(&path).await;
        return;
    }
    let (_dir, store) = fixture().await;
    let mut proc = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::a_killed_writer_leaves_whole_days_or_nothing",
        ])
        .env(CHILD_ENV, store.path().unwrap())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let it write a while, then kill it mid-stream (it never stops on its own).
    let started = Instant::now();
    while store.complete_days("N_1").await.unwrap().len() < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "child wrote nothing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    proc.kill().unwrap();
    proc.wait().unwrap();
    store.close().await;

    let store = Store::open(store.path().unwrap()).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().unwrap().display()))
        .await
        .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    // Per day: (group rows, client rows, completion marks, distinct client salts).
    let days: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "WITH days AS (SELECT day FROM daily_usage UNION SELECT day FROM client_daily_usage
                       UNION SELECT day FROM synced_days)
         SELECT days.day,
             (SELECT COUNT(*) FROM daily_usage AS u WHERE u.day = days.day),
             (SELECT COUNT(*) FROM client_daily_usage AS c WHERE c.day = days.day),
             (SELECT COUNT(*) FROM synced_days AS s WHERE s.day = days.day),
             (SELECT COUNT(DISTINCT up_mkb) FROM client_daily_usage AS c WHERE c.day = days.day)
         FROM days ORDER BY days.day",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(days.len() >= 10);
    for (day, groups, clients, marks, salts) in &days {
        assert_eq!(
            (*groups, *clients, *marks, *salts),
            (GROUPS as i64 + 1, CLIENTS as i64, 1, 1),
            "day {day} is not whole"
        );
    }
    // The group rows match their clients, and the monthly rollup matches the days.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM daily_usage AS u WHERE u.group_position >= 0 AND u.up_mkb !=
             (SELECT SUM(c.up_mkb) FROM client_daily_usage AS c
              WHERE c.day = u.day AND c.network_id = u.network_id
                AND c.group_position = u.group_position)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    let rollup_off: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM monthly_usage AS m WHERE m.up_mkb !=
             (SELECT COALESCE(SUM(u.up_mkb), 0) FROM daily_usage AS u
              WHERE substr(u.day, 1, 7) = m.month AND u.network_id = m.network_id
                AND u.group_position = m.group_position)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rollup_off, 0);
    let weekly_off: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM weekly_usage AS w WHERE w.up_mkb !=
             (SELECT COALESCE(SUM(u.up_mkb), 0) FROM daily_usage AS u
              WHERE date(u.day, 'weekday 0', '-6 days') = w.week
                AND u.network_id = w.network_id AND u.group_position = w.group_position)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(weekly_off, 0);
    // The prefix rollups that reports read agree with the daily rows, for periods that end and
    // start anywhere in the written range.
    for (a, b) in [(d(1, 1), d(2, 9)), (d(1, 7), d(1, 31)), (d(1, 20), d(2, 3))] {
        let direct: (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(up_mkb), 0), COALESCE(SUM(down_mkb), 0) FROM daily_usage
             WHERE network_id = 'N_1' AND day >= ?1 AND day <= ?2",
        )
        .bind(a.to_string())
        .bind(b.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
        let reported: usage_model::Traffic = store
            .report_rows(a, b)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.network_id == "N_1")
            .map(|r| r.traffic)
            .sum();
        assert_eq!(
            (reported.up.millis(), reported.down.millis()),
            direct,
            "{a} to {b}"
        );
    }
    pool.close().await;
}
