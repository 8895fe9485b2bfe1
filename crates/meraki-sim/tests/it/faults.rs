//! Each fault mode happens at roughly its configured rate, and failing networks fail.

use std::time::Duration;

use meraki_sim::{FaultConfig, ProductType, SimConfig};

use crate::common::{first_device, get, http, start};

#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    server_errors: u64,
    storms: u64,
    bad_bodies: u64,
    resets: u64,
}

#[tokio::test]
async fn fault_modes_happen_at_their_configured_rates() {
    let faults = FaultConfig {
        error_5xx: 0.10,
        storm_429: 0.05,
        storm_duration: Duration::ZERO,
        bad_body: 0.08,
        reset: 0.07,
        latency: Some(Duration::from_millis(1)),
        latency_rate: 0.2,
    };
    let sim = start(SimConfig::default().with_faults(faults)).await;
    let client = http();
    let url = format!("{}/organizations", sim.base_url());
    let n = 2000u64;
    let mut t = Tally::default();
    for _ in 0..n {
        let resp = match client.get(&url).bearer_auth(sim.api_key()).send().await {
            Ok(r) => r,
            Err(_) => {
                t.resets += 1;
                continue;
            }
        };
        let status = resp.status().as_u16();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(_) => {
                t.resets += 1;
                continue;
            }
        };
        match status {
            500 | 502 | 503 => t.server_errors += 1,
            429 => t.storms += 1,
            200 if serde_json::from_slice::<serde_json::Value>(&body).is_err() => t.bad_bodies += 1,
            200 => t.ok += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    let rate = |x: u64| x as f64 / n as f64;
    let near = |x: u64, p: f64| (rate(x) - p).abs() < 0.03;
    assert!(near(t.server_errors, 0.10), "{t:?}");
    assert!(near(t.storms, 0.05), "{t:?}");
    assert!(near(t.bad_bodies, 0.08), "{t:?}");
    assert!(near(t.resets, 0.07), "{t:?}");
    assert!(near(t.ok, 0.70), "{t:?}");
    // The server's own counts agree with what the client saw.
    let c = sim.counters();
    assert_eq!(c.faults.server_errors, t.server_errors);
    assert_eq!(c.faults.storm_429, t.storms);
    assert_eq!(c.faults.bad_bodies, t.bad_bodies);
    assert_eq!(c.faults.resets, t.resets);
    assert!(near(c.faults.delayed, 0.2), "{:?}", c.faults);
    assert_eq!(c.total, n);
    // Faults can be turned off at run time.
    sim.set_faults(FaultConfig::none()).expect("valid");
    for _ in 0..50 {
        assert_eq!(get(&sim, "/organizations").await.0, 200);
    }
    assert!(
        sim.set_faults(FaultConfig {
            error_5xx: 0.7,
            reset: 0.7,
            ..FaultConfig::none()
        })
        .is_err()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_storm_rejects_everything_for_its_duration() {
    let sim = start(SimConfig::default().with_faults(FaultConfig {
        storm_429: 1.0,
        storm_duration: Duration::from_secs(60),
        ..FaultConfig::none()
    }))
    .await;
    for _ in 0..5 {
        let (status, headers, _) = get(&sim, "/organizations").await;
        assert_eq!(status, 429);
        let retry: u64 = headers["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("int");
        assert!((55..=60).contains(&retry), "{retry}");
    }
    assert_eq!(sim.counters().faults.storms_started, 1);
    // /_sim/ is never faulted.
    let resp = http()
        .get(format!("{}/_sim/counters", sim.origin()))
        .send()
        .await
        .expect("ok");
    assert_eq!(resp.status().as_u16(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failing_network_answers_500_on_client_calls_only() {
    let sim = start(SimConfig::default()).await;
    let (net, mx) = first_device(&sim, ProductType::Appliance);
    let other = sim
        .world()
        .networks()
        .find(|(_, n)| n.id != net.id)
        .map(|(_, n)| n.clone())
        .expect("other");
    sim.fail_network(&net.id);
    assert_eq!(
        get(&sim, &format!("/devices/{}/clients", mx.serial))
            .await
            .0,
        500
    );
    assert_eq!(
        get(&sim, &format!("/networks/{}/clients", net.id)).await.0,
        500
    );
    assert_eq!(
        get(&sim, &format!("/networks/{}/devices", net.id)).await.0,
        200
    );
    assert_eq!(
        get(&sim, &format!("/networks/{}/clients", other.id))
            .await
            .0,
        200
    );
    assert_eq!(sim.counters().faults.failing_network, 2);
    sim.heal_network(&net.id);
    assert_eq!(
        get(&sim, &format!("/devices/{}/clients", mx.serial))
            .await
            .0,
        200
    );
    sim.shutdown().await;
}
