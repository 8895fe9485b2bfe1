//! Sync throughput against meraki-sim enforcing Meraki's real limits (10 req/s per
//! organization, 100 req/s per source), for 1 and 8 organizations, with the simulator's clock
//! frozen, running in real time, and running 60 times faster.
//!
//! Prints, per scenario: calls made vs the minimum the plan needs, the reads beyond the plan
//! (two per device for the error bound, plus re-reads of devices whose bound was large),
//! achieved calls/s divided by the allowed rate, the utilization (the wall time the limits
//! allow for all the calls made — the busiest organization at 10/s, or all calls at 100/s —
//! divided by the measured wall time), 429s, retries, wall time, and how far the stored figures
//! are from the simulator's ground truth (total absolute error over total traffic, the worst
//! row, rows outside their stored bound). Goal: utilization ≥ 0.95, no 429s, every row within
//! its bound.
//!
//! Run: `cargo bench -p usage-sync --bench sync` (or `cargo xtask bench sync`).

use std::time::Instant;

use meraki_client::{ApiKey, Client};
use meraki_sim::{SimConfig, Simulator};
use test_support::truth::{deviation, expected, expected_days, stored, stored_bounds};
use usage_model::{Filter, Groups};
use usage_sync::{Clock, NoProgress, SyncConfig};

/// Days synced per network; 30 is a first sync, the worst case.
const DAYS: u32 = 30;

async fn scenario(orgs: usize, clock_rate: Option<f64>) -> Result<(), Box<dyn std::error::Error>> {
    let now: jiff::Timestamp = "2026-04-07T10:17:00Z".parse()?;
    let mut cfg = SimConfig {
        seed: 3,
        orgs,
        networks_per_org: 8,
        devices_per_network: 1,
        clients_per_network: 30,
        ..SimConfig::default()
    }
    .with_now(now)
    .with_real_limits();
    cfg.clock_rate = clock_rate;
    let sim = Simulator::start(cfg).await?;
    // The client as the CLI builds it: default pacing (Meraki's budgets).
    let client = Client::builder()
        .api_key(ApiKey::new(sim.api_key()))
        .base_url(&sim.base_url())?
        .build()?;
    let dir = tempfile::tempdir()?;
    let store = storage::Store::open(&dir.path().join("bench.sqlite")).await?;
    let groups = Groups::overall_default();
    let filter = Filter::default();
    let mut config = SyncConfig::new(groups.clone(), filter.clone());
    let sim_clock = sim.clock();
    config.clock = Clock::from_fn(move || sim_clock.now());
    config.lookback_days = DAYS;

    let started = Instant::now();
    let summary = usage_sync::sync(&client, &store, &config, &NoProgress).await?;
    let wall = started.elapsed().as_secs_f64();
    let counters = sim.counters();
    let allowed = (10.0 * orgs as f64).min(100.0);
    let rate = counters.total as f64 / wall;
    // The fastest the limits allow for these calls: the busiest organization at 10/s after its
    // bucket's initial 10 tokens, or everything at 100/s, whichever is slower.
    let busiest = counters.by_org.values().copied().max().unwrap_or(0) as f64;
    let ideal = ((busiest - 10.0).max(0.0) / 10.0).max(counters.total as f64 / 100.0);

    // Ground truth of the days the plan held, as of the start (they were complete then).
    let want = expected(&sim, &groups, &filter, &|tz| {
        expected_days(now, tz, i64::from(DAYS))
    });
    let first = want.keys().map(|k| k.1).min().ok_or("no traffic")?;
    let last = want.keys().map(|k| k.1).max().ok_or("no traffic")?;
    let got = stored(&store, first, last).await;
    let d = deviation(&want, &got, &stored_bounds(&store, first, last).await);
    let clock = match clock_rate {
        None => "frozen".to_string(),
        Some(r) => format!("{r}x"),
    };
    println!(
        "sync orgs={orgs} clock={clock} networks={} devices={} days_written={} skipped={} \
         | calls={} minimal={} extra_reads={} rereads={} server_saw={} \
         | wall={wall:.2}s rate={rate:.2}/s allowed={allowed:.0}/s rate/allowed={:.3} \
         | limit-bound wall={ideal:.2}s utilization={:.3} | 429s={} (server {}) retries={} \
         | error total={:.5}% worst_row={:.4}% outside_bound={} bounded_rows={} \
         | sim clock moved {} | status={:?}",
        summary.networks,
        summary.devices,
        summary.days_written,
        summary.days_skipped,
        summary.calls_done,
        summary.calls_planned,
        summary.extra_reads,
        summary.rereads,
        counters.total,
        rate / allowed,
        ideal / wall,
        summary.rate_limited,
        counters.rate_limited,
        summary.retries,
        100.0 * d.total_fraction(),
        100.0 * d.worst_row,
        d.outside_bound.len(),
        d.bounded_rows,
        sim.now().duration_since(now),
        summary.status,
    );
    store.close().await;
    sim.shutdown().await;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo test --benches` runs bench targets with `--bench`-less arguments; only measure
    // when asked to benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sync benchmark: run with `cargo bench -p usage-sync --bench sync`");
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    for clock_rate in [None, Some(1.0), Some(60.0)] {
        for orgs in [1, 8] {
            rt.block_on(scenario(orgs, clock_rate))?;
        }
    }
    Ok(())
}
