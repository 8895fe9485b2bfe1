//! Snapshot pairs around a day equal the ground truth of that day, exactly.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use meraki_sim::{ProductType, SimConfig, SimHandle};
use usage_model::Kb;

use crate::common::{first_device, get_ok, kb, networks_with, snapshot, start};

fn day_start(day: Date, tz: &TimeZone) -> Timestamp {
    day.to_zoned(tz.clone()).expect("day start").timestamp()
}

/// Usage of each day from cumulative snapshots at consecutive day boundaries, as a sync does.
fn diff(
    earlier: &BTreeMap<String, (Kb, Kb)>,
    later: &BTreeMap<String, (Kb, Kb)>,
) -> BTreeMap<String, (Kb, Kb)> {
    let mut out = BTreeMap::new();
    for (id, &(s0, r0)) in earlier {
        let (s1, r1) = later.get(id).copied().unwrap_or_default();
        let (s, neg_s) = s0.day_difference(s1);
        let (r, neg_r) = r0.day_difference(r1);
        assert!(!neg_s && !neg_r, "cumulative usage shrank for {id}");
        if s != Kb::ZERO || r != Kb::ZERO {
            out.insert(id.clone(), (s, r));
        }
    }
    for id in later.keys() {
        assert!(
            earlier.contains_key(id),
            "{id} seen since a later t0 but not an earlier one"
        );
    }
    out
}

fn truth_pairs(
    sim: &SimHandle,
    net: &str,
    serial: Option<&str>,
    day: Date,
    tz: &TimeZone,
) -> BTreeMap<String, (Kb, Kb)> {
    sim.try_ground_truth(net, serial, day, tz)
        .expect("known network")
        .into_iter()
        .map(|(id, u)| (id, (u.sent, u.recv)))
        .collect()
}

async fn check_device(
    sim: &SimHandle,
    net_id: &str,
    serial: &str,
    tz: &TimeZone,
    days: i64,
    truth_serial: Option<&str>,
) -> usize {
    let now = sim.now();
    let today = now.to_zoned(tz.clone()).date();
    let mut snaps = Vec::new();
    let mut day_list = Vec::new();
    for k in (0..=days).rev() {
        let day = today.checked_sub(jiff::Span::new().days(k)).expect("day");
        let t0 = day_start(day, tz);
        // Alternate the two accepted t0 forms.
        let t0 = if k % 2 == 0 {
            t0.to_string()
        } else {
            t0.as_second().to_string()
        };
        let body = get_ok(sim, &format!("/devices/{serial}/clients?t0={t0}")).await;
        snaps.push(snapshot(&body));
        day_list.push(day);
    }
    let mut nonzero = 0;
    for i in 0..day_list.len() {
        let got = if i + 1 < snaps.len() {
            diff(&snaps[i], &snaps[i + 1])
        } else {
            // Today so far: the last snapshot alone.
            diff(&snaps[i], &BTreeMap::new())
        };
        let want = truth_pairs(sim, net_id, truth_serial, day_list[i], tz);
        assert_eq!(
            got,
            want,
            "network {net_id} device {serial} day {} in {:?}",
            day_list[i],
            tz.iana_name()
        );
        nonzero += want.len();
    }
    nonzero
}

#[tokio::test]
async fn appliance_snapshot_pairs_equal_network_truth_every_day_across_dst() {
    // The 30 days before this instant cross DST changes in the US (03-08), Europe (03-29),
    // and Adelaide, Chatham and Lord Howe (04-05, a 30-minute shift).
    let now: Timestamp = "2026-04-07T10:17:42.5Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    let mut networks = 0;
    let mut client_days = 0;
    let mut zones = Vec::new();
    for (net, mx) in networks_with(sim.world(), ProductType::Appliance) {
        let tz = TimeZone::get(&net.time_zone).expect("zone");
        // The appliance sees everyone, so its pairs equal the network's truth (serial None).
        client_days += check_device(&sim, &net.id, &mx.serial, &tz, 29, None).await;
        networks += 1;
        zones.push(net.time_zone.clone());
    }
    assert!(networks >= 6, "only {networks} appliance networks");
    assert!(
        client_days > 10_000,
        "only {client_days} client-days with traffic"
    );
    assert!(
        zones
            .iter()
            .any(|z| z == "Europe/Berlin" || z == "America/Los_Angeles" || z == "America/New_York"),
        "{zones:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn access_point_and_other_zone_pairs_equal_device_truth() {
    let now: Timestamp = "2026-11-02T23:59:59Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_seed(7).with_now(now)).await;
    let (net, ap) = first_device(&sim, ProductType::Wireless);
    // Days in a zone other than the network's own (a :45 offset), as --timezone does.
    let tz = TimeZone::get("Asia/Kathmandu").expect("zone");
    let n = check_device(&sim, &net.id, &ap.serial, &tz, 6, Some(&ap.serial)).await;
    assert!(n > 0);
    // The access point reports a strict subset of the network.
    let day = now.to_zoned(tz.clone()).date().yesterday().expect("day");
    let all = sim.ground_truth(&net.id, None, day, &tz);
    let ap_only = sim.ground_truth(&net.id, Some(&ap.serial), day, &tz);
    assert!(ap_only.len() < all.len());
    assert!(ap_only.keys().all(|k| all.contains_key(k)));
    sim.shutdown().await;
}

#[tokio::test]
async fn http_ground_truth_matches_the_library_and_totals_add_up() {
    let now: Timestamp = "2026-06-15T08:00:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    let (_, net) = sim.world().networks().next().expect("network");
    let tz = TimeZone::get(&net.time_zone).expect("zone");
    let day = Date::new(2026, 6, 10).expect("day");
    let url = format!(
        "{}/_sim/ground-truth?network={}&day=2026-06-10&tz={}",
        sim.origin(),
        net.id,
        net.time_zone
    );
    let body: serde_json::Value = crate::common::http()
        .get(&url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let lib = sim.ground_truth(&net.id, None, day, &tz);
    let clients = body["clients"].as_object().expect("clients");
    assert_eq!(clients.len(), lib.len());
    let mut sent = Kb::ZERO;
    for (id, u) in &lib {
        assert_eq!(kb(&clients[id]["sent"]), u.sent, "{id}");
        assert_eq!(kb(&clients[id]["recv"]), u.recv, "{id}");
        sent += u.sent;
    }
    assert_eq!(kb(&body["total"]["sent"]), sent);
    // A day after `now` has no usage yet; a day partly before `now` is capped at `now`.
    assert!(
        sim.ground_truth(&net.id, None, Date::new(2026, 6, 16).expect("day"), &tz)
            .is_empty()
    );
    assert!(sim.try_ground_truth("N_nope", None, day, &tz).is_err());
    sim.shutdown().await;
}
