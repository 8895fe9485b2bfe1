//! The network source: one paged `GET /networks/{id}/clients` per network and boundary, each
//! client once. Exact against the network view of ground truth (frozen clock), within the
//! stored bound under a moving clock, an order of magnitude fewer calls than reading every
//! device of a campus, and SSID groups.

use std::collections::BTreeSet;

use jiff::civil::Date;
use meraki_sim::{CampusSize, SimConfig, SimHandle, World};
use test_support::truth::{
    deviation_of_stored, endpoint_calls, expected_from, network_client_calls,
};
use usage_model::{Filter, Groups, Source};
use usage_sync::{Clock, Error, NoProgress, SyncConfig, SyncStatus};

use crate::common::*;

/// Networks of 1 MX + 10 MR + 2 MS, in six zones (DST changes in the 30 days before `now()`).
fn campus(clients_per_network: usize) -> World {
    World::generate_campus(
        12,
        &CampusSize {
            orgs: 2,
            networks_per_org: 3,
            access_points: 10,
            switches: 2,
            clients_per_network,
        },
    )
}

/// Groups by SSID (a number and a name), by VLAN name and by subnet: wireless clients on other
/// SSIDs and every wired client fall to the VLAN and subnet rules.
fn ssid_groups() -> Groups {
    Groups::parse(
        "Corp Wi-Fi=ssid:0;Guests=ssid:Guest Wi‑Fi;Voice=vname:Voice;Wired and other=sub:10.0.0.0/8",
    )
    .expect("groups")
}

fn network_config(groups: &Groups, filter: &Filter) -> SyncConfig {
    config(groups, filter, now()).with_source(Source::Network)
}

/// Per network: the number of pages a read of `page_size` needs at most (every client seen).
fn max_pages(sim: &SimHandle, page_size: usize) -> u64 {
    sim.world()
        .networks()
        .map(|(_, n)| n.clients.len().div_ceil(page_size).max(1) as u64)
        .max()
        .unwrap_or(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_days_from_the_network_source_equal_the_network_view_of_ground_truth() {
    let sim = start(SimConfig::default().with_world(campus(90)).with_now(now())).await;
    let db = db().await;
    let groups = ssid_groups();
    let filter = Filter::default();
    save_groups(&db.store, &groups, &filter).await;
    let mut config = network_config(&groups, &filter);
    // Pages of 25 clients: every read of a network takes several pages.
    config.network_page_size = 25;
    let summary = sync(&client(&sim), &db.store, &config).await;
    assert_eq!(summary.status, SyncStatus::Complete, "{summary:?}");
    assert_eq!((summary.source, summary.devices), (Source::Network, 0));
    assert!(summary.extra_pages > 0, "{summary:?}");

    let want = expected_from(&sim, &groups, &filter, Source::Network, &|tz| {
        expected_days(now(), tz, 30)
    });
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored(&db.store, first, last).await);
    // Every group gets traffic, and so do clients in no group (no IP, or outside 10/8).
    for position in 0..groups.len() {
        assert!(
            want.keys().any(|k| k.2 == Some(position)),
            "group {position}"
        );
    }
    // Every network has its 30 (or 29) days, all marked as read from the network source.
    let nets = selected(&sim, &filter);
    assert_eq!(nets.len(), 6);
    let mut days = 0;
    for (net, (tz, _)) in &nets {
        let want_days: BTreeSet<Date> = expected_days(now(), tz, 30).into_iter().collect();
        days += want_days.len() as u64;
        assert_eq!(db.store.complete_days(net).await.expect("days"), want_days);
    }
    assert_eq!(summary.days_written, days);
    assert_eq!(
        db.store.report_sources(first, last).await.expect("sources"),
        vec![(Source::Network, days)]
    );
    // One SSID list per network (for ssid:0), one VLAN list (for vname:), no device list.
    assert_eq!(endpoint_calls(&sim, "getNetworkWirelessSsids"), 6);
    assert_eq!(endpoint_calls(&sim, "getNetworkApplianceVlans"), 6);
    assert_eq!(device_client_calls(&sim), 0);
    // Discovery (the organizations, then networks and devices of both) and the 12 lists aside,
    // every request was a page of a network list, each counted once.
    let discovery = 1 + 2 * 2;
    assert_eq!(
        network_client_calls(&sim),
        summary.calls_done + summary.extra_reads + summary.extra_pages - discovery - 12,
        "{summary:?}"
    );
    sim.shutdown().await;
}

/// Calls: (days + 1 boundaries + 2 bound reads) × pages per network, plus discovery; against
/// reading every device of the same campus (1 MX + 10 MR + 2 MS), at least ten times fewer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_source_needs_ten_times_fewer_calls_than_every_device() {
    let sim = start(SimConfig::default().with_world(campus(60)).with_now(now())).await;
    let groups = Groups::parse("Corp=sub:10.0.0.0/8").expect("groups");
    let all = Filter::parse("dtype:all").expect("filter");
    let orgs = sim.world().organizations.len() as u64;
    let discovery = 1 + 2 * orgs;

    // Each network read whole: pages of 5000 (one page per read, the real size), then of 20.
    let network_filter = Filter::default();
    let (by_network, paged_db) = (db().await, db().await);
    let mut network_calls = 0;
    for (page_size, db) in [(5000usize, &by_network), (20, &paged_db)] {
        sim.reset_counters();
        let mut config = network_config(&groups, &network_filter);
        config.network_page_size = page_size as u32;
        let summary = sync(&client(&sim), &db.store, &config).await;
        assert_eq!(summary.status, SyncStatus::Complete);
        let pages = max_pages(&sim, page_size);
        let mut bound = discovery;
        let mut exact = discovery;
        for (tz, _) in selected(&sim, &network_filter).values() {
            let boundaries = expected_days(now(), tz, 30).len() as u64 + 1;
            bound += (boundaries + 2) * pages;
            exact += boundaries + 2;
        }
        let calls = sim.counters().total;
        assert!(
            calls <= bound,
            "{calls} > {bound} with pages of {page_size}"
        );
        if page_size == 5000 {
            assert_eq!(pages, 1);
            assert_eq!(calls, exact);
            assert_eq!(summary.calls_done + summary.extra_reads, exact);
            assert_eq!(summary.extra_pages, 0);
            assert_eq!(summary.source_calls, None, "no hint for the network source");
            network_calls = calls;
        } else {
            assert!(pages > 1 && summary.extra_pages > 0, "{summary:?}");
            assert!(calls > exact);
        }
    }

    sim.reset_counters();
    let by_device = db().await;
    let summary = sync(
        &client(&sim),
        &by_device.store,
        &config(&groups, &all, now()),
    )
    .await;
    assert_eq!(summary.status, SyncStatus::Complete);
    assert_eq!(summary.devices, 6 * 13);
    let device_calls = sim.counters().total;
    eprintln!(
        "campus of 6 networks × (1 MX + 10 MR + 2 MS), 30 days: {device_calls} calls reading \
         every device, {network_calls} reading each network ({:.1}×)",
        device_calls as f64 / network_calls as f64
    );
    assert!(
        device_calls >= 10 * network_calls,
        "{device_calls} vs {network_calls}"
    );
    // The summary's comparison of the two sources says the same, before any call is made.
    let calls = summary
        .source_calls
        .expect("a hint: several devices per network");
    assert_eq!(calls.networks, 6);
    assert_eq!(calls.networks_with_several_devices, 6);
    // Every call either source makes, discovery included: the device source's as made, the
    // network source's as it made them above (frozen clock: no re-reads either way).
    assert_eq!(calls.device_source, device_calls);
    assert_eq!(calls.network_source, network_calls);
    assert_eq!(
        calls.device_source - discovery,
        13 * (calls.network_source - discovery)
    );
    // The device source counted every wireless client twice (appliance and access point) and
    // every wired one twice (appliance and switch): twice the network source's total.
    let today = now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let (first, last) = (
        today.checked_sub(jiff::ToSpan::days(32)).expect("day"),
        today,
    );
    let total = |t: Table| -> usage_model::Traffic { t.values().copied().sum() };
    let once = total(stored(&by_network.store, first, last).await);
    let twice = total(stored(&by_device.store, first, last).await);
    assert!(once != usage_model::Traffic::default());
    assert_eq!(twice, once + once);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssid_groups_take_wireless_clients_per_ssid_and_wired_clients_fall_through() {
    let sim = start(SimConfig::default().with_world(campus(80)).with_now(now())).await;
    let db = db().await;
    let groups = ssid_groups();
    let filter = Filter::default();
    let summary = sync(&client(&sim), &db.store, &network_config(&groups, &filter)).await;
    assert_eq!(summary.status, SyncStatus::Complete, "{summary:?}");
    // SSID slot 0 resolved everywhere (only the Voice VLAN is missing from some networks).
    assert!(
        !summary.warnings.iter().any(|w| w.contains("SSID")),
        "{:?}",
        summary.warnings
    );

    // Classify the truth by hand: SSID slot 0 → group 0, "Guest Wi‑Fi" → 1, the rest by VLAN
    // name or subnet; and compare with what the sync stored, group by group.
    let world = sim.world().clone();
    let yesterday = |tz: &jiff::tz::TimeZone| now().to_zoned(tz.clone()).date().yesterday();
    let mut checked = 0;
    for (_, net) in world.networks() {
        let tz = jiff::tz::TimeZone::get(&net.time_zone).expect("zone");
        let day = yesterday(&tz).expect("day");
        let slot0 = net
            .ssids
            .iter()
            .find(|s| s.number == 0)
            .map(|s| s.name.as_str());
        let mut per_group = [usage_model::Traffic::default(); 2];
        for (id, u) in sim.network_ground_truth(&net.id, day, &tz) {
            let client = net.clients.iter().find(|c| c.id == id).expect("client");
            let t = usage_model::Traffic::from_sent_recv(u.sent, u.recv);
            // Only wireless clients are on an SSID; wired ones fall to the other rules.
            assert_eq!(client.wireless, u.ssid.is_some(), "{id}");
            match u.ssid.as_deref() {
                Some(s) if Some(s) == slot0 => per_group[0] += t,
                Some("Guest Wi‑Fi") => per_group[1] += t,
                _ => {}
            }
        }
        let rows = db.store.report_rows(day, day).await.expect("rows");
        for (position, want) in per_group.iter().enumerate() {
            let got: usage_model::Traffic = rows
                .iter()
                .filter(|r| r.network_id == net.id && r.group_position == Some(position))
                .map(|r| r.traffic)
                .sum();
            assert_eq!(got, *want, "{} group {position} on {day}", net.id);
            checked += usize::from(*want != usage_model::Traffic::default());
        }
    }
    assert!(checked >= 6, "the SSID groups get traffic ({checked})");
    let want = expected_from(&sim, &groups, &filter, Source::Network, &|tz| {
        expected_days(now(), tz, 30)
    });
    let (first, last) = day_span(&want);
    assert_tables_match(&want, &stored(&db.store, first, last).await);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_source_refuses_what_it_cannot_read_before_any_request() {
    let sim = start(SimConfig::default().with_world(campus(10)).with_now(now())).await;
    let db = db().await;
    let ssid = ssid_groups();
    let err = usage_sync::sync(
        &client(&sim),
        &db.store,
        &config(&ssid, &Filter::default(), now()),
        &NoProgress,
    )
    .await
    .expect_err("ssid: needs the network source");
    assert!(matches!(err, Error::Source(_)), "{err}");
    assert!(err.to_string().contains("--source network"), "{err}");

    let plain = Groups::overall_default();
    let aps = Filter::parse("tag:x,dtype:mr").expect("filter");
    let err = usage_sync::sync(
        &client(&sim),
        &db.store,
        &network_config(&plain, &aps),
        &NoProgress,
    )
    .await
    .expect_err("device filters do not apply to network lists");
    assert!(err.to_string().contains("dtype:mr"), "{err}");
    assert_eq!(sim.counters().total, 0, "nothing was sent");
    assert!(db.store.recent_runs(5).await.expect("runs").is_empty());
    sim.shutdown().await;
}

/// Under a clock running 600 times faster than real time, every figure read from the network
/// source is within its stored bound of the network view's truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_source_under_a_moving_clock_stays_within_its_bounds() {
    let cfg = SimConfig::default()
        .with_world(campus(60))
        .with_now(now())
        .with_clock_rate(600.0);
    let sim = start(cfg).await;
    let db = db().await;
    let groups = ssid_groups();
    let filter = Filter::default();
    let clock = sim.clock();
    let mut config = SyncConfig::new(groups.clone(), filter.clone()).with_source(Source::Network);
    config.clock = Clock::from_fn(move || clock.now());
    // Several pages per read, so a day's two reads and the bound's reads span many requests.
    config.network_page_size = 15;
    let summary = sync(&client(&sim), &db.store, &config).await;
    assert_eq!(
        summary.status,
        SyncStatus::Complete,
        "{:?}",
        summary.failures
    );

    for net in selected(&sim, &filter).keys() {
        let days = db.store.complete_days(net).await.expect("days");
        assert!(days.len() >= 29, "{net}: {}", days.len());
    }
    let want = expected_from(&sim, &groups, &filter, Source::Network, &|tz| {
        expected_days(now(), tz, 31)
    });
    let d = deviation_of_stored(&db.store, want).await;
    eprintln!(
        "network source at 600×: {} days ({} with a bound), {} extra reads, {} extra pages, \
         {} rereads; total error {:.5} %, worst row {:.4} %, {} bounded rows",
        summary.days_written,
        summary.bounded_days,
        summary.extra_reads,
        summary.extra_pages,
        summary.rereads,
        100.0 * d.total_fraction(),
        100.0 * d.worst_row,
        d.bounded_rows,
    );
    assert!(
        d.outside_bound.is_empty(),
        "{} rows off by more than their bound, e.g. {:#?}",
        d.outside_bound.len(),
        &d.outside_bound[..d.outside_bound.len().min(5)]
    );
    assert!(d.total_fraction() <= 0.0005, "{d:?}");
    assert!(sim.now().duration_since(now()) > jiff::SignedDuration::from_secs(60));
    sim.shutdown().await;
}

/// A source changed between syncs applies to the days synced afterwards only: the older days
/// keep what they were read as, the report over both says it mixes sources, and
/// reclassifying with SSID groups reaches only the days that recorded SSIDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_source_applies_to_later_days_and_reports_say_when_a_period_mixes_them() {
    use jiff::ToSpan;
    let sim = start(SimConfig::default().with_world(campus(40)).with_now(now())).await;
    let db = db().await;
    let groups = Groups::parse("Corp=sub:10.0.0.0/8").expect("groups");
    let every_device = Filter::parse("dtype:all").expect("filter");
    let earlier = now().checked_sub(240.hours()).expect("time");
    sim.set_now(earlier);
    sync(
        &client(&sim),
        &db.store,
        &config(&groups, &every_device, earlier),
    )
    .await;
    sim.set_now(now());
    let filter = Filter::default();
    let summary = sync(&client(&sim), &db.store, &network_config(&groups, &filter)).await;
    assert_eq!(summary.status, SyncStatus::Complete);
    assert_eq!(
        summary.days_written,
        6 * 10,
        "only the ten new days of each network"
    );

    // Old days as read per device (every device: clients counted twice), new days per network.
    let old_days = |tz: &jiff::tz::TimeZone| expected_days(earlier, tz, 30);
    let new_days = |tz: &jiff::tz::TimeZone| -> Vec<Date> {
        let old: BTreeSet<Date> = old_days(tz).into_iter().collect();
        expected_days(now(), tz, 30)
            .into_iter()
            .filter(|d| !old.contains(d))
            .collect()
    };
    let want_old = expected_from(&sim, &groups, &every_device, Source::Device, &old_days);
    let want_new = expected_from(&sim, &groups, &filter, Source::Network, &new_days);
    let (first, _) = day_span(&want_old);
    let (_, last) = day_span(&want_new);
    let mut want = want_old.clone();
    want.extend(want_new.clone());
    assert_tables_match(&want, &stored(&db.store, first, last).await);
    let old_count = want_old
        .keys()
        .map(|k| (&k.0, k.1))
        .collect::<BTreeSet<_>>()
        .len() as u64;
    assert_eq!(
        db.store.report_sources(first, last).await.expect("sources"),
        vec![(Source::Device, old_count), (Source::Network, 60)]
    );

    let range = usage_model::DateRange {
        start: first,
        end: last,
    };
    let report = usage_sync::build_report(&db.store, range, now())
        .await
        .expect("report");
    assert!(report.mixes_sources());
    let mut text = Vec::new();
    report_render::render_text(&report, &mut text).expect("text");
    let text = String::from_utf8(text).expect("utf-8");
    assert!(
        text.contains(&format!(
            "Note: this period mixes sources: {old_count} network-days read per device and 60 \
             network-days per network."
        )),
        "{text}"
    );
    // The last five days were all read per network: not mixed.
    let recent = usage_model::DateRange {
        start: last.checked_sub(4.days()).expect("day"),
        end: last,
    };
    let report = usage_sync::build_report(&db.store, recent, now())
        .await
        .expect("report");
    assert!(!report.mixes_sources(), "{:?}", report.sources);

    // Reclassify with SSID groups: the network days follow them, the device days have no
    // SSIDs to match (and a warning says so).
    let ssid = ssid_groups();
    save_groups(&db.store, &ssid, &filter).await;
    let (days, warnings) = usage_sync::reclassify(&db.store, &ssid, Some(&client(&sim)))
        .await
        .expect("reclassify");
    assert_eq!(days, old_count + 60);
    assert!(
        warnings.iter().any(|w| w.contains(&format!(
            "{old_count} stored network-days were read per device"
        ))),
        "{warnings:?}"
    );
    let want_new = expected_from(&sim, &ssid, &filter, Source::Network, &new_days);
    let (first_new, _) = day_span(&want_new);
    let got_new: Table = stored(&db.store, first_new, last)
        .await
        .into_iter()
        .filter(|(k, _)| want_new.keys().any(|w| w.0 == k.0 && w.1 == k.1))
        .collect();
    assert_tables_match(&want_new, &got_new);
    assert!(want_new.keys().any(|k| k.2 == Some(0)) && want_new.keys().any(|k| k.2 == Some(1)));
    sim.shutdown().await;
}
