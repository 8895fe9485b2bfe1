//! Stage 3, snapshots: one target's reads for one run of days, paired in time, with the drift
//! that bounds their error. A [`Target`] is what one read asks about: a device
//! (`GET /devices/{serial}/clients`, the device source) or a network
//! (`GET /networks/{id}/clients`, every page, the network source); everything below is the
//! same for both.
//!
//! A day is `U(start)@t₁ − U(end)@t₂`, two reads of "usage since `t0`" at instants `t₁`, `t₂`;
//! it is off by the traffic that flowed between them. So for each target and run:
//!
//! 1. read the newest boundary `bₙ` and wait for the answer;
//! 2. read every boundary `b₀ … bₙ` together (up to `request_concurrency` in flight, sent in
//!    order), taking each day's difference as soon as both of its reads are in: the two reads
//!    of a day leave the client one right after the other, and with the default concurrency
//!    a whole run is in flight at once;
//! 3. read `bₙ` again. Every read of step 2 happened between the two reads of `bₙ`, and
//!    counters only grow, so the growth of `bₙ`'s counter between them bounds, client by
//!    client, how far any day of the run can be off ([`usage_model::drift`]). It is zero when
//!    no counter moved during the target's reads — the usual case, since the Dashboard
//!    refreshes usage every few minutes.
//!
//! A network read of several pages takes its pages one after the other; each page is one
//! request, and every page of every read of step 2 still lies between the two reads of `bₙ`,
//! so the bound holds client by client whichever page a client came in.
//!
//! The API's window is checked against the Dashboard's clock (see [`crate::clock`]) when the
//! target's reads start and again after the first answer: a day whose start has left the
//! 31-day window is skipped (not a failure), and so is a day whose first read the API refuses
//! with 400 right at the edge of the window (the clock moved on between the check and the
//! request).
//!
//! A day's difference can come out negative for a client: clamped to zero, it is counted as a
//! counter reset when it exceeds what flowed during the target's reads (the client's bound),
//! else as a difference within the bound — the traffic that flowed between the day's two
//! reads, which a moving clock brings. Memory: at most `request_concurrency` snapshots per target in
//! flight, plus the first read of `bₙ`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use futures::{StreamExt, TryStreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use meraki_client::{ClientWindow, DeviceClient, NetworkClient, VlanId};
use usage_model::{
    ClientAddr, ClientDrift, ClientUsage, DayClients, DayRun, Kb, Snapshot, Traffic,
};

use crate::engine::Shared;

/// A day is only started when its start lies at least this far inside the API's window, so a
/// request queued behind others does not arrive after the day has left it.
const SLIP_MARGIN: SignedDuration = SignedDuration::from_secs(60);

/// A 400 for a boundary this close to the window's edge is the window closing, not a bad
/// request.
const EDGE: SignedDuration = SignedDuration::from_hours(1);

/// What one read asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// One device's client list (the device source), by serial.
    Device(&'a str),
    /// One network's client list, every page (the network source), by network id.
    Network(&'a str),
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Device(serial) => write!(f, "device {serial}"),
            Target::Network(_) => f.write_str("the network's client list"),
        }
    }
}

/// Why a target's reads stopped.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The API failed after the client's retries.
    Api(meraki_client::Error),
    /// The sync is stopping (the database failed); no further request was sent.
    Aborted,
}

/// One target's reads of one run.
#[derive(Debug, Default)]
pub(crate) struct RunRead {
    /// Index in the run of the first day read: earlier days had left the API's window.
    pub(crate) first_day: usize,
    /// Per-client traffic of the run's days `first_day..`; each day's `anomalies` counts its
    /// counter resets.
    pub(crate) days: Vec<DayClients>,
    /// Per day of `days`, the negative differences within the clients' bounds (clamped).
    pub(crate) clamped_within_bound: Vec<u32>,
    /// Per client, the traffic that flowed while the target was read: the most any of its
    /// days can be off.
    pub(crate) drift: Vec<ClientDrift>,
    /// The SSIDs the clients of a network's list were on (empty for a device's list, which
    /// does not say).
    pub(crate) ssids: BTreeSet<String>,
}

impl RunRead {
    /// Drift of all clients together: the sum of the bounds.
    pub(crate) fn drift_total(&self) -> Kb {
        total(&self.drift)
    }

    /// Whether to read the target again: the traffic that flowed during its reads (its bound)
    /// exceeds `relative` of its mean daily traffic (any at all when the days carried none).
    pub(crate) fn needs_reread(&self, relative: f64) -> bool {
        let drift = self.drift_total();
        if drift == Kb::ZERO || self.days.is_empty() {
            return false;
        }
        let total: Kb = self
            .days
            .iter()
            .flat_map(|d| &d.clients)
            .map(|c| c.traffic.total())
            .sum();
        let mean = total.millis() as f64 / self.days.len() as f64;
        drift.millis() as f64 > relative * mean
    }

    /// Whether `self` is a better read than `other`: more days, else a smaller bound.
    pub(crate) fn better_than(&self, other: &RunRead) -> bool {
        (self.first_day, self.drift_total()) < (other.first_day, other.drift_total())
    }
}

/// How a request is counted: part of the plan, a read beyond it (bound and re-reads), or a
/// page beyond the first of a network read (the plan counts one page per read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    Planned,
    Extra,
    Page,
}

/// Reads `run` from `target` as described in the module docs. `count` says whether its
/// planned reads count as planned calls (first read) or as extra ones (a re-read).
pub(crate) async fn read_run(
    shared: &Shared<'_>,
    network_name: &str,
    target: Target<'_>,
    run: &DayRun,
    count: Count,
) -> Result<RunRead, FetchError> {
    let n = run.days.len();
    // The window's edge by the Dashboard's clock as last heard, `margin` inside.
    let edge = |margin: SignedDuration| {
        shared
            .now()
            .checked_sub(usage_model::API_MAX_LOOKBACK)
            .and_then(|t| t.checked_add(margin))
            .unwrap_or(Timestamp::MIN)
    };
    let readable_from = |edge: Timestamp| {
        run.boundaries[..n]
            .iter()
            .position(|b| *b >= edge)
            .unwrap_or(n)
    };
    let mut first_day = readable_from(edge(SLIP_MARGIN));
    if first_day == n {
        return Ok(RunRead {
            first_day,
            ..RunRead::default()
        });
    }
    let read = |t0: Timestamp, count: Count| read_snapshot(shared, network_name, target, t0, count);
    let newest = run.boundaries[n];
    let first = read(newest, Count::Extra).await?;
    // That answer told the Dashboard's time afresh: a day whose start left the window while
    // this target waited its turn is not asked for.
    first_day = first_day.max(readable_from(edge(SLIP_MARGIN)));
    if first_day == n {
        return Ok(RunRead {
            first_day,
            ..RunRead::default()
        });
    }

    let mut reads = stream::iter(first_day..=n)
        .map(|i| {
            let t0 = run.boundaries[i];
            async move { (i, t0, read(t0, count).await) }
        })
        .buffered(shared.config.request_concurrency.max(1));
    let mut previous: Option<Snapshot> = None;
    let mut days = Vec::with_capacity(n - first_day);
    let mut shortfalls = Vec::with_capacity(n - first_day);
    let mut ssids = BTreeSet::new();
    while let Some((i, t0, result)) = reads.next().await {
        match result {
            Ok(snapshot) => {
                if matches!(target, Target::Network(_)) {
                    ssids.extend(
                        snapshot
                            .clients
                            .values()
                            .filter_map(|c| c.addr.ssid.clone()),
                    );
                }
                if let Some(p) = previous.take() {
                    days.push(usage_model::diff_day(run.days[i - 1], &p, &snapshot));
                    // Per client, by how much the later read exceeds the earlier: the growth
                    // of its counters between the two reads, as the bound measures it.
                    shortfalls.push(usage_model::drift(&p, &snapshot));
                }
                previous = Some(snapshot);
            }
            Err(FetchError::Api(e))
                if previous.is_none() && i < n && at_window_edge(&e, t0, edge(EDGE)) =>
            {
                tracing::debug!("{target}: t0 {t0} refused at the window's edge: {e}");
                first_day = i + 1;
            }
            Err(e) => return Err(e),
        }
    }
    drop(reads);
    if days.is_empty() {
        return Ok(RunRead {
            first_day: n,
            ..RunRead::default()
        });
    }
    let last = read(newest, Count::Extra).await?;
    let drift = usage_model::drift(&first, &last);
    let clamped_within_bound = sort_negatives(&mut days, &shortfalls, &drift);
    Ok(RunRead {
        first_day,
        days,
        clamped_within_bound,
        drift,
        ssids,
    })
}

/// Sorts each day's negative differences (`shortfalls`, per day of `days`) by the clients'
/// bounds (`drift`): one the traffic flowing during the reads explains is the moving clock's
/// doing, one beyond it a counter that went back. Sets each day's `anomalies` to its counter
/// resets and returns, per day, the differences within the bound.
fn sort_negatives(
    days: &mut [DayClients],
    shortfalls: &[Vec<ClientDrift>],
    drift: &[ClientDrift],
) -> Vec<u32> {
    let bound: HashMap<&str, Traffic> = drift.iter().map(|d| (d.id.as_str(), d.traffic)).collect();
    days.iter_mut()
        .zip(shortfalls)
        .map(|(day, short)| {
            let resets = short
                .iter()
                .filter(|s| {
                    let b = bound.get(s.id.as_str()).copied().unwrap_or_default();
                    s.traffic.up > b.up || s.traffic.down > b.down
                })
                .count();
            let resets = u32::try_from(resets).unwrap_or(u32::MAX);
            day.anomalies = resets;
            u32::try_from(short.len())
                .unwrap_or(u32::MAX)
                .saturating_sub(resets)
        })
        .collect()
}

fn total(drift: &[ClientDrift]) -> Kb {
    drift.iter().map(|c| c.traffic.total()).sum()
}

/// Whether `err` is the API refusing a `t0` that has just left its window.
fn at_window_edge(err: &meraki_client::Error, t0: Timestamp, edge: Timestamp) -> bool {
    matches!(err, meraki_client::Error::Rejected { status, .. } if status.as_u16() == 400)
        && t0 < edge
}

/// One cumulative read of `target` since `t0`: one request for a device, one per page for a
/// network (the first counted as `count`, the others as [`Count::Page`]).
async fn read_snapshot(
    shared: &Shared<'_>,
    network_name: &str,
    target: Target<'_>,
    t0: Timestamp,
    count: Count,
) -> Result<Snapshot, FetchError> {
    if shared.aborted() {
        return Err(FetchError::Aborted);
    }
    let window = ClientWindow::Since(t0);
    let rows: Vec<ClientRow> = match target {
        Target::Device(serial) => {
            let r = shared.client.device_clients(serial, window).await;
            shared.call_done(count);
            r.map_err(FetchError::Api)?
                .into_iter()
                .map(ClientRow::from)
                .collect()
        }
        Target::Network(id) => {
            let page_size = shared.config.network_page_size;
            let mut pages =
                std::pin::pin!(shared.client.network_clients_pages(id, window, page_size));
            let mut rows = Vec::new();
            let mut this = count;
            // Each turn sends one request: the first page, then a page the previous one
            // linked to.
            loop {
                let page = pages.try_next().await;
                shared.call_done(this);
                let Some(page) = page.map_err(FetchError::Api)? else {
                    break;
                };
                let more = page.next.is_some();
                rows.extend(page.items.into_iter().map(ClientRow::from));
                if !more {
                    break;
                }
                if shared.aborted() {
                    return Err(FetchError::Aborted);
                }
                shared.more_calls(1);
                this = Count::Page;
            }
            rows
        }
    };
    let (snapshot, unreadable) = snapshot_of(rows);
    for id in unreadable {
        shared.warn(format!(
            "network {network_name:?}: client {id} has an unreadable usage value, ignored"
        ));
    }
    Ok(snapshot)
}

/// What a snapshot keeps of one client of either list.
#[derive(Debug)]
pub(crate) struct ClientRow {
    id: String,
    mac: Option<String>,
    sent: f64,
    recv: f64,
    ip: Option<String>,
    ip6: Option<String>,
    vlan: Option<VlanId>,
    named_vlan: Option<String>,
    ssid: Option<String>,
    description: Option<String>,
    user: Option<String>,
}

impl From<DeviceClient> for ClientRow {
    fn from(c: DeviceClient) -> ClientRow {
        ClientRow {
            id: c.id,
            mac: c.mac,
            sent: c.usage.sent,
            recv: c.usage.recv,
            ip: c.ip,
            ip6: c.ip6,
            vlan: c.vlan,
            named_vlan: c.named_vlan,
            // A device's list does not say which SSID a client is on.
            ssid: None,
            description: c.description.filter(|d| !d.is_empty()),
            user: c.user.filter(|u| !u.is_empty()),
        }
    }
}

impl From<NetworkClient> for ClientRow {
    fn from(c: NetworkClient) -> ClientRow {
        ClientRow {
            id: c.id,
            mac: c.mac,
            sent: c.usage.sent,
            recv: c.usage.recv,
            ip: c.ip,
            ip6: c.ip6,
            vlan: c.vlan,
            named_vlan: c.named_vlan,
            ssid: c.ssid.filter(|s| !s.is_empty()),
            description: c.description.filter(|d| !d.is_empty()),
            user: c.user.filter(|u| !u.is_empty()),
        }
    }
}

/// The cumulative usage one answer (all pages of it) reports, keyed by client id, and the ids
/// of clients whose usage could not be read exactly (left out).
pub(crate) fn snapshot_of(clients: Vec<ClientRow>) -> (Snapshot, Vec<String>) {
    let mut snapshot = Snapshot::default();
    let mut unreadable = Vec::new();
    for c in clients {
        let (Some(sent), Some(recv)) = (Kb::from_api(c.sent), Kb::from_api(c.recv)) else {
            unreadable.push(c.id);
            continue;
        };
        let addr = ClientAddr {
            ip: c.ip.as_deref().and_then(|s| s.trim().parse().ok()),
            ip6: c.ip6.as_deref().and_then(|s| s.trim().parse().ok()),
            vlan: c.vlan.as_ref().and_then(|v| v.as_u16()),
            vlan_name: c.named_vlan,
            ssid: c.ssid,
        };
        snapshot.clients.insert(
            c.id,
            ClientUsage {
                sent,
                recv,
                addr,
                mac: c.mac.unwrap_or_default(),
                description: c.description,
                user: c.user,
            },
        );
    }
    (snapshot, unreadable)
}

/// Traffic of all the days of a read.
#[cfg(test)]
fn days_total(read: &RunRead) -> usage_model::Traffic {
    read.days
        .iter()
        .flat_map(|d| &d.clients)
        .map(|c| c.traffic)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use meraki_client::{Usage, VlanId};
    use usage_model::{ClientDay, Traffic};

    fn client(id: &str, sent: f64, recv: f64) -> DeviceClient {
        // The API model is non-exhaustive (Meraki adds fields): start from its default.
        let mut c = DeviceClient::default();
        c.id = id.to_string();
        c.mac = Some(format!("00:00:00:00:00:{id}"));
        c.usage = Usage::default();
        c.usage.sent = sent;
        c.usage.recv = recv;
        c
    }

    #[test]
    fn snapshot_reads_addresses_vlans_and_exact_usage() {
        let mut a = client("a", 138.5, 0.125);
        a.ip = Some("10.20.0.7".into());
        a.vlan = Some(VlanId::Text("20".into()));
        a.named_vlan = Some("Voice".into());
        a.description = Some("Front desk laptop".into());
        a.user = Some("alice@example.com".into());
        let mut b = client("b", 1.0, 2.0);
        b.ip6 = Some("2001:db8::1".into());
        b.vlan = Some(VlanId::Number(30));
        let rows = vec![a, b, client("c", 1e300, 1.0)];
        let (snap, unreadable) = snapshot_of(rows.into_iter().map(ClientRow::from).collect());
        assert_eq!(unreadable, vec!["c".to_string()]);
        let a = &snap.clients["a"];
        assert_eq!(
            (a.sent, a.recv),
            (Kb::from_millis(138_500), Kb::from_millis(125))
        );
        assert_eq!(a.addr.ip, Some("10.20.0.7".parse().unwrap()));
        assert_eq!(a.addr.vlan, Some(20));
        assert_eq!(a.addr.vlan_name.as_deref(), Some("Voice"));
        assert_eq!(a.description.as_deref(), Some("Front desk laptop"));
        assert_eq!(a.user.as_deref(), Some("alice@example.com"));
        let b = &snap.clients["b"];
        assert_eq!(b.addr.ip, None);
        assert_eq!(b.addr.ip6, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(b.addr.vlan, Some(30));
    }

    #[test]
    fn network_lists_keep_the_ssid_and_device_lists_have_none() {
        let json = serde_json::json!([
            {"id": "w", "ip": "10.0.0.9", "vlan": "30", "ssid": "Guest", "usage": {"sent": 2, "received": 1.5}},
            {"id": "x", "ip": "10.0.0.8", "ssid": null, "usage": {"sent": 1, "recv": 1}},
            {"id": "y", "ssid": "", "usage": {"sent": 1, "recv": 1}}
        ]);
        let clients: Vec<NetworkClient> = serde_json::from_value(json).unwrap();
        let (snap, unreadable) = snapshot_of(clients.into_iter().map(ClientRow::from).collect());
        assert!(unreadable.is_empty());
        let w = &snap.clients["w"];
        assert_eq!(w.addr.ssid.as_deref(), Some("Guest"));
        assert_eq!(w.addr.vlan, Some(30));
        assert_eq!((w.sent, w.recv), (Kb::from_kb(2), Kb::from_millis(1500)));
        assert_eq!(snap.clients["x"].addr.ssid, None);
        assert_eq!(snap.clients["y"].addr.ssid, None, "an empty SSID is none");
        let (snap, _) = snapshot_of(vec![ClientRow::from(client("d", 1.0, 1.0))]);
        assert_eq!(snap.clients["d"].addr.ssid, None);
        assert_eq!(Target::Device("Q2").to_string(), "device Q2");
    }

    /// A read whose days carry `days` kB each and whose bound is `drift` kB.
    fn read_with(days: &[i64], drift: i64) -> RunRead {
        let day = date(2026, 3, 1);
        let t = |kb: i64| Traffic {
            up: Kb::from_kb(kb),
            down: Kb::ZERO,
        };
        RunRead {
            first_day: 0,
            clamped_within_bound: vec![0; days.len()],
            ssids: BTreeSet::new(),
            days: days
                .iter()
                .map(|kb| DayClients {
                    day,
                    clients: vec![ClientDay {
                        id: "a".into(),
                        mac: String::new(),
                        addr: ClientAddr::default(),
                        description: None,
                        user: None,
                        traffic: t(*kb),
                    }],
                    anomalies: 0,
                })
                .collect(),
            drift: (drift > 0)
                .then(|| ClientDrift {
                    id: "a".into(),
                    addr: ClientAddr::default(),
                    mac: String::new(),
                    traffic: t(drift),
                })
                .into_iter()
                .collect(),
        }
    }

    fn usage(sent: i64, recv: i64) -> ClientUsage {
        ClientUsage {
            sent: Kb::from_kb(sent),
            recv: Kb::from_kb(recv),
            ..ClientUsage::default()
        }
    }

    /// A difference that the traffic flowing during the reads explains is within the bound;
    /// one beyond it — in either direction — is a counter reset; both are clamped to zero.
    #[test]
    fn negative_differences_are_counter_resets_only_beyond_the_clients_bound() {
        let snap = |clients: &[(&str, ClientUsage)]| Snapshot {
            clients: clients
                .iter()
                .map(|(id, u)| (id.to_string(), u.clone()))
                .collect(),
        };
        // Since the start of the day (read first) and since its end (read a moment later).
        let start = snap(&[
            ("a", usage(100, 10)),
            ("b", usage(100, 10)),
            ("e", usage(100, 10)),
            ("f", usage(7, 7)),
        ]);
        let end = snap(&[
            ("a", usage(105, 10)), // 5 kB sent flowed in between
            ("b", usage(100, 60)), // 50 kB received: far beyond what flowed
            ("c", usage(3, 0)),    // appeared in between with 3 kB
            ("d", usage(0, 4)),    // appeared, but nothing flowed for it
            ("e", usage(100, 10)), // an ordinary day with no traffic after it
        ]);
        let day = date(2026, 3, 1);
        let mut days = vec![usage_model::diff_day(day, &start, &end)];
        assert_eq!(days[0].anomalies, 4, "a, b, c and d are clamped");
        let shortfalls = vec![usage_model::drift(&start, &end)];
        // What flowed while the device was read, per client (sent is the report's down).
        let drift = [("a", 0, 6), ("b", 6, 6), ("c", 0, 3)].map(|(id, up, down)| ClientDrift {
            id: id.into(),
            addr: ClientAddr::default(),
            mac: String::new(),
            traffic: Traffic {
                up: Kb::from_kb(up),
                down: Kb::from_kb(down),
            },
        });
        let within = sort_negatives(&mut days, &shortfalls, &drift);
        assert_eq!(within, vec![2], "a and c");
        assert_eq!(days[0].anomalies, 2, "b and d");
        // The day itself: f's 7 + 7, the clamped clients nothing.
        assert_eq!(days[0].clients.len(), 1);
        assert_eq!(days[0].clients[0].id, "f");
    }

    #[test]
    fn a_read_is_repeated_only_when_its_bound_is_large_against_its_days() {
        // Mean day 1000 kB: 1 kB is 0.1 %.
        assert!(!read_with(&[500, 1500], 0).needs_reread(0.001));
        assert!(!read_with(&[500, 1500], 1).needs_reread(0.001));
        assert!(read_with(&[500, 1500], 2).needs_reread(0.001));
        // No traffic on the days read: any drift is worth another read.
        assert!(read_with(&[0], 1).needs_reread(0.001));
        assert_eq!(
            days_total(&read_with(&[500, 1500], 2)).up,
            Kb::from_kb(2000)
        );
        let more_days = RunRead {
            first_day: 0,
            ..read_with(&[1], 50)
        };
        let fewer = RunRead {
            first_day: 1,
            ..read_with(&[1], 0)
        };
        assert!(more_days.better_than(&fewer));
        assert!(read_with(&[1], 1).better_than(&read_with(&[1], 2)));
    }
}
