//! Two syncs of one database at the same time: the second waits, nothing is fetched twice,
//! nothing is duplicated.

use meraki_sim::SimConfig;
use usage_model::{Filter, Groups};

use crate::harness::*;

#[test]
fn a_second_sync_waits_and_fetches_nothing_twice() {
    let mut cfg = SimConfig {
        orgs: 2,
        networks_per_org: 3,
        devices_per_network: 1,
        clients_per_network: 30,
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    let spawn = || {
        let mut c = sim.cmd(dir.path());
        c.env("MERAKI_DASHBOARD_API_KEY", "1234")
            // Slow enough that the two overlap.
            .env("USAGESTATS_ORG_RATE", "40")
            .args(["-d", "db.sqlite", "sync"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        c.spawn().expect("spawn")
    };
    let a = spawn();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let b = spawn();
    let a = a.wait_with_output().expect("a");
    let b = b.wait_with_output().expect("b");
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    // Whichever reached the lock second says so.
    assert!(
        stderr(&a).contains("waiting for it to finish")
            || stderr(&b).contains("waiting for it to finish"),
        "one sync waited: {} / {}",
        stderr(&a),
        stderr(&b)
    );

    let filter = Filter::default();
    assert_eq!(
        device_client_calls(sim.handle()),
        minimal_snapshot_calls(sim.handle(), &filter),
        "no day fetched twice"
    );
    let db = dir.path().join("db.sqlite");
    let want = expected(sim.handle(), &Groups::overall_default(), &filter);
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &sim.stored(&db, first, last));
}
