//! Shapes, authentication and error bodies of the v1 and v0 endpoints.

use std::collections::BTreeMap;

use jiff::Timestamp;
use meraki_sim::{ProductType, SimConfig};
use serde_json::Value;

use crate::common::{
    error_message, first_device, get, get_ok, http, kb, networks_with, snapshot, start,
};

#[tokio::test]
async fn authentication_accepts_both_headers_and_rejects_everything_else() {
    let sim = start(SimConfig::default()).await;
    let url = format!("{}/organizations", sim.base_url());
    let c = http();
    let resp = c.get(&url).send().await.expect("sent");
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"errors": ["Invalid API key"]}));
    let resp = c.get(&url).bearer_auth("0000").send().await.expect("sent");
    assert_eq!(resp.status().as_u16(), 401);
    let resp = c
        .get(&url)
        .header("X-Cisco-Meraki-API-Key", sim.api_key())
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status().as_u16(), 200);
    // The key never shows in Debug output.
    assert!(!format!("{sim:?}").contains(sim.api_key()));
    assert!(!format!("{:?}", SimConfig::default()).contains(meraki_sim::DEFAULT_API_KEY));
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_and_bad_windows_get_the_real_error_shape() {
    let now: Timestamp = "2026-02-01T00:00:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    for path in [
        "/organizations/1",
        "/organizations/1/networks",
        "/networks/N_0/devices",
        "/devices/Q2XX-0000-0000/clients",
        "/no/such/endpoint",
    ] {
        let (status, _, body) = get(&sim, path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(error_message(&body), "Not found", "{path}");
    }
    let (_, mx) = first_device(&sim, ProductType::Appliance);
    let too_old = now.as_second() - 2_678_401;
    let ok_old = now.as_second() - 2_678_400;
    for (query, status) in [
        (format!("t0={too_old}"), 400),
        (format!("t0={ok_old}"), 200),
        ("t0=2026-01-01T00:00:00Z".to_string(), 200),
        ("t0=2025-12-31T23:59:59Z".to_string(), 400),
        ("timespan=2678401".to_string(), 400),
        ("timespan=2678400".to_string(), 200),
        ("timespan=86400&t0=2026-01-31T00:00:00Z".to_string(), 400),
        ("t0=last-tuesday".to_string(), 400),
    ] {
        let (got, _, body) = get(&sim, &format!("/devices/{}/clients?{query}", mx.serial)).await;
        assert_eq!(got, status, "{query}: {body}");
        if status == 400 {
            assert!(!error_message(&body).is_empty(), "{body}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn vlans_answer_like_the_real_api_per_network_kind() {
    let sim = start(SimConfig::default()).await;
    let mut kinds = BTreeMap::new();
    for (_, net) in sim.world().networks() {
        let has_mx = net
            .devices
            .iter()
            .any(|d| d.product_type() == ProductType::Appliance);
        let (status, _, body) = get(&sim, &format!("/networks/{}/appliance/vlans", net.id)).await;
        let kind = match (has_mx, &net.vlans) {
            (false, _) => {
                assert_eq!(status, 400);
                assert_eq!(
                    error_message(&body),
                    "This endpoint is only allowed on MX networks"
                );
                "no appliance"
            }
            (true, None) => {
                assert_eq!(status, 400);
                assert_eq!(
                    error_message(&body),
                    "VLANs are not enabled for this network"
                );
                "single LAN"
            }
            (true, Some(vlans)) => {
                assert_eq!(status, 200);
                let list = body.as_array().expect("array");
                assert_eq!(list.len(), vlans.len());
                for (j, v) in list.iter().zip(vlans) {
                    assert_eq!(
                        j["id"].as_u64(),
                        Some(u64::from(v.id)),
                        "VLAN id is an integer"
                    );
                    assert_eq!(j["subnet"].as_str(), Some(v.subnet.as_str()));
                    assert_eq!(j["name"].as_str(), Some(v.name.as_str()));
                }
                "vlans"
            }
        };
        *kinds.entry(kind).or_insert(0) += 1;
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn v1_shapes_carry_the_fields_the_client_reads() {
    let now: Timestamp = "2026-07-01T15:30:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    let orgs = get_ok(&sim, "/organizations").await;
    assert_eq!(orgs.as_array().map(Vec::len), Some(3));
    assert!(orgs[0]["api"]["enabled"].as_bool().is_some());
    let org = orgs[0]["id"].as_str().expect("id");
    let nets = get_ok(&sim, &format!("/organizations/{org}/networks")).await;
    for n in nets.as_array().expect("array") {
        assert!(
            n["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("N_") || id.starts_with("L_"))
        );
        assert_eq!(n["organizationId"].as_str(), Some(org));
        assert!(n["tags"].is_array());
        assert!(jiff::tz::TimeZone::get(n["timeZone"].as_str().expect("tz")).is_ok());
        assert!(n["productTypes"].is_array());
    }
    let devices = get_ok(&sim, &format!("/organizations/{org}/devices")).await;
    for d in devices.as_array().expect("array") {
        let serial = d["serial"].as_str().expect("serial");
        assert_eq!(serial.len(), 14);
        assert!(d["name"].is_string() || d["name"].is_null());
        assert!(d["tags"].is_array());
        assert!(
            d["model"].is_string() && d["productType"].is_string() && d["networkId"].is_string()
        );
    }
    // Across the world: vlan as int and as string, clients without IPv4, some with ip6.
    let (mut int_vlan, mut str_vlan, mut no_ip, mut ip6, mut fractional) = (0, 0, 0, 0, 0);
    for (_, mx) in networks_with(sim.world(), ProductType::Appliance) {
        let body = get_ok(
            &sim,
            &format!("/devices/{}/clients?timespan=2678400", mx.serial),
        )
        .await;
        for c in body.as_array().expect("array") {
            for key in [
                "id",
                "mac",
                "description",
                "ip",
                "vlan",
                "namedVlan",
                "user",
                "mdnsName",
                "dhcpHostname",
                "switchport",
            ] {
                assert!(c.get(key).is_some(), "missing {key} in {c}");
            }
            int_vlan += usize::from(c["vlan"].is_u64());
            str_vlan += usize::from(c["vlan"].is_string());
            no_ip += usize::from(c["ip"].is_null());
            ip6 += usize::from(c.get("ip6").is_some());
            fractional += usize::from(kb(&c["usage"]["sent"]).millis() % 1000 != 0);
        }
    }
    assert!(
        int_vlan > 0 && str_vlan > 0 && no_ip > 0 && ip6 > 0 && fractional > 0,
        "{int_vlan} {str_vlan} {no_ip} {ip6} {fractional}"
    );
    let c = sim.counters();
    assert_eq!(c.by_endpoint.get("getOrganizations"), Some(&1));
    assert!(
        c.by_endpoint
            .get("getDeviceClients")
            .is_some_and(|n| *n >= 6)
    );
    assert!(c.by_org.get(org).is_some_and(|n| *n >= 2));
    sim.shutdown().await;
}

#[tokio::test]
async fn v0_paths_serve_v0_shapes_over_the_same_world() {
    let now: Timestamp = "2026-07-01T15:30:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    let c = http();
    let get_v0 = |path: String| {
        let c = c.clone();
        let url = format!("{}{path}", sim.base_url_v0());
        let key = sim.api_key().to_string();
        async move {
            let resp = c
                .get(url)
                .header("X-Cisco-Meraki-API-Key", key)
                .send()
                .await
                .expect("sent");
            assert_eq!(resp.status().as_u16(), 200);
            resp.json::<Value>().await.expect("json")
        }
    };
    let orgs = get_v0("/organizations".to_string()).await;
    let org = orgs[0]["id"].as_str().expect("id").to_string();
    assert!(
        orgs[0].get("api").is_none(),
        "v0 orgs are just id, name, url"
    );
    let nets = get_v0(format!("/organizations/{org}/networks")).await;
    let tagged = nets
        .as_array()
        .expect("array")
        .iter()
        .find(|n| n["tags"].is_string())
        .expect("a tagged network");
    let tags = tagged["tags"].as_str().expect("tags");
    assert!(tags.starts_with(' ') && tags.ends_with(' '), "{tags:?}");
    let (_, net) = sim
        .world()
        .networks()
        .find(|(_, n)| n.vlans.is_some())
        .expect("VLAN network");
    let mx = net
        .devices
        .iter()
        .find(|d| d.product_type() == ProductType::Appliance)
        .expect("mx");
    let vlans = get_v0(format!("/networks/{}/vlans", net.id)).await;
    assert!(vlans[0]["id"].is_u64());
    // v0 timespan and v1 t0 over the same window give the same usage.
    let v0 = get_v0(format!("/devices/{}/clients?timespan=172800", mx.serial)).await;
    let t0 = now.as_second() - 172_800;
    let v1 = get_ok(&sim, &format!("/devices/{}/clients?t0={t0}", mx.serial)).await;
    assert_eq!(snapshot(&v0), snapshot(&v1));
    assert!(
        v0.as_array()
            .expect("array")
            .iter()
            .all(|c| c["vlan"].is_u64() || c["vlan"].is_null())
    );
    assert_eq!(
        sim.counters().by_endpoint.get("v0.getDeviceClients"),
        Some(&1)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_clock_can_be_frozen_moved_and_read_over_http() {
    let start_at: Timestamp = "2026-08-01T00:00:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(start_at)).await;
    assert_eq!(sim.now(), start_at);
    sim.advance(std::time::Duration::from_secs(3600));
    assert_eq!(sim.now().as_second(), start_at.as_second() + 3600);
    let later: Timestamp = "2026-08-03T12:00:00Z".parse().expect("ts");
    sim.set_now(later);
    let clock: Value = http()
        .post(format!("{}/_sim/clock?advance=60", sim.origin()))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(clock["frozen"], serde_json::json!(true));
    assert_eq!(sim.now().as_second(), later.as_second() + 60);
    // Usage only grows as the clock moves forward.
    let (_, mx) = first_device(&sim, ProductType::Appliance);
    let url = format!("/devices/{}/clients?t0=2026-08-01T00:00:00Z", mx.serial);
    let before = snapshot(&get_ok(&sim, &url).await);
    sim.advance(std::time::Duration::from_secs(6 * 3600));
    let after = snapshot(&get_ok(&sim, &url).await);
    let total = |m: &BTreeMap<String, (usage_model::Kb, usage_model::Kb)>| -> i64 {
        m.values().map(|(s, r)| s.millis() + r.millis()).sum()
    };
    assert!(total(&after) > total(&before));
    for (id, (s, r)) in &before {
        let (s2, r2) = after[id];
        assert!(s2 >= *s && r2 >= *r, "{id}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_request_log_keeps_requests_only_while_recording() {
    let now: Timestamp = "2026-03-10T12:00:00Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    get_ok(&sim, "/organizations").await;
    assert!(sim.recorded_requests().is_empty(), "off by default");
    sim.record_requests(true);
    let org = sim.world().organizations[0].id.clone();
    get_ok(&sim, &format!("/organizations/{org}/devices?tags[]=a%20b")).await;
    get(&sim, "/networks/N_nope/clients").await;
    // Out of band: not an API request.
    http()
        .get(format!("{}/_sim/counters", sim.origin()))
        .send()
        .await
        .expect("sent");
    let log = sim.recorded_requests();
    let seen: Vec<(&str, &str, Option<&str>, u16, &str)> = log
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.query.as_deref(),
                r.status,
                r.endpoint,
            )
        })
        .collect();
    let devices = format!("/api/v1/organizations/{org}/devices");
    assert_eq!(
        seen,
        [
            (
                "GET",
                devices.as_str(),
                Some("tags[]=a%20b"),
                200,
                "getOrganizationDevices"
            ),
            (
                "GET",
                "/api/v1/networks/N_nope/clients",
                None,
                404,
                "getNetworkClients"
            ),
        ]
    );
    assert!(log.iter().all(|r| r.at == now));
    assert!(sim.recorded_requests().is_empty(), "taking empties the log");
    sim.record_requests(false);
    get_ok(&sim, "/organizations").await;
    sim.record_requests(true);
    assert!(sim.recorded_requests().is_empty(), "stopping forgets");
    sim.shutdown().await;
}
