//! Simulator throughput with limits and faults off: many concurrent keep-alive connections
//! hammer a simple endpoint (`GET /organizations`) and the heaviest one the sync uses (a
//! 31-day `GET /devices/{serial}/clients?t0=` on an appliance), for a few seconds each.
//!
//! `cargo bench -p meraki-sim --bench throughput` (env: `BENCH_SECS`, default 5;
//! `BENCH_CONCURRENCY`, default 64). Client and server share this machine's cores, so the
//! figure is a lower bound for the server alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use meraki_sim::{ProductType, SimConfig, Simulator, World};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn hammer(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    concurrency: u64,
    secs: u64,
) -> (f64, u64) {
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, key) = (client.clone(), url.to_string(), key.to_string());
        let (done, count, errors) = (done.clone(), count.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let ok = match client.get(&url).bearer_auth(&key).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                let counter = if ok { &count } else { &errors };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    done.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    (
        count.load(Ordering::Relaxed) as f64 / elapsed,
        errors.load(Ordering::Relaxed),
    )
}

fn main() {
    let secs = env_or("BENCH_SECS", 5);
    let concurrency = env_or("BENCH_CONCURRENCY", 64);

    let t = Instant::now();
    let world = World::generate(42, &SimConfig::default().size());
    let build = t.elapsed();
    println!(
        "demo world ({} orgs, {} networks, {} clients) generated in {:.1} ms",
        world.organizations.len(),
        world.networks().count(),
        world.client_count(),
        build.as_secs_f64() * 1000.0
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let t = Instant::now();
        let sim = Simulator::start(SimConfig::default())
            .await
            .expect("simulator starts");
        println!(
            "simulator (world + index) started in {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency as usize)
            .build()
            .expect("client");

        let url = format!("{}/organizations", sim.base_url());
        let (rps, errors) = hammer(&client, &url, sim.api_key(), concurrency, secs).await;
        println!(
            "GET /organizations: {rps:.0} requests/s ({concurrency} connections, {secs} s, {errors} errors)"
        );

        let mx = sim
            .world()
            .networks()
            .flat_map(|(_, n)| n.devices.iter())
            .find(|d| d.product_type() == ProductType::Appliance)
            .map(|d| d.serial.clone())
            .expect("an appliance");
        let t0 = sim
            .now()
            .checked_sub(jiff::SignedDuration::from_hours(24 * 30))
            .expect("t0");
        let url = format!("{}/devices/{mx}/clients?t0={t0}", sim.base_url());
        let (rps, errors) = hammer(&client, &url, sim.api_key(), concurrency, secs).await;
        println!(
            "GET /devices/{{serial}}/clients?t0=<30 days ago> ({} clients): {rps:.0} requests/s ({errors} errors)",
            SimConfig::default().clients_per_network
        );
        sim.shutdown().await;
    });
}
