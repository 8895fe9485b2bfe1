//! Shared helpers.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};

use meraki_sim::{Device, Network, ProductType, SimConfig, SimHandle, Simulator, World};
use serde_json::Value;
use usage_model::Kb;

pub async fn start(config: SimConfig) -> SimHandle {
    Simulator::start(config).await.expect("simulator starts")
}

/// Each network holding a device of `kind`, with its first such device.
pub fn networks_with(
    world: &World,
    kind: ProductType,
) -> impl Iterator<Item = (&Network, &Device)> {
    world.networks().filter_map(move |(_, n)| {
        n.devices
            .iter()
            .find(|d| d.product_type() == kind)
            .map(|d| (n, d))
    })
}

/// The first of [`networks_with`], cloned so the simulator stays free to be advanced or shut
/// down while they are in use.
pub fn first_device(sim: &SimHandle, kind: ProductType) -> (Network, Device) {
    networks_with(sim.world(), kind)
        .next()
        .map(|(n, d)| (n.clone(), d.clone()))
        .unwrap_or_else(|| panic!("no network with a {kind:?} device"))
}

/// A plain HTTP client. reqwest is built without a TLS crypto provider of its own (the
/// workspace uses ring for every rustls user), so the process default is installed first.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().expect("reqwest client")
}

/// One client per simulator: building a client is costly (TLS roots), and a client must not
/// outlive the test runtime its connections belong to, which a per-simulator client never does.
fn client_for(sim: &SimHandle) -> reqwest::Client {
    static CLIENTS: OnceLock<Mutex<HashMap<SocketAddr, reqwest::Client>>> = OnceLock::new();
    let map = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(sim.addr()).or_insert_with(http).clone()
}

/// GET with the Bearer key; returns status, headers and the parsed body (Null if not JSON).
pub async fn get(sim: &SimHandle, url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        format!("{}{url}", sim.base_url())
    };
    let resp = client_for(sim)
        .get(&url)
        .bearer_auth(sim.api_key())
        .send()
        .await
        .expect("request succeeds");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

pub async fn get_ok(sim: &SimHandle, url: &str) -> Value {
    let (status, _, body) = get(sim, url).await;
    assert_eq!(status, 200, "GET {url}: {body}");
    body
}

pub fn kb(v: &Value) -> Kb {
    Kb::from_api(v.as_f64().expect("usage is a number")).expect("finite usage")
}

/// A device-clients snapshot: client id → (sent, recv).
pub fn snapshot(body: &Value) -> BTreeMap<String, (Kb, Kb)> {
    body.as_array()
        .expect("array")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                (kb(&c["usage"]["sent"]), kb(&c["usage"]["recv"])),
            )
        })
        .collect()
}

/// The `rel=next` URL of a `Link` header.
pub fn link(headers: &reqwest::header::HeaderMap, rel: &str) -> Option<String> {
    let value = headers.get("link")?.to_str().ok()?;
    value.split(", ").find_map(|part| {
        let (url, params) = part.split_once(';')?;
        (params.trim() == format!("rel={rel}")).then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

pub fn error_message(body: &Value) -> String {
    body["errors"][0].as_str().unwrap_or_default().to_string()
}
