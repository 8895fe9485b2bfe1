//! Faults: retried errors keep the result exact; a failing network makes the run partial;
//! a refused key stops before anything is written.

use std::time::Duration;

use meraki_sim::FaultConfig;
use usage_model::{Filter, Groups};
use usage_sync::{Error, NoProgress, SyncStatus};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_429s_leave_the_result_exact() {
    let mut cfg = small_world();
    cfg.faults = FaultConfig {
        error_5xx: 0.10,
        storm_429: 0.05,
        storm_duration: Duration::from_millis(20),
        ..FaultConfig::default()
    };
    let sim = start(cfg).await;
    let db = db().await;
    let groups = groups(&sim);
    let filter = Filter::default();
    let summary = sync(&client(&sim), &db.store, &config(&groups, &filter, now())).await;
    assert_eq!(
        summary.status,
        SyncStatus::Complete,
        "{:?}",
        summary.failures
    );
    assert!(summary.retries > 0, "faults were injected and retried");
    let faults = sim.counters().faults;
    assert!(
        faults.server_errors > 0 && faults.storm_429 > 0,
        "{faults:?}"
    );

    let want = expected(&sim, &groups, &filter, &|tz| expected_days(now(), tz, 30));
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored(&db.store, first, last).await);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_network_makes_the_run_partial_and_the_others_complete() {
    let sim = start(small_world()).await;
    let db = db().await;
    let groups = groups(&sim);
    let filter = Filter::default();
    let failing = selected(&sim, &filter)
        .keys()
        .next()
        .expect("a network")
        .clone();
    sim.fail_network(&failing);

    // Few retries so the failing network gives up quickly.
    let client_cfg = {
        meraki_client::Client::builder()
            .api_key(meraki_client::ApiKey::new(sim.api_key()))
            .base_url(&sim.base_url())
            .expect("url")
            .org_rate_limit(2000.0)
            .global_rate_limit(10_000.0)
            .max_retries(2)
            .retry_backoff(Duration::from_millis(5))
            .build()
            .expect("client")
    };
    let summary = sync(&client_cfg, &db.store, &config(&groups, &filter, now())).await;
    assert_eq!(summary.status, SyncStatus::Partial);
    assert_eq!(summary.failures.len(), 1, "{:?}", summary.failures);
    assert_eq!(summary.failures[0].network_id, failing);
    assert!(
        db.store
            .complete_days(&failing)
            .await
            .expect("days")
            .is_empty()
    );

    let want: Table = expected(&sim, &groups, &filter, &|tz| expected_days(now(), tz, 30))
        .into_iter()
        .filter(|(k, _)| k.0 != failing)
        .collect();
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored(&db.store, first, last).await);
    let runs = db.store.recent_runs(5).await.expect("runs");
    assert_eq!(runs[0].status, storage::RunStatus::Partial);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_stops_discovery_and_writes_nothing() {
    let sim = start(small_world()).await;
    let db = db().await;
    let client = meraki_client::Client::builder()
        .api_key(meraki_client::ApiKey::new("not-the-key"))
        .base_url(&sim.base_url())
        .expect("url")
        .build()
        .expect("client");
    let groups = Groups::overall_default();
    let err = usage_sync::sync(
        &client,
        &db.store,
        &config(&groups, &Filter::default(), now()),
        &NoProgress,
    )
    .await
    .expect_err("401 stops the sync");
    assert!(matches!(err, Error::Access(_)), "{err}");
    assert!(err.to_string().contains("401"), "{err}");
    assert!(db.store.networks().await.expect("networks").is_empty());
    assert!(db.store.recent_runs(5).await.expect("runs").is_empty());
    sim.shutdown().await;
}
