//! The host's clock and the Dashboard's disagree: the sync goes by the Dashboard's (every answer
//! carries it), says once that the two differ, stores only days that are over on the
//! Dashboard's clock, and skips — never fails — a day the API's window no longer holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use meraki_sim::{SimConfig, World, WorldSize};
use usage_model::{Filter, Groups};

use crate::harness::*;

fn world_at(now: Timestamp, world: Option<World>) -> Sim {
    let mut cfg = SimConfig {
        seed: 19,
        orgs: 2,
        networks_per_org: 4,
        devices_per_network: 1,
        clients_per_network: 12,
        ..SimConfig::default()
    }
    .with_now(now);
    if let Some(world) = world {
        cfg = cfg.with_world(world);
    }
    cfg.api_key = "1234".into();
    Sim::start(cfg)
}

/// A world whose networks all cut days in UTC: one instant is the same time of day everywhere.
fn utc_world() -> World {
    let mut world = World::generate(
        19,
        &WorldSize {
            orgs: 1,
            networks_per_org: 3,
            devices_per_network: 1,
            clients_per_network: 12,
        },
    );
    for net in world
        .organizations
        .iter_mut()
        .flat_map(|o| o.networks.iter_mut())
    {
        net.time_zone = "UTC".to_string();
        for d in &mut net.devices {
            d.model = "MX68".to_string();
        }
    }
    world
}

/// Syncs `db` with the host's clock at `host`: the binary's `--now`, while the simulator keeps
/// its own.
fn sync_at(sim: &Sim, dir: &Path, db: &str, host: Timestamp) -> std::process::Output {
    run(keyed(sim, dir)
        .env("USAGESTATS_NOW", host.to_string())
        .args(["-d", db, "sync"]))
}

/// Per network of the database, the days it holds as complete.
fn complete(sim: &Sim, path: &Path) -> BTreeMap<String, BTreeSet<Date>> {
    let store = sim.store(path);
    sim.rt.block_on(async {
        let mut out = BTreeMap::new();
        for n in store.networks().await.expect("networks") {
            let days = store.complete_days(&n.id).await.expect("days");
            out.insert(n.id, days.into_iter().collect());
        }
        store.close().await;
        out
    })
}

/// The days a sync at the Dashboard's `now` stores for a network in `tz`: the last 30 that
/// are over there, whose start lies more than a minute inside the API's window (the sync's
/// margin for a request that waits its turn).
fn readable(now: Timestamp, tz: &TimeZone) -> BTreeSet<Date> {
    let edge = now
        .checked_sub(usage_model::API_MAX_LOOKBACK)
        .and_then(|t| t.checked_add(SignedDuration::from_secs(60)))
        .expect("time");
    expected_days(now, tz, 30)
        .into_iter()
        .filter(|d| usage_model::day_bounds(*d, tz).0 >= edge)
        .collect()
}

/// Per network, the days syncs at the Dashboard's instants `syncs` store together.
fn days_over(sim: &Sim, syncs: &[Timestamp]) -> BTreeMap<String, BTreeSet<Date>> {
    let selected = selected_networks(sim.handle(), &Filter::default());
    sim.handle()
        .world()
        .networks()
        .filter(|(_, n)| selected.contains(&n.id))
        .map(|(_, n)| {
            let tz = TimeZone::get(&n.time_zone).expect("zone");
            let days = syncs.iter().flat_map(|t| readable(*t, &tz)).collect();
            (n.id.clone(), days)
        })
        .collect()
}

/// The one warning about the clocks, which names both.
fn clock_warning(err: &str, host: Timestamp, dashboard: Timestamp) {
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("Dashboard's clock"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("WARN")
            && lines[0].contains(&host.to_string())
            && lines[0].contains(&dashboard.to_string()),
        "{err}"
    );
}

/// Every network holds exactly the days over on the Dashboard's clock at the syncs' instants
/// `syncs`, and they equal ground truth.
fn stored_as_the_dashboard_says(sim: &Sim, path: &Path, syncs: &[Timestamp]) {
    assert_eq!(complete(sim, path), days_over(sim, syncs));
    let truth = test_support::truth::expected(
        sim.handle(),
        &Groups::overall_default(),
        &Filter::default(),
        &|tz| {
            let days: BTreeSet<Date> = syncs.iter().flat_map(|t| readable(*t, tz)).collect();
            days.into_iter().collect()
        },
    );
    let (first, last) = day_span(&truth);
    assert_tables_match(&truth, &sim.stored(path, first, last));
}

/// A host clock ahead of the Dashboard's — two days, as in issue 19, then 2.5 hours across the
/// Dashboard's midnight — stores no day that is not over on the Dashboard, so the days a later
/// sync adds are right too.
#[test]
fn a_host_clock_ahead_of_the_dashboard_stores_only_days_that_are_over_there() {
    let dashboard: Timestamp = "2026-03-10T12:00:00Z".parse().unwrap();
    let sim = world_at(dashboard, None);
    let dir = tempdir();
    let db = dir.path().join("ahead.sqlite");
    let host: Timestamp = "2026-03-12T12:00:00Z".parse().unwrap();
    let out = sync_at(&sim, dir.path(), "ahead.sqlite", host);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    clock_warning(&stderr(&out), host, dashboard);
    let first = dashboard;
    stored_as_the_dashboard_says(&sim, &db, &[first]);

    // The Dashboard reaches 2026-03-13 22:00, the host 2.5 hours ahead: past midnight here,
    // not there.
    let dashboard: Timestamp = "2026-03-13T22:00:00Z".parse().unwrap();
    sim.handle().set_now(dashboard);
    let host = dashboard
        .checked_add(SignedDuration::from_mins(150))
        .unwrap();
    let out = sync_at(&sim, dir.path(), "ahead.sqlite", host);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    clock_warning(&stderr(&out), host, dashboard);
    stored_as_the_dashboard_says(&sim, &db, &[first, dashboard]);

    // Ahead by 2.5 hours from the first sync on, in a world cut in UTC: 22:00 on the
    // Dashboard, 00:30 the next day here.
    let sim = world_at(dashboard, Some(utc_world()));
    let out = sync_at(&sim, dir.path(), "utc.sqlite", host);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = days_over(&sim, &[dashboard]);
    assert!(
        want.values()
            .all(|d| d.last() == Some(&"2026-03-12".parse().unwrap()))
    );
    stored_as_the_dashboard_says(&sim, &dir.path().join("utc.sqlite"), &[dashboard]);
}

/// A host clock behind the Dashboard's by 2.5 hours (issue 19's instants) plans by the
/// Dashboard's clock: no start the API refuses, every day stored, exit 0. Behind at a minute
/// before the Dashboard's midnight, the oldest day is at the window's edge: skipped in every
/// network with a warning naming the network and the day, the others stored.
#[test]
fn a_host_clock_behind_the_dashboard_plans_by_the_dashboard_and_skips_what_the_window_drops() {
    let dashboard: Timestamp = "2026-12-08T01:30:00Z".parse().unwrap();
    let host: Timestamp = "2026-12-07T23:00:00Z".parse().unwrap();
    for world in [None, Some(utc_world())] {
        let sim = world_at(dashboard, world);
        let dir = tempdir();
        let out = sync_at(&sim, dir.path(), "behind.sqlite", host);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        clock_warning(&stderr(&out), host, dashboard);
        assert!(!stderr(&out).contains("31-day window"), "{}", stderr(&out));
        let want = days_over(&sim, &[dashboard]);
        assert!(want.values().all(|d| d.len() == 30), "{want:?}");
        stored_as_the_dashboard_says(&sim, &dir.path().join("behind.sqlite"), &[dashboard]);
    }

    let dashboard: Timestamp = "2026-12-08T23:59:30Z".parse().unwrap();
    let host = dashboard
        .checked_sub(SignedDuration::from_mins(150))
        .unwrap();
    let sim = world_at(dashboard, Some(utc_world()));
    let dir = tempdir();
    let out = sync_at(&sim, dir.path(), "edge.sqlite", host);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    clock_warning(&err, host, dashboard);
    let oldest = "2026-11-08";
    for (_, net) in sim.handle().world().networks() {
        let named: Vec<&str> = err
            .lines()
            .filter(|l| l.contains(&format!("{:?}", net.name)) && l.contains(oldest))
            .collect();
        assert_eq!(named.len(), 1, "{err}");
        assert!(
            named[0].contains("WARN") && named[0].contains("31-day window"),
            "{err}"
        );
    }
    let want = days_over(&sim, &[dashboard]);
    assert!(
        want.values()
            .all(|d| d.len() == 29 && d.first() == Some(&"2026-11-09".parse().unwrap())),
        "{want:?}"
    );
    stored_as_the_dashboard_says(&sim, &dir.path().join("edge.sqlite"), &[dashboard]);
}
