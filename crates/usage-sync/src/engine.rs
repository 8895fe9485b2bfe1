//! The sync itself: discover, plan, snapshot, diff, classify, store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use meraki_client::{
    Client, ClientWindow, Device, DeviceClient, DeviceQuery, Network, Organization,
};
use usage_model::{
    Classifier, ClientAddr, ClientDay, ClientUsage, DayClients, DayRun, Filter, Groups, Kb,
    NetworkIdentity, Snapshot, Traffic, VlanInfo,
};

use crate::error::{Error, Result};
use crate::progress::{NetworkFailure, Progress, ProgressSink, SyncStatus, SyncSummary};

/// What to sync and how.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The groups clients are classified into.
    pub groups: Groups,
    /// Which organizations, networks and devices to read.
    pub filter: Filter,
    /// The zone that defines a day for every network; `None` uses each network's own
    /// `timeZone` (UTC when the API gives none or an unknown one, with a warning).
    pub timezone: Option<TimeZone>,
    /// How many complete days back to fill (the API keeps 31; see
    /// [`usage_model::DEFAULT_LOOKBACK_DAYS`]).
    pub lookback_days: u32,
    /// The current instant; `None` reads the clock once at the start. Tests against a
    /// simulator with a frozen clock set it to the simulator's time.
    pub now: Option<Timestamp>,
    /// Networks of one organization processed at the same time.
    pub network_concurrency: usize,
    /// Snapshot requests of one network in flight at the same time. The client's pacing, not
    /// this number, sets the request rate; this only has to cover the round-trip time.
    pub request_concurrency: usize,
    /// How long to wait for another sync of the same database to finish before giving up
    /// with [`Error::Busy`].
    pub lock_wait: Duration,
}

impl SyncConfig {
    /// Defaults: every network in its own zone, the default look-back, the clock's now.
    pub fn new(groups: Groups, filter: Filter) -> SyncConfig {
        SyncConfig {
            groups,
            filter,
            timezone: None,
            lookback_days: usage_model::DEFAULT_LOOKBACK_DAYS,
            now: None,
            network_concurrency: 2,
            request_concurrency: 16,
            lock_wait: Duration::from_secs(3600),
        }
    }
}

/// Counters shared by every task of one sync.
struct Shared<'a> {
    client: &'a Client,
    store: &'a storage::Store,
    config: &'a SyncConfig,
    progress: &'a dyn ProgressSink,
    now: Timestamp,
    calls_done: AtomicU64,
    days_written: AtomicU64,
    anomalies: AtomicU64,
    unmatched: Mutex<Traffic>,
    warnings: Mutex<BTreeSet<String>>,
    failures: Mutex<Vec<NetworkFailure>>,
}

impl Shared<'_> {
    fn call_done(&self) {
        self.calls_done.fetch_add(1, Ordering::Relaxed);
        self.progress.event(&Progress::CallDone);
    }

    fn warn(&self, message: String) {
        // Expected in mixed estates (a VLAN name that only some networks have), so it is
        // info here; the summary carries every warning for the caller to present.
        tracing::info!("{message}");
        if let Ok(mut w) = self.warnings.lock() {
            w.insert(message);
        }
    }

    fn fail(&self, failure: NetworkFailure) {
        tracing::error!(
            organization = %failure.organization,
            network = %failure.network_name,
            "{}",
            failure.error
        );
        self.progress.event(&Progress::NetworkFailed {
            network_id: failure.network_id.clone(),
            network_name: failure.network_name.clone(),
            error: failure.error.clone(),
        });
        if let Ok(mut f) = self.failures.lock() {
            f.push(failure);
        }
    }
}

/// One organization after discovery.
struct OrgWork {
    org: Organization,
    networks: Vec<NetworkWork>,
}

/// One network with its selected devices and, after planning, its runs of missing days.
struct NetworkWork {
    network: Network,
    devices: Vec<Device>,
    tz: TimeZone,
    runs: Vec<DayRun>,
}

impl NetworkWork {
    fn snapshot_calls(&self) -> u64 {
        let boundaries: usize = self.runs.iter().map(|r| r.boundaries.len()).sum();
        (boundaries * self.devices.len()) as u64
    }
}

/// Runs one sync: discovers what the filter selects, fetches the complete days missing from
/// `store`, and stores them.
///
/// A network that still fails after the client's retries is reported in the summary and
/// skipped (the status is then [`SyncStatus::Partial`]); the other networks complete. A 401
/// or 403 during discovery stops the sync before anything is written.
///
/// # Errors
/// [`Error::Access`] / [`Error::Discovery`] when the organizations cannot be listed or access
/// is refused during discovery, [`Error::Busy`] when another sync holds the database,
/// [`Error::Storage`] when the database fails.
pub async fn sync(
    client: &Client,
    store: &storage::Store,
    config: &SyncConfig,
    progress: &dyn ProgressSink,
) -> Result<SyncSummary> {
    let started = Instant::now();
    let metrics_before = client.metrics();
    let shared = Shared {
        client,
        store,
        config,
        progress,
        now: config.now.unwrap_or_else(Timestamp::now),
        calls_done: AtomicU64::new(0),
        days_written: AtomicU64::new(0),
        anomalies: AtomicU64::new(0),
        unmatched: Mutex::new(Traffic::default()),
        warnings: Mutex::new(BTreeSet::new()),
        failures: Mutex::new(Vec::new()),
    };

    let (mut work, discovery_calls) = discover(&shared).await?;

    // Planning happens under the lock, so a sync that waited for another one only fetches
    // what that one left missing.
    let _lock = match store.try_lock_sync().await {
        Ok(lock) => lock,
        Err(storage::Error::SyncInProgress { holder, .. }) => {
            tracing::warn!(
                "another sync is running on this database ({holder}); waiting for it to finish"
            );
            store
                .lock_sync_waiting(config.lock_wait)
                .await
                .map_err(|e| match e {
                    storage::Error::SyncInProgress { .. } => Error::Busy,
                    other => Error::Storage(other),
                })?
        }
        Err(other) => return Err(Error::Storage(other)),
    };
    let run_id = store.begin_run().await?;

    let outcome = async {
        let mut planned = discovery_calls;
        for org in &mut work {
            store
                .upsert_organization(&org.org.id, &org.org.name)
                .await?;
            for net in &mut org.networks {
                store
                    .upsert_network(&storage::NetworkRecord {
                        id: net.network.id.clone(),
                        organization_id: org.org.id.clone(),
                        name: net.network.name.clone(),
                        tags: net.network.tags.clone(),
                        // The zone the API reports, not an override: the database keeps
                        // facts about the network.
                        time_zone: net.network.time_zone.clone().unwrap_or_default(),
                    })
                    .await?;
                let stored = store.complete_days(&net.network.id).await?;
                net.runs = usage_model::plan_missing_days(
                    &stored,
                    shared.now,
                    &net.tz,
                    config.lookback_days,
                );
                planned += net.snapshot_calls();
                if config.groups.needs_vlan_table() && !net.runs.is_empty() {
                    planned += 1;
                }
            }
        }
        progress.event(&Progress::Planned { calls: planned });

        futures::future::join_all(work.iter().map(|org| sync_org(&shared, org))).await;
        Ok::<u64, Error>(planned)
    }
    .await;

    let metrics = client.metrics();
    let failures = shared.failures.into_inner().unwrap_or_default();
    let summary = SyncSummary {
        status: if failures.is_empty() {
            SyncStatus::Complete
        } else {
            SyncStatus::Partial
        },
        organizations: work.len(),
        networks: work.iter().map(|o| o.networks.len()).sum(),
        devices: work
            .iter()
            .flat_map(|o| &o.networks)
            .map(|n| n.devices.len())
            .sum(),
        calls_planned: *outcome.as_ref().unwrap_or(&0),
        calls_done: shared.calls_done.load(Ordering::Relaxed),
        requests: metrics.requests.saturating_sub(metrics_before.requests),
        retries: metrics.retries.saturating_sub(metrics_before.retries),
        rate_limited: metrics
            .rate_limited_429
            .saturating_sub(metrics_before.rate_limited_429),
        days_written: shared.days_written.load(Ordering::Relaxed),
        anomalies: shared.anomalies.load(Ordering::Relaxed),
        unmatched: shared.unmatched.into_inner().unwrap_or_default(),
        warnings: shared
            .warnings
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        failures,
        elapsed: started.elapsed(),
    };
    let record = storage::RunSummary {
        status: match (&outcome, summary.status) {
            (Err(_), _) => storage::RunStatus::Failed,
            (Ok(_), SyncStatus::Complete) => storage::RunStatus::Ok,
            (Ok(_), SyncStatus::Partial) => storage::RunStatus::Partial,
        },
        calls: summary.requests,
        retries: summary.retries,
        rate_limited: summary.rate_limited,
        days_written: summary.days_written,
        error: match &outcome {
            Err(e) => Some(e.to_string()),
            Ok(_) if !summary.failures.is_empty() => Some(format!(
                "{} network(s) failed: {}",
                summary.failures.len(),
                summary.failures[0].error
            )),
            Ok(_) => None,
        },
    };
    // The audit row is best effort when the sync itself already failed on the database.
    let finished = store.finish_run(run_id, &record).await;
    outcome?;
    finished?;
    Ok(summary)
}

/// Lists organizations, networks and devices and applies the filter. Returns the selected
/// work and the number of calls made.
async fn discover(shared: &Shared<'_>) -> Result<(Vec<OrgWork>, u64)> {
    let filter = &shared.config.filter;
    let orgs = shared
        .client
        .organizations()
        .await
        .map_err(Error::from_discovery)?;
    shared.call_done();
    let orgs: Vec<Organization> = orgs
        .into_iter()
        .filter(|o| filter.org.as_deref().is_none_or(|name| name == o.name))
        .filter(|o| {
            // An organization with API access switched off answers 403 to everything; skip
            // it (with a warning) rather than fail the whole sync on it.
            let disabled = o.api.as_ref().is_some_and(|a| !a.enabled);
            if disabled {
                shared.warn(format!(
                    "organization {:?} has Dashboard API access disabled; skipped",
                    o.name
                ));
            }
            !disabled
        })
        .collect();

    let discovered: Vec<std::result::Result<OrgWork, (Organization, meraki_client::Error)>> =
        futures::future::join_all(orgs.into_iter().map(|org| discover_org(shared, org))).await;

    let mut work = Vec::new();
    let mut calls = 1u64;
    for d in discovered {
        calls += 2;
        match d {
            Ok(w) => work.push(w),
            Err((_, e @ meraki_client::Error::Unauthorized { .. }))
            | Err((_, e @ meraki_client::Error::Forbidden { .. })) => {
                return Err(Error::Access(e));
            }
            Err((org, e)) => shared.fail(NetworkFailure {
                organization: org.name.clone(),
                network_id: String::new(),
                network_name: String::new(),
                error: format!("organization {:?} skipped: {e}", org.name),
            }),
        }
    }
    let networks = work.iter().map(|o| o.networks.len()).sum();
    let devices = work
        .iter()
        .flat_map(|o| &o.networks)
        .map(|n| n.devices.len())
        .sum();
    shared.progress.event(&Progress::Discovered {
        organizations: work.len(),
        networks,
        devices,
    });
    Ok((work, calls))
}

async fn discover_org(
    shared: &Shared<'_>,
    org: Organization,
) -> std::result::Result<OrgWork, (Organization, meraki_client::Error)> {
    let client = shared.client;
    let filter = &shared.config.filter;
    let query = DeviceQuery::default();
    let (networks, devices) = futures::join!(
        async {
            let r = client.organization_networks(&org.id).await;
            shared.call_done();
            r
        },
        async {
            let r = client.organization_devices(&org.id, &query).await;
            shared.call_done();
            r
        }
    );
    let networks = match networks {
        Ok(n) => n,
        Err(e) => return Err((org, e)),
    };
    let devices = match devices {
        Ok(d) => d,
        Err(e) => return Err((org, e)),
    };

    let mut by_network: HashMap<String, Vec<Device>> = HashMap::new();
    for d in devices {
        if let Some(net_id) = d.network_id.clone() {
            by_network.entry(net_id).or_default().push(d);
        }
    }
    let mut selected = Vec::new();
    for network in networks {
        if !filter.selects_network(&org.name, &network.name, &network.tags) {
            continue;
        }
        let devices: Vec<Device> = by_network
            .remove(&network.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|d| {
                filter.selects_device(&org.name, &network.name, &network.tags, &d.model, &d.tags)
            })
            .collect();
        if devices.is_empty() {
            continue;
        }
        let tz = day_zone(shared, &network);
        selected.push(NetworkWork {
            network,
            devices,
            tz,
            runs: Vec::new(),
        });
    }
    Ok(OrgWork {
        org,
        networks: selected,
    })
}

fn day_zone(shared: &Shared<'_>, network: &Network) -> TimeZone {
    if let Some(tz) = &shared.config.timezone {
        return tz.clone();
    }
    match network.time_zone.as_deref() {
        Some(name) => match TimeZone::get(name) {
            Ok(tz) => tz,
            Err(_) => {
                shared.warn(format!(
                    "network {:?}: unknown time zone {name:?}, days are cut in UTC",
                    network.name
                ));
                TimeZone::UTC
            }
        },
        None => {
            shared.warn(format!(
                "network {:?} has no time zone, days are cut in UTC",
                network.name
            ));
            TimeZone::UTC
        }
    }
}

async fn sync_org(shared: &Shared<'_>, org: &OrgWork) {
    stream::iter(org.networks.iter())
        .for_each_concurrent(shared.config.network_concurrency.max(1), |net| async move {
            if let Err(e) = sync_network(shared, &org.org, net).await {
                shared.fail(NetworkFailure {
                    organization: org.org.name.clone(),
                    network_id: net.network.id.clone(),
                    network_name: net.network.name.clone(),
                    error: e,
                });
            }
        })
        .await;
}

/// Syncs one network's planned runs. Days of runs completed before a failure stay stored.
async fn sync_network(
    shared: &Shared<'_>,
    org: &Organization,
    net: &NetworkWork,
) -> std::result::Result<(), String> {
    if net.runs.is_empty() {
        return Ok(());
    }
    let groups = &shared.config.groups;
    let vlans = if groups.needs_vlan_table() {
        let r = shared.client.network_appliance_vlans(&net.network.id).await;
        shared.call_done();
        match r {
            Ok(list) => vlan_infos(list),
            Err(e) => {
                shared.warn(format!(
                    "network {:?}: VLAN list unavailable ({e}); vname rules match nothing there",
                    net.network.name
                ));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let identity = NetworkIdentity {
        org_name: org.name.clone(),
        net_name: net.network.name.clone(),
        tags: net.network.tags.clone(),
    };
    let (classifier, warnings) = Classifier::new(groups, &identity, &vlans);
    for w in warnings {
        shared.warn(format!("network {:?}: {w}", net.network.name));
    }

    for run in &net.runs {
        sync_run(shared, net, run, &classifier).await?;
    }
    Ok(())
}

/// Days per chunk of a run: each chunk's days are stored as soon as its snapshots are in, so
/// an interrupted sync keeps most of its work and memory stays bounded. The boundary shared
/// by two chunks is fetched once and carried over, so chunking costs no extra call.
const CHUNK_DAYS: usize = 5;

async fn sync_run(
    shared: &Shared<'_>,
    net: &NetworkWork,
    run: &DayRun,
    classifier: &Classifier,
) -> std::result::Result<(), String> {
    // Per device, the snapshot at the first boundary of the next chunk.
    let mut carried: Option<Vec<Snapshot>> = None;
    let mut start = 0;
    while start < run.days.len() {
        let end = (start + CHUNK_DAYS).min(run.days.len());
        let (Some(days), Some(boundaries)) =
            (run.days.get(start..end), run.boundaries.get(start..=end))
        else {
            return Err(format!(
                "internal: a run of {} days has {} boundaries",
                run.days.len(),
                run.boundaries.len()
            ));
        };
        let chunk = DayRun {
            days: days.to_vec(),
            boundaries: boundaries.to_vec(),
        };
        let skip = usize::from(carried.is_some());
        let fetched = fetch_snapshots(shared, net, &chunk.boundaries[skip..]).await?;
        let grid: Vec<Vec<Snapshot>> = match carried.take() {
            Some(first) => first
                .into_iter()
                .zip(fetched)
                .map(|(f, rest)| std::iter::once(f).chain(rest).collect())
                .collect(),
            None => fetched,
        };
        write_days(shared, net, &chunk, &grid, classifier)
            .await
            .map_err(|e| e.to_string())?;
        carried = Some(
            grid.into_iter()
                .map(|g| g.into_iter().last().unwrap_or_default())
                .collect(),
        );
        start = end;
    }
    Ok(())
}

/// Fetches, for every device, one snapshot per boundary. Returns `snapshots[device][boundary]`.
async fn fetch_snapshots(
    shared: &Shared<'_>,
    net: &NetworkWork,
    boundaries: &[Timestamp],
) -> std::result::Result<Vec<Vec<Snapshot>>, String> {
    let jobs: Vec<(usize, usize)> = (0..net.devices.len())
        .flat_map(|d| (0..boundaries.len()).map(move |b| (d, b)))
        .collect();
    let results: Vec<(usize, usize, Snapshot)> = stream::iter(jobs)
        .map(|(d, b)| async move {
            let device = &net.devices[d];
            let r = shared
                .client
                .device_clients(&device.serial, ClientWindow::Since(boundaries[b]))
                .await;
            shared.call_done();
            let clients = r.map_err(|e| format!("device {}: {e}", device.serial))?;
            Ok::<_, String>((d, b, to_snapshot(shared, &net.network.name, clients)))
        })
        .buffer_unordered(shared.config.request_concurrency.max(1))
        .try_collect()
        .await?;
    let mut grid: Vec<Vec<Snapshot>> = (0..net.devices.len())
        .map(|_| vec![Snapshot::default(); boundaries.len()])
        .collect();
    for (d, b, s) in results {
        grid[d][b] = s;
    }
    Ok(grid)
}

/// The classifier's view of an appliance VLAN list (entries without a usable id dropped).
pub(crate) fn vlan_infos(list: Vec<meraki_client::ApplianceVlan>) -> Vec<VlanInfo> {
    list.into_iter()
        .filter_map(|v| {
            Some(VlanInfo {
                id: v.id.as_u16()?,
                name: v.name.unwrap_or_default(),
                subnet: v.subnet.as_deref().and_then(|s| s.parse().ok()),
            })
        })
        .collect()
}

fn to_snapshot(shared: &Shared<'_>, network: &str, clients: Vec<DeviceClient>) -> Snapshot {
    let (snapshot, unreadable) = snapshot_of(clients);
    for id in unreadable {
        shared.warn(format!(
            "network {network:?}: client {id} has an unreadable usage value, ignored"
        ));
    }
    snapshot
}

/// The cumulative usage one `device_clients` answer reports, keyed by client id, and the ids
/// of clients whose usage could not be read exactly (left out).
pub(crate) fn snapshot_of(clients: Vec<DeviceClient>) -> (Snapshot, Vec<String>) {
    let mut snapshot = Snapshot::default();
    let mut unreadable = Vec::new();
    for c in clients {
        let (Some(sent), Some(recv)) = (Kb::from_api(c.usage.sent), Kb::from_api(c.usage.recv))
        else {
            unreadable.push(c.id);
            continue;
        };
        let addr = ClientAddr {
            ip: c.ip.as_deref().and_then(|s| s.trim().parse().ok()),
            ip6: c.ip6.as_deref().and_then(|s| s.trim().parse().ok()),
            vlan: c.vlan.as_ref().and_then(|v| v.as_u16()),
            vlan_name: c.named_vlan,
        };
        snapshot.clients.insert(
            c.id,
            ClientUsage {
                sent,
                recv,
                addr,
                mac: c.mac.unwrap_or_default(),
            },
        );
    }
    (snapshot, unreadable)
}

/// Day `i` of every device of a network as one list of clients.
///
/// A client seen by two selected devices of one network is counted once per device (the
/// original did the same; the manual warns about choosing devices), but stored as one client
/// row.
pub(crate) fn merge_devices(day: Date, per_device: &[Vec<DayClients>], i: usize) -> DayClients {
    let mut anomalies = 0u32;
    let mut merged: BTreeMap<String, ClientDay> = BTreeMap::new();
    for device_days in per_device {
        let Some(dc) = device_days.get(i) else {
            continue;
        };
        anomalies = anomalies.saturating_add(dc.anomalies);
        for c in &dc.clients {
            merged
                .entry(c.id.clone())
                .and_modify(|m| m.traffic += c.traffic)
                .or_insert_with(|| c.clone());
        }
    }
    DayClients {
        day,
        clients: merged.into_values().collect(),
        anomalies,
    }
}

async fn write_days(
    shared: &Shared<'_>,
    net: &NetworkWork,
    run: &DayRun,
    snapshots: &[Vec<Snapshot>],
    classifier: &Classifier,
) -> Result<()> {
    let per_device: Vec<Vec<DayClients>> = snapshots
        .iter()
        .map(|device_snaps| usage_model::diff_run(run, device_snaps))
        .collect();
    for (i, day) in run.days.iter().enumerate() {
        let day_clients = merge_devices(*day, &per_device, i);
        let anomalies = u64::from(day_clients.anomalies);
        let groups = usage_model::aggregate(classifier, &day_clients);
        let record = storage::DayRecord {
            network_id: net.network.id.clone(),
            day: *day,
            groups: groups.per_group.iter().copied().enumerate().collect(),
            unmatched: groups.unmatched,
            clients: day_clients
                .clients
                .iter()
                .map(|c| storage::ClientDayRecord {
                    client_id: c.id.clone(),
                    mac: (!c.mac.is_empty()).then(|| c.mac.clone()),
                    ip: c.addr.ip.map(|ip| ip.to_string()),
                    ip6: c.addr.ip6.map(|ip| ip.to_string()),
                    vlan: c.addr.vlan,
                    named_vlan: c.addr.vlan_name.clone(),
                    group: classifier.classify(&c.addr).map(|g| g.0),
                    traffic: c.traffic,
                })
                .collect(),
        };
        shared.store.write_day(&record).await?;
        shared.days_written.fetch_add(1, Ordering::Relaxed);
        shared.anomalies.fetch_add(anomalies, Ordering::Relaxed);
        if let Ok(mut u) = shared.unmatched.lock() {
            *u += groups.unmatched;
        }
        shared.progress.event(&Progress::DayWritten {
            network_id: net.network.id.clone(),
            day: *day,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use meraki_client::{Usage, VlanId};

    fn client(id: &str, sent: f64, recv: f64) -> DeviceClient {
        DeviceClient {
            id: id.to_string(),
            mac: Some(format!("00:00:00:00:00:{id}")),
            ip: None,
            ip6: None,
            vlan: None,
            named_vlan: None,
            description: None,
            user: None,
            dhcp_hostname: None,
            mdns_name: None,
            switchport: None,
            usage: Usage { sent, recv },
        }
    }

    #[test]
    fn snapshot_reads_addresses_vlans_and_exact_usage() {
        let mut a = client("a", 138.5, 0.125);
        a.ip = Some("10.20.0.7".into());
        a.vlan = Some(VlanId::Text("20".into()));
        a.named_vlan = Some("Voice".into());
        let mut b = client("b", 1.0, 2.0);
        b.ip6 = Some("2001:db8::1".into());
        b.vlan = Some(VlanId::Number(30));
        let (snap, unreadable) = snapshot_of(vec![a, b, client("c", 1e300, 1.0)]);
        assert_eq!(unreadable, vec!["c".to_string()]);
        let a = &snap.clients["a"];
        assert_eq!(
            (a.sent, a.recv),
            (Kb::from_millis(138_500), Kb::from_millis(125))
        );
        assert_eq!(a.addr.ip, Some("10.20.0.7".parse().unwrap()));
        assert_eq!(a.addr.vlan, Some(20));
        assert_eq!(a.addr.vlan_name.as_deref(), Some("Voice"));
        let b = &snap.clients["b"];
        assert_eq!(b.addr.ip, None);
        assert_eq!(b.addr.ip6, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(b.addr.vlan, Some(30));
    }

    #[test]
    fn devices_of_a_network_merge_into_one_row_per_client() {
        let day = jiff::civil::date(2026, 3, 8);
        let t = |up, down| Traffic {
            up: Kb::from_kb(up),
            down: Kb::from_kb(down),
        };
        let row = |id: &str, traffic| ClientDay {
            id: id.into(),
            mac: String::new(),
            addr: ClientAddr::default(),
            traffic,
        };
        let mx = vec![DayClients {
            day,
            clients: vec![row("a", t(1, 2)), row("b", t(5, 5))],
            anomalies: 1,
        }];
        let ap = vec![DayClients {
            day,
            clients: vec![row("a", t(10, 20))],
            anomalies: 2,
        }];
        let merged = merge_devices(day, &[mx, ap], 0);
        assert_eq!(merged.anomalies, 3);
        assert_eq!(merged.clients.len(), 2);
        assert_eq!(merged.clients[0].traffic, t(11, 22));
        assert_eq!(merged.clients[1].traffic, t(5, 5));
    }
}
