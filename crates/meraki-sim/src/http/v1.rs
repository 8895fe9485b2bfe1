//! Dashboard API v1 endpoints, with the real shapes.

use std::sync::Arc;

use axum::Router;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    ApiError, PageSpec, Params, Window, json_list, kb_value, off_the_runtime, page_spec, paginate,
    window,
};
use crate::state::{Seen, SimState};
use crate::world::{Device, MAX_SSID_NUMBER, Network, Organization, ProductType, Vlan, VlanFormat};

type St = State<Arc<SimState>>;
type ApiResult = Result<Response, ApiError>;

pub(super) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/organizations", get(organizations))
        .route("/organizations/{org}", get(organization))
        .route("/organizations/{org}/networks", get(org_networks))
        .route("/organizations/{org}/devices", get(org_devices))
        .route("/organizations/{org}/inventoryDevices", get(org_inventory))
        .route("/networks/{net}", get(network))
        .route("/networks/{net}/devices", get(network_devices))
        .route("/networks/{net}/clients", get(network_clients))
        .route("/networks/{net}/appliance/vlans", get(network_vlans))
        .route("/networks/{net}/wireless/ssids", get(network_ssids))
        .route("/devices/{serial}", get(device))
        .route("/devices/{serial}/clients", get(device_clients))
}

fn shard(id: &str) -> u64 {
    100 + crate::rng::hash_str(id) % 300
}

pub(super) fn org_json(org: &Organization) -> Value {
    json!({
        "id": org.id,
        "name": org.name,
        "url": format!("https://n{}.meraki.com/o/{}/manage/organization/overview", shard(&org.id), org.id),
        "api": { "enabled": org.api_enabled },
        "licensing": { "model": "co-term" },
        "cloud": { "region": { "name": "North America", "host": { "name": "United States" } } },
        "management": { "details": [] },
    })
}

pub(super) fn product_types(net: &Network) -> Vec<&'static str> {
    let mut types: Vec<&'static str> = net
        .devices
        .iter()
        .map(|d| d.product_type().as_str())
        .collect();
    types.sort_unstable();
    types.dedup();
    types
}

fn network_json(org: &Organization, net: &Network) -> Value {
    json!({
        "id": net.id,
        "organizationId": org.id,
        "name": net.name,
        "productTypes": product_types(net),
        "timeZone": net.time_zone,
        "tags": net.tags,
        "enrollmentString": Value::Null,
        "url": format!("https://n{}.meraki.com/{}/n/{}/manage/usage/list",
            shard(&org.id), net.name.replace(' ', "-"), net.id),
        "notes": net.notes.clone().unwrap_or_default(),
        "isBoundToConfigTemplate": false,
    })
}

/// A device as `/organizations/{id}/devices` and `/devices/{serial}` list it. The deprecated
/// per-network listing has no `productType` (see [`network_device_json`]).
fn device_json(net: &Network, d: &Device) -> Value {
    json!({
        "name": d.name,
        "lat": 37.4180951010362,
        "lng": -122.098531723022,
        "address": "",
        "notes": "",
        "tags": d.tags,
        "networkId": net.id,
        "serial": d.serial,
        "model": d.model,
        "mac": d.mac,
        "lanIp": d.lan_ip,
        "firmware": d.firmware,
        "productType": d.product_type().as_str(),
        "details": [],
    })
}

/// A device as the deprecated `/networks/{id}/devices` lists it: its documented schema has no
/// `productType`.
fn network_device_json(net: &Network, d: &Device) -> Value {
    let mut device = device_json(net, d);
    if let Some(map) = device.as_object_mut() {
        map.remove("productType");
    }
    device
}

/// `vlan` as this network encodes it (the real API sends integers and strings).
pub(super) fn vlan_value(net: &Network, vlan: Option<u16>, key_bit: bool) -> Value {
    match (vlan, net.vlan_format) {
        (None, _) => Value::Null,
        (Some(v), VlanFormat::Integer) => json!(v),
        (Some(v), VlanFormat::String) => json!(v.to_string()),
        (Some(v), VlanFormat::Mixed) if key_bit => json!(v.to_string()),
        (Some(v), VlanFormat::Mixed) => json!(v),
    }
}

fn vlan_json(v: &Vlan) -> Value {
    let mask: u32 = v
        .subnet
        .rsplit('/')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(24);
    let mut obj = json!({
        "id": v.id,
        "name": v.name,
        "applianceIp": v.appliance_ip,
        "subnet": v.subnet,
        "groupPolicyId": Value::Null,
        "templateVlanType": "same",
        "cidr": v.subnet,
        "mask": mask,
        "interfaceId": format!("{}", 3_000_000 + u32::from(v.id)),
        "fixedIpAssignments": {},
        "reservedIpRanges": [],
        "dnsNameservers": "upstream_dns",
        "dhcpHandling": "Run a DHCP server",
        "dhcpLeaseTime": "1 day",
        "dhcpBootOptionsEnabled": false,
        "dhcpOptions": [],
        "mandatoryDhcp": { "enabled": false },
    });
    // `ipv6` appears only sometimes in live responses.
    let ipv6 = match &v.ipv6_prefix {
        Some(prefix) => Some(json!({
            "enabled": true,
            "prefixAssignments": [{
                "autonomous": false,
                "staticPrefix": prefix,
                "staticApplianceIp6": format!("{}1", prefix.trim_end_matches("/64")),
                "origin": { "type": "internet", "interfaces": ["wan0"] },
            }],
        })),
        None if v.id.is_multiple_of(2) => {
            Some(json!({ "enabled": false, "prefixAssignments": [] }))
        }
        None => None,
    };
    if let (Some(ipv6), Some(map)) = (ipv6, obj.as_object_mut()) {
        map.insert("ipv6".to_string(), ipv6);
    }
    obj
}

/// A `/devices/{serial}/clients` item, serialised straight to bytes: this is the endpoint a
/// sync calls most, so it skips the intermediate `Value` tree.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceClientJson<'a> {
    id: &'a str,
    description: Option<&'a str>,
    mac: &'a str,
    ip: Option<&'a str>,
    /// Not in this endpoint's schema, yet seen in the wild: only when the client has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    ip6: Option<&'a str>,
    user: Option<&'a str>,
    vlan: Value,
    named_vlan: Option<&'a str>,
    switchport: Value,
    adaptive_policy_group: Option<&'a str>,
    usage: UsageJson,
    mdns_name: Option<&'a str>,
    dhcp_hostname: Option<&'a str>,
}

#[derive(Serialize)]
struct UsageJson {
    sent: f64,
    recv: f64,
}

fn device_client_json<'a>(net: &Network, device: &Device, s: &'a Seen<'a>) -> DeviceClientJson<'a> {
    let c = s.client;
    DeviceClientJson {
        id: &c.id,
        description: c.description.as_deref(),
        mac: &c.mac,
        ip: s.addressing.ip.as_deref(),
        ip6: s.addressing.ip6.as_deref(),
        user: c.user.as_deref(),
        vlan: vlan_value(net, s.addressing.vlan, s.key_bit),
        named_vlan: s.addressing.named_vlan.as_deref(),
        switchport: switchport(device, s),
        adaptive_policy_group: None,
        usage: UsageJson {
            sent: s.usage.sent as f64 / 1000.0,
            recv: s.usage.recv as f64 / 1000.0,
        },
        mdns_name: c.mdns_name.as_deref(),
        dhcp_hostname: c.dhcp_hostname.as_deref(),
    }
}

fn switchport(device: &Device, s: &Seen<'_>) -> Value {
    if device.product_type() == ProductType::Switch {
        json!((crate::rng::hash_str(&s.client.id) % 24 + 1).to_string())
    } else {
        Value::Null
    }
}

fn iso(min: Option<i64>) -> Value {
    min.and_then(|m| jiff::Timestamp::from_second(m * 60).ok())
        .map_or(Value::Null, |t| json!(t.to_string()))
}

fn network_client_json(net: &Network, s: &Seen<'_>, now_min: i64) -> Value {
    let c = s.client;
    let recent = c
        .device
        .as_deref()
        .and_then(|serial| net.devices.iter().find(|d| d.serial == serial))
        .or_else(|| {
            net.devices
                .iter()
                .find(|d| d.product_type() == ProductType::Appliance)
        });
    let online = s.usage.last_min.is_some_and(|m| now_min - m <= 5);
    json!({
        "id": c.id,
        "mac": c.mac,
        "description": c.description,
        "ip": s.addressing.ip,
        "ip6": s.addressing.ip6,
        "ip6Local": s.addressing.ip6.as_ref().map(|_| format!("fe80::{}", &c.id[1..].chars().take(4).collect::<String>())),
        "user": c.user,
        "firstSeen": iso(s.usage.first_min),
        "lastSeen": iso(s.usage.last_min),
        "manufacturer": Value::Null,
        "os": Value::Null,
        "deviceTypePrediction": Value::Null,
        "recentDeviceSerial": recent.map(|d| d.serial.clone()),
        "recentDeviceName": recent.and_then(|d| d.name.clone()),
        "recentDeviceMac": recent.map(|d| d.mac.clone()),
        "recentDeviceConnection": if c.wireless { "Wireless" } else { "Wired" },
        "ssid": c.ssid,
        "vlan": vlan_value(net, s.addressing.vlan, s.key_bit),
        "namedVlan": s.addressing.named_vlan,
        "switchport": Value::Null,
        "usage": {
            "sent": kb_value(s.usage.sent),
            "recv": kb_value(s.usage.recv),
            "total": kb_value(s.usage.sent + s.usage.recv),
        },
        "status": if online { "Online" } else { "Offline" },
        "notes": Value::Null,
        "smInstalled": false,
        "groupPolicy8021x": Value::Null,
        "adaptivePolicyGroup": Value::Null,
        "pskGroup": Value::Null,
        "wirelessCapabilities": if c.wireless { json!("802.11ac - 2.4 and 5 GHz") } else { Value::Null },
    })
}

/// An org the key may use: 404 when unknown, 403 when its API access is off.
pub(super) fn usable_org<'a>(state: &'a SimState, id: &str) -> Result<&'a Organization, ApiError> {
    let org = state.org(id).ok_or_else(ApiError::not_found)?;
    if state.org_usable(org) {
        Ok(org)
    } else {
        Err(ApiError::forbidden())
    }
}

pub(super) fn usable_network<'a>(
    state: &'a SimState,
    id: &str,
) -> Result<(usize, &'a Organization, &'a Network), ApiError> {
    let (flat, org, net) = state.network(id).ok_or_else(ApiError::not_found)?;
    if !state.org_usable(org) {
        return Err(ApiError::forbidden());
    }
    Ok((flat, org, net))
}

/// A device of an org the key may use: 404 when unknown, 403 when its API access is off.
pub(super) fn usable_device<'a>(
    state: &'a SimState,
    serial: &str,
) -> Result<(usize, &'a Organization, &'a Network, &'a Device), ApiError> {
    let (flat, org, net, d) = state.device(serial).ok_or_else(ApiError::not_found)?;
    if !state.org_usable(org) {
        return Err(ApiError::forbidden());
    }
    Ok((flat, org, net, d))
}

fn origin(state: &SimState) -> &str {
    state.origin.get().map_or("", String::as_str)
}

fn tags_match(tags: &[String], wanted: &[&str], all: bool) -> bool {
    if wanted.is_empty() {
        return true;
    }
    if all {
        wanted.iter().all(|w| tags.iter().any(|t| t == w))
    } else {
        wanted.iter().any(|w| tags.iter().any(|t| t == w))
    }
}

async fn organizations(
    State(st): St,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    let spec = page_spec(&params, 9000, 9000)?;
    let mut orgs: Vec<&Organization> = st.world.organizations.iter().collect();
    orgs.sort_by(|a, b| a.id.cmp(&b.id));
    let (page, link) = paginate(
        &orgs,
        |o| o.id.as_str(),
        &spec,
        origin(&st),
        uri.path(),
        &params,
    );
    Ok(json_list(page.iter().map(|o| org_json(o)).collect(), link))
}

async fn organization(State(st): St, Path(org): Path<String>) -> ApiResult {
    let org = usable_org(&st, &org)?;
    Ok(axum::Json(org_json(org)).into_response())
}

async fn org_networks(
    State(st): St,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let org = usable_org(&st, &org)?;
    let params = Params::parse(q.as_deref());
    let spec = page_spec(&params, 1000, 100_000)?;
    let tags = params.all("tags");
    let all = params.get("tagsFilterType") == Some("withAllTags");
    let types = params.all("productTypes");
    let bound = params.get("isBoundToConfigTemplate");
    if bound == Some("true") {
        return Ok(json_list(Vec::new(), None));
    }
    let mut nets: Vec<&Network> = org
        .networks
        .iter()
        .filter(|n| tags_match(&n.tags, &tags, all))
        .filter(|n| types.is_empty() || product_types(n).iter().any(|t| types.contains(t)))
        .collect();
    nets.sort_by(|a, b| a.id.cmp(&b.id));
    let (page, link) = paginate(
        &nets,
        |n| n.id.as_str(),
        &spec,
        origin(&st),
        uri.path(),
        &params,
    );
    Ok(json_list(
        page.iter().map(|n| network_json(org, n)).collect(),
        link,
    ))
}

fn org_device_list<'a>(org: &'a Organization, params: &Params) -> Vec<(&'a Network, &'a Device)> {
    let net_ids = params.all("networkIds");
    let types = params.all("productTypes");
    let tags = params.all("tags");
    let all = params.get("tagsFilterType") == Some("withAllTags");
    let serials = params.all("serials");
    let models = params.all("models");
    let serial = params.get("serial");
    let model = params.get("model");
    let mut list: Vec<(&Network, &Device)> = org
        .networks
        .iter()
        .flat_map(|n| n.devices.iter().map(move |d| (n, d)))
        .filter(|(n, _)| net_ids.is_empty() || net_ids.contains(&n.id.as_str()))
        .filter(|(_, d)| types.is_empty() || types.contains(&d.product_type().as_str()))
        .filter(|(_, d)| tags_match(&d.tags, &tags, all))
        .filter(|(_, d)| serials.is_empty() || serials.contains(&d.serial.as_str()))
        .filter(|(_, d)| models.is_empty() || models.contains(&d.model.as_str()))
        .filter(|(_, d)| serial.is_none_or(|s| d.serial.contains(s)))
        .filter(|(_, d)| model.is_none_or(|m| d.model.contains(m)))
        .collect();
    list.sort_by(|a, b| a.1.serial.cmp(&b.1.serial));
    list
}

async fn org_devices(
    State(st): St,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let org = usable_org(&st, &org)?;
    let params = Params::parse(q.as_deref());
    let spec = page_spec(&params, 1000, 5000)?;
    let list = org_device_list(org, &params);
    let (page, link) = paginate(
        &list,
        |(_, d)| d.serial.as_str(),
        &spec,
        origin(&st),
        uri.path(),
        &params,
    );
    Ok(json_list(
        page.iter().map(|(n, d)| device_json(n, d)).collect(),
        link,
    ))
}

async fn org_inventory(
    State(st): St,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let org = usable_org(&st, &org)?;
    let params = Params::parse(q.as_deref());
    let spec = page_spec(&params, 1000, 1000)?;
    let list = org_device_list(org, &Params::default());
    let (page, link) = paginate(
        &list,
        |(_, d)| d.serial.as_str(),
        &spec,
        origin(&st),
        uri.path(),
        &params,
    );
    Ok(json_list(
        page.iter()
            .map(|(n, d)| {
                json!({
                    "mac": d.mac,
                    "serial": d.serial,
                    "name": d.name,
                    "model": d.model,
                    "networkId": n.id,
                    "orderNumber": Value::Null,
                    "claimedAt": "2024-01-15T09:30:00.000000Z",
                    "licenseExpirationDate": Value::Null,
                    "tags": d.tags,
                    "productType": d.product_type().as_str(),
                    "countryCode": Value::Null,
                    "details": [],
                })
            })
            .collect(),
        link,
    ))
}

async fn network(State(st): St, Path(net): Path<String>) -> ApiResult {
    let (_, org, net) = usable_network(&st, &net)?;
    Ok(axum::Json(network_json(org, net)).into_response())
}

async fn network_devices(State(st): St, Path(net): Path<String>) -> ApiResult {
    let (_, _, net) = usable_network(&st, &net)?;
    Ok(json_list(
        net.devices
            .iter()
            .map(|d| network_device_json(net, d))
            .collect(),
        None,
    ))
}

async fn device(State(st): St, Path(serial): Path<String>) -> ApiResult {
    let (_, _, net, d) = usable_device(&st, &serial)?;
    Ok(axum::Json(device_json(net, d)).into_response())
}

/// The `500` a network set failing through `/_sim/` gives on its client calls.
pub(super) fn failing(st: &SimState, net: &Network) -> Result<(), ApiError> {
    if st.is_failing(&net.id) {
        st.counters.failing_network();
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        ));
    }
    Ok(())
}

async fn device_clients(
    State(st): St,
    Path(serial): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    // The instant the request is served at: read first, before any work.
    let now = st.clock.now();
    let (_, _, net, d) = usable_device(&st, &serial)?;
    let w = window(&Params::parse(q.as_deref()), now)?;
    if d.product_type() == ProductType::Other {
        return Err(ApiError::bad_request("Invalid device type"));
    }
    failing(&st, net)?;
    let items = off_the_runtime(&st, move |st| {
        let Some((flat, _, net, d)) = st.device(&serial) else {
            return Vec::new();
        };
        st.seen(flat, Some(d), w.a, w.b, now)
            .iter()
            .map(|s| serde_json::to_value(device_client_json(net, d, s)).unwrap_or(Value::Null))
            .collect()
    })
    .await?;
    Ok(json_list(items, None))
}

async fn network_clients(
    State(st): St,
    Path(net): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let now = st.clock.now();
    let (_, _, net) = usable_network(&st, &net)?;
    let params = Params::parse(q.as_deref());
    let w = window(&params, now)?;
    let spec = page_spec(&params, 10, 5000)?;
    failing(&st, net)?;
    let net_id = net.id.clone();
    let (items, link) = off_the_runtime(&st, move |st| {
        network_clients_page(st, &net_id, w, now, &params, &spec, uri.path())
    })
    .await?;
    Ok(json_list(items, link))
}

/// One page of `/networks/{id}/clients` (the heavy part, run off the async workers).
fn network_clients_page(
    st: &SimState,
    net_id: &str,
    w: Window,
    now: jiff::Timestamp,
    params: &Params,
    spec: &PageSpec,
    path: &str,
) -> (Vec<Value>, Option<String>) {
    let Some((flat, _, net)) = st.network(net_id) else {
        return (Vec::new(), None);
    };
    let mut seen = st.seen(flat, None, w.a, w.b, now);
    let now_min = crate::state::minute_ceil(now);
    let statuses = params.all("statuses");
    if !statuses.is_empty() {
        seen.retain(|s| {
            let online = s.usage.last_min.is_some_and(|m| now_min - m <= 5);
            statuses.contains(&if online { "Online" } else { "Offline" })
        });
    }
    if let Some(mac) = params.get("mac") {
        seen.retain(|s| s.client.mac.eq_ignore_ascii_case(mac));
    }
    if let Some(ip) = params.get("ip") {
        seen.retain(|s| s.addressing.ip.as_deref() == Some(ip));
    }
    if let Some(vlan) = params.get("vlan") {
        seen.retain(|s| s.addressing.vlan.map(|v| v.to_string()).as_deref() == Some(vlan));
    }
    seen.sort_by(|a, b| a.client.id.cmp(&b.client.id));
    let (page, link) = paginate(
        &seen,
        |s| s.client.id.as_str(),
        spec,
        origin(st),
        path,
        params,
    );
    (
        page.iter()
            .map(|s| network_client_json(net, s, now_min))
            .collect(),
        link,
    )
}

/// The VLAN list, or the errors a non-appliance or single-LAN network gives.
pub(super) fn vlans_of(net: &Network) -> Result<&[Vlan], ApiError> {
    let has_appliance = net
        .devices
        .iter()
        .any(|d| d.product_type() == ProductType::Appliance);
    if !has_appliance {
        return Err(ApiError::bad_request(
            "This endpoint is only allowed on MX networks",
        ));
    }
    net.vlans
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("VLANs are not enabled for this network"))
}

async fn network_vlans(State(st): St, Path(net): Path<String>) -> ApiResult {
    let (_, _, net) = usable_network(&st, &net)?;
    let vlans = vlans_of(net)?;
    Ok(json_list(vlans.iter().map(vlan_json).collect(), None))
}

/// The 15 SSID slots of a network with access points: the configured ones from the world,
/// the others `Unconfigured SSID n` and disabled, as the Dashboard lists them.
async fn network_ssids(State(st): St, Path(net): Path<String>) -> ApiResult {
    let (_, _, net) = usable_network(&st, &net)?;
    let wireless = net
        .devices
        .iter()
        .any(|d| d.product_type() == ProductType::Wireless);
    if !wireless {
        return Err(ApiError::bad_request(
            "This endpoint only supports wireless networks",
        ));
    }
    let slots = (0..=MAX_SSID_NUMBER)
        .map(|number| {
            let configured = net.ssids.iter().find(|s| s.number == number);
            json!({
                "number": number,
                "name": configured.map_or_else(
                    || format!("Unconfigured SSID {}", u32::from(number) + 1),
                    |s| s.name.clone(),
                ),
                "enabled": configured.is_some_and(|s| s.enabled),
                "splashPage": "None",
                "ssidAdminAccessible": false,
                "authMode": if configured.is_some() { "psk" } else { "open" },
                "ipAssignmentMode": "Bridge mode",
                "bandSelection": "Dual band operation",
                "minBitrate": 11,
                "perClientBandwidthLimitUp": 0,
                "perClientBandwidthLimitDown": 0,
                "perSsidBandwidthLimitUp": 0,
                "perSsidBandwidthLimitDown": 0,
                "mandatoryDhcpEnabled": false,
                "speedBurst": { "enabled": false },
                "visible": true,
                "availableOnAllAps": true,
                "availabilityTags": [],
            })
        })
        .collect();
    Ok(json_list(slots, None))
}
