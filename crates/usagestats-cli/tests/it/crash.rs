//! A sync killed with SIGKILL at random moments, then finished, leaves exactly the ground
//! truth: no duplicated and no half-written day.

use std::time::Duration;

use meraki_sim::SimConfig;
use rand::Rng as _;
use usage_model::{Filter, Groups};

use crate::harness::*;

#[test]
fn killed_syncs_leave_whole_days_and_a_final_sync_completes_exactly() {
    let mut cfg = SimConfig {
        orgs: 2,
        networks_per_org: 3,
        devices_per_network: 1,
        clients_per_network: 30,
        ..SimConfig::default()
    }
    .with_now(now())
    // The server enforces a budget too, so the client's pacing is what keeps it from 429s.
    .with_org_rate_limit(60.0, None);
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    let db = dir.path().join("db.sqlite");
    let command = || {
        let mut c = sim.cmd(dir.path());
        c.env("MERAKI_DASHBOARD_API_KEY", "1234")
            .env("USAGESTATS_ORG_RATE", "20")
            .args(["-d", "db.sqlite", "sync"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let seed: u64 = rand::rng().random();
    eprintln!("kill delays seed {seed}");
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let mut progress = Vec::new();
    for _ in 0..4 {
        let mut child = command().spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(rng.random_range(300..3500)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        if db.exists() {
            let total: usize = sim.complete_days(&db).values().sum();
            progress.push(total);
        }
    }
    eprintln!("complete days after each kill: {progress:?}");
    let out = run(command().stderr(std::process::Stdio::piped()));
    assert_eq!(out.status.code(), Some(0));

    let filter = Filter::default();
    let want = expected(sim.handle(), &Groups::overall_default(), &filter);
    let (first, last) = day_span(&want);
    let got = sim.stored(&db, first, last);
    assert_tables_match(&want, &got);
    let days = sim.complete_days(&db);
    for (net, n) in expected_day_counts(sim.handle(), &filter) {
        assert_eq!(days.get(&net).copied(), Some(n), "{net}");
    }
    // Rows exist only for days marked complete (no half-written day).
    let store = sim.store(&db);
    // Every day was written by exactly one run, and each run counted its days as it
    // committed them: killed runs too, although they never reached their end.
    let runs = sim.rt.block_on(store.recent_runs(100)).expect("runs");
    let counted: u64 = runs.iter().map(|r| r.days_written).sum();
    let total: usize = days.values().sum();
    assert_eq!(counted, total as u64, "days_written of {runs:?}");
    for (net, day, _) in got.keys() {
        let complete = sim.rt.block_on(store.complete_days(net)).expect("days");
        assert!(
            complete.contains(day),
            "{net} {day} has rows but no completion mark"
        );
    }
}
