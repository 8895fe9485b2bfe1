//! Shared set-up: a simulator with a frozen clock, a client, a database in a temp dir, and
//! the expected table computed from the simulator's ground truth.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use meraki_client::{ApiKey, Client};
use meraki_sim::{SimConfig, SimHandle, Simulator};
use usage_model::{Classifier, ClientAddr, Filter, Groups, Kb, NetworkIdentity, Traffic, VlanInfo};
use usage_sync::{NoProgress, SyncConfig, SyncSummary};

/// The frozen "now": the 30 days before it contain the US (2026-03-08) and EU (2026-03-29)
/// spring-forward days and the end of southern-hemisphere DST (Adelaide, Lord Howe's
/// 30-minute shift and Chatham on 2026-04-05).
pub const NOW: &str = "2026-04-07T10:17:00Z";

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

pub fn now() -> Timestamp {
    NOW.parse().expect("valid timestamp")
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
                time_zone_mode: "network".into(),
            },
            &names,
        )
        .await
        .expect("settings saved");
}

pub fn config(groups: &Groups, filter: &Filter, now: Timestamp) -> SyncConfig {
    let mut c = SyncConfig::new(groups.clone(), filter.clone());
    c.now = Some(now);
    c
}

pub async fn sync(client: &Client, store: &storage::Store, config: &SyncConfig) -> SyncSummary {
    usage_sync::sync(client, store, config, &NoProgress)
        .await
        .expect("sync runs")
}

/// (network id, day, group position or None for unmatched) → traffic; zero entries left out.
pub type Table = BTreeMap<(String, Date, Option<usize>), Traffic>;

fn put(t: &mut Table, key: (String, Date, Option<usize>), v: Traffic) {
    if v != Traffic::default() {
        *t.entry(key).or_default() += v;
    }
}

/// The days a sync at `now` must store for a network in `tz`: the last `lookback` complete
/// days whose start the API can still reach (31 days back; in a zone where it is late in the
/// evening and a DST change happened in the window, the oldest day is just out of reach).
pub fn expected_days(now: Timestamp, tz: &TimeZone, lookback: i64) -> Vec<Date> {
    let today = now.to_zoned(tz.clone()).date();
    let oldest = now
        .checked_sub(usage_model::API_MAX_LOOKBACK)
        .expect("time");
    (1..=lookback)
        .rev()
        .map(|back| today.checked_sub(back.days()).expect("date"))
        .filter(|d| usage_model::day_bounds(*d, tz).0 >= oldest)
        .collect()
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

/// What a perfect sync stores, from ground truth, for the networks and devices `filter`
/// selects, over `days_of(network tz)`.
pub fn expected(
    sim: &SimHandle,
    groups: &Groups,
    filter: &Filter,
    days_of: &dyn Fn(&TimeZone) -> Vec<Date>,
) -> Table {
    let mut table = Table::new();
    for (org, net) in sim.world().networks() {
        if !filter.selects_network(&org.name, &net.name, &net.tags) {
            continue;
        }
        let devices: Vec<_> = net
            .devices
            .iter()
            .filter(|d| filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags))
            .collect();
        if devices.is_empty() {
            continue;
        }
        let tz = TimeZone::get(&net.time_zone).expect("known zone");
        let vlans: Vec<VlanInfo> = net
            .vlans
            .iter()
            .flatten()
            .map(|v| VlanInfo {
                id: v.id,
                name: v.name.clone(),
                subnet: v.subnet.parse().ok(),
            })
            .collect();
        let identity = NetworkIdentity {
            org_name: org.name.clone(),
            net_name: net.name.clone(),
            tags: net.tags.clone(),
        };
        let (classifier, _) = Classifier::new(groups, &identity, &vlans);
        for day in days_of(&tz) {
            let mut merged: HashMap<String, (Kb, Kb, ClientAddr)> = HashMap::new();
            for d in &devices {
                for (id, u) in sim.ground_truth(&net.id, Some(&d.serial), day, &tz) {
                    let e = merged.entry(id).or_insert_with(|| {
                        (
                            Kb::ZERO,
                            Kb::ZERO,
                            ClientAddr {
                                ip: u.ip.as_deref().and_then(|s| s.parse().ok()),
                                ip6: u.ip6.as_deref().and_then(|s| s.parse().ok()),
                                vlan: u.vlan,
                                vlan_name: u.named_vlan.clone(),
                            },
                        )
                    });
                    e.0 += u.sent;
                    e.1 += u.recv;
                }
            }
            for (sent, recv, addr) in merged.values() {
                let g = classifier.classify(addr).map(|g| g.0);
                put(
                    &mut table,
                    (net.id.clone(), day, g),
                    Traffic::from_sent_recv(*sent, *recv),
                );
            }
        }
    }
    table
}

/// What the database holds for every day in `first..=last`.
pub async fn stored(store: &storage::Store, first: Date, last: Date) -> Table {
    let mut table = Table::new();
    let mut day = first;
    while day <= last {
        for row in store.report_rows(day, day).await.expect("report rows") {
            put(
                &mut table,
                (row.network_id, day, row.group_position),
                row.traffic,
            );
        }
        day = day.tomorrow().expect("date");
    }
    table
}

/// Every key of both tables agrees within 1 kB (the bound of one rounding).
pub fn assert_tables_match(expected: &Table, stored: &Table) {
    assert!(!expected.is_empty(), "the scenario must produce traffic");
    let one_kb = 1000;
    let mut bad = Vec::new();
    for key in expected.keys().chain(stored.keys()) {
        let e = expected.get(key).copied().unwrap_or_default();
        let s = stored.get(key).copied().unwrap_or_default();
        if (e.up.millis() - s.up.millis()).abs() > one_kb
            || (e.down.millis() - s.down.millis()).abs() > one_kb
        {
            bad.push(format!("{key:?}: expected {e:?}, stored {s:?}"));
        }
    }
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{} of {} entries differ, first: {:#?}",
        bad.len(),
        expected.len(),
        &bad[..bad.len().min(5)]
    );
}

/// The span of days covered by a table.
pub fn day_span(t: &Table) -> (Date, Date) {
    let first = t.keys().map(|k| k.1).min().expect("non-empty");
    let last = t.keys().map(|k| k.1).max().expect("non-empty");
    (first, last)
}

pub fn device_client_calls(sim: &SimHandle) -> u64 {
    sim.counters()
        .by_endpoint
        .get("getDeviceClients")
        .copied()
        .unwrap_or(0)
}
