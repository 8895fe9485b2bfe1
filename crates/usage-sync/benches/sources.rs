//! The two sources side by side at Meraki's real limits (10 req/s per organization, 100 req/s
//! per source): one organization of 20 campus networks, each 1 MX + 10 MR + 2 MS, a first
//! sync of 30 days read once from every device (`--source device`, `dtype:all`) and once from
//! each network's client list (`--source network`, pages of 5000).
//!
//! Prints per source: the calls the server answered (and the plan's), pages, wall time, the
//! utilization (the wall time the limits allow for those calls ÷ the measured wall time), 429s,
//! and how the stored figures compare with the simulator's ground truth of that source's view
//! (the device view of every device, the network view). Then the ratio of calls and of wall
//! time. The simulator's clock is frozen, so both are exact.
//!
//! Run: `cargo bench -p usage-sync --bench sources` (or `cargo xtask bench sources`). The
//! device source takes about a quarter of an hour at 10 req/s; `BENCH_DAYS` (default 30) and
//! `BENCH_NETWORKS` (default 20) shrink it.

use std::time::Instant;

use meraki_client::{ApiKey, Client};
use meraki_sim::{CampusSize, SimConfig, Simulator, World};
use test_support::truth::{deviation, expected_days, expected_from, stored, stored_bounds};
use usage_model::{Filter, Groups, Source};
use usage_sync::{Clock, NoProgress, SyncConfig, SyncSummary};

struct Measured {
    summary: SyncSummary,
    calls: u64,
    wall: f64,
    utilization: f64,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn scenario(
    source: Source,
    days: u32,
    networks: usize,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let now: jiff::Timestamp = "2026-04-07T10:17:00Z".parse()?;
    let world = World::generate_campus(
        8,
        &CampusSize {
            orgs: 1,
            networks_per_org: networks,
            access_points: 10,
            switches: 2,
            clients_per_network: 150,
        },
    );
    let sim = Simulator::start(
        SimConfig::default()
            .with_world(world)
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
    let groups = Groups::parse("Corp=sub:10.0.0.0/8")?;
    let filter = match source {
        Source::Device => Filter::parse("dtype:all")?,
        Source::Network => Filter::default(),
    };
    let mut config = SyncConfig::new(groups.clone(), filter.clone()).with_source(source);
    let sim_clock = sim.clock();
    config.clock = Clock::from_fn(move || sim_clock.now());
    config.lookback_days = days;

    let started = Instant::now();
    let summary = usage_sync::sync(&client, &store, &config, &NoProgress).await?;
    let wall = started.elapsed().as_secs_f64();
    let counters = sim.counters();
    // The fastest the limits allow for these calls: the organization's calls at 10/s after its
    // bucket's initial 10 tokens, or everything at 100/s, whichever is slower.
    let busiest = counters.by_org.values().copied().max().unwrap_or(0) as f64;
    let ideal = ((busiest - 10.0).max(0.0) / 10.0).max(counters.total as f64 / 100.0);

    let want = expected_from(&sim, &groups, &filter, source, &|tz| {
        expected_days(now, tz, i64::from(days))
    });
    let first = want.keys().map(|k| k.1).min().ok_or("no traffic")?;
    let last = want.keys().map(|k| k.1).max().ok_or("no traffic")?;
    let got = stored(&store, first, last).await;
    let d = deviation(&want, &got, &stored_bounds(&store, first, last).await);
    let traffic: usage_model::Traffic = got.values().copied().sum();
    println!(
        "source={source} networks={} devices_read={} days_written={} \
         | calls={} plan={} extra_reads={} extra_pages={} server_saw={} \
         | wall={wall:.2}s rate={:.2}/s limit-bound wall={ideal:.2}s utilization={:.3} \
         | 429s={} (server {}) retries={} \
         | stored total={} kB error total={:.5}% outside_bound={} | status={:?}",
        summary.networks,
        summary.devices,
        summary.days_written,
        summary.calls_done,
        summary.calls_planned,
        summary.extra_reads,
        summary.extra_pages,
        counters.total,
        counters.total as f64 / wall,
        ideal / wall,
        summary.rate_limited,
        counters.rate_limited,
        summary.retries,
        traffic.total(),
        100.0 * d.total_fraction(),
        d.outside_bound.len(),
        summary.status,
    );
    store.close().await;
    sim.shutdown().await;
    Ok(Measured {
        summary,
        calls: counters.total,
        wall,
        utilization: ideal / wall,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo test --benches` runs bench targets without `--bench`; only measure when asked.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sources benchmark: run with `cargo bench -p usage-sync --bench sources`");
        return Ok(());
    }
    let days = u32::try_from(env_or("BENCH_DAYS", 30))?;
    let networks = env_or("BENCH_NETWORKS", 20);
    println!(
        "1 org × {networks} networks × (1 MX + 10 MR + 2 MS), 150 clients each, first sync of \
         {days} days at the real limits (10 req/s per org, 100 req/s per source), frozen clock"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let network = rt.block_on(scenario(Source::Network, days, networks))?;
    let device = rt.block_on(scenario(Source::Device, days, networks))?;
    println!(
        "device/network: calls {:.1}× ({} / {}), wall {:.1}× ({:.1} s / {:.1} s), \
         utilization {:.3} / {:.3}; hint the device sync printed: {:?}",
        device.calls as f64 / network.calls as f64,
        device.calls,
        network.calls,
        device.wall / network.wall,
        device.wall,
        network.wall,
        device.utilization,
        network.utilization,
        device.summary.source_calls,
    );
    Ok(())
}
