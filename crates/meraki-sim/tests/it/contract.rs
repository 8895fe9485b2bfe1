//! The simulator held to Meraki's published API description (`fixtures/openapi`, read through
//! api-contract): every response it serves for those operations meets the operation's
//! response schema, with exactly the listed deviations of the live API, each of which it
//! shows; a request outside a documented limit gets the API's 400.

use std::collections::BTreeSet;

use api_contract::{Deviations, Operation, Outcome, ResponseCheck, Spec};
use jiff::{SignedDuration, Timestamp};
use meraki_sim::{ProductType, SimConfig, SimHandle, World};
use serde_json::Value;

use crate::common::{get, start};

fn now() -> Timestamp {
    "2026-03-10T12:00:00Z".parse().expect("timestamp")
}

/// Every request the simulator can answer for the subset's operations over the whole world:
/// (operation, path relative to the v1 base). Windows are the longest the API allows, so every
/// client with any traffic in the last 31 days is in the answers.
fn served_requests(world: &World) -> Vec<(&'static str, String)> {
    let mut out = vec![("getOrganizations", "/organizations".to_owned())];
    for org in &world.organizations {
        let o = &org.id;
        out.push((
            "getOrganizationNetworks",
            format!("/organizations/{o}/networks"),
        ));
        out.push((
            "getOrganizationDevices",
            format!("/organizations/{o}/devices"),
        ));
        for net in &org.networks {
            let n = &net.id;
            out.push(("getNetworkDevices", format!("/networks/{n}/devices")));
            out.push((
                "getNetworkClients",
                format!("/networks/{n}/clients?timespan=2678400&perPage=5000"),
            ));
            out.push((
                "getNetworkApplianceVlans",
                format!("/networks/{n}/appliance/vlans"),
            ));
            out.push((
                "getNetworkWirelessSsids",
                format!("/networks/{n}/wireless/ssids"),
            ));
            for d in &net.devices {
                out.push((
                    "getDeviceClients",
                    format!("/devices/{}/clients?timespan=2678400", d.serial),
                ));
            }
        }
    }
    out
}

/// The answers a served operation may give for a request of [`served_requests`]: 200, or the
/// API's 400 where the operation does not apply to the network or device (no MX, VLANs off,
/// no access point, a device type without clients).
fn acceptable_status(operation: &str, status: u16) -> bool {
    status == 200
        || status == 400
            && matches!(
                operation,
                "getNetworkApplianceVlans" | "getNetworkWirelessSsids" | "getDeviceClients"
            )
}

/// `{"errors": ["…", …]}` and nothing else, every message a non-empty string.
fn assert_api_error_body(what: &str, body: &Value) {
    let errors = body
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("errors"))
        .and_then(Value::as_array);
    assert!(
        errors.is_some_and(
            |e| !e.is_empty() && e.iter().all(|m| m.as_str().is_some_and(|m| !m.is_empty()))
        ),
        "{what}: not the API's error shape: {body}"
    );
}

async fn simulator() -> SimHandle {
    start(SimConfig::default().with_now(now())).await
}

#[tokio::test]
async fn every_response_the_simulator_serves_meets_the_published_schema() {
    let spec = Spec::committed();
    let deviations = Deviations::committed();
    let sim = simulator().await;
    let requests = served_requests(sim.world());
    let served: BTreeSet<&str> = requests.iter().map(|(op, _)| *op).collect();
    let mut outcome = Outcome::default();
    let mut answered = BTreeSet::new();
    for (op, path) in &requests {
        let check = ResponseCheck::new(&spec, &deviations, op).expect("a check");
        let (status, _, body) = get(&sim, path).await;
        assert!(
            acceptable_status(op, status),
            "{op} {path}: {status} {body}"
        );
        if status == 200 {
            outcome.merge(check.check(&body));
            answered.insert(*op);
        } else {
            assert_api_error_body(path, &body);
        }
    }
    assert_eq!(outcome.violations(), Vec::<String>::new());
    assert_eq!(
        answered, served,
        "every served operation answered at least once"
    );

    // The simulator shows every listed deviation of the operations it serves, so the client
    // meets each one in tests; an entry it never shows is either not simulated or stale.
    let listed: BTreeSet<(String, String)> = deviations
        .pairs()
        .into_iter()
        .filter(|(op, _)| served.contains(op.as_str()))
        .collect();
    let unseen: Vec<_> = listed.difference(&outcome.deviations_seen).collect();
    assert!(
        unseen.is_empty(),
        "listed deviations never shown: {unseen:?}"
    );

    // Every other operation of the subset is one the simulator does not serve (404), so a
    // route added for one of them fails here until it is checked above.
    let (org, net, device) = {
        let org = &sim.world().organizations[0];
        let net = &org.networks[0];
        (
            org.id.clone(),
            net.id.clone(),
            net.devices[0].serial.clone(),
        )
    };
    for op in spec.operations() {
        if served.contains(op.id()) {
            continue;
        }
        let path = op
            .path()
            .replace("{organizationId}", &org)
            .replace("{networkId}", &net)
            .replace("{serial}", &device);
        let (status, _, body) = get(&sim, &path).await;
        assert_eq!(
            status,
            404,
            "{} ({path}) is served: check it above",
            op.id()
        );
        assert_api_error_body(&path, &body);
    }
    sim.shutdown().await;
}

/// For each documented limit of `op`'s query parameters, a value just inside it and one just
/// outside, with the status the API answers each with; a value of the wrong type; parameters
/// documented as exclusive sent together. (parameter named, query, expected status)
fn limit_cases(op: &Operation<'_>, now: Timestamp) -> Vec<(String, String, u16)> {
    let mut cases = Vec::new();
    for p in op.parameters() {
        if p.location != "query" {
            continue;
        }
        let name = p.name.to_owned();
        let mut case = |query: String, status: u16| cases.push((name.clone(), query, status));
        let limits = p.limits();
        let numeric = matches!(p.schema["type"].as_str(), Some("integer" | "number"));
        if numeric {
            case(format!("{name}=many"), 400);
            if let Some(lo) = limits.minimum {
                case(format!("{name}={lo}"), 200);
                case(format!("{name}={}", lo - 1.0), 400);
            }
            if let Some(hi) = limits.maximum {
                case(format!("{name}={hi}"), 200);
                case(format!("{name}={}", hi + 1.0), 400);
            }
        }
        if let Some(days) = limits.lookback_days {
            let oldest = now - SignedDuration::from_hours(24 * i64::from(days));
            case(format!("{name}={oldest}"), 200);
            case(
                format!("{name}={}", oldest - SignedDuration::from_secs(1)),
                400,
            );
            case(format!("{name}=yesterday"), 400);
        }
        for other in p.excludes() {
            if op.query_parameter(&other).is_some() {
                let hour_ago = now - SignedDuration::from_hours(1);
                case(format!("{name}=3600&{other}={hour_ago}"), 400);
            }
        }
    }
    cases
}

#[tokio::test]
async fn requests_outside_the_documented_limits_get_the_apis_400() {
    let spec = Spec::committed();
    let sim = simulator().await;
    let org = &sim.world().organizations[0];
    let net = &org.networks[0];
    let (_, mx) = crate::common::first_device(&sim, ProductType::Appliance);
    // One request path per served operation that takes query parameters.
    let paths = [
        ("getOrganizations", "/organizations".to_owned()),
        (
            "getOrganizationNetworks",
            format!("/organizations/{}/networks", org.id),
        ),
        (
            "getOrganizationDevices",
            format!("/organizations/{}/devices", org.id),
        ),
        ("getNetworkClients", format!("/networks/{}/clients", net.id)),
        (
            "getDeviceClients",
            format!("/devices/{}/clients", mx.serial),
        ),
    ];
    let mut checked = BTreeSet::new();
    let mut wrong = Vec::new();
    for (id, path) in &paths {
        let op = spec.require(id).expect("operation");
        for (param, query, expected) in limit_cases(&op, sim.now()) {
            let (status, _, body) = get(&sim, &format!("{path}?{query}")).await;
            if status != expected {
                wrong.push(format!(
                    "{id} ?{query}: {status}, the API answers {expected}: {body}"
                ));
            } else if status == 400 {
                assert_api_error_body(&query, &body);
                let message = body["errors"][0].as_str().unwrap_or_default();
                if !message.contains(&param) {
                    wrong.push(format!(
                        "{id} ?{query}: the error does not name {param}: {message}"
                    ));
                }
            }
            checked.insert(format!("{id} {param}"));
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
    // The limits the issue names are among those checked (read from the specification).
    for expected in [
        "getNetworkClients perPage",
        "getOrganizationDevices perPage",
        "getOrganizationNetworks perPage",
        "getOrganizations perPage",
        "getDeviceClients timespan",
        "getDeviceClients t0",
        "getNetworkClients t0",
    ] {
        assert!(
            checked.contains(expected),
            "{expected} not checked: {checked:?}"
        );
    }
    sim.shutdown().await;
}
