//! Sync throughput against meraki-sim enforcing Meraki's real limits (10 req/s per
//! organization, 100 req/s per source), for 1 and 8 organizations.
//!
//! Prints, per scenario: calls made vs the minimum the plan needs, achieved calls/s divided
//! by the allowed rate, the utilization (the wall time the limits allow for this plan — the
//! busiest organization at 10/s, or all calls at 100/s — divided by the measured wall time),
//! 429s, retries and wall time. Goal: utilization ≥ 0.9 with no 429s in steady state.
//!
//! Run: `cargo bench -p usage-sync --bench sync` (or `cargo xtask bench sync`).

use std::time::Instant;

use meraki_client::{ApiKey, Client};
use meraki_sim::{SimConfig, Simulator};
use usage_model::{Filter, Groups};
use usage_sync::{NoProgress, SyncConfig};

/// Days synced per network; 30 is a first sync, the worst case.
const DAYS: u32 = 30;

async fn scenario(orgs: usize) -> Result<(), Box<dyn std::error::Error>> {
    let now: jiff::Timestamp = "2026-04-07T10:17:00Z".parse()?;
    let sim = Simulator::start(
        SimConfig {
            seed: 3,
            orgs,
            networks_per_org: 8,
            devices_per_network: 1,
            clients_per_network: 30,
            ..SimConfig::default()
        }
        .with_now(now)
        .with_real_limits(),
    )
    .await?;
    // The client as the CLI builds it: default pacing (Meraki's budgets).
    let client = Client::builder()
        .api_key(ApiKey::new(sim.api_key()))
        .base_url(&sim.base_url())?
        .build()?;
    let dir = tempfile::tempdir()?;
    let store = storage::Store::open(&dir.path().join("bench.sqlite")).await?;
    let mut config = SyncConfig::new(Groups::overall_default(), Filter::default()).with_now(now);
    config.lookback_days = DAYS;

    let started = Instant::now();
    let summary = usage_sync::sync(&client, &store, &config, &NoProgress).await?;
    let wall = started.elapsed().as_secs_f64();
    let counters = sim.counters();
    let allowed = (10.0 * orgs as f64).min(100.0);
    let rate = counters.total as f64 / wall;
    // The fastest the limits allow for this plan: the busiest organization at 10/s after its
    // bucket's initial 10 tokens, or everything at 100/s, whichever is slower.
    let busiest = counters.by_org.values().copied().max().unwrap_or(0) as f64;
    let ideal = ((busiest - 10.0).max(0.0) / 10.0).max(counters.total as f64 / 100.0);
    println!(
        "sync orgs={orgs} networks={} devices={} days_written={} | calls={} minimal={} server_saw={} \
         | wall={wall:.2}s rate={rate:.2}/s allowed={allowed:.0}/s rate/allowed={:.3} \
         | limit-bound wall={ideal:.2}s utilization={:.3} | 429s={} (server {}) retries={} status={:?}",
        summary.networks,
        summary.devices,
        summary.days_written,
        summary.calls_done,
        summary.calls_planned,
        counters.total,
        rate / allowed,
        ideal / wall,
        summary.rate_limited,
        counters.rate_limited,
        summary.retries,
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
    for orgs in [1, 8] {
        rt.block_on(scenario(orgs))?;
    }
    Ok(())
}
