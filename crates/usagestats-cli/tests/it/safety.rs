//! The database failing under a sync: the sync stops at once with one line, the days already
//! committed stay exact, and no request goes out after the failure.

use jiff::ToSpan;
use meraki_sim::SimConfig;
use usage_model::{Filter, Groups};

use crate::harness::*;

/// The binary run by `sh` under a file-size limit (`ulimit -f`, in 512-byte blocks for dash):
/// a real "disk full" for every file the process writes, database and WAL included. SIGXFSZ
/// is ignored, so writes past the limit fail with EFBIG instead of killing the process.
pub fn limited(sim: &Sim, dir: &std::path::Path, blocks: u32) -> std::process::Command {
    under_file_size_limit(&sim.cmd(dir), blocks, true)
}

/// `template` (its program, arguments, directory and environment) run by `sh` under a limit of
/// `blocks` 512-byte blocks per file. With `ignore_sigxfsz` a write past the limit fails with
/// EFBIG; without, the kernel's SIGXFSZ ends the process in the middle of that write.
pub fn under_file_size_limit(
    template: &std::process::Command,
    blocks: u32,
    ignore_sigxfsz: bool,
) -> std::process::Command {
    let trap = if ignore_sigxfsz {
        "trap '' XFSZ && "
    } else {
        ""
    };
    let mut c = std::process::Command::new("/bin/sh");
    if let Some(dir) = template.get_current_dir() {
        c.current_dir(dir);
    }
    c.arg("-c")
        .arg(format!("ulimit -f {blocks} && {trap}exec \"$0\" \"$@\""))
        .arg(template.get_program())
        .args(template.get_args());
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

#[test]
fn a_full_disk_stops_the_sync_with_one_line_and_keeps_the_committed_days() {
    let mut cfg = SimConfig {
        seed: 17,
        orgs: 1,
        networks_per_org: 6,
        devices_per_network: 1,
        clients_per_network: 40,
        ..SimConfig::default()
    }
    .with_now(now());
    cfg.api_key = "1234".into();
    let sim = Sim::start(cfg);
    let dir = tempdir();
    let db = dir.path().join("db.sqlite");
    let filter = Filter::default();
    let nets = selected_networks(sim.handle(), &filter);
    assert!(nets.len() >= 4, "{nets:?}");

    // Five days ago: a complete sync, which leaves one compact file behind.
    let earlier = now().checked_sub(120.hours()).expect("time");
    sim.handle().set_now(earlier);
    let out = run(sim
        .cmd(dir.path())
        .env("USAGESTATS_NOW", earlier.to_string())
        .env("MERAKI_DASHBOARD_API_KEY", "1234")
        .args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(0));
    let before = sim.complete_days(&db);

    // Now, with room for only a few days' worth of writes.
    sim.handle().set_now(now());
    sim.handle().reset_counters();
    // 1,024 blocks (512 KiB): measured with this world and schema, 384 blocks fail on the first
    // day's transaction (the client rollups, the day-total index and the prefix rollups
    // made it larger) and 3,072 let the whole sync through; 512 to 2,048 all stop it midway.
    let out = run(limited(&sim, dir.path(), 1024)
        .env("MERAKI_DASHBOARD_API_KEY", "1234")
        .args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("usagestats: error: the database ")
            && lines[0].contains("db.sqlite")
            && lines[0].contains("the sync stopped")
            && lines[0].contains("disk"),
        "{err}"
    );

    // Some new days were committed before the failure, not all; each is exact.
    let after = sim.complete_days(&db);
    let new_days: usize = nets
        .iter()
        .map(|n| after.get(n).copied().unwrap_or(0) - before.get(n).copied().unwrap_or(0))
        .sum();
    let all_new = nets.len() * 5;
    assert!(
        new_days >= 1 && new_days < all_new,
        "{new_days} of {all_new}"
    );
    let groups = Groups::overall_default();
    let want = test_support::truth::expected(sim.handle(), &groups, &filter, &|tz| {
        expected_days(now(), tz, 5)
    });
    let (first, last) = day_span(&want);
    let stored = sim.stored(&db, first, last);
    let store = sim.store(&db);
    let complete: Vec<(String, std::collections::BTreeSet<jiff::civil::Date>)> =
        sim.rt.block_on(async {
            let mut out = Vec::new();
            for n in &nets {
                out.push((n.clone(), store.complete_days(n).await.expect("days")));
            }
            store.close().await;
            out
        });
    let committed = |k: &(String, jiff::civil::Date, Option<usize>)| {
        complete.iter().any(|(n, d)| *n == k.0 && d.contains(&k.1))
    };
    let want: Table = want.into_iter().filter(|(k, _)| committed(k)).collect();
    let got: Table = stored.into_iter().filter(|(k, _)| committed(k)).collect();
    assert_tables_match(&want, &got);

    // No request after the failure: networks are read three at a time, so at most the three
    // in flight when the write failed were read (6 boundaries and 2 bound reads each); the
    // others never were.
    let calls = device_client_calls(sim.handle());
    assert!(calls <= 3 * 8, "{calls} device reads after a failure");
}
