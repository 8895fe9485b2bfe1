//! Stage 4, days: the reads of one run (one per device, or the network's own list) merged into
//! per-network days, classified into groups with their error bounds, ready to store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::Date;
use usage_model::{Classifier, ClientAddr, ClientDay, DayRun, Source, Traffic};

use crate::fetch::RunRead;

/// The days of one run of one network, as its devices' reads arrive.
///
/// A client seen by two selected devices of one network is counted once per device (the
/// original did the same; the manual warns about choosing devices), but stored as one client
/// row. Memory is one map of clients per day of the run, whatever the number of devices.
#[derive(Debug)]
pub(crate) struct RunDays {
    days: Vec<Date>,
    /// Index of the first day every device could read.
    first_day: usize,
    /// Per day of the run (index in `days`): client id → merged traffic.
    clients: Vec<BTreeMap<String, ClientDay>>,
    /// Per day, counter resets and negative differences within the bound (see
    /// [`AssembledDay`]).
    anomalies: Vec<(u32, u32)>,
    /// The SSIDs clients were on (network reads only).
    ssids: BTreeSet<String>,
    /// Client id → (address, MAC, drift summed over devices): the bound of every day.
    drift: HashMap<String, (ClientAddr, String, Traffic)>,
}

/// One network-day ready to store, with what the sync counts about it.
#[derive(Debug)]
pub(crate) struct AssembledDay {
    pub(crate) record: storage::DayRecord,
    /// Clients whose counters went back (their negative difference exceeds their bound).
    pub(crate) counter_resets: u32,
    /// Negative differences within the clients' bounds: traffic that flowed between the two
    /// reads.
    pub(crate) clamped_within_bound: u32,
}

impl RunDays {
    pub(crate) fn new(run: &DayRun) -> RunDays {
        let n = run.days.len();
        RunDays {
            days: run.days.clone(),
            first_day: 0,
            clients: vec![BTreeMap::new(); n],
            anomalies: vec![(0, 0); n],
            ssids: BTreeSet::new(),
            drift: HashMap::new(),
        }
    }

    /// Adds one device's read. Days it could not read are dropped for the whole network: a
    /// day is never stored from some of its devices.
    pub(crate) fn add(&mut self, read: RunRead) {
        self.first_day = self.first_day.max(read.first_day);
        self.ssids.extend(read.ssids);
        let clamped = read
            .clamped_within_bound
            .into_iter()
            .chain(std::iter::repeat(0));
        for (offset, (day, clamped)) in read.days.into_iter().zip(clamped).enumerate() {
            let i = read.first_day + offset;
            let (Some(slot), Some((resets, within))) =
                (self.clients.get_mut(i), self.anomalies.get_mut(i))
            else {
                continue;
            };
            *resets = resets.saturating_add(day.anomalies);
            *within = within.saturating_add(clamped);
            for c in day.clients {
                slot.entry(c.id.clone())
                    .and_modify(|m| m.traffic += c.traffic)
                    .or_insert(c);
            }
        }
        for d in read.drift {
            let entry = self
                .drift
                .entry(d.id)
                .or_insert_with(|| (d.addr, d.mac, Traffic::default()));
            entry.2 += d.traffic;
        }
    }

    /// The SSIDs the clients read were on (network reads only).
    pub(crate) fn ssids(&self) -> &BTreeSet<String> {
        &self.ssids
    }

    /// The days that left the API's window before every device could read them.
    pub(crate) fn skipped(&self) -> &[Date] {
        &self.days[..self.first_day.min(self.days.len())]
    }

    /// The days to store, classified: per group traffic and bound, client rows with theirs,
    /// every day marked as read from `source`.
    pub(crate) fn into_days(
        self,
        network_id: &str,
        source: Source,
        classifier: &Classifier,
    ) -> impl Iterator<Item = AssembledDay> {
        let first = self.first_day.min(self.days.len());
        let drift = self.drift;
        let network_id = network_id.to_string();
        self.days
            .into_iter()
            .zip(self.clients)
            .zip(self.anomalies)
            .skip(first)
            .map(move |((day, clients), (resets, within))| AssembledDay {
                record: day_record(&network_id, day, source, clients, &drift, classifier),
                counter_resets: resets,
                clamped_within_bound: within,
            })
    }
}

fn day_record(
    network_id: &str,
    day: Date,
    source: Source,
    mut clients: BTreeMap<String, ClientDay>,
    drift: &HashMap<String, (ClientAddr, String, Traffic)>,
    classifier: &Classifier,
) -> storage::DayRecord {
    // A client that only drifted (no traffic of its own that day) still carries a bound: its
    // traffic during the reads could have been counted into this day.
    for (id, (addr, mac, _)) in drift {
        clients.entry(id.clone()).or_insert_with(|| ClientDay {
            id: id.clone(),
            mac: mac.clone(),
            addr: addr.clone(),
            description: None,
            user: None,
            traffic: Traffic::default(),
        });
    }
    let n = classifier.group_count();
    let mut groups = vec![Traffic::default(); n];
    let mut bounds = vec![Traffic::default(); n];
    let mut unmatched = Traffic::default();
    let mut unmatched_bound = Traffic::default();
    let rows = clients
        .into_values()
        .map(|c| {
            let bound = drift.get(&c.id).map(|d| d.2).unwrap_or_default();
            let group = classifier.classify(&c.addr).map(|g| g.0);
            match group.and_then(|g| groups.get_mut(g).zip(bounds.get_mut(g))) {
                Some((t, b)) => {
                    *t += c.traffic;
                    *b += bound;
                }
                None => {
                    unmatched += c.traffic;
                    unmatched_bound += bound;
                }
            }
            storage::ClientDayRecord {
                client_id: c.id,
                mac: (!c.mac.is_empty()).then_some(c.mac),
                ip: c.addr.ip.map(|ip| ip.to_string()),
                ip6: c.addr.ip6.map(|ip| ip.to_string()),
                vlan: c.addr.vlan,
                named_vlan: c.addr.vlan_name,
                ssid: c.addr.ssid,
                description: c.description,
                user: c.user,
                group,
                traffic: c.traffic,
                bound,
            }
        })
        .collect();
    storage::DayRecord {
        network_id: network_id.to_string(),
        day,
        source,
        groups: groups.into_iter().enumerate().collect(),
        unmatched,
        clients: rows,
        bounds: bounds
            .into_iter()
            .enumerate()
            .filter(|(_, b)| *b != Traffic::default())
            .collect(),
        unmatched_bound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::TimeZone;
    use usage_model::{ClientDrift, DayClients, Groups, Kb, NetworkIdentity};

    fn t(up: i64, down: i64) -> Traffic {
        Traffic {
            up: Kb::from_kb(up),
            down: Kb::from_kb(down),
        }
    }

    fn addr(ip: &str) -> ClientAddr {
        ClientAddr {
            ip: Some(ip.parse().unwrap()),
            ..ClientAddr::default()
        }
    }

    fn row(id: &str, ip: &str, traffic: Traffic) -> ClientDay {
        ClientDay {
            id: id.into(),
            mac: format!("mac-{id}"),
            addr: addr(ip),
            description: None,
            user: None,
            traffic,
        }
    }

    fn read(
        first_day: usize,
        days: Vec<(Date, Vec<ClientDay>, u32)>,
        drift: &[(&str, &str, Traffic)],
    ) -> RunRead {
        let clamped = days.iter().map(|d| d.2 * 10).collect();
        RunRead {
            first_day,
            clamped_within_bound: clamped,
            ssids: BTreeSet::from(["Guest".to_string()]),
            days: days
                .into_iter()
                .map(|(day, clients, anomalies)| DayClients {
                    day,
                    clients,
                    anomalies,
                })
                .collect(),
            drift: drift
                .iter()
                .map(|(id, ip, traffic)| ClientDrift {
                    id: (*id).into(),
                    addr: addr(ip),
                    mac: String::new(),
                    traffic: *traffic,
                })
                .collect(),
        }
    }

    #[test]
    fn devices_merge_per_client_and_bounds_follow_the_groups() {
        let days = vec![date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)];
        let run = DayRun::new(days.clone(), &TimeZone::UTC);
        let mut acc = RunDays::new(&run);
        // The MX read all three days; the access point's oldest day had left the window.
        acc.add(read(
            0,
            vec![
                (days[0], vec![row("a", "10.0.0.1", t(9, 9))], 0),
                (
                    days[1],
                    vec![row("a", "10.0.0.1", t(1, 2)), row("b", "8.8.8.8", t(5, 5))],
                    1,
                ),
                (days[2], vec![row("b", "8.8.8.8", t(3, 0))], 0),
            ],
            &[("a", "10.0.0.1", t(1, 0))],
        ));
        acc.add(read(
            1,
            vec![
                (days[1], vec![row("a", "10.0.0.1", t(10, 20))], 2),
                (days[2], vec![], 0),
            ],
            // "c" had no traffic on these days but some while the device was read.
            &[("a", "10.0.0.1", t(0, 2)), ("c", "10.9.9.9", t(4, 4))],
        ));
        assert_eq!(acc.skipped(), &days[..1]);
        assert!(acc.ssids().contains("Guest"));
        let groups = Groups::parse("Ten=sub:10.0.0.0/8").unwrap();
        let (cl, _) = Classifier::new(&groups, &NetworkIdentity::default(), &[]);
        let out: Vec<AssembledDay> = acc.into_days("N_1", Source::Network, &cl).collect();
        assert_eq!(out.len(), 2);
        let d8 = &out[0].record;
        assert_eq!(d8.source, Source::Network);
        assert_eq!(
            (d8.day, out[0].counter_resets, out[0].clamped_within_bound),
            (days[1], 3, 30)
        );
        assert_eq!(d8.groups, vec![(0, t(11, 22))]);
        assert_eq!(d8.unmatched, t(5, 5));
        // a drifted 1 + 2, c 8: both in "Ten"; nothing unmatched drifted.
        assert_eq!(d8.bounds, vec![(0, t(5, 6))]);
        assert_eq!(d8.unmatched_bound, Traffic::default());
        let ids: Vec<_> = d8.clients.iter().map(|c| c.client_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(d8.clients[2].traffic, Traffic::default());
        assert_eq!(d8.clients[2].bound, t(4, 4));
        let d9 = &out[1].record;
        assert_eq!(d9.groups, vec![(0, Traffic::default())]);
        assert_eq!(d9.bounds, vec![(0, t(5, 6))]);
        assert_eq!(d9.unmatched, t(3, 0));
    }
}
