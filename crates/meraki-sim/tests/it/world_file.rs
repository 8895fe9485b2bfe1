//! World files: loading, validation messages, 403 for orgs with API access off.

use std::path::PathBuf;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use meraki_sim::{SimConfig, World};

use crate::common::{error_message, get, get_ok, snapshot, start};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/worlds/small.toml")
}

#[tokio::test]
async fn the_fixture_world_serves_its_contents() {
    let world = World::load(&fixture()).expect("fixture loads");
    assert_eq!(world.organizations.len(), 2);
    // JSON round trip keeps everything.
    assert_eq!(
        World::from_json_str(&world.to_json_pretty()).expect("json"),
        world
    );

    let now: Timestamp = "2026-03-30T06:00:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_world(world).with_now(now)).await;
    let (status, _, body) = get(&sim, "/organizations/700002/networks").await;
    assert_eq!(status, 403);
    assert!(error_message(&body).contains("not enabled"));
    let orgs = get_ok(&sim, "/organizations").await;
    assert_eq!(orgs[1]["api"]["enabled"], serde_json::json!(false));

    // 2026-03-29 is the 23-hour DST day in Berlin.
    let tz = TimeZone::get("Europe/Berlin").expect("zone");
    let day = Date::new(2026, 3, 29).expect("day");
    let start_of = |d: Date| d.to_zoned(tz.clone()).expect("start").timestamp();
    let a = get_ok(
        &sim,
        &format!("/devices/Q2AB-CDEF-0001/clients?t0={}", start_of(day)),
    )
    .await;
    let b = get_ok(
        &sim,
        &format!(
            "/devices/Q2AB-CDEF-0001/clients?t0={}",
            start_of(day.tomorrow().expect("day"))
        ),
    )
    .await;
    let (a, b) = (snapshot(&a), snapshot(&b));
    let truth = sim.ground_truth("L_700001000000000001", None, day, &tz);
    for (id, u) in &truth {
        let later = b.get(id).copied().unwrap_or_default();
        assert_eq!(a[id].0.millis() - later.0.millis(), u.sent.millis(), "{id}");
        assert_eq!(a[id].1.millis() - later.1.millis(), u.recv.millis(), "{id}");
    }
    assert!(
        truth.contains_key("k000002"),
        "the printer talks every hour"
    );
    assert_eq!(truth["k000001"].sent.millis() % 125, 0);
    // The network list names each wireless client's SSID; a wireless client of a file
    // without SSIDs (written before they existed) reports none, like a wired one.
    let hq = get_ok(
        &sim,
        "/networks/L_700001000000000001/clients?timespan=2678400",
    )
    .await;
    let ssid_of = |list: &serde_json::Value, id: &str| {
        list.as_array()
            .expect("array")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["ssid"].clone())
            .expect("client listed")
    };
    assert_eq!(ssid_of(&hq, "k000001"), serde_json::json!("Corp"));
    assert_eq!(ssid_of(&hq, "k000003"), serde_json::json!("Café Gäste"));
    assert_eq!(ssid_of(&hq, "k000002"), serde_json::Value::Null);
    let lab = get_ok(
        &sim,
        "/networks/N_700001000000000002/clients?timespan=2678400",
    )
    .await;
    assert_eq!(ssid_of(&lab, "k000004"), serde_json::Value::Null);
    let slots = get_ok(&sim, "/networks/L_700001000000000001/wireless/ssids").await;
    assert_eq!(slots[3]["name"], serde_json::json!("Café Gäste"));
    // The access point only reports its wireless clients.
    let ap = get_ok(&sim, "/devices/Q2AB-CDEF-0002/clients?timespan=2678400").await;
    assert!(
        snapshot(&ap)
            .keys()
            .all(|k| k == "k000001" || k == "k000003")
    );
    sim.shutdown().await;
}

#[test]
fn invalid_worlds_are_rejected_with_a_useful_message() {
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let bad_zone = text.replace("Asia/Kathmandu", "Mars/Olympus_Mons");
    let err = World::from_toml_str(&bad_zone)
        .expect_err("unknown zone")
        .to_string();
    assert!(
        err.contains("Mars/Olympus_Mons") && err.contains("IANA"),
        "{err}"
    );
    let dup = text.replace("k000002", "k000001");
    let err = World::from_toml_str(&dup)
        .expect_err("duplicate")
        .to_string();
    assert!(err.contains("duplicate client id"), "{err}");
    let dangling = text.replace("device = \"Q2AB-CDEF-0003\"", "device = \"Q2AB-CDEF-0001\"");
    let err = World::from_toml_str(&dangling)
        .expect_err("foreign device")
        .to_string();
    assert!(err.contains("not a device of network"), "{err}");
    for (bad, needle) in [
        (
            text.replace("ssid = \"Corp\"", "ssid = \"Nope\""),
            "not among the ssids",
        ),
        (text.replace("number = 3", "number = 15"), "0 to 14"),
        (
            text.replace("number = 3", "number = 0"),
            "duplicate SSID number",
        ),
        (
            text.replace("name = \"Café Gäste\"", "name = \"Corp\""),
            "unique",
        ),
    ] {
        let err = World::from_toml_str(&bad).expect_err(needle).to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let err = World::load(std::path::Path::new("/nonexistent/world.toml"))
        .expect_err("missing file")
        .to_string();
    assert!(err.contains("/nonexistent/world.toml"), "{err}");
}

#[test]
fn v0_compatible_worlds_give_every_client_an_ipv4_address() {
    let mut world = World::generate(42, &meraki_sim::WorldSize::default());
    assert!(
        world
            .networks()
            .any(|(_, n)| n.clients.iter().any(|c| c.ip.is_none()))
    );
    let before = world.clone();
    world.ensure_ipv4();
    for ((_, n), (_, old)) in world.networks().zip(before.networks()) {
        for (c, o) in n.clients.iter().zip(&old.clients) {
            let ip: std::net::Ipv4Addr = c.ip.as_deref().expect("has ip").parse().expect("IPv4");
            if o.ip.is_some() {
                assert_eq!(c.ip, o.ip, "existing addresses are kept");
            } else if let Some(v) = n.vlans.iter().flatten().find(|v| Some(v.id) == c.vlan) {
                let prefix: Vec<&str> = v.subnet.split('.').take(3).collect();
                assert!(
                    ip.to_string().starts_with(&prefix.join(".")),
                    "{ip} in {}",
                    v.subnet
                );
            }
        }
    }
}
