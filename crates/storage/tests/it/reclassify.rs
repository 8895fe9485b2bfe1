use usagestats_storage::{Error, Settings};

use crate::{client, d, day, fixture, t};

#[tokio::test]
async fn reclassify_recomputes_group_rows_from_client_rows() {
    let (_dir, store) = fixture().await;
    store
        .write_day(&day(
            "N_1",
            d(2, 1),
            vec![
                client("a", "10.0.0.1", Some(0), t(100, 100)),
                client("b", "10.9.0.1", Some(0), t(20, 20)),
                client("c", "172.16.0.1", None, t(3, 3)),
            ],
        ))
        .await
        .unwrap();
    // New groups: 0 = Lab (10.9/16), 1 = Corp (rest of 10/8), 2 = Other (172.16/12).
    let s = Settings {
        groups: "Lab=sub:10.9.0.0/16;Corp=sub:10.0.0.0/8;Other=sub:172.16.0.0/12".into(),
        filter: "dtype:mx".into(),
        time_zone_mode: usagestats_storage::TimeZoneMode::Network,
        source: usage_model::Source::Device,
    };
    store
        .save_settings(&s, &["Lab".into(), "Corp".into(), "Other".into()])
        .await
        .unwrap();
    let summary = store
        .reclassify(|c, net| {
            assert_eq!(net.id, "N_1");
            let ip = c.ip.as_deref().unwrap_or("");
            if ip.starts_with("10.9.") {
                Some(0)
            } else if ip.starts_with("10.") {
                Some(1)
            } else if ip.starts_with("172.16.") {
                Some(2)
            } else {
                None
            }
        })
        .await
        .unwrap();
    assert_eq!((summary.days, summary.clients), (1, 3));
    let rows = store.report_rows(d(2, 1), d(2, 1)).await.unwrap();
    let n1: Vec<_> = rows
        .iter()
        .filter(|r| r.network_id == "N_1")
        .map(|r| (r.group_name.clone(), r.traffic))
        .collect();
    assert_eq!(
        n1,
        [
            (Some("Lab".into()), t(20, 20)),
            (Some("Corp".into()), t(100, 100)),
            (Some("Other".into()), t(3, 3)),
            (None, t(0, 0)),
        ]
    );
    // The client rows now carry the new positions: a second, identity pass changes nothing.
    let again = store.reclassify(|c, _| c.group).await.unwrap();
    assert_eq!(again.clients, 3);
    assert_eq!(store.report_rows(d(2, 1), d(2, 1)).await.unwrap(), rows);
}

#[tokio::test]
async fn a_classifier_naming_an_undefined_group_changes_nothing() {
    let (_dir, store) = fixture().await;
    store
        .write_day(&day(
            "N_1",
            d(2, 2),
            vec![client("a", "10.0.0.1", Some(0), t(100, 100))],
        ))
        .await
        .unwrap();
    let before = store.report_rows(d(2, 2), d(2, 2)).await.unwrap();
    let err = store.reclassify(|_, _| Some(9)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert_eq!(store.report_rows(d(2, 2), d(2, 2)).await.unwrap(), before);
}
