use crate::{client, d, day, fixture, t};

#[tokio::test]
async fn dump_shows_every_table_and_its_rows() {
    let (_dir, store) = fixture().await;
    store
        .write_day(&day(
            "N_1",
            d(5, 5),
            vec![client("a", "10.0.0.1", Some(0), t(1_500, 2_000))],
        ))
        .await
        .unwrap();
    let run = store.begin_run().await.unwrap();
    let mut out = Vec::new();
    store.dump(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    for table in [
        "settings",
        "groups",
        "organizations",
        "networks",
        "sync_runs",
        "synced_days",
        "daily_usage",
        "monthly_usage",
        "weekly_usage",
        "client_daily_usage",
    ] {
        assert!(
            text.contains(&format!("TABLE {table} (")),
            "{table} missing:\n{text}"
        );
    }
    assert!(text.contains("TABLE groups (position, name)"), "{text}");
    assert!(text.contains("(0, \"Corp\")"), "{text}");
    assert!(
        text.contains("(\"2026-05-05\", \"N_1\", 0, 1500, 2000, 0, 0)"),
        "{text}"
    );
    assert!(
        text.contains("(\"N_1\", \"2026-05-05\", \"a\", \"00:11:22:33:44:01\", \"10.0.0.1\", NULL, 10, \"corp\", 0, 1500, 2000, 0, 0, NULL, NULL, NULL, 0)"),
        "{text}"
    );
    // Where each day was read from, and the source setting.
    assert!(
        text.contains("TABLE synced_days (network_id, day, synced_at, source, usage_source)"),
        "{text}"
    );
    assert!(text.contains("\"sync\", \"device\")"), "{text}");
    assert!(
        text.contains(
            "TABLE settings (id, groups, filter, time_zone_mode, updated_at, demo, source, \
             client_detail, client_retention_days)"
        ),
        "{text}"
    );
    assert!(text.contains(&format!("({run}, ")), "{text}");
}
