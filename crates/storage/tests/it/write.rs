use std::collections::BTreeSet;

use usagestats_storage::{Error, NetworkRecord, Settings};

use crate::{client, d, day, fixture, t};

async fn count(store: &usagestats_storage::Store, table: &str) -> i64 {
    // The table names come from this test file only.
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&pool(store).await)
        .await
        .unwrap()
}

async fn pool(store: &usagestats_storage::Store) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().unwrap().display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn settings_and_groups_round_trip_and_are_replaced() {
    let (_dir, store) = fixture().await;
    assert_eq!(store.group_names().await.unwrap(), ["Corp", "Guest"]);
    let s = Settings {
        groups: "A=vid:1;B=vid:2;C=vid:3".into(),
        filter: "org:X".into(),
        time_zone_mode: usagestats_storage::TimeZoneMode::Utc,
        source: usage_model::Source::Device,
    };
    store
        .save_settings(&s, &["A".into(), "B".into(), "C".into()])
        .await
        .unwrap();
    assert_eq!(store.settings().await.unwrap(), Some(s));
    assert_eq!(store.group_names().await.unwrap(), ["A", "B", "C"]);
}

#[tokio::test]
async fn networks_are_upserted_not_duplicated() {
    let (_dir, store) = fixture().await;
    let renamed = NetworkRecord {
        id: "N_1".into(),
        organization_id: "O_2".into(),
        name: "Renamed".into(),
        tags: vec!["a".into(), "b c".into()],
        time_zone: "UTC".into(),
    };
    store.upsert_network(&renamed).await.unwrap();
    let nets = store.networks().await.unwrap();
    assert_eq!(nets.len(), 3);
    assert_eq!(nets.iter().find(|n| n.id == "N_1"), Some(&renamed));
}

#[tokio::test]
async fn a_written_day_is_complete_and_rewriting_it_replaces_it() {
    let (_dir, store) = fixture().await;
    let first = day(
        "N_1",
        d(3, 1),
        vec![
            client("a", "10.0.0.1", Some(0), t(1_500, 2_000)),
            client("b", "192.168.1.9", None, t(7, 9)),
        ],
    );
    store.write_day(&first).await.unwrap();
    store.write_day(&first).await.unwrap();
    assert_eq!(
        store.complete_days("N_1").await.unwrap(),
        BTreeSet::from([d(3, 1)])
    );
    // groups 0 and 1 plus the unmatched row; clients once each.
    assert_eq!(count(&store, "daily_usage").await, 3);
    assert_eq!(count(&store, "client_daily_usage").await, 2);

    let second = day(
        "N_1",
        d(3, 1),
        vec![client("c", "10.0.0.3", Some(1), t(100, 200))],
    );
    store.write_day(&second).await.unwrap();
    assert_eq!(count(&store, "client_daily_usage").await, 1);
    let rows = store.report_rows(d(3, 1), d(3, 1)).await.unwrap();
    let n1: Vec<_> = rows.iter().filter(|r| r.network_id == "N_1").collect();
    assert_eq!(n1[0].traffic, t(0, 0));
    assert_eq!(n1[1].traffic, t(100, 200));
    assert_eq!(n1[2].group_position, None);
    assert_eq!(n1[2].traffic, t(0, 0));
}

#[tokio::test]
async fn a_failed_write_leaves_the_previous_day_intact() {
    let (_dir, store) = fixture().await;
    let good = day(
        "N_2",
        d(3, 2),
        vec![client("a", "10.0.0.1", Some(0), t(1_000, 1_000))],
    );
    store.write_day(&good).await.unwrap();
    // Two clients with one key: the second insert fails after the group rows, the first
    // client and the deletes of the old rows already ran inside the transaction.
    let bad = day(
        "N_2",
        d(3, 2),
        vec![
            client("dup", "10.0.0.1", Some(0), t(5_000, 5_000)),
            client("dup", "10.0.0.2", Some(1), t(6_000, 6_000)),
        ],
    );
    let err = store.write_day(&bad).await.unwrap_err();
    assert!(matches!(err, Error::Sqlx(_)), "{err}");
    let rows = store.report_rows(d(3, 2), d(3, 2)).await.unwrap();
    let corp = rows
        .iter()
        .find(|r| r.network_id == "N_2" && r.group_position == Some(0))
        .unwrap();
    assert_eq!(corp.traffic, t(1_000, 1_000));
    assert_eq!(count(&store, "client_daily_usage").await, 1);

    // A failed first write of a day leaves no trace at all, not even the completion mark.
    let bad_new = day(
        "N_2",
        d(3, 3),
        vec![
            client("x", "10.0.0.1", Some(0), t(1, 1)),
            client("x", "10.0.0.1", Some(0), t(1, 1)),
        ],
    );
    store.write_day(&bad_new).await.unwrap_err();
    assert!(!store.complete_days("N_2").await.unwrap().contains(&d(3, 3)));
    assert_eq!(count(&store, "daily_usage").await, 3);
}

#[tokio::test]
async fn a_group_listed_twice_is_rejected_before_writing() {
    let (_dir, store) = fixture().await;
    let mut rec = day("N_1", d(3, 4), vec![]);
    rec.groups.push((0, t(1, 1)));
    let err = store.write_day(&rec).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(store.complete_days("N_1").await.unwrap().is_empty());
}

#[tokio::test]
async fn the_view_names_everything_in_kb() {
    let (_dir, store) = fixture().await;
    store
        .write_day(&day(
            "N_3",
            d(4, 1),
            vec![
                client("a", "10.1.1.1", Some(0), t(1_500, 250)),
                client("b", "8.8.8.8", None, t(1, 2)),
            ],
        ))
        .await
        .unwrap();
    let rows: Vec<(String, String, String, Option<String>, f64, f64)> = sqlx::query_as(
        "SELECT day, organization_name, network_name, group_name, up_kb, down_kb
         FROM daily_usage_named ORDER BY group_position IS NULL, group_position",
    )
    .fetch_all(&pool(&store).await)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        (
            "2026-04-01".into(),
            "Beta".into(),
            "Depot".into(),
            Some("Corp".into()),
            1.5,
            0.25
        )
    );
    assert_eq!(rows[2].3.as_deref(), Some("(unmatched)"));
    assert_eq!((rows[2].4, rows[2].5), (0.001, 0.002));
}

/// A day with error bounds: stored per group and per client, summed by `report_bounds`,
/// shown by the view, and recomputed from the client rows when the day is reclassified.
#[tokio::test]
async fn error_bounds_are_stored_reported_and_follow_reclassification() {
    let (_dir, store) = fixture().await;
    let mut a = client("a", "10.1.1.1", Some(0), t(1_500, 250));
    a.bound = t(7, 3);
    // A client whose only "traffic" is the bound: it flowed during the reads.
    let mut b = client("b", "8.8.8.8", None, usage_model::Traffic::default());
    b.bound = t(2, 0);
    let mut rec = day("N_3", d(4, 1), vec![a, b]);
    rec.bounds = vec![(0, t(7, 3))];
    rec.unmatched_bound = t(2, 0);
    store.write_day(&rec).await.unwrap();
    store
        .write_day(&day(
            "N_3",
            d(4, 2),
            vec![client("c", "10.1.1.2", Some(1), t(5, 5))],
        ))
        .await
        .unwrap();

    let bounds = store.report_bounds(d(4, 1), d(4, 30)).await.unwrap();
    assert_eq!(
        bounds,
        vec![
            ("N_3".to_string(), None, t(2, 0)),
            ("N_3".to_string(), Some(0), t(7, 3)),
        ]
    );
    assert!(
        store
            .report_bounds(d(4, 2), d(4, 30))
            .await
            .unwrap()
            .is_empty()
    );
    let view: Vec<(Option<String>, f64)> = sqlx::query_as(
        "SELECT group_name, error_bound_kb FROM daily_usage_named
         WHERE day = '2026-04-01' ORDER BY group_position IS NULL, group_position",
    )
    .fetch_all(&pool(&store).await)
    .await
    .unwrap();
    assert_eq!(view[0], (Some("Corp".into()), 0.01));
    assert_eq!(view[2], (Some("(unmatched)".into()), 0.002));

    // Reclassified so that everything falls into group 1: the bounds move with the clients.
    store.reclassify(|_, _| Some(1)).await.unwrap();
    let bounds = store.report_bounds(d(4, 1), d(4, 1)).await.unwrap();
    assert_eq!(bounds, vec![("N_3".to_string(), Some(1), t(9, 3))]);

    // A bound for a group the day has no row for is refused.
    let mut bad = day("N_3", d(4, 3), vec![]);
    bad.bounds = vec![(7, t(1, 1))];
    assert!(matches!(
        store.write_day(&bad).await.unwrap_err(),
        Error::InvalidInput(_)
    ));
}

#[tokio::test]
async fn the_demo_marker_survives_a_new_configuration() {
    let (_dir, store) = crate::fixture().await;
    assert!(!store.is_demo().await.unwrap());
    store.mark_demo().await.unwrap();
    assert!(store.is_demo().await.unwrap());
    let settings = store.settings().await.unwrap().unwrap();
    store
        .save_settings(&settings, &["Corp".to_string()])
        .await
        .unwrap();
    assert!(store.is_demo().await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let bare = usagestats_storage::Store::open(&dir.path().join("x.db"))
        .await
        .unwrap();
    assert!(bare.mark_demo().await.is_err(), "no configuration to mark");
}
