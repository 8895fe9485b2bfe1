//! The client held to Meraki's published API description (`fixtures/openapi`, read through
//! api-contract): its models read the specification's own examples and every listed
//! deviation of the live API; `used.toml` lists exactly the documented fields the models
//! read; every request it sends in a sync-like run against meraki-sim uses documented
//! parameters within the documented limits.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use api_contract::{
    Deviations, Spec, UsedApi, check_request, field_paths, field_values, set_field,
};
use futures::TryStreamExt;
use jiff::Timestamp;
use meraki_client::{
    ApiKey, ApplianceVlan, Client, ClientUsageHistory, ClientWindow, Device, DeviceClient,
    DeviceQuery, Error, Network, NetworkClient, Organization, TagsFilter, WirelessSsid,
};
use meraki_sim::{ProductType, SimConfig, SimHandle, Simulator};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `item` read into the client's `model` and written back as the model serializes it.
fn through_model(model: &str, item: &Value) -> Result<Value, String> {
    fn via<T: DeserializeOwned + Serialize>(item: &Value) -> Result<Value, String> {
        let parsed: T = serde_json::from_value(item.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(parsed).map_err(|e| e.to_string())
    }
    match model {
        "Organization" => via::<Organization>(item),
        "Network" => via::<Network>(item),
        "Device" => via::<Device>(item),
        "DeviceClient" => via::<DeviceClient>(item),
        "NetworkClient" => via::<NetworkClient>(item),
        "ApplianceVlan" => via::<ApplianceVlan>(item),
        "WirelessSsid" => via::<WirelessSsid>(item),
        "ClientUsageHistory" => via::<ClientUsageHistory>(item),
        other => panic!("used.toml names model {other}: add it to through_model"),
    }
}

/// The items of an operation's example (the example itself for an object response).
fn example_items(spec: &Spec, id: &str) -> Vec<Value> {
    let op = spec.require(id).expect("a used operation");
    let example = op
        .example()
        .unwrap_or_else(|| panic!("{id} has no example"));
    match example {
        Value::Array(items) if op.is_list() => items.clone(),
        other => vec![other.clone()],
    }
}

/// Equal as JSON, numbers compared as numbers (`61` and `61.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[test]
fn the_models_read_the_specifications_own_examples() {
    let spec = Spec::committed();
    let mut problems = Vec::new();
    let mut compared = 0;
    for used in &UsedApi::committed().operations {
        for item in example_items(&spec, &used.id) {
            let read = match through_model(&used.model, &item) {
                Ok(read) => read,
                Err(e) => {
                    problems.push(format!("{} into {}: {e}", used.id, used.model));
                    continue;
                }
            };
            // Every used field the example gives keeps its value through the model.
            for field in &used.fields {
                let given = field_values(&item, field);
                if given.is_empty() {
                    continue;
                }
                let kept = field_values(&read, field);
                compared += 1;
                let equal =
                    given.len() == kept.len() && given.iter().zip(&kept).all(|(a, b)| same(a, b));
                if !equal {
                    problems.push(format!(
                        "{} {field}: the example's {given:?} reads as {kept:?}",
                        used.id
                    ));
                }
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new());
    assert!(compared > 50, "only {compared} values compared");
}

#[test]
fn used_toml_lists_exactly_the_documented_fields_the_models_read() {
    let spec = Spec::committed();
    let used = UsedApi::committed();
    let deviations = Deviations::committed();
    let mut problems = Vec::new();
    for u in &used.operations {
        let op = spec.require(&u.id).expect("operation");
        let item = example_items(&spec, &u.id).remove(0);
        let read = through_model(&u.model, &item).expect("the example reads");
        let model_fields = field_paths(&read);
        let documented: BTreeSet<String> = model_fields
            .iter()
            .filter(|f| op.field(f).is_some())
            .cloned()
            .collect();
        let listed: BTreeSet<String> = u.fields.iter().cloned().collect();
        if documented != listed {
            problems.push(format!(
                "{}: used.toml lists {listed:?}, the {} model reads {documented:?}",
                u.id, u.model
            ));
        }
        // A model field this operation does not document is documented by another operation
        // read into the same model, or is a listed deviation (a field the live API sends);
        // anything else is a field the model expects under a name the API does not use.
        for field in model_fields.difference(&documented) {
            let elsewhere = used.operations.iter().any(|o| {
                o.model == u.model
                    && spec
                        .operation(&o.id)
                        .is_some_and(|other| other.field(field).is_some())
            });
            let deviation = deviations
                .of_operation(&u.id)
                .any(|d| d.paths.contains(field));
            if !elsewhere && !deviation {
                problems.push(format!(
                    "{}: the {} model reads {field}, which the specification does not document",
                    u.id, u.model
                ));
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn the_models_read_every_known_deviation_in_place() {
    let spec = Spec::committed();
    let used = UsedApi::committed();
    let mut problems = Vec::new();
    let mut read_in_place = 0;
    for d in Deviations::committed().iter() {
        let Some(u) = used.operation(&d.operation) else {
            continue;
        };
        for path in &d.paths {
            let mut item = example_items(&spec, &u.id).remove(0);
            set_field(&mut item, path, &d.sample);
            match through_model(&u.model, &item) {
                Err(e) => problems.push(format!("{} {path} = {}: {e}", u.id, d.sample)),
                Ok(read) => {
                    // Where the model has the field, a non-null sample keeps its value.
                    let kept = field_values(&read, path);
                    if !d.sample.is_null() && !kept.is_empty() {
                        read_in_place += 1;
                        if !kept.iter().all(|v| same(v, &d.sample)) {
                            problems
                                .push(format!("{} {path}: {} reads as {kept:?}", u.id, d.sample));
                        }
                    }
                }
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new());
    // firstSeen, lastSeen, two vlans, the VLAN id, usage.total, ip6.
    assert_eq!(read_in_place, 7);
}

// ---- requests -------------------------------------------------------------------------------

/// The simulator's frozen clock: a UTC midnight, so a UTC network's oldest planned day starts
/// exactly 31 × 24 h back, at the API's look-back limit.
fn now() -> Timestamp {
    "2026-03-10T00:00:00Z".parse().expect("timestamp")
}

fn client_for(sim: &SimHandle) -> Client {
    Client::builder()
        .api_key(ApiKey::new(sim.api_key()))
        .base_url(&sim.base_url())
        .expect("base URL")
        .org_rate_limit(1000.0)
        .global_rate_limit(1000.0)
        .max_retries(0)
        .build()
        .expect("client")
}

/// What a sync does, call by call, with the windows it plans: discovery, each network's VLANs
/// and SSIDs, every planned day boundary of each network (31 days back, the API's limit) from
/// an appliance, and from the network listing; plus the calls and options a sync uses less
/// often, so every parameter the client can send is sent.
async fn sync_like_run(sim: &SimHandle, client: &Client) {
    let orgs = client.organizations().await.expect("organizations");
    for org in &orgs {
        let networks = client
            .organization_networks(&org.id)
            .await
            .expect("networks");
        client
            .organization_devices(&org.id, &DeviceQuery::default())
            .await
            .expect("devices");
        for net in &networks {
            // Both answer 400 where the network has no MX or no access point.
            let _ = client.network_appliance_vlans(&net.id).await;
            let _ = client.wireless_ssids(&net.id).await;
        }
    }
    let mut network_boundaries = 0;
    for (_, net) in sim.world().networks() {
        let tz = jiff::tz::TimeZone::get(&net.time_zone).expect("zone");
        let runs = usage_model::plan_missing_days(&BTreeSet::new(), now(), &tz, 31);
        let boundaries: Vec<Timestamp> = runs.iter().flat_map(|r| r.boundaries.clone()).collect();
        assert!(boundaries.len() >= 31, "{}: {boundaries:?}", net.id);
        let target = net
            .devices
            .iter()
            .find(|d| d.product_type() == ProductType::Appliance)
            .or_else(|| net.devices.first());
        if let Some(device) = target {
            for t0 in &boundaries {
                let _ = client
                    .device_clients(&device.serial, ClientWindow::Since(*t0))
                    .await;
            }
        }
        // The network source, at the oldest and the newest boundary.
        for t0 in [boundaries[0], boundaries[boundaries.len() - 1]] {
            network_boundaries += 1;
            client
                .network_clients(&net.id, ClientWindow::Since(t0))
                .await
                .expect("network clients");
        }
    }
    assert!(network_boundaries > 0);

    // Less common: small pages (the cursors come from the simulator's Link headers), relative
    // windows, every device filter, usage histories (the simulator does not serve them: the
    // request is still checked), and the deprecated per-network device listing.
    let (net, device) = first_with(sim, ProductType::Appliance);
    let pages: Vec<_> = client
        .network_clients_pages(&net, ClientWindow::Timespan(Duration::from_secs(86_400)), 3)
        .try_collect()
        .await
        .expect("pages");
    assert!(pages.len() > 1, "paged through a network");
    client
        .device_clients(
            &device,
            ClientWindow::Timespan(Duration::from_secs(2_678_400)),
        )
        .await
        .expect("device clients");
    let mut query = DeviceQuery::default();
    query.product_types = vec!["appliance".into(), "wireless".into()];
    query.tags = vec!["core".into()];
    query.tags_filter = Some(TagsFilter::WithAllTags);
    query.models = vec!["MX68".into()];
    query.network_ids = vec![net.clone()];
    query.serials = vec![device.clone()];
    query.model = Some("MX".into());
    query.name = Some("Ü".into());
    client
        .organization_devices(&orgs[0].id, &query)
        .await
        .expect("filtered devices");
    let since = now() - jiff::SignedDuration::from_hours(24 * 7);
    let histories = client
        .network_clients_usage_histories(&net, &["k1", "k2"], ClientWindow::Since(since))
        .await;
    assert!(
        matches!(histories, Err(Error::NotFound { .. })),
        "{histories:?}"
    );
    let day = ClientWindow::Timespan(Duration::from_secs(86_400));
    let histories = client
        .network_clients_usage_histories(&net, &["k1"], day)
        .await;
    assert!(
        matches!(histories, Err(Error::NotFound { .. })),
        "{histories:?}"
    );
    // Deprecated, still part of the API surface the contract covers.
    #[allow(deprecated)]
    let devices = client.network_devices(&net).await.expect("network devices");
    assert!(!devices.is_empty());
}

/// The id of the first network with a device of `kind`, and that device's serial.
fn first_with(sim: &SimHandle, kind: ProductType) -> (String, String) {
    sim.world()
        .networks()
        .find_map(|(_, n)| {
            n.devices
                .iter()
                .find(|d| d.product_type() == kind)
                .map(|d| (n.id.clone(), d.serial.clone()))
        })
        .expect("a network with such a device")
}

#[tokio::test]
async fn every_request_of_a_sync_like_run_is_documented_and_within_limits() {
    let spec = Spec::committed();
    let used = UsedApi::committed();
    let sim = Simulator::start(SimConfig::default().with_now(now()))
        .await
        .expect("simulator");
    sim.record_requests(true);
    let client = client_for(&sim);
    sync_like_run(&sim, &client).await;
    let requests = sim.recorded_requests();
    assert!(requests.len() > 400, "{} requests", requests.len());

    let mut violations = Vec::new();
    let mut sent: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let prefix = "/api/v1";
    for r in &requests {
        let path = r.path.strip_prefix(prefix).expect("a v1 path");
        let report = check_request(&spec, &r.method, path, r.query.as_deref(), r.at);
        violations.extend(report.violations);
        if let Some(op) = report.operation {
            sent.entry(op).or_default().extend(report.parameters);
        }
    }
    assert_eq!(violations, Vec::<String>::new());

    // used.toml's parameters are exactly those the client sets itself (the cursors come from
    // Link headers), and every used operation was called.
    let cursors = ["startingAfter", "endingBefore"];
    let mut problems = Vec::new();
    for u in &used.operations {
        let Some(params) = sent.get(&u.id) else {
            problems.push(format!("{} was never called", u.id));
            continue;
        };
        let own: BTreeSet<&str> = params
            .iter()
            .map(String::as_str)
            .filter(|p| !cursors.contains(p))
            .collect();
        let listed: BTreeSet<&str> = u.parameters.iter().map(String::as_str).collect();
        if own != listed {
            problems.push(format!(
                "{}: the client sent {own:?}, used.toml lists {listed:?}",
                u.id
            ));
        }
    }
    let called: BTreeSet<&str> = sent.keys().map(String::as_str).collect();
    let listed: BTreeSet<&str> = used.operations.iter().map(|o| o.id.as_str()).collect();
    if called != listed {
        problems.push(format!("called {called:?}, used.toml lists {listed:?}"));
    }
    assert_eq!(problems, Vec::<String>::new());
    assert!(
        sent["getNetworkClients"].contains("startingAfter"),
        "the cursor of a followed Link was checked too"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_page_size_outside_the_documented_range_is_refused_before_sending() {
    let spec = Spec::committed();
    let limits = spec
        .require("getNetworkClients")
        .expect("operation")
        .query_parameter("perPage")
        .expect("perPage")
        .limits();
    let (lo, hi) = (
        limits.minimum.expect("a minimum") as u32,
        limits.maximum.expect("a maximum") as u32,
    );
    let sim = Simulator::start(SimConfig::default().with_now(now()))
        .await
        .expect("simulator");
    sim.record_requests(true);
    let client = client_for(&sim);
    let (net, _) = first_with(&sim, ProductType::Appliance);
    let window = ClientWindow::Timespan(Duration::from_secs(3600));
    for bad in [lo - 1, hi + 1] {
        let pages: Result<Vec<_>, _> = client
            .network_clients_pages(&net, window, bad)
            .try_collect()
            .await;
        assert!(matches!(pages, Err(Error::Config { .. })), "perPage {bad}");
    }
    assert!(sim.recorded_requests().is_empty(), "nothing was sent");
    for good in [lo, hi] {
        let mut pages = std::pin::pin!(client.network_clients_pages(&net, window, good));
        let first = pages.try_next().await.expect("a page").expect("one page");
        assert!(first.items.len() <= good as usize);
    }
    assert_eq!(sim.recorded_requests().len(), 2);
    sim.shutdown().await;
}
