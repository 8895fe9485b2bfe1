//! Sync throughput of 1 and of 3 workers sharing one PostgreSQL database (`cargo xtask bench
//! workers`).
//!
//! meraki-sim serves an estate of `ORGS` organizations × `NETWORKS` networks (one MX each, a
//! first 30-day sync) with Meraki's per-source budget scaled down so a run takes seconds:
//! `SOURCE_RATE` requests/s per source address (Meraki: 100); no per-organization limit, so
//! the source budget is what binds. Each worker sends from its own loopback address (127.0.0.2,
//! .3, .4) and so has its own source budget, paced just under it; the database is a fresh one
//! on test-support's PostgreSQL server per run.
//! Prints wall time, snapshot calls and (network, day) pairs stored per second.

use std::process::{Command, Stdio};
use std::time::Instant;

use meraki_sim::{SimConfig, Simulator};

const ORGS: usize = 12;
const NETWORKS: usize = 4;
const SOURCE_RATE: f64 = 50.0;

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "estate: {ORGS} orgs × {NETWORKS} networks × 1 device, 30 days; source budget \
         {SOURCE_RATE}/s per address"
    );
    println!("| workers | wall time | snapshot calls | days stored | days/s | 429s |");
    println!("|---|---|---|---|---|---|");
    for workers in [1usize, 3] {
        let mut cfg = SimConfig {
            orgs: ORGS,
            networks_per_org: NETWORKS,
            devices_per_network: 1,
            clients_per_network: 20,
            source_rate_limit: Some(SOURCE_RATE),
            ..SimConfig::default()
        }
        .with_now(test_support::truth::now());
        cfg.api_key = "1234".into();
        let sim = rt.block_on(Simulator::start(cfg)).expect("simulator");
        let db = test_support::postgres::PgServer::get().database();
        let started = Instant::now();
        let children: Vec<_> = (0..workers)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_usagestats"))
                    .env("USAGESTATS_BASE_URL", sim.base_url())
                    .env("USAGESTATS_NOW", sim.now().to_string())
                    .env("MERAKI_DASHBOARD_API_KEY", "1234")
                    .env("USAGESTATS_ORG_RATE", "1000")
                    .env("USAGESTATS_SOURCE_RATE", format!("{}", SOURCE_RATE * 0.9))
                    .env("USAGESTATS_SOURCE_ADDRESS", format!("127.0.0.{}", i + 2))
                    .env("PGPASSWORD", db.server().password())
                    .args(["-q", "-d", &db.url_without_password(), "sync"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .expect("worker starts")
            })
            .collect();
        for mut c in children {
            assert!(c.wait().expect("worker ends").success(), "a worker failed");
        }
        let elapsed = started.elapsed();
        let counters = sim.counters();
        let calls = counters
            .by_endpoint
            .get("getDeviceClients")
            .copied()
            .unwrap_or(0);
        let days: u64 = db
            .sql("SELECT COUNT(*) FROM synced_days")
            .parse()
            .expect("count");
        println!(
            "| {workers} | {:.1} s | {calls} | {days} | {:.0} | {} |",
            elapsed.as_secs_f64(),
            days as f64 / elapsed.as_secs_f64(),
            counters.rate_limited
        );
        rt.block_on(sim.shutdown());
    }
}
