//! Shared set-up: a simulator with a frozen clock, a client, a database in a temp dir, and
//! the expected table computed from the simulator's ground truth.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use meraki_client::{ApiKey, Client};
use meraki_sim::{SimConfig, SimHandle, Simulator};
pub use test_support::truth::{
    Table, assert_tables_match, day_span, device_client_calls, expected, expected_days, now, stored,
};
use usage_model::{Filter, Groups};
use usage_sync::{NoProgress, SyncConfig, SyncSummary};

/// Groups exercising VLAN ids, VLAN names (with spaces and non-ASCII), a tag-scoped rule (on
/// a tag of a network that has VLANs), IPv6 and IPv4 subnets; clients on other LANs stay
/// unmatched.
pub fn groups(sim: &SimHandle) -> Groups {
    let tag = sim
        .world()
        .networks()
        .find(|(_, n)| n.vlans.as_ref().is_some_and(|v| v.len() > 1) && !n.tags.is_empty())
        .map(|(_, n)| n.tags[0].clone())
        .expect("a tagged network with VLANs");
    Groups::parse(&format!(
        "Voice=vid:20;Guests=vname:Guest Wi‑Fi,vname:IoT Geräte;\
         Tagged=@tag:{tag} sub:10.0.0.0/8;V6=sub:2001:db8::/32;Corp=sub:10.0.0.0/8"
    ))
    .expect("groups parse")
}

pub fn small_world() -> SimConfig {
    SimConfig {
        seed: 7,
        orgs: 3,
        networks_per_org: 4,
        devices_per_network: 2,
        clients_per_network: 40,
        ..SimConfig::default()
    }
    .with_now(now())
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    Simulator::start(cfg).await.expect("simulator starts")
}

pub fn client(sim: &SimHandle) -> Client {
    Client::builder()
        .api_key(ApiKey::new(sim.api_key()))
        .base_url(&sim.base_url())
        .expect("base url")
        .org_rate_limit(2000.0)
        .global_rate_limit(10_000.0)
        .max_retries(12)
        .retry_backoff(Duration::from_millis(5))
        .build()
        .expect("client")
}

pub struct Db {
    pub _dir: tempfile::TempDir,
    pub store: storage::Store,
}

pub async fn db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = storage::Store::open(&dir.path().join("usage.sqlite"))
        .await
        .expect("store opens");
    Db { _dir: dir, store }
}

pub async fn save_groups(store: &storage::Store, groups: &Groups, filter: &Filter) {
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    store
        .save_settings(
            &storage::Settings {
                groups: groups.to_string(),
                filter: filter.to_string(),
                time_zone_mode: storage::TimeZoneMode::Network,
                source: usage_model::Source::Device,
            },
            &names,
        )
        .await
        .expect("settings saved");
}

pub fn config(groups: &Groups, filter: &Filter, now: Timestamp) -> SyncConfig {
    SyncConfig::new(groups.clone(), filter.clone()).with_now(now)
}

pub async fn sync(client: &Client, store: &storage::Store, config: &SyncConfig) -> SyncSummary {
    usage_sync::sync(client, store, config, &NoProgress)
        .await
        .expect("sync runs")
}

/// Per selected network: its zone and its selected device count.
pub fn selected(sim: &SimHandle, filter: &Filter) -> BTreeMap<String, (TimeZone, usize)> {
    let mut out = BTreeMap::new();
    for (org, net) in sim.world().networks() {
        if !filter.selects_network(&org.name, &net.name, &net.tags) {
            continue;
        }
        let n = net
            .devices
            .iter()
            .filter(|d| filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags))
            .count();
        if n > 0 {
            out.insert(
                net.id.clone(),
                (TimeZone::get(&net.time_zone).expect("zone"), n),
            );
        }
    }
    out
}
