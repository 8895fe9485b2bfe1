//! Client detail, pseudonyms, retention and forgetting a client, on real files: what the file
//! holds afterwards, byte for byte.

use usage_model::{ClientDetail, Privacy};
use usagestats_storage::{ClientDayRecord, Store};

use crate::{client, d, day, fixture, t};

fn described(id: &str, mac: &str, ip: &str, group: Option<usize>) -> ClientDayRecord {
    ClientDayRecord {
        mac: Some(mac.into()),
        ip6: Some(format!("2001:db8::{}", id.len())),
        description: Some(format!("Laptop of {id}")),
        user: Some(format!("{id}@example.com")),
        ..client(id, ip, group, t(5_000, 7_000))
    }
}

async fn write_month(store: &Store) {
    for dd in 1..=20 {
        for net in ["N_1", "N_2"] {
            store
                .write_day(&day(
                    net,
                    d(3, dd),
                    vec![
                        described("alice", "aa:bb:cc:00:00:01", "10.1.1.1", Some(0)),
                        described("bob", "AA:BB:CC:00:00:02", "10.1.1.2", Some(1)),
                        described("carol", "aa:bb:cc:00:00:03", "172.16.0.3", None),
                    ],
                ))
                .await
                .unwrap();
        }
    }
}

/// The database file and its `-wal` as bytes, after the store is closed (checkpointed).
async fn bytes(store: Store) -> Vec<u8> {
    let path = store.path().expect("a file").to_path_buf();
    store.close().await;
    let mut all = std::fs::read(&path).unwrap();
    let mut wal = path.into_os_string();
    wal.push("-wal");
    all.extend(std::fs::read(wal).unwrap_or_default());
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

const SECRETS: [&str; 9] = [
    "aa:bb:cc:00:00:01",
    "aa:bb:cc:00:00:02",
    "10.1.1.1",
    "10.1.1.2",
    "172.16.0.3",
    "2001:db8::",
    "Laptop of",
    "@example.com",
    "alice",
];

async fn group_rows(store: &Store) -> Vec<usagestats_storage::ReportRow> {
    store.report_rows(d(3, 1), d(3, 31)).await.unwrap()
}

#[tokio::test]
async fn pseudonymous_rows_rank_alike_and_leave_nothing_readable_in_the_file() {
    let (dir, store) = fixture().await;
    let full_path = dir.path().join("full.db");
    // The same days stored twice: once as read, once pseudonymous.
    let (_d2, pseudo) = fixture().await;
    pseudo
        .apply_privacy(&Privacy {
            detail: ClientDetail::Pseudonymous,
            retention_days: None,
        })
        .await
        .unwrap();
    write_month(&store).await;
    write_month(&pseudo).await;
    assert_eq!(group_rows(&store).await, group_rows(&pseudo).await);
    let plain = store
        .top_clients(d(3, 1), d(3, 20), None, 10)
        .await
        .unwrap();
    let hashed = pseudo
        .top_clients(d(3, 1), d(3, 20), None, 10)
        .await
        .unwrap();
    assert_eq!(plain.len(), hashed.len());
    for (a, b) in plain.iter().zip(&hashed) {
        assert_eq!(
            (a.group_position, a.rank, &a.network_id, a.traffic),
            (b.group_position, b.rank, &b.network_id, b.traffic)
        );
        assert!(b.pseudonymized && !a.pseudonymized);
        assert_ne!(a.mac, b.mac);
        assert_eq!(b.mac.as_deref().map(str::len), Some(32));
        assert_eq!(a.vlan, b.vlan);
    }
    assert_eq!(pseudo.client_row_counts().await.unwrap(), (120, 120));
    let file = bytes(pseudo).await;
    for s in SECRETS {
        assert!(!contains(&file, s), "{s} is in the pseudonymous database");
    }
    let file = bytes(store).await;
    assert!(
        contains(&file, "Laptop of alice"),
        "the full database keeps descriptions"
    );
    let _ = full_path;
}

#[tokio::test]
async fn a_stricter_detail_applies_to_stored_rows_and_erases_them_for_good() {
    let (_dir, store) = fixture().await;
    write_month(&store).await;
    let before = group_rows(&store).await;
    let top_before = store
        .top_clients(d(3, 1), d(3, 20), None, 10)
        .await
        .unwrap();
    let pseudonymous = Privacy {
        detail: ClientDetail::Pseudonymous,
        retention_days: None,
    };
    assert!(pseudonymous.is_stricter_than(&store.privacy().await.unwrap()));
    let impact = store.privacy_impact(&pseudonymous).await.unwrap();
    assert_eq!(
        (impact.pseudonymized, impact.deleted, impact.expired),
        (120, 0, 0)
    );
    // Counting changed nothing.
    assert_eq!(store.client_row_counts().await.unwrap(), (120, 0));
    assert_eq!(store.apply_privacy(&pseudonymous).await.unwrap(), impact);
    assert_eq!(store.privacy().await.unwrap(), pseudonymous);
    assert_eq!(group_rows(&store).await, before);
    let top_after = store
        .top_clients(d(3, 1), d(3, 20), None, 10)
        .await
        .unwrap();
    assert_eq!(top_before.len(), top_after.len());
    for (a, b) in top_before.iter().zip(&top_after) {
        assert_eq!(
            (a.rank, a.traffic, &a.network_id),
            (b.rank, b.traffic, &b.network_id)
        );
    }
    // Forgetting by MAC finds the pseudonymized rows through the MAC's pseudonym, and by the
    // pseudonym itself.
    let gone = store.forget_client("AA-BB-CC-00-00-01").await.unwrap();
    assert_eq!((gone.rows, gone.networks), (40, 2));
    let bob = top_after.iter().find(|c| c.group_position == 1).unwrap();
    let gone = store
        .forget_client(bob.mac.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(gone.rows, 40);
    assert!(store.forget_client("not a mac").await.is_err());
    assert_eq!(
        group_rows(&store).await,
        before,
        "group rows keep the traffic"
    );
    let path = store.path().expect("a file").to_path_buf();
    let file = bytes(store).await;
    for s in SECRETS {
        assert!(!contains(&file, s), "{s} is still in the file");
    }

    let store = Store::open_existing(&path).await.unwrap();
    let none = Privacy {
        detail: ClientDetail::None,
        retention_days: None,
    };
    assert_eq!(store.privacy_impact(&none).await.unwrap().deleted, 40);
    store.apply_privacy(&none).await.unwrap();
    assert_eq!(store.client_row_counts().await.unwrap(), (0, 0));
    // New days store no client rows; their group rows are exact.
    store
        .write_day(&day(
            "N_1",
            d(3, 25),
            vec![described("dave", "aa:bb:cc:00:00:04", "10.9.9.9", Some(0))],
        ))
        .await
        .unwrap();
    assert_eq!(store.client_row_counts().await.unwrap(), (0, 0));
    let rows = store.report_rows(d(3, 25), d(3, 25)).await.unwrap();
    let n1 = rows
        .iter()
        .find(|r| r.network_id == "N_1" && r.group_position == Some(0));
    assert_eq!(n1.map(|r| r.traffic), Some(t(5_000, 7_000)));
    assert!(
        store
            .top_clients(d(3, 1), d(3, 31), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Reclassifying keeps the group rows of days without client rows.
    let summary = store.reclassify(|_, _| Some(1)).await.unwrap();
    assert_eq!(summary.days, 0);
    assert_eq!(group_rows(&store).await.len(), before.len());
    store.close().await;
}

#[tokio::test]
async fn retention_keeps_the_newest_days_of_each_network_and_every_group_row() {
    let (_dir, store) = fixture().await;
    write_month(&store).await;
    // N_1 has two more days than N_2.
    for dd in [21, 22] {
        store
            .write_day(&day(
                "N_1",
                d(3, dd),
                vec![described("alice", "aa:bb:cc:00:00:01", "10.1.1.1", Some(0))],
            ))
            .await
            .unwrap();
    }
    let before = group_rows(&store).await;
    let seven = Privacy {
        detail: ClientDetail::Full,
        retention_days: Some(7),
    };
    // N_1 keeps 16..=22 (7 days, 3 + 3 + 3 + 3 + 3 + 1 + 1 rows), N_2 keeps 14..=20.
    let impact = store.privacy_impact(&seven).await.unwrap();
    assert_eq!(impact.expired, 15 * 3 + 13 * 3);
    store.apply_privacy(&seven).await.unwrap();
    let run = store.begin_run().await.unwrap();
    assert_eq!(store.expire_client_rows(Some(run)).await.unwrap(), 0);
    let oldest: Vec<(String, String)> =
        sqlx::query_as("SELECT network_id, MIN(day) FROM client_daily_usage GROUP BY 1 ORDER BY 1")
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
    assert_eq!(
        oldest,
        [
            ("N_1".into(), "2026-03-16".into()),
            ("N_2".into(), "2026-03-14".into())
        ]
    );
    assert_eq!(group_rows(&store).await, before);
    // After the next synced day, one more day per network goes, counted in the run.
    store
        .write_day(&day(
            "N_2",
            d(3, 21),
            vec![described("bob", "aa:bb:cc:00:00:02", "10.1.1.2", Some(1))],
        ))
        .await
        .unwrap();
    assert_eq!(store.expire_client_rows(Some(run)).await.unwrap(), 3);
    let expired: i64 =
        sqlx::query_scalar("SELECT client_rows_expired FROM sync_runs WHERE id = ?1")
            .bind(run.0)
            .fetch_one(
                &sqlx::SqlitePool::connect(&format!(
                    "sqlite:{}",
                    store.path().expect("a file").display()
                ))
                .await
                .unwrap(),
            )
            .await
            .unwrap();
    assert_eq!(expired, 3);
    store.close().await;
}

#[tokio::test]
async fn the_dump_shows_the_privacy_settings_but_never_the_key() {
    let (_dir, store) = fixture().await;
    store
        .apply_privacy(&Privacy {
            detail: ClientDetail::Pseudonymous,
            retention_days: Some(30),
        })
        .await
        .unwrap();
    let key: Vec<u8> = sqlx::query_scalar("SELECT key FROM client_pseudonym_key")
        .fetch_one(
            &sqlx::SqlitePool::connect(&format!(
                "sqlite:{}",
                store.path().expect("a file").display()
            ))
            .await
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(key.len(), 32);
    let mut out = Vec::new();
    store.dump(&mut out).await.unwrap();
    let dump = String::from_utf8(out).unwrap();
    assert!(
        dump.contains("'pseudonymous'") || dump.contains("\"pseudonymous\""),
        "{dump}"
    );
    assert!(dump.contains("client_retention_days"), "{dump}");
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!dump.to_lowercase().contains(&hex));
    assert!(!dump.contains("client_pseudonym_key"));
    store.close().await;
}
