//! Stage 3, snapshots: one device's reads for one run of days, paired in time, with the drift
//! that bounds their error.
//!
//! A day is `U(start)@t₁ − U(end)@t₂`, two reads of "usage since `t0`" at instants `t₁`, `t₂`;
//! it is off by the traffic that flowed between them. So for each device and run:
//!
//! 1. read the newest boundary `bₙ` and wait for the answer;
//! 2. read every boundary `b₀ … bₙ` together (up to `request_concurrency` in flight, sent in
//!    order), taking each day's difference as soon as both of its reads are in: the two reads
//!    of a day leave the client one right after the other, and with the default concurrency
//!    a whole run is in flight at once;
//! 3. read `bₙ` again. Every read of step 2 happened between the two reads of `bₙ`, and
//!    counters only grow, so the growth of `bₙ`'s counter between them bounds, client by
//!    client, how far any day of the run can be off ([`usage_model::drift`]). It is zero when
//!    no counter moved during the device's reads — the usual case, since the Dashboard
//!    refreshes usage every few minutes.
//!
//! The API's window is checked against the clock when the device's reads start: a day whose
//! start has left the 31-day window is skipped (not a failure), and so is a day whose first
//! read the API refuses with 400 right at the edge of the window (the clock moved on between
//! the check and the request). Memory: at most `request_concurrency` snapshots per device in
//! flight, plus the first read of `bₙ`.

use futures::{StreamExt, stream};
use jiff::{SignedDuration, Timestamp};
use meraki_client::{ClientWindow, DeviceClient};
use usage_model::{ClientAddr, ClientDrift, ClientUsage, DayClients, DayRun, Kb, Snapshot};

use crate::engine::Shared;

/// A day is only started when its start lies at least this far inside the API's window, so a
/// request queued behind others does not arrive after the day has left it.
const SLIP_MARGIN: SignedDuration = SignedDuration::from_secs(60);

/// A 400 for a boundary this close to the window's edge is the window closing, not a bad
/// request.
const EDGE: SignedDuration = SignedDuration::from_hours(1);

/// Why a device's reads stopped.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The API failed after the client's retries.
    Api(meraki_client::Error),
    /// The sync is stopping (the database failed); no further request was sent.
    Aborted,
}

/// One device's reads of one run.
#[derive(Debug, Default)]
pub(crate) struct DeviceRead {
    /// Index in the run of the first day read: earlier days had left the API's window.
    pub(crate) first_day: usize,
    /// Per-client traffic of the run's days `first_day..`.
    pub(crate) days: Vec<DayClients>,
    /// Per client, the traffic that flowed while the device was read: the most any of its
    /// days can be off.
    pub(crate) drift: Vec<ClientDrift>,
}

impl DeviceRead {
    /// Drift of all clients together: the sum of the bounds.
    pub(crate) fn drift_total(&self) -> Kb {
        total(&self.drift)
    }

    /// Whether to read the device again: the traffic that flowed during its reads (its bound)
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
    pub(crate) fn better_than(&self, other: &DeviceRead) -> bool {
        (self.first_day, self.drift_total()) < (other.first_day, other.drift_total())
    }
}

/// How a read is counted: part of the plan, or a read beyond it (bound and re-reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    Planned,
    Extra,
}

/// Reads `run` from device `serial` as described in the module docs. `count` says whether
/// its planned reads count as planned calls (first read) or as extra ones (a re-read).
pub(crate) async fn read_device_run(
    shared: &Shared<'_>,
    network_name: &str,
    serial: &str,
    run: &DayRun,
    count: Count,
) -> Result<DeviceRead, FetchError> {
    let n = run.days.len();
    let edge = |margin: SignedDuration| {
        shared
            .config
            .clock
            .now()
            .checked_sub(usage_model::API_MAX_LOOKBACK)
            .and_then(|t| t.checked_add(margin))
            .unwrap_or(Timestamp::MIN)
    };
    let oldest_ok = edge(SLIP_MARGIN);
    let mut first_day = run.boundaries[..n]
        .iter()
        .position(|b| *b >= oldest_ok)
        .unwrap_or(n);
    if first_day == n {
        return Ok(DeviceRead {
            first_day,
            ..DeviceRead::default()
        });
    }
    let read = |t0: Timestamp, count: Count| read_snapshot(shared, network_name, serial, t0, count);
    let newest = run.boundaries[n];
    let first = read(newest, Count::Extra).await?;

    let mut reads = stream::iter(first_day..=n)
        .map(|i| {
            let t0 = run.boundaries[i];
            async move { (i, t0, read(t0, count).await) }
        })
        .buffered(shared.config.request_concurrency.max(1));
    let mut previous: Option<Snapshot> = None;
    let mut days = Vec::with_capacity(n - first_day);
    while let Some((i, t0, result)) = reads.next().await {
        match result {
            Ok(snapshot) => {
                if let Some(p) = previous.take() {
                    days.push(usage_model::diff_day(run.days[i - 1], &p, &snapshot));
                }
                previous = Some(snapshot);
            }
            Err(FetchError::Api(e))
                if previous.is_none() && i < n && at_window_edge(&e, t0, edge(EDGE)) =>
            {
                tracing::debug!("{serial}: t0 {t0} refused at the window's edge: {e}");
                first_day = i + 1;
            }
            Err(e) => return Err(e),
        }
    }
    drop(reads);
    if days.is_empty() {
        return Ok(DeviceRead {
            first_day: n,
            ..DeviceRead::default()
        });
    }
    let last = read(newest, Count::Extra).await?;
    Ok(DeviceRead {
        first_day,
        days,
        drift: usage_model::drift(&first, &last),
    })
}

fn total(drift: &[ClientDrift]) -> Kb {
    drift.iter().map(|c| c.traffic.total()).sum()
}

/// Whether `err` is the API refusing a `t0` that has just left its window.
fn at_window_edge(err: &meraki_client::Error, t0: Timestamp, edge: Timestamp) -> bool {
    matches!(err, meraki_client::Error::Rejected { status, .. } if status.as_u16() == 400)
        && t0 < edge
}

async fn read_snapshot(
    shared: &Shared<'_>,
    network_name: &str,
    serial: &str,
    t0: Timestamp,
    count: Count,
) -> Result<Snapshot, FetchError> {
    if shared.aborted() {
        return Err(FetchError::Aborted);
    }
    let r = shared
        .client
        .device_clients(serial, ClientWindow::Since(t0))
        .await;
    shared.call_done(count);
    let clients = r.map_err(FetchError::Api)?;
    let (snapshot, unreadable) = snapshot_of(clients);
    for id in unreadable {
        shared.warn(format!(
            "network {network_name:?}: client {id} has an unreadable usage value, ignored"
        ));
    }
    Ok(snapshot)
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
            ssid: None,
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

/// Traffic of all the days of a read.
#[cfg(test)]
fn days_total(read: &DeviceRead) -> usage_model::Traffic {
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

    /// A read whose days carry `days` kB each and whose bound is `drift` kB.
    fn read_with(days: &[i64], drift: i64) -> DeviceRead {
        let day = date(2026, 3, 1);
        let t = |kb: i64| Traffic {
            up: Kb::from_kb(kb),
            down: Kb::ZERO,
        };
        DeviceRead {
            first_day: 0,
            days: days
                .iter()
                .map(|kb| DayClients {
                    day,
                    clients: vec![ClientDay {
                        id: "a".into(),
                        mac: String::new(),
                        addr: ClientAddr::default(),
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
        let more_days = DeviceRead {
            first_day: 0,
            ..read_with(&[1], 50)
        };
        let fewer = DeviceRead {
            first_day: 1,
            ..read_with(&[1], 0)
        };
        assert!(more_days.better_than(&fewer));
        assert!(read_with(&[1], 1).better_than(&read_with(&[1], 2)));
    }
}
