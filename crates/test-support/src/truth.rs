//! The frozen clock of every test world, and what a perfect sync stores (from meraki-sim's
//! ground truth) compared with what a database holds.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use meraki_sim::SimHandle;
use usage_model::{
    Classifier, ClientAddr, DeviceType, Filter, Groups, Kb, NetworkIdentity, Source, SsidInfo,
    Traffic, VlanInfo,
};

/// The frozen "now": the 30 days before it contain the US (2026-03-08) and EU (2026-03-29)
/// spring-forward days and the end of southern-hemisphere DST (Adelaide, Lord Howe's
/// 30-minute shift and Chatham on 2026-04-05).
pub const NOW: &str = "2026-04-07T10:17:00Z";

/// [`NOW`] as a timestamp.
pub fn now() -> Timestamp {
    NOW.parse().expect("valid timestamp")
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

/// What a perfect sync with the device source stores, from ground truth, for the networks and
/// devices `filter` selects, over `days_of(network tz)`: per network, each selected device's
/// view summed (a client seen by two selected devices counts twice).
pub fn expected(
    sim: &SimHandle,
    groups: &Groups,
    filter: &Filter,
    days_of: &dyn Fn(&TimeZone) -> Vec<Date>,
) -> Table {
    expected_from(sim, groups, filter, Source::Device, days_of)
}

/// What a perfect sync from `source` stores, from ground truth, over `days_of(network tz)`.
/// The device source: [`expected`]. The network source: for every network the filter's
/// `org:`/`net:`/`tag:` select that has a device reporting clients, the network view
/// ([`SimHandle::network_ground_truth`]): each client once, classified with its SSID, and
/// `ssid:<number>` rules resolved through the world's SSID list.
pub fn expected_from(
    sim: &SimHandle,
    groups: &Groups,
    filter: &Filter,
    source: Source,
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
            .filter(|d| match source {
                Source::Device => {
                    filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags)
                }
                Source::Network => DeviceType::All.matches_model(&d.model),
            })
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
        let ssids: Vec<SsidInfo> = net
            .ssids
            .iter()
            .map(|s| SsidInfo {
                number: s.number,
                name: s.name.clone(),
            })
            .collect();
        let (classifier, _) = Classifier::with_ssids(groups, &identity, &vlans, &ssids);
        // The views read: each selected device's, or the network's own (`None`).
        let views: Vec<Option<&str>> = match source {
            Source::Device => devices.iter().map(|d| Some(d.serial.as_str())).collect(),
            Source::Network => vec![None],
        };
        for day in days_of(&tz) {
            let mut merged: HashMap<String, (Kb, Kb, ClientAddr)> = HashMap::new();
            for view in &views {
                for (id, u) in sim.ground_truth(&net.id, *view, day, &tz) {
                    let e = merged.entry(id).or_insert_with(|| {
                        (
                            Kb::ZERO,
                            Kb::ZERO,
                            ClientAddr {
                                ip: u.ip.as_deref().and_then(|s| s.parse().ok()),
                                ip6: u.ip6.as_deref().and_then(|s| s.parse().ok()),
                                vlan: u.vlan,
                                vlan_name: u.named_vlan.clone(),
                                // Only the network list reports SSIDs.
                                ssid: if view.is_none() { u.ssid.clone() } else { None },
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

/// How many `getDeviceClients` calls the simulator has answered.
pub fn device_client_calls(sim: &SimHandle) -> u64 {
    endpoint_calls(sim, "getDeviceClients")
}

/// How many `getNetworkClients` calls (pages) the simulator has answered.
pub fn network_client_calls(sim: &SimHandle) -> u64 {
    endpoint_calls(sim, "getNetworkClients")
}

/// How many calls of one endpoint (operation id, e.g. `getNetworkWirelessSsids`) the simulator
/// has answered.
pub fn endpoint_calls(sim: &SimHandle, endpoint: &str) -> u64 {
    sim.counters()
        .by_endpoint
        .get(endpoint)
        .copied()
        .unwrap_or(0)
}

/// The error bounds the database holds for every day in `first..=last`, keyed like
/// [`stored`]; rows without a bound are absent.
pub async fn stored_bounds(store: &storage::Store, first: Date, last: Date) -> Table {
    let mut table = Table::new();
    let mut day = first;
    while day <= last {
        for (network, position, bound) in store.report_bounds(day, day).await.expect("bounds") {
            put(&mut table, (network, day, position), bound);
        }
        day = day.tomorrow().expect("date");
    }
    table
}

/// How far stored figures are from ground truth (a sync against a moving clock).
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// Ground truth over every row, up plus down, in thousandths of a kB.
    pub truth_total: i128,
    /// Sum over rows and directions of |stored − truth|, in thousandths of a kB.
    pub abs_error: i128,
    /// The largest |stored − truth| / truth of a row holding at least 1 MB of truth.
    pub worst_row: f64,
    /// Rows whose error exceeds their stored bound (must be empty).
    pub outside_bound: Vec<String>,
    /// Rows with a non-zero stored bound.
    pub bounded_rows: usize,
}

impl Deviation {
    /// `abs_error / truth_total`.
    pub fn total_fraction(&self) -> f64 {
        self.abs_error as f64 / self.truth_total.max(1) as f64
    }
}

/// How far the database is from `want` (ground truth, possibly over more days than were
/// stored) over the (network, day) pairs the database holds complete: the figures and
/// bounds it stores for those days, compared with [`deviation`].
pub async fn deviation_of_stored(store: &storage::Store, want: Table) -> Deviation {
    let mut complete: HashMap<String, std::collections::BTreeSet<Date>> = HashMap::new();
    for (network, _, _) in want.keys() {
        if !complete.contains_key(network) {
            let days = store.complete_days(network).await.expect("complete days");
            complete.insert(network.clone(), days);
        }
    }
    let want: Table = want
        .into_iter()
        .filter(|(k, _)| complete.get(&k.0).is_some_and(|d| d.contains(&k.1)))
        .collect();
    let (first, last) = day_span(&want);
    let got = stored(store, first, last).await;
    deviation(&want, &got, &stored_bounds(store, first, last).await)
}

/// Compares `stored` with `expected`, row by row and direction by direction, against the
/// stored `bounds`.
pub fn deviation(expected: &Table, stored: &Table, bounds: &Table) -> Deviation {
    let mut keys: Vec<_> = expected.keys().chain(stored.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut d = Deviation {
        truth_total: 0,
        abs_error: 0,
        worst_row: 0.0,
        outside_bound: Vec::new(),
        bounded_rows: bounds.len(),
    };
    for key in keys {
        let e = expected.get(key).copied().unwrap_or_default();
        let s = stored.get(key).copied().unwrap_or_default();
        let b = bounds.get(key).copied().unwrap_or_default();
        let up = (i128::from(s.up.millis()) - i128::from(e.up.millis())).abs();
        let down = (i128::from(s.down.millis()) - i128::from(e.down.millis())).abs();
        if up > i128::from(b.up.millis()) || down > i128::from(b.down.millis()) {
            d.outside_bound
                .push(format!("{key:?}: truth {e:?}, stored {s:?}, bound {b:?}"));
        }
        let truth = i128::from(e.up.millis()) + i128::from(e.down.millis());
        d.truth_total += truth;
        d.abs_error += up + down;
        if truth >= 1_000_000 {
            d.worst_row = d.worst_row.max((up + down) as f64 / truth as f64);
        }
    }
    d
}
