//! The v0 paths the original `usagestats.py` called, with v0 shapes: tags as one
//! space-separated string with leading and trailing spaces, integer VLANs, no pagination.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::v1::{failing, product_types, usable_device, usable_network, usable_org, vlans_of};
use super::{ApiError, Params, json_list, off_the_runtime, window};
use crate::state::SimState;
use crate::world::ProductType;

type St = State<Arc<SimState>>;
type ApiResult = Result<Response, ApiError>;

pub(super) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/organizations", get(organizations))
        .route("/organizations/{org}/networks", get(networks))
        .route("/networks/{net}/devices", get(devices))
        .route("/networks/{net}/vlans", get(vlans))
        .route("/devices/{serial}/clients", get(clients))
}

/// v0 tag strings: `" tag1 tag2 "`, or `None` when there are no tags.
fn v0_tags(tags: &[String]) -> Option<String> {
    (!tags.is_empty()).then(|| format!(" {} ", tags.join(" ")))
}

/// v0 sent whole kB as integers and fractions as floats.
fn v0_kb(millis: i64) -> Value {
    if millis % 1000 == 0 {
        json!(millis / 1000)
    } else {
        json!(millis as f64 / 1000.0)
    }
}

async fn organizations(State(st): St) -> ApiResult {
    Ok(json_list(
        st.world
            .organizations
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "name": o.name,
                    "url": format!("https://n{}.meraki.com/o/{}/manage/organization/overview",
                        100 + crate::rng::hash_str(&o.id) % 300, o.id),
                })
            })
            .collect(),
        None,
    ))
}

async fn networks(State(st): St, Path(org): Path<String>) -> ApiResult {
    let org = usable_org(&st, &org)?;
    Ok(json_list(
        org.networks
            .iter()
            .map(|n| {
                let types = product_types(n);
                let kind = if types.len() == 1 {
                    types[0]
                } else {
                    "combined"
                };
                json!({
                    "id": n.id,
                    "organizationId": org.id,
                    "name": n.name,
                    "timeZone": n.time_zone,
                    // The original script calls `tags.find(...)`, so never null.
                    "tags": v0_tags(&n.tags).unwrap_or_default(),
                    "productTypes": types,
                    "type": kind,
                    "disableMyMerakiCom": false,
                    "disableRemoteStatusPage": true,
                })
            })
            .collect(),
        None,
    ))
}

async fn devices(State(st): St, Path(net): Path<String>) -> ApiResult {
    let (_, _, net) = usable_network(&st, &net)?;
    Ok(json_list(
        net.devices
            .iter()
            .map(|d| {
                let mut obj = json!({
                    "lanIp": d.lan_ip,
                    "serial": d.serial,
                    "mac": d.mac,
                    "lat": 37.4180951010362,
                    "lng": -122.098531723022,
                    "address": "",
                    "name": d.name,
                    "model": d.model,
                    "networkId": net.id,
                });
                // v0 left the key out entirely for untagged devices.
                if let (Some(tags), Some(map)) = (v0_tags(&d.tags), obj.as_object_mut()) {
                    map.insert("tags".to_string(), json!(tags));
                }
                obj
            })
            .collect(),
        None,
    ))
}

async fn vlans(State(st): St, Path(net): Path<String>) -> ApiResult {
    let (_, _, net) = usable_network(&st, &net)?;
    let vlans = vlans_of(net)?;
    Ok(json_list(
        vlans
            .iter()
            .map(|v| {
                json!({
                    "id": v.id,
                    "networkId": net.id,
                    "name": v.name,
                    "applianceIp": v.appliance_ip,
                    "subnet": v.subnet,
                    "fixedIpAssignments": {},
                    "reservedIpRanges": [],
                    "dnsNameservers": "upstream_dns",
                })
            })
            .collect(),
        None,
    ))
}

async fn clients(State(st): St, Path(serial): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    let now = st.clock.now();
    let (_, _, net, d) = usable_device(&st, &serial)?;
    let w = window(&Params::parse(q.as_deref()), now)?;
    if d.product_type() == ProductType::Other {
        return Err(ApiError::bad_request("Invalid device type"));
    }
    failing(&st, net)?;
    let items = off_the_runtime(&st, move |st| {
        let Some((flat, _, _, d)) = st.device(&serial) else {
            return Vec::new();
        };
        st.seen(flat, Some(d), w.a, w.b, now)
            .iter()
            .map(|s| {
                json!({
                    "id": s.client.id,
                    "description": s.client.description,
                    "mdnsName": s.client.mdns_name,
                    "dhcpHostname": s.client.dhcp_hostname,
                    "mac": s.client.mac,
                    "ip": s.addressing.ip,
                    "vlan": s.addressing.vlan,
                    "switchport": Value::Null,
                    "usage": { "sent": v0_kb(s.usage.sent), "recv": v0_kb(s.usage.recv) },
                    "user": s.client.user,
                })
            })
            .collect()
    })
    .await?;
    Ok(json_list(items, None))
}
