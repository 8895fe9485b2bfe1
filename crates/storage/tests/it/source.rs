//! The source of every stored day and of the settings; a day never mixes two sources.

use usage_model::Source;
use usagestats_storage::Settings;

use crate::{client, d, day, fixture, t};

#[tokio::test]
async fn each_day_records_its_source_and_a_rewrite_replaces_it_whole() {
    let (_dir, store) = fixture().await;
    let mut wireless = client("k1", "10.0.0.1", Some(0), t(1000, 2000));
    wireless.ssid = Some("Guest Wi‑Fi".into());
    let wired = client("k2", "10.0.0.2", Some(0), t(500, 500));
    let mut by_network = day("N_1", d(3, 2), vec![wireless, wired.clone()]);
    by_network.source = Source::Network;
    store.write_day(&by_network).await.unwrap();
    store
        .write_day(&day("N_1", d(3, 1), vec![wired.clone()]))
        .await
        .unwrap();
    store
        .write_day(&day("N_3", d(3, 2), vec![wired.clone()]))
        .await
        .unwrap();

    assert_eq!(
        store.report_sources(d(3, 1), d(3, 2)).await.unwrap(),
        vec![(Source::Device, 2), (Source::Network, 1)]
    );
    assert_eq!(
        store.report_sources(d(3, 2), d(3, 2)).await.unwrap(),
        vec![(Source::Device, 1), (Source::Network, 1)]
    );
    assert_eq!(
        store.report_sources(d(3, 1), d(3, 1)).await.unwrap(),
        vec![(Source::Device, 1)]
    );
    assert!(
        store
            .report_sources(d(4, 1), d(4, 30))
            .await
            .unwrap()
            .is_empty()
    );

    // The SSID is kept with the client row (reclassification sees it).
    let mut seen = Vec::new();
    store
        .reclassify(|c, n| {
            seen.push((n.id.clone(), c.client_id.clone(), c.ssid.clone()));
            c.group
        })
        .await
        .unwrap();
    assert!(seen.contains(&("N_1".into(), "k1".into(), Some("Guest Wi‑Fi".into()))));
    assert!(seen.contains(&("N_1".into(), "k2".into(), None)));

    // Writing the day again from the other source replaces all of it, mark included.
    store
        .write_day(&day("N_1", d(3, 2), vec![wired]))
        .await
        .unwrap();
    assert_eq!(
        store.report_sources(d(3, 1), d(3, 2)).await.unwrap(),
        vec![(Source::Device, 3)]
    );
    let rows = store.report_rows(d(3, 2), d(3, 2)).await.unwrap();
    let n1: usage_model::Traffic = rows
        .iter()
        .filter(|r| r.network_id == "N_1")
        .map(|r| r.traffic)
        .sum();
    assert_eq!(n1, t(500, 500), "nothing of the network read is left");
}

#[tokio::test]
async fn the_settings_keep_their_source() {
    let (_dir, store) = fixture().await;
    assert_eq!(
        store.settings().await.unwrap().map(|s| s.source),
        Some(Source::Device)
    );
    let settings = Settings {
        groups: "Guests=ssid:Guest".into(),
        filter: "tag:campus,dtype:mx".into(),
        time_zone_mode: usagestats_storage::TimeZoneMode::Network,
        source: Source::Network,
    };
    store
        .save_settings(&settings, &["Guests".to_string()])
        .await
        .unwrap();
    assert_eq!(store.settings().await.unwrap(), Some(settings));
}
