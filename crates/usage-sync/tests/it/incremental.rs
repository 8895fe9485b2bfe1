//! A later sync fetches only what is missing: the new day, and gaps in the middle.

use jiff::ToSpan;
use usage_model::Filter;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_later_only_the_new_day_is_fetched() {
    let sim = start(small_world()).await;
    let db = db().await;
    let groups = groups(&sim);
    let filter = Filter::default();
    let client = client(&sim);
    sync(&client, &db.store, &config(&groups, &filter, now())).await;

    let later = now().checked_add(24.hours()).expect("time");
    sim.set_now(later);
    sim.reset_counters();
    let summary = sync(&client, &db.store, &config(&groups, &filter, later)).await;
    let nets = selected(&sim, &filter);
    let device_count: usize = nets.values().map(|(_, d)| d).sum();
    // One new day per network: two boundaries per device, and the bound's two reads.
    assert_eq!(device_client_calls(&sim), 4 * device_count as u64);
    assert_eq!(summary.extra_reads, 2 * device_count as u64);
    assert_eq!(summary.days_written, nets.len() as u64);
    for (net, (tz, _)) in &nets {
        let mut want: std::collections::BTreeSet<_> =
            expected_days(now(), tz, 30).into_iter().collect();
        want.extend(expected_days(later, tz, 1));
        assert_eq!(db.store.complete_days(net).await.expect("days"), want);
    }
    // The new day is exact.
    let want = expected(&sim, &groups, &filter, &|tz| expected_days(later, tz, 1));
    let (first, last) = day_span(&want);
    let got = stored(&db.store, first, last).await;
    let got_new: Table = got
        .into_iter()
        .filter(|(k, _)| want.keys().any(|w| w.0 == k.0 && w.1 == k.1))
        .collect();
    assert_tables_match(&want, &got_new);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_in_the_middle_is_filled_with_only_its_calls() {
    let sim = start(small_world()).await;
    let db = db().await;
    let groups = groups(&sim);
    let filter = Filter::default();
    let client = client(&sim);

    // Old days, synced ten days ago ...
    let earlier = now().checked_sub(240.hours()).expect("time");
    sim.set_now(earlier);
    sync(&client, &db.store, &config(&groups, &filter, earlier)).await;
    // ... and the last three days now: days 4..=10 back stay missing in the middle.
    sim.set_now(now());
    let mut recent = config(&groups, &filter, now());
    recent.lookback_days = 3;
    sync(&client, &db.store, &recent).await;

    sim.reset_counters();
    let summary = sync(&client, &db.store, &config(&groups, &filter, now())).await;
    // The gap of each network: the last 30 days minus what the two earlier syncs stored
    // (in most zones days 4..=10 back; one contiguous run, so gap + 1 boundaries per device).
    let nets = selected(&sim, &filter);
    let gap_of = |tz: &jiff::tz::TimeZone| -> Vec<jiff::civil::Date> {
        let old: std::collections::BTreeSet<_> = expected_days(earlier, tz, 30)
            .into_iter()
            .chain(expected_days(now(), tz, 3))
            .collect();
        expected_days(now(), tz, 30)
            .into_iter()
            .filter(|d| !old.contains(d))
            .collect()
    };
    let mut calls = 0u64;
    let mut days = 0u64;
    for (net, (tz, devices)) in &nets {
        let gap = gap_of(tz);
        assert!((6..=7).contains(&gap.len()), "{net}: {gap:?}");
        // gap + 1 boundaries and the bound's two reads, per device.
        calls += (gap.len() as u64 + 3) * *devices as u64;
        days += gap.len() as u64;
        let complete = db.store.complete_days(net).await.expect("days");
        assert!(
            gap.iter().all(|d| complete.contains(d)),
            "{net}: gap filled"
        );
    }
    assert_eq!(device_client_calls(&sim), calls, "{summary:?}");
    assert_eq!(summary.days_written, days);

    // The filled days are exact.
    let want = expected(&sim, &groups, &filter, &|tz| gap_of(tz));
    let (first, last) = day_span(&want);
    let got: Table = stored(&db.store, first, last)
        .await
        .into_iter()
        .filter(|(k, _)| want.keys().any(|w| w.0 == k.0 && w.1 == k.1))
        .collect();
    assert_tables_match(&want, &got);
    sim.shutdown().await;
}
