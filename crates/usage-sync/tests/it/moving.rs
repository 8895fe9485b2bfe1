//! A sync against a clock that keeps moving while it runs: every stored figure is within its
//! stored bound of the truth, days that leave the API window mid-sync are skipped (never a
//! failed network), and the error stays far below what a carried-over boundary caused.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use meraki_sim::{SimConfig, SimHandle, World, WorldSize};
use test_support::truth::{Deviation, deviation_of_stored, stored_bounds};
use usage_model::{Filter, Groups};
use usage_sync::{Clock, Progress, SyncConfig, SyncStatus};

use crate::common::*;

/// Ten simulated minutes per real second.
const RATE: f64 = 600.0;

fn estate() -> SimConfig {
    SimConfig {
        seed: 21,
        orgs: 1,
        networks_per_org: 4,
        devices_per_network: 6,
        clients_per_network: 60,
        ..SimConfig::default()
    }
    // 10:17 UTC: at 600× the sync ends hours before UTC midnight, where simulated clients
    // change VLANs, so ground truth read afterwards classifies clients as the sync did.
    .with_now(now())
    .with_clock_rate(RATE)
}

/// How the stored figures deviate from ground truth, over the days each selected network holds
/// (at least 29 of the 30 planned: a day can leave the window while the clock runs).
async fn compare(
    sim: &SimHandle,
    store: &storage::Store,
    groups: &Groups,
    filter: &Filter,
) -> Deviation {
    for (net, _) in selected(sim, filter) {
        let complete = store.complete_days(&net).await.expect("days");
        assert!(complete.len() >= 29, "{net}: {} days", complete.len());
    }
    let want = expected(sim, groups, filter, &|tz| expected_days(now(), tz, 31));
    deviation_of_stored(store, want).await
}

async fn moving_sync(filter: &str) {
    let sim = start(estate()).await;
    let db = db().await;
    let groups = groups(&sim);
    let filter = Filter::parse(filter).expect("filter");
    save_groups(&db.store, &groups, &filter).await;
    let clock = sim.clock();
    let mut config = SyncConfig::new(groups.clone(), filter.clone());
    config.clock = Clock::from_fn(move || clock.now());
    let summary = sync(&client(&sim), &db.store, &config).await;
    assert_eq!(
        summary.status,
        SyncStatus::Complete,
        "{:?}",
        summary.failures
    );
    let d = compare(&sim, &db.store, &groups, &filter).await;
    eprintln!(
        "{filter}: {} days written ({} with a bound), {} skipped, {} extra reads ({} devices read again), \
         {} differences clamped within their bound; total error {:.5} %, worst row {:.4} %, \
         {} bounded rows; sim clock moved {}",
        summary.days_written,
        summary.bounded_days,
        summary.days_skipped,
        summary.extra_reads,
        summary.rereads,
        summary.clamped_within_bound,
        100.0 * d.total_fraction(),
        100.0 * d.worst_row,
        d.bounded_rows,
        sim.now().duration_since(now()),
    );
    assert!(
        d.outside_bound.is_empty(),
        "{} rows off by more than their bound, e.g. {:#?}",
        d.outside_bound.len(),
        &d.outside_bound[..d.outside_bound.len().min(5)]
    );
    assert!(d.total_fraction() <= 0.0005, "{d:?}");
    assert!(d.worst_row <= 0.003, "{d:?}");
    // Nothing reset a counter: what the moving clock made negative lies within the bounds.
    assert_eq!(summary.counter_resets, 0, "{summary:?}");
    // The report carries the stored bounds: per network and group, the sum of its days'.
    let (first, last) = (
        now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .checked_sub(jiff::ToSpan::days(32))
            .expect("day"),
        now().to_zoned(jiff::tz::TimeZone::UTC).date(),
    );
    let range = usage_model::DateRange {
        start: first,
        end: last,
    };
    let report = usage_sync::build_report(&db.store, range, now())
        .await
        .expect("report");
    let bounds = stored_bounds(&db.store, first, last).await;
    let stored_sum: usage_model::Traffic = bounds.values().copied().sum();
    let reported: usage_model::Traffic = report
        .organizations
        .iter()
        .flat_map(|o| &o.networks)
        .map(|n| n.bounds.iter().copied().sum::<usage_model::Traffic>() + n.unmatched_bound)
        .sum();
    assert_eq!(reported, stored_sum);
    let mut text = Vec::new();
    report_render::render_text(&report, &mut text).expect("text");
    let text = String::from_utf8(text).expect("utf-8");
    assert_eq!(
        text.contains("Error bound"),
        stored_sum != usage_model::Traffic::default(),
        "{text}"
    );
    // The clock did move: the test is not a frozen-clock test in disguise.
    assert!(sim.now().duration_since(now()) > jiff::SignedDuration::from_secs(60));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appliances_under_a_moving_clock_stay_within_their_bounds() {
    moving_sync("dtype:mx").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_under_a_moving_clock_stays_within_its_bounds() {
    moving_sync("dtype:all").await;
}

/// A world whose networks all cut days in UTC, so one instant puts the same day at the edge
/// of the API window everywhere.
fn utc_world() -> World {
    let mut world = World::generate(
        5,
        &WorldSize {
            orgs: 1,
            networks_per_org: 4,
            devices_per_network: 1,
            clients_per_network: 30,
        },
    );
    for org in &mut world.organizations {
        for net in &mut org.networks {
            net.time_zone = "UTC".to_string();
            for d in &mut net.devices {
                d.model = "MX68".to_string();
            }
        }
    }
    world
}

/// 23:58 UTC: the oldest day a 30-day plan contains starts 30 days and 23 h 58 min ago, two
/// minutes inside the API's 31-day window. Returns that instant and that day.
fn at_the_edge() -> (Timestamp, Date) {
    let oldest: Date = "2026-03-07".parse().expect("date");
    let start = usage_model::day_bounds(oldest, &jiff::tz::TimeZone::UTC).0;
    let now = start
        .checked_add(usage_model::API_MAX_LOOKBACK)
        .and_then(|t| t.checked_sub(jiff::SignedDuration::from_secs(120)))
        .expect("time");
    (now, oldest)
}

/// The clock jumps ten minutes when the first network's days are stored: the other networks'
/// oldest day has left the window before their reads start. They skip it with a warning; the
/// sync completes and every stored day is exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_that_leaves_the_window_mid_sync_is_skipped_not_failed() {
    let (start, oldest) = at_the_edge();
    let sim = start_sim(SimConfig::default().with_world(utc_world()).with_now(start)).await;
    let db = db().await;
    let groups = Groups::overall_default();
    let filter = Filter::default();
    let clock = sim.clock();
    let mut config = SyncConfig::new(groups.clone(), filter.clone());
    config.clock = Clock::from_fn(move || clock.now());
    config.network_concurrency = 1;
    let jumped = AtomicBool::new(false);
    let handle = &sim;
    let skipped = Mutex::new(Vec::new());
    let sink = |event: &Progress| {
        if matches!(event, Progress::DayWritten { .. }) && !jumped.swap(true, Ordering::SeqCst) {
            handle.advance(Duration::from_secs(600));
        }
        if let Progress::DaySkipped { day, .. } = event {
            skipped.lock().unwrap().push(*day);
        }
    };
    let summary = usage_sync::sync(&client(&sim), &db.store, &config, &sink)
        .await
        .expect("sync");
    assert_eq!(
        summary.status,
        SyncStatus::Complete,
        "{:?}",
        summary.failures
    );
    let nets = selected(&sim, &filter);
    assert_eq!(nets.len(), 4);
    // The first network has the oldest day; the three others skipped it, each named.
    assert_eq!(summary.days_skipped, 3, "{summary:?}");
    let mut with_oldest = 0;
    for net in nets.keys() {
        let days = db.store.complete_days(net).await.expect("days");
        assert_eq!(
            days.len(),
            if days.contains(&oldest) { 30 } else { 29 },
            "{net}"
        );
        with_oldest += usize::from(days.contains(&oldest));
    }
    assert_eq!(with_oldest, 1);
    assert_eq!(*skipped.lock().unwrap(), vec![oldest; 3]);
    // Every stored day is exact (the clock only jumped between networks).
    let d = compare_exact(&sim, &db.store, &groups, &filter, start).await;
    assert!(d.abs_error == 0 && d.outside_bound.is_empty(), "{d:?}");
    sim.shutdown().await;
}

/// The host's clock 2.5 hours behind the Dashboard's: the sync plans by the Dashboard's (its
/// answers carry it), so no day it plans is refused — until the Dashboard's clock jumps five
/// minutes while the first network is read, after its first answer: that network's oldest
/// day, asked for at once, is refused with 400 right at the window's edge, and the other
/// networks see from the answers that it has left. Every network skips that day (a
/// [`Progress::DaySkipped`] naming it), none fails, and every other day is exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_clock_behind_the_dashboard_plans_by_its_clock_and_skips_a_refused_day() {
    let (start, oldest) = at_the_edge();
    let sim = start_sim(SimConfig::default().with_world(utc_world()).with_now(start)).await;
    let db = db().await;
    let groups = Groups::overall_default();
    let filter = Filter::default();
    let host = start
        .checked_sub(jiff::SignedDuration::from_mins(150))
        .expect("time");
    let mut config = SyncConfig::new(groups.clone(), filter.clone()).with_now(host);
    config.network_concurrency = 1;
    let handle = &sim;
    let calls = AtomicU64::new(0);
    let events = Mutex::new(Vec::new());
    let sink = |event: &Progress| {
        // Discovery is three calls (one organization); the fourth is the first network's first
        // read, of its newest boundary.
        if matches!(event, Progress::CallDone) && calls.fetch_add(1, Ordering::SeqCst) == 3 {
            handle.advance(Duration::from_secs(300));
        }
        events.lock().unwrap().push(event.clone());
    };
    let summary = usage_sync::sync(&client(&sim), &db.store, &config, &sink)
        .await
        .expect("sync");
    assert_eq!(
        summary.status,
        SyncStatus::Complete,
        "{:?}",
        summary.failures
    );
    assert_eq!(
        summary.clock_skew,
        Some(jiff::SignedDuration::from_mins(-150)),
        "told once, as host minus Dashboard"
    );
    let events = events.into_inner().unwrap();
    let skews: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Progress::ClockSkew { host, dashboard } => Some((*host, *dashboard)),
            _ => None,
        })
        .collect();
    assert_eq!(skews, vec![(host, start)]);
    let nets = selected(&sim, &filter);
    let mut skipped: Vec<(String, Date)> = events
        .iter()
        .filter_map(|e| match e {
            Progress::DaySkipped {
                network_id, day, ..
            } => Some((network_id.clone(), *day)),
            _ => None,
        })
        .collect();
    skipped.sort();
    let want: Vec<(String, Date)> = nets.keys().map(|n| (n.clone(), oldest)).collect();
    assert_eq!(skipped, want);
    assert_eq!(summary.days_skipped, 4, "{summary:?}");
    // The first network asked for the oldest day and was refused; the others did not ask.
    let refused = sim.counters().by_status.get(&400).copied().unwrap_or(0);
    assert_eq!(refused, 1, "{:?}", sim.counters());
    for net in nets.keys() {
        let days = db.store.complete_days(net).await.expect("days");
        assert_eq!(days.len(), 29, "{net}");
        assert!(!days.contains(&oldest));
    }
    let d = compare_exact(&sim, &db.store, &groups, &filter, start).await;
    assert!(d.abs_error == 0 && d.outside_bound.is_empty(), "{d:?}");
    sim.shutdown().await;
}

async fn start_sim(cfg: SimConfig) -> SimHandle {
    start(cfg).await
}

/// Like [`compare`], for the days stored by a sync planned at `planned_at`.
async fn compare_exact(
    sim: &SimHandle,
    store: &storage::Store,
    groups: &Groups,
    filter: &Filter,
    planned_at: Timestamp,
) -> Deviation {
    let want = expected(sim, groups, filter, &|tz| expected_days(planned_at, tz, 30));
    deviation_of_stored(store, want).await
}
