//! The network view (`GET /networks/{id}/clients`): every client once, with its SSID, paged;
//! how it relates to the device views; campus worlds; SSID lists.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use meraki_sim::{CampusSize, ProductType, SimConfig, SimHandle, World};
use serde_json::Value;
use usage_model::Kb;

use crate::common::{error_message, get, get_ok, link, snapshot, start};

const NOW: &str = "2026-04-07T10:17:00Z";

fn campus() -> World {
    World::generate_campus(
        11,
        &CampusSize {
            orgs: 1,
            networks_per_org: 3,
            access_points: 10,
            switches: 2,
            clients_per_network: 60,
        },
    )
}

/// Every page of `/networks/{id}/clients?t0=…&perPage=…`, following `rel=next` verbatim.
async fn network_list(sim: &SimHandle, net: &str, t0: Timestamp, per_page: usize) -> Vec<Value> {
    let mut url = format!("/networks/{net}/clients?t0={t0}&perPage={per_page}");
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let (status, headers, body) = get(sim, &url).await;
        assert_eq!(status, 200, "{url}: {body}");
        let page = body.as_array().expect("array").clone();
        assert!(page.len() <= per_page);
        items.extend(page);
        pages += 1;
        match link(&headers, "next") {
            Some(next) => url = next,
            None => break,
        }
        assert!(pages < 1000);
    }
    items
}

fn pairs(truth: &BTreeMap<String, meraki_sim::GroundTruthUsage>) -> BTreeMap<String, (Kb, Kb)> {
    truth
        .iter()
        .map(|(id, u)| (id.clone(), (u.sent, u.recv)))
        .collect()
}

fn sum(map: &BTreeMap<String, (Kb, Kb)>) -> (Kb, Kb) {
    map.values()
        .fold((Kb::ZERO, Kb::ZERO), |(s, r), (a, b)| (s + *a, r + *b))
}

#[test]
fn a_campus_network_is_one_appliance_ten_access_points_and_two_switches() {
    let world = campus();
    world.validate().expect("valid");
    assert_eq!(world, campus(), "deterministic");
    assert_eq!(world.networks().count(), 3);
    for (_, net) in world.networks() {
        let count = |kind| {
            net.devices
                .iter()
                .filter(|d| d.product_type() == kind)
                .count()
        };
        assert_eq!(count(ProductType::Appliance), 1, "{}", net.id);
        assert_eq!(count(ProductType::Wireless), 10, "{}", net.id);
        assert_eq!(count(ProductType::Switch), 2, "{}", net.id);
        assert!(net.vlans.as_ref().is_some_and(|v| v.len() > 1));
        assert!(net.ssids.len() >= 2);
        let names: BTreeSet<&str> = net.ssids.iter().map(|s| s.name.as_str()).collect();
        for c in &net.clients {
            let through = c.device.as_deref().expect("attached through a device");
            let kind = net
                .devices
                .iter()
                .find(|d| d.serial == through)
                .map(|d| d.product_type());
            if c.wireless {
                assert_eq!(kind, Some(ProductType::Wireless));
                assert!(names.contains(c.ssid.as_deref().expect("an SSID")));
            } else {
                assert_eq!(kind, Some(ProductType::Switch));
                assert_eq!(c.ssid, None);
            }
        }
        assert!(net.clients.iter().any(|c| c.wireless));
        assert!(net.clients.iter().any(|c| !c.wireless));
    }
    // Generated (non-campus) worlds have SSIDs wherever they have access points.
    let demo = World::generate(42, &meraki_sim::WorldSize::default());
    for (_, net) in demo.networks() {
        let has_ap = net
            .devices
            .iter()
            .any(|d| d.product_type() == ProductType::Wireless);
        assert_eq!(!net.ssids.is_empty(), has_ap, "{}", net.id);
        assert!(
            net.clients
                .iter()
                .all(|c| c.ssid.is_some() == (c.wireless && has_ap))
        );
    }
}

/// The appliance's view is the network view; the access points' and switches' views split it
/// between them, so reading every device counts each client twice.
#[tokio::test]
async fn the_views_relate_appliance_equals_network_and_the_others_partition_it() {
    let now: Timestamp = NOW.parse().expect("ts");
    let sim = start(SimConfig::default().with_world(campus()).with_now(now)).await;
    for (_, net) in sim.world().networks() {
        let tz = TimeZone::get(&net.time_zone).expect("zone");
        let day = now.to_zoned(tz.clone()).date().yesterday().expect("day");
        let network = pairs(&sim.network_ground_truth(&net.id, day, &tz));
        assert!(!network.is_empty());
        let mut lower: BTreeMap<String, (Kb, Kb)> = BTreeMap::new();
        for d in &net.devices {
            let view = pairs(&sim.ground_truth(&net.id, Some(&d.serial), day, &tz));
            if d.product_type() == ProductType::Appliance {
                assert_eq!(view, network, "{}", d.serial);
            } else {
                for (id, u) in view {
                    assert!(
                        lower.insert(id.clone(), u).is_none(),
                        "{id} seen by two access points or switches"
                    );
                }
            }
        }
        assert_eq!(
            lower, network,
            "access points and switches see each client once"
        );
        // Every device together: twice the network.
        let (s, r) = sum(&network);
        let (ls, lr) = sum(&lower);
        assert_eq!((s + ls, r + lr), (s + s, r + r));
    }
    sim.shutdown().await;
}

/// Two reads of the network list, every page, at consecutive day boundaries: their difference
/// is the network view's ground truth, and each client carries its SSID (null when wired).
#[tokio::test]
async fn network_list_pairs_over_all_pages_equal_the_network_truth() {
    let now: Timestamp = NOW.parse().expect("ts");
    let sim = start(SimConfig::default().with_world(campus()).with_now(now)).await;
    let world = sim.world().clone();
    let (_, net) = world.networks().next().expect("network");
    let tz = TimeZone::get(&net.time_zone).expect("zone");
    let today = now.to_zoned(tz.clone()).date();
    let ssid_of: BTreeMap<&str, Option<&str>> = net
        .clients
        .iter()
        .map(|c| (c.id.as_str(), c.ssid.as_deref()))
        .collect();
    let start_of = |d: Date| d.to_zoned(tz.clone()).expect("start").timestamp();
    let mut later = network_list(&sim, &net.id, start_of(today), 7).await;
    for back in 1..=3 {
        let day = today.checked_sub(jiff::ToSpan::days(back)).expect("day");
        let earlier = network_list(&sim, &net.id, start_of(day), 7).await;
        let (a, b) = (
            snapshot(&Value::Array(earlier.clone())),
            snapshot(&Value::Array(later.clone())),
        );
        let mut got = BTreeMap::new();
        for (id, (s0, r0)) in &a {
            let (s1, r1) = b.get(id).copied().unwrap_or_default();
            let diff = (s0.day_difference(s1).0, r0.day_difference(r1).0);
            if diff != (Kb::ZERO, Kb::ZERO) {
                got.insert(id.clone(), diff);
            }
        }
        assert_eq!(
            got,
            pairs(&sim.network_ground_truth(&net.id, day, &tz)),
            "{day}"
        );
        assert_eq!(a.len(), earlier.len(), "each client once");
        for c in &earlier {
            let id = c["id"].as_str().expect("id");
            assert_eq!(c["ssid"].as_str(), ssid_of[id], "{id}");
            assert!(c["recentDeviceSerial"].is_string());
        }
        later = earlier;
    }
    let truth = sim.network_ground_truth(&net.id, today.yesterday().expect("day"), &tz);
    assert!(truth.values().any(|u| u.ssid.is_some()));
    assert!(truth.values().any(|u| u.ssid.is_none()));
    sim.shutdown().await;
}

#[tokio::test]
async fn the_ssid_list_has_fifteen_slots_and_needs_access_points() {
    let now: Timestamp = NOW.parse().expect("ts");
    // One device per network: an appliance alone, or (networks without one) an access point.
    let size = meraki_sim::WorldSize {
        orgs: 3,
        networks_per_org: 4,
        devices_per_network: 1,
        clients_per_network: 20,
    };
    let sim = start(SimConfig::default().with_size(size).with_now(now)).await;
    let world = sim.world().clone();
    let with_ap = world
        .networks()
        .find(|(_, n)| !n.ssids.is_empty())
        .map(|(_, n)| n)
        .expect("a network with access points");
    let slots = get_ok(&sim, &format!("/networks/{}/wireless/ssids", with_ap.id)).await;
    let slots = slots.as_array().expect("array");
    assert_eq!(slots.len(), 15);
    for (i, slot) in slots.iter().enumerate() {
        assert_eq!(slot["number"].as_u64(), Some(i as u64));
        match with_ap.ssids.iter().find(|s| usize::from(s.number) == i) {
            Some(s) => {
                assert_eq!(slot["name"].as_str(), Some(s.name.as_str()));
                assert_eq!(slot["enabled"].as_bool(), Some(true));
            }
            None => {
                assert_eq!(
                    slot["name"].as_str(),
                    Some(format!("Unconfigured SSID {}", i + 1).as_str())
                );
                assert_eq!(slot["enabled"].as_bool(), Some(false));
            }
        }
    }
    let without = world
        .networks()
        .find(|(_, n)| {
            !n.devices
                .iter()
                .any(|d| d.product_type() == ProductType::Wireless)
        })
        .map(|(_, n)| n)
        .expect("a network without access points");
    let (status, _, body) = get(&sim, &format!("/networks/{}/wireless/ssids", without.id)).await;
    assert_eq!(status, 400);
    assert!(error_message(&body).contains("wireless"), "{body}");
    assert_eq!(
        sim.counters().by_endpoint.get("getNetworkWirelessSsids"),
        Some(&2)
    );
    sim.shutdown().await;
}
