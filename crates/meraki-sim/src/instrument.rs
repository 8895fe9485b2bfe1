//! The outermost layer: names each request's endpoint and organization (for the limiter, the
//! fault injector and the counters) and records the outcome once the response is ready (and,
//! while a test records them, the request itself).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::middleware::Next;
use http::{Request, Response};

use crate::counters::Outcome;
use crate::record::RecordedRequest;
use crate::state::SimState;

/// Where a request goes, decided from its path before routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteInfo {
    /// A Meraki API path (v1 under the prefix, or v0): limited, faulted and counted.
    pub(crate) is_api: bool,
    /// Operation id, e.g. `getDeviceClients`.
    pub(crate) endpoint: &'static str,
    /// The organization the path belongs to, when it resolves to a known one.
    pub(crate) org: Option<String>,
}

/// Marker put in a response's extensions when latency was added.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delayed;

pub(crate) fn classify(state: &SimState, path: &str) -> RouteInfo {
    let not_api = RouteInfo {
        is_api: false,
        endpoint: "sim",
        org: None,
    };
    let (v0, rest) = if let Some(rest) = strip(path, &state.prefix) {
        (false, rest)
    } else if let Some(rest) = strip(path, "/api/v0") {
        (true, rest)
    } else {
        return not_api;
    };
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let org_of = |s: &str| state.org(s).map(|o| o.id.clone());
    let net_org = |s: &str| state.org_of_network(s).map(str::to_string);
    let dev_org = |s: &str| state.org_of_device(s).map(str::to_string);
    let (endpoint, org) = match (v0, segs.as_slice()) {
        (false, ["organizations"]) => ("getOrganizations", None),
        (false, ["organizations", o]) => ("getOrganization", org_of(o)),
        (false, ["organizations", o, "networks"]) => ("getOrganizationNetworks", org_of(o)),
        (false, ["organizations", o, "devices"]) => ("getOrganizationDevices", org_of(o)),
        (false, ["organizations", o, "inventoryDevices"]) => {
            ("getOrganizationInventoryDevices", org_of(o))
        }
        (false, ["networks", n]) => ("getNetwork", net_org(n)),
        (false, ["networks", n, "devices"]) => ("getNetworkDevices", net_org(n)),
        (false, ["networks", n, "clients"]) => ("getNetworkClients", net_org(n)),
        (false, ["networks", n, "appliance", "vlans"]) => ("getNetworkApplianceVlans", net_org(n)),
        (false, ["networks", n, "wireless", "ssids"]) => ("getNetworkWirelessSsids", net_org(n)),
        (false, ["devices", s]) => ("getDevice", dev_org(s)),
        (false, ["devices", s, "clients"]) => ("getDeviceClients", dev_org(s)),
        (true, ["organizations"]) => ("v0.getOrganizations", None),
        (true, ["organizations", o, "networks"]) => ("v0.getOrganizationNetworks", org_of(o)),
        (true, ["networks", n, "devices"]) => ("v0.getNetworkDevices", net_org(n)),
        (true, ["networks", n, "vlans"]) => ("v0.getNetworkVlans", net_org(n)),
        (true, ["devices", s, "clients"]) => ("v0.getDeviceClients", dev_org(s)),
        (_, _) => ("unknown", None),
    };
    RouteInfo {
        is_api: true,
        endpoint,
        org,
    }
}

fn strip<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The middleware that classifies and counts.
pub(crate) async fn instrument(
    State(state): State<Arc<SimState>>,
    mut req: Request<Body>,
    next: Next,
) -> Response<Body> {
    let route = classify(&state, req.uri().path());
    req.extensions_mut().insert(route.clone());
    let recording = (route.is_api && state.recorder.is_on()).then(|| {
        (
            req.method().to_string(),
            req.uri().path().to_owned(),
            req.uri().query().map(str::to_owned),
            state.clock.now(),
        )
    });
    let resp = next.run(req).await;
    if let Some((method, path, query, at)) = recording {
        state.recorder.push(RecordedRequest {
            method,
            path,
            query,
            at,
            status: resp.status().as_u16(),
            endpoint: route.endpoint,
        });
    }
    if route.is_api {
        let outcome = resp
            .extensions()
            .get::<Outcome>()
            .copied()
            .unwrap_or_default();
        let delayed = resp.extensions().get::<Delayed>().is_some();
        state.counters.record(
            route.endpoint,
            route.org.as_deref(),
            resp.status().as_u16(),
            outcome,
            delayed,
        );
    }
    resp
}
