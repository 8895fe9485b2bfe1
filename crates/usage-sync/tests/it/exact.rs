//! A 30-day sync of a multi-org world equals the simulator's ground truth.

use usage_model::{Filter, Groups};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_days_of_a_multi_org_world_match_ground_truth() {
    let sim = start(small_world()).await;
    let db = db().await;
    let groups = groups(&sim);
    // Every device type: appliances, access points and switches, so clients seen by two
    // devices are summed as the original did.
    let filter = Filter::parse("dtype:all").expect("filter parses");
    save_groups(&db.store, &groups, &filter).await;

    let summary = sync(&client(&sim), &db.store, &config(&groups, &filter, now())).await;
    assert_eq!(
        summary.status,
        usage_sync::SyncStatus::Complete,
        "{summary:?}"
    );
    assert!(summary.failures.is_empty());

    let want = expected(&sim, &groups, &filter, &|tz| expected_days(now(), tz, 30));
    let (first, last) = day_span(&want);
    let got = stored(
        &db.store,
        first.yesterday().unwrap(),
        last.tomorrow().unwrap(),
    )
    .await;
    assert_tables_match(&want, &got);

    // The scenario really covers what it claims.
    let world = sim.world();
    let zones: Vec<&str> = world
        .networks()
        .map(|(_, n)| n.time_zone.as_str())
        .collect();
    assert!(
        zones.iter().any(|z| [
            "America/Los_Angeles",
            "Europe/Berlin",
            "America/New_York",
            "Europe/London",
            "Australia/Adelaide",
            "Australia/Lord_Howe",
            "Pacific/Chatham"
        ]
        .contains(z)),
        "a DST zone among {zones:?}"
    );
    assert!(
        want.keys().any(|k| k.2.is_none()),
        "unmatched clients exist"
    );
    for position in 0..groups.len() {
        assert!(
            want.keys().any(|k| k.2 == Some(position)),
            "group {position} gets traffic"
        );
    }
    assert!(
        world
            .networks()
            .flat_map(|(_, n)| &n.clients)
            .any(|c| c.ip.is_none() && c.ip6.is_some()),
        "IPv6-only clients exist"
    );

    // Every selected network has exactly its days marked complete.
    let mut days_total = 0;
    for (net_id, (tz, _)) in selected(&sim, &filter) {
        let want_days: std::collections::BTreeSet<_> =
            expected_days(now(), &tz, 30).into_iter().collect();
        assert!(want_days.len() >= 29);
        days_total += want_days.len() as u64;
        assert_eq!(
            db.store.complete_days(&net_id).await.expect("days"),
            want_days,
            "network {net_id}"
        );
    }
    assert_eq!(summary.days_written, days_total);
    // The vname rules need VLAN lists: one per selected network, none for the others.
    assert_eq!(
        sim.counters()
            .by_endpoint
            .get("getNetworkApplianceVlans")
            .copied()
            .unwrap_or(0),
        selected(&sim, &filter).len() as u64
    );
    assert_eq!(summary.calls_done, summary.calls_planned);

    // The report over the whole span: per network, each group's total is the sum of its
    // days; every network lists the days of the span it has no data for.
    let range = usage_model::DateRange {
        start: first,
        end: last,
    };
    let report = usage_sync::build_report(&db.store, range, now())
        .await
        .expect("report builds");
    assert_eq!(report.groups.len(), groups.len());
    assert_eq!(report.groups[0].name, "Voice");
    let names: std::collections::HashMap<String, String> = sim
        .world()
        .networks()
        .map(|(_, n)| (n.name.clone(), n.id.clone()))
        .collect();
    let mut networks_seen = 0;
    for org in &report.organizations {
        for net in &org.networks {
            let id = &names[&net.name];
            let (_, (tz, _)) = selected(&sim, &filter)
                .into_iter()
                .find(|(n, _)| n == id)
                .expect("a selected network");
            networks_seen += 1;
            for (position, traffic) in net.groups.iter().enumerate() {
                let sum: usage_model::Traffic = want
                    .iter()
                    .filter(|(k, _)| &k.0 == id && k.2 == Some(position))
                    .map(|(_, t)| *t)
                    .sum();
                assert_eq!(*traffic, sum, "{} group {position}", net.name);
            }
            let unmatched: usage_model::Traffic = want
                .iter()
                .filter(|(k, _)| &k.0 == id && k.2.is_none())
                .map(|(_, t)| *t)
                .sum();
            assert_eq!(net.unmatched, unmatched, "{} unmatched", net.name);
            let have: std::collections::BTreeSet<_> =
                expected_days(now(), &tz, 30).into_iter().collect();
            let missing: Vec<_> = range.days().filter(|d| !have.contains(d)).collect();
            assert_eq!(net.missing_days, missing, "{}", net.name);
        }
    }
    assert_eq!(networks_seen, selected(&sim, &filter).len());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_equal_the_minimal_plan() {
    let sim = start(small_world()).await;
    let db = db().await;
    let groups = Groups::parse("Corp=sub:10.0.0.0/8").expect("groups");
    let filter = Filter::default();
    let summary = sync(&client(&sim), &db.store, &config(&groups, &filter, now())).await;
    // One run per network: days + 1 snapshots per device; no VLAN lists (no vname rule).
    // Beyond the plan, two reads of the newest boundary per device measure the bound.
    let nets = selected(&sim, &filter);
    let minimal: u64 = nets
        .values()
        .map(|(tz, devices)| (expected_days(now(), tz, 30).len() as u64 + 1) * *devices as u64)
        .sum();
    let devices: u64 = nets.values().map(|(_, d)| *d as u64).sum();
    assert_eq!(device_client_calls(&sim), minimal + 2 * devices);
    // Discovery: the organization list, then networks and devices per organization.
    let orgs = sim.world().organizations.len() as u64;
    assert_eq!(summary.calls_planned, minimal + 1 + 2 * orgs);
    assert_eq!(summary.extra_reads, 2 * devices);
    // A frozen clock: nothing flows during the reads, so no device is read again.
    assert_eq!((summary.rereads, summary.bounded_days), (0, 0));
    // One appliance per network: no hint about the network source.
    assert_eq!(summary.source_calls, None);
    assert_eq!(summary.extra_pages, 0);
    assert_eq!(
        sim.counters()
            .by_endpoint
            .get("getNetworkApplianceVlans")
            .copied()
            .unwrap_or(0),
        0
    );
    assert_eq!(summary.calls_done, summary.calls_planned);
    assert_eq!(summary.rate_limited, 0);
    sim.shutdown().await;
}
