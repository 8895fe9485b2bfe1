//! A simulator running on a runtime owned by the test, and helpers to run the binary at it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Command, Output};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use meraki_sim::{SimConfig, SimHandle, Simulator};
use usage_model::{Classifier, ClientAddr, Filter, Groups, Kb, NetworkIdentity, Traffic, VlanInfo};

/// The frozen clock of every test world.
pub const NOW: &str = "2026-04-07T10:17:00Z";

pub fn now() -> Timestamp {
    NOW.parse().expect("timestamp")
}

pub struct Sim {
    pub rt: tokio::runtime::Runtime,
    handle: Option<SimHandle>,
}

impl Sim {
    pub fn start(cfg: SimConfig) -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = rt
            .block_on(Simulator::start(cfg))
            .expect("simulator starts");
        Sim {
            rt,
            handle: Some(handle),
        }
    }

    pub fn handle(&self) -> &SimHandle {
        self.handle.as_ref().expect("running")
    }

    /// The binary, pointed at the simulator through the environment so command lines stay
    /// exactly as the manual writes them.
    pub fn cmd(&self, dir: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_usagestats"));
        c.current_dir(dir)
            .env("USAGESTATS_BASE_URL", self.handle().base_url())
            .env("USAGESTATS_NOW", self.handle().now().to_string())
            .env("USAGESTATS_ORG_RATE", "1000")
            .env("TZ", "UTC")
            .env_remove("MERAKI_DASHBOARD_API_KEY")
            .env_remove("USAGESTATS_SMTP_PASSWORD")
            .env_remove("RUST_LOG");
        c
    }

    pub fn store(&self, path: &Path) -> storage::Store {
        self.rt
            .block_on(storage::Store::open_existing(path))
            .expect("database opens")
    }

    pub fn stored(&self, path: &Path, first: Date, last: Date) -> Table {
        let store = self.store(path);
        self.rt.block_on(async {
            let mut table = Table::new();
            let mut day = first;
            while day <= last {
                for row in store.report_rows(day, day).await.expect("rows") {
                    put(
                        &mut table,
                        (row.network_id, day, row.group_position),
                        row.traffic,
                    );
                }
                day = day.tomorrow().expect("day");
            }
            store.close().await;
            table
        })
    }

    pub fn complete_days(&self, path: &Path) -> BTreeMap<String, usize> {
        let store = self.store(path);
        self.rt.block_on(async {
            let mut out = BTreeMap::new();
            for n in store.networks().await.expect("networks") {
                let days = store.complete_days(&n.id).await.expect("days");
                out.insert(n.id, days.len());
            }
            store.close().await;
            out
        })
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// Runs and returns the output; prints it when the test fails later.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("binary runs");
    eprintln!(
        "--- {:?}\nexit {:?}\nstdout:\n{}\nstderr:\n{}",
        cmd.get_args().collect::<Vec<_>>(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// (network id, day, group position or None for unmatched) → traffic; zeros left out.
pub type Table = BTreeMap<(String, Date, Option<usize>), Traffic>;

fn put(t: &mut Table, key: (String, Date, Option<usize>), v: Traffic) {
    if v != Traffic::default() {
        *t.entry(key).or_default() += v;
    }
}

/// The last `n` complete days whose start the API can still reach (31 days back).
pub fn last_days(now: Timestamp, tz: &TimeZone, n: i64) -> Vec<Date> {
    let today = now.to_zoned(tz.clone()).date();
    let oldest = now
        .checked_sub(usage_model::API_MAX_LOOKBACK)
        .expect("time");
    (1..=n)
        .rev()
        .map(|b| today.checked_sub(b.days()).expect("day"))
        .filter(|d| usage_model::day_bounds(*d, tz).0 >= oldest)
        .collect()
}

/// Per selected network, how many days a 30-day sync at the simulator's now stores.
pub fn expected_day_counts(sim: &SimHandle, filter: &Filter) -> BTreeMap<String, usize> {
    sim.world()
        .networks()
        .filter(|(org, net)| {
            net.devices
                .iter()
                .any(|d| filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags))
        })
        .map(|(_, n)| {
            let tz = TimeZone::get(&n.time_zone).expect("zone");
            (n.id.clone(), last_days(sim.now(), &tz, 30).len())
        })
        .collect()
}

/// Ground truth of the last 30 days for what `filter` selects, classified into `groups`.
pub fn expected(sim: &SimHandle, groups: &Groups, filter: &Filter) -> Table {
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
        let tz = TimeZone::get(&net.time_zone).expect("zone");
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
        for day in last_days(sim.now(), &tz, 30) {
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

pub fn span(t: &Table) -> (Date, Date) {
    (
        t.keys().map(|k| k.1).min().expect("non-empty"),
        t.keys().map(|k| k.1).max().expect("non-empty"),
    )
}

pub fn assert_tables_match(expected: &Table, stored: &Table) {
    assert!(!expected.is_empty(), "the scenario must produce traffic");
    let mut bad = Vec::new();
    for key in expected.keys().chain(stored.keys()) {
        let e = expected.get(key).copied().unwrap_or_default();
        let s = stored.get(key).copied().unwrap_or_default();
        if (e.up.millis() - s.up.millis()).abs() > 1000
            || (e.down.millis() - s.down.millis()).abs() > 1000
        {
            bad.push(format!("{key:?}: expected {e:?}, stored {s:?}"));
        }
    }
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{} entries differ: {:#?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
}

/// Selected network ids under `filter`.
pub fn selected_networks(sim: &SimHandle, filter: &Filter) -> Vec<String> {
    sim.world()
        .networks()
        .filter(|(org, net)| {
            net.devices
                .iter()
                .any(|d| filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags))
        })
        .map(|(_, n)| n.id.clone())
        .collect()
}

pub fn device_client_calls(sim: &SimHandle) -> u64 {
    sim.counters()
        .by_endpoint
        .get("getDeviceClients")
        .copied()
        .unwrap_or(0)
}

/// Snapshot calls a first 30-day sync needs: days + 1 per selected device of each network.
pub fn minimal_snapshot_calls(sim: &SimHandle, filter: &Filter) -> u64 {
    sim.world()
        .networks()
        .map(|(org, net)| {
            let devices = net
                .devices
                .iter()
                .filter(|d| {
                    filter.selects_device(&org.name, &net.name, &net.tags, &d.model, &d.tags)
                })
                .count() as u64;
            if devices == 0 {
                return 0;
            }
            let tz = TimeZone::get(&net.time_zone).expect("zone");
            (last_days(sim.now(), &tz, 30).len() as u64 + 1) * devices
        })
        .sum()
}
