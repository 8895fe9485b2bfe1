//! Day-diff math: per-day client usage from cumulative snapshots, and per-group sums.
//!
//! The API only reports usage *since* an instant. For a run of days with boundaries
//! `b0 < b1 < … < bn`, `snapshots[i]` holds each client's cumulative usage since `b[i]`
//! (all taken at about the same moment), so usage on `days[i]` is
//! `snapshots[i] − snapshots[i+1]`, per client and direction, in exact [`Kb`].
//!
//! * A client absent from `snapshots[i+1]` had no traffic after `days[i]`: its whole
//!   `snapshots[i]` usage belongs to `days[i]`.
//! * A negative difference (the API's counters are not perfectly consistent between calls) is
//!   clamped to zero and counted in [`DayClients::anomalies`]; so is a client that appears in
//!   `snapshots[i+1]` with usage but not in `snapshots[i]`, which cannot happen with
//!   consistent counters (its usage is not attributed to `days[i]`).
//! * Clients with zero traffic on a day are left out of that day.
//! * The address used for classification is the one in `snapshots[i]`. All snapshots of a run
//!   are taken within minutes at sync time, so this is the client's *last known* address —
//!   what the original classified by (its manual: "the script uses a client's last known IP
//!   address or VLAN").

use std::collections::HashMap;

use jiff::civil::Date;

use crate::classifier::{Classifier, ClientAddr};
use crate::plan::DayRun;
use crate::units::{Kb, Traffic};

/// One client's cumulative usage since a boundary, as the API reports it (device's view:
/// `sent`/`recv` are mapped to up/down only by [`Traffic::from_sent_recv`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientUsage {
    /// `usage.sent`.
    pub sent: Kb,
    /// `usage.recv`.
    pub recv: Kb,
    /// Addresses for classification.
    pub addr: ClientAddr,
    /// Client MAC address.
    pub mac: String,
    /// The client's description as the Dashboard reports it (often its host name).
    pub description: Option<String>,
    /// The client's user (802.1X or splash login) as the Dashboard reports it.
    pub user: Option<String>,
}

/// Cumulative usage per client (keyed by the API's client id) since one boundary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Client id → cumulative usage.
    pub clients: HashMap<String, ClientUsage>,
}

/// One client's traffic on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDay {
    /// The API's client id.
    pub id: String,
    /// MAC address.
    pub mac: String,
    /// Address used for classification.
    pub addr: ClientAddr,
    /// Description, from the same snapshot as the address.
    pub description: Option<String>,
    /// User, from the same snapshot as the address.
    pub user: Option<String>,
    /// Traffic on the day, in report directions.
    pub traffic: Traffic,
}

/// Per-client traffic of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayClients {
    /// The day.
    pub day: Date,
    /// Clients with non-zero traffic, sorted by id.
    pub clients: Vec<ClientDay>,
    /// Clients whose difference was negative in some direction (clamped to zero), plus
    /// clients present only in the later snapshot.
    pub anomalies: u32,
}

/// Per-group traffic of one day (or any set of clients).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DayGroups {
    /// Traffic per group, indexed by [`crate::GroupIndex`]`.0`.
    pub per_group: Vec<Traffic>,
    /// Traffic of clients that matched no group.
    pub unmatched: Traffic,
}

impl DayGroups {
    /// Sum over all groups plus unmatched.
    pub fn total(&self) -> Traffic {
        self.per_group.iter().copied().sum::<Traffic>() + self.unmatched
    }
}

/// Per-day client traffic for `run` from its snapshots (`snapshots[i]` taken since
/// `run.boundaries[i]`).
///
/// Returns one [`DayClients`] for each day `i` for which both `snapshots[i]` and
/// `snapshots[i + 1]` exist — all days when `snapshots.len() == run.boundaries.len()`. A
/// caller must only mark as complete the days it got back.
pub fn diff_run(run: &DayRun, snapshots: &[Snapshot]) -> Vec<DayClients> {
    run.days
        .iter()
        .zip(snapshots.windows(2))
        .map(|(day, pair)| diff_day(*day, &pair[0], &pair[1]))
        .collect()
}

/// Per-client traffic of `day` from the snapshot since its start and the snapshot since the
/// next day's start (the rules of [`diff_run`]).
pub fn diff_day(day: Date, since_start: &Snapshot, since_end: &Snapshot) -> DayClients {
    let mut anomalies = 0u32;
    let mut clients = Vec::new();
    for (id, early) in &since_start.clients {
        let (sent, recv, negative) = match since_end.clients.get(id) {
            Some(late) => {
                let (sent, neg_s) = early.sent.day_difference(late.sent);
                let (recv, neg_r) = early.recv.day_difference(late.recv);
                (sent, recv, neg_s || neg_r)
            }
            None => {
                let (sent, neg_s) = early.sent.day_difference(Kb::ZERO);
                let (recv, neg_r) = early.recv.day_difference(Kb::ZERO);
                (sent, recv, neg_s || neg_r)
            }
        };
        if negative {
            anomalies = anomalies.saturating_add(1);
        }
        if sent != Kb::ZERO || recv != Kb::ZERO {
            clients.push(ClientDay {
                id: id.clone(),
                mac: early.mac.clone(),
                addr: early.addr.clone(),
                description: early.description.clone(),
                user: early.user.clone(),
                traffic: Traffic::from_sent_recv(sent, recv),
            });
        }
    }
    let late_only = since_end
        .clients
        .iter()
        .filter(|(id, u)| {
            !since_start.clients.contains_key(*id) && (u.sent > Kb::ZERO || u.recv > Kb::ZERO)
        })
        .count();
    anomalies = anomalies.saturating_add(u32::try_from(late_only).unwrap_or(u32::MAX));
    clients.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    DayClients {
        day,
        clients,
        anomalies,
    }
}

/// Sums a day's client traffic per group (first matching group wins) and unmatched.
pub fn aggregate(classifier: &Classifier, clients: &DayClients) -> DayGroups {
    sum_by_group(
        classifier,
        clients.clients.iter().map(|c| (&c.addr, c.traffic)),
    )
}

/// Sums traffic per group of the address it belongs to (first matching group wins) and
/// unmatched.
pub fn sum_by_group<'a>(
    classifier: &Classifier,
    items: impl IntoIterator<Item = (&'a ClientAddr, Traffic)>,
) -> DayGroups {
    let mut out = DayGroups {
        per_group: vec![Traffic::default(); classifier.group_count()],
        unmatched: Traffic::default(),
    };
    for (addr, traffic) in items {
        let slot = classifier
            .classify(addr)
            .and_then(|g| out.per_group.get_mut(g.0));
        match slot {
            Some(t) => *t += traffic,
            None => out.unmatched += traffic,
        }
    }
    out
}

/// One client's traffic between two reads of the same cumulative counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDrift {
    /// The API's client id.
    pub id: String,
    /// The client's address in the later read (what it is classified by).
    pub addr: ClientAddr,
    /// Client MAC address.
    pub mac: String,
    /// Traffic that flowed between the two reads, in report directions.
    pub traffic: Traffic,
}

/// The traffic that flowed between two reads of the counter "usage since `t0`" for the same
/// `t0`: `later − earlier` per client, clamped at zero (counters only grow; a client new in
/// `later` counts whole). Clients with no traffic between the reads are left out.
///
/// Why it bounds a day's error: a day is `U(start)@t₁ − U(end)@t₂` from two reads at instants
/// `t₁`, `t₂`; it is off from the true day by the client's traffic between `t₁` and `t₂`.
/// When every read of a device lies between `earlier` and `later`, that traffic is at most
/// the client's drift, for every day read in between.
pub fn drift(earlier: &Snapshot, later: &Snapshot) -> Vec<ClientDrift> {
    let mut out: Vec<ClientDrift> = later
        .clients
        .iter()
        .filter_map(|(id, late)| {
            let (sent, recv) = match earlier.clients.get(id) {
                Some(early) => (
                    late.sent.day_difference(early.sent).0,
                    late.recv.day_difference(early.recv).0,
                ),
                None => (
                    late.sent.day_difference(Kb::ZERO).0,
                    late.recv.day_difference(Kb::ZERO).0,
                ),
            };
            (sent != Kb::ZERO || recv != Kb::ZERO).then(|| ClientDrift {
                id: id.clone(),
                addr: late.addr.clone(),
                mac: late.mac.clone(),
                traffic: Traffic::from_sent_recv(sent, recv),
            })
        })
        .collect();
    out.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::NetworkIdentity;
    use crate::groups::Groups;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    fn usage(sent: i64, recv: i64, ip: &str) -> ClientUsage {
        ClientUsage {
            sent: Kb::from_millis(sent),
            recv: Kb::from_millis(recv),
            addr: ClientAddr {
                ip: Some(ip.parse().unwrap()),
                ..ClientAddr::default()
            },
            mac: format!("mac-{ip}"),
            description: None,
            user: None,
        }
    }

    fn snap(entries: &[(&str, ClientUsage)]) -> Snapshot {
        Snapshot {
            clients: entries
                .iter()
                .map(|(id, u)| (id.to_string(), u.clone()))
                .collect(),
        }
    }

    #[test]
    fn two_days_exact_with_absent_client_and_anomaly() {
        let run = DayRun::new(vec![date(2024, 5, 1), date(2024, 5, 2)], &TimeZone::UTC);
        let snaps = [
            snap(&[
                ("a", usage(10_500, 3_000, "10.0.0.1")),
                ("b", usage(700, 100, "10.1.0.1")),
                ("c", usage(5_000, 5_000, "192.168.1.1")),
            ]),
            snap(&[
                ("a", usage(4_250, 1_000, "10.0.0.1")),
                ("c", usage(6_000, 1_000, "192.168.1.1")),
            ]),
            snap(&[("a", usage(1_000, 0, "10.0.0.1"))]),
        ];
        let days = diff_run(&run, &snaps);
        assert_eq!(days.len(), 2);
        let d1 = &days[0];
        assert_eq!(d1.day, date(2024, 5, 1));
        assert_eq!(d1.anomalies, 1); // c: sent went from 5 to 6 kB
        let by_id: HashMap<_, _> = d1.clients.iter().map(|c| (c.id.as_str(), c)).collect();
        // up = recv, down = sent
        assert_eq!(
            by_id["a"].traffic,
            Traffic {
                up: Kb::from_millis(2_000),
                down: Kb::from_millis(6_250)
            }
        );
        assert_eq!(
            by_id["b"].traffic,
            Traffic {
                up: Kb::from_millis(100),
                down: Kb::from_millis(700)
            }
        );
        assert_eq!(
            by_id["c"].traffic,
            Traffic {
                up: Kb::from_millis(4_000),
                down: Kb::ZERO
            }
        );
        let d2 = &days[1];
        assert_eq!(d2.anomalies, 0);
        let ids: Vec<_> = d2.clients.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["a", "c"]);

        let groups = Groups::parse("Ten=sub:10.0.0.0/16;Other=sub:10.0.0.0/8").unwrap();
        let (cl, _) = Classifier::new(&groups, &NetworkIdentity::default(), &[]);
        let agg = aggregate(&cl, d1);
        assert_eq!(agg.per_group[0].down, Kb::from_millis(6_250));
        assert_eq!(agg.per_group[1].down, Kb::from_millis(700));
        assert_eq!(agg.unmatched.up, Kb::from_millis(4_000));
        let all: Traffic = d1.clients.iter().map(|c| c.traffic).sum();
        assert_eq!(agg.total(), all);
    }

    #[test]
    fn too_few_snapshots_gives_only_computable_days() {
        let run = DayRun::new(vec![date(2024, 5, 1), date(2024, 5, 2)], &TimeZone::UTC);
        let s = snap(&[("a", usage(1, 1, "10.0.0.1"))]);
        assert_eq!(diff_run(&run, &[s.clone(), Snapshot::default()]).len(), 1);
        assert!(diff_run(&run, &[s]).is_empty());
    }

    #[test]
    fn drift_is_the_growth_between_two_reads_of_one_counter() {
        let earlier = snap(&[
            ("a", usage(1_000, 500, "10.0.0.1")),
            ("b", usage(2_000, 2_000, "10.0.0.2")),
            ("c", usage(9_000, 9_000, "10.0.0.3")),
        ]);
        let later = snap(&[
            ("a", usage(1_250, 500, "10.0.0.1")),
            ("b", usage(2_000, 2_000, "10.0.0.2")),
            // A counter that went down (an API inconsistency) drifts by nothing.
            ("c", usage(8_000, 9_000, "10.0.0.3")),
            ("d", usage(10, 20, "10.0.0.4")),
        ]);
        let d = drift(&earlier, &later);
        let ids: Vec<_> = d.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "d"]);
        // sent is the client's download.
        assert_eq!(
            d[0].traffic,
            Traffic::from_sent_recv(Kb::from_millis(250), Kb::ZERO)
        );
        assert_eq!(
            d[1].traffic,
            Traffic::from_sent_recv(Kb::from_millis(10), Kb::from_millis(20))
        );
        assert!(drift(&later, &later).is_empty());
    }

    #[test]
    fn client_only_in_later_snapshot_is_an_anomaly() {
        let run = DayRun::new(vec![date(2024, 5, 1)], &TimeZone::UTC);
        let days = diff_run(
            &run,
            &[Snapshot::default(), snap(&[("z", usage(5, 0, "1.1.1.1"))])],
        );
        assert_eq!(days[0].anomalies, 1);
        assert!(days[0].clients.is_empty());
    }
}
