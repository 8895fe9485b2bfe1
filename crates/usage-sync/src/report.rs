//! Turns stored rows into a [`report_render::Report`].

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use report_render::{GroupDef, NetworkReport, OrgReport, Report, SourceDays};
use usage_model::{
    Classifier, ClientAddr, DateRange, Groups, NetworkIdentity, Source, SsidInfo, Traffic, VlanInfo,
};

use crate::error::Result;

/// Builds the report of `range` from `store`: per organization → network → group, plus
/// unmatched traffic, traffic of groups no longer defined, the days each network lacks, daily
/// totals per group, and how many of the period's network-days were read from each source
/// ([`Report::sources`]; a period mixes sources after a `reconfigure` to another one).
///
/// Error bounds are the sums of the stored per-day bounds ([`storage::Store::report_bounds`]):
/// the most each figure could be off because traffic flowed while the sync read its days.
///
/// Rows of a group position the settings no longer define (a `reconfigure` without
/// `--reclassify` removed groups) go to [`NetworkReport::removed_groups`]: they are not
/// unmatched traffic (their clients did match a group, one that is gone) and cannot be named.
///
/// Groups are those stored in the database's settings, in definition order. Networks appear
/// when they have data in the range or are known to the database (so a network with no data
/// at all shows up with its missing days).
///
/// # Errors
/// [`Error::Storage`](crate::Error::Storage) when a query fails.
pub async fn build_report(
    store: &storage::Store,
    range: DateRange,
    generated_at: Timestamp,
) -> Result<Report> {
    let group_defs = group_defs(store).await?;
    let n = group_defs.len();

    // (org name, org id) → (network name, network id) → report; BTreeMap keeps a stable
    // alphabetical order.
    let mut orgs: BTreeMap<(String, String), BTreeMap<(String, String), NetworkReport>> =
        BTreeMap::new();
    let new_net = |name: &str, id: &str| {
        let mut net = NetworkReport::new(name, vec![Traffic::default(); n]);
        net.id = id.to_string();
        net.bounds = vec![Traffic::default(); n];
        net
    };
    for row in store.report_rows(range.start, range.end).await? {
        let net = orgs
            .entry((row.organization_name.clone(), row.organization_id.clone()))
            .or_default()
            .entry((row.network_name.clone(), row.network_id.clone()))
            .or_insert_with(|| new_net(&row.network_name, &row.network_id));
        match row.group_position {
            Some(i) if i < n => net.groups[i] += row.traffic,
            // A group position the settings no longer define (reconfigured without
            // --reclassify): its own line, not unmatched.
            Some(_) => net.removed_groups += row.traffic,
            None => net.unmatched += row.traffic,
        }
    }
    // report_rows lists every known network, so each missing-days entry finds its network.
    let missing: HashMap<String, Vec<Date>> = store
        .missing_days(range.start, range.end)
        .await?
        .into_iter()
        .map(|(id, _name, days)| (id, days))
        .collect();
    let mut bounds: HashMap<String, Vec<(Option<usize>, Traffic)>> = HashMap::new();
    for (network, position, bound) in store.report_bounds(range.start, range.end).await? {
        bounds.entry(network).or_default().push((position, bound));
    }
    for nets in orgs.values_mut() {
        for ((_, id), net) in nets.iter_mut() {
            if let Some(days) = missing.get(id) {
                net.missing_days = days.clone();
            }
            for (position, bound) in bounds.remove(id).unwrap_or_default() {
                match position {
                    Some(i) if i < n => net.bounds[i] += bound,
                    Some(_) => net.removed_groups_bound += bound,
                    None => net.unmatched_bound += bound,
                }
            }
        }
    }

    let mut daily: Vec<(Date, Vec<Traffic>)> = Vec::new();
    for (day, position, traffic) in store.daily_totals(range.start, range.end).await? {
        if daily.last().is_none_or(|(d, _)| *d != day) {
            daily.push((day, vec![Traffic::default(); n]));
        }
        if let (Some(i), Some((_, per_group))) = (position, daily.last_mut())
            && let Some(slot) = per_group.get_mut(i)
        {
            *slot += traffic;
        }
    }

    let sources = store
        .report_sources(range.start, range.end)
        .await?
        .into_iter()
        .map(|(source, days)| SourceDays::new(source, days))
        .collect();

    let organizations = orgs
        .into_iter()
        .map(|((name, id), nets)| {
            let mut org = OrgReport::new(name, nets.into_values().collect());
            org.id = id;
            org
        })
        .collect();
    let mut report = Report::new(
        report_render::DateRange::new(range.start, range.end),
        group_defs,
        organizations,
        generated_at,
    );
    report.daily = daily;
    report.sources = sources;
    Ok(report)
}

/// The reports of the last `count` periods of the kind of `period` as of `today`, oldest
/// first ([`usage_model::Period::resolve_series`]: for billing cycles the previous cycles);
/// `count` 0 is 1. A period that is not over yet (`this-billing`) is marked
/// [`Report::incomplete`](report_render::Report::incomplete) with its whole cycle. With
/// `top`, each report carries the `top` largest clients of each group
/// ([`top_clients`]).
///
/// # Errors
/// [`Error::Storage`](crate::Error::Storage) when a query fails.
pub async fn build_reports(
    store: &storage::Store,
    period: &usage_model::Period,
    today: Date,
    count: usize,
    generated_at: Timestamp,
    top: Option<usize>,
) -> Result<Vec<Report>> {
    let ranges = period.resolve_series(today, count);
    let current = period.resolve(today);
    let whole = period.whole_cycle(today);
    let mut out = Vec::with_capacity(ranges.len());
    for range in ranges {
        let mut report = build_report(store, range, generated_at).await?;
        if range == current {
            report.incomplete = whole.map(|c| report_render::DateRange::new(c.start, c.end));
        }
        if let Some(limit) = top {
            report.top_clients = Some(top_clients(store, range, None, limit).await?);
        }
        out.push(report);
    }
    Ok(out)
}

/// The `limit` largest clients of each group (or of the group at position `group`) over
/// `range`, by total traffic within the group, from the stored client rows
/// ([`storage::Store::top_clients`]), named for a report.
///
/// # Errors
/// [`Error::Storage`](crate::Error::Storage) when a query fails.
pub async fn top_clients(
    store: &storage::Store,
    range: DateRange,
    group: Option<usize>,
    limit: usize,
) -> Result<report_render::TopClients> {
    let names = store.group_names().await?;
    let rows = store
        .top_clients(range.start, range.end, group, limit)
        .await?;
    let positions: Vec<usize> = match group {
        Some(g) => vec![g],
        None => (0..names.len()).collect(),
    };
    let groups = positions
        .into_iter()
        .map(|p| {
            let clients = rows
                .iter()
                .filter(|c| c.group_position == p)
                .map(|c| {
                    let mut t = report_render::TopClient::new(
                        c.rank,
                        c.organization_name.clone(),
                        c.network_name.clone(),
                        c.traffic,
                    );
                    t.description.clone_from(&c.description);
                    t.user.clone_from(&c.user);
                    t.mac.clone_from(&c.mac);
                    t.ip.clone_from(&c.ip);
                    t.ip6.clone_from(&c.ip6);
                    t.vlan = c.vlan;
                    t.pseudonymous = c.pseudonymized;
                    t
                })
                .collect();
            let name = names
                .get(p)
                .cloned()
                .unwrap_or_else(|| format!("group {p}"));
            report_render::TopGroup::new(name, clients)
        })
        .collect();
    Ok(report_render::TopClients::new(limit, groups))
}

/// The longest run of consecutive days that **every** network known to `store` has complete,
/// ending at the latest such day; `None` when no day is complete everywhere (or no network is
/// known).
///
/// Networks in different time zones finish their days at different instants, so the days a
/// sync could store differ from network to network; a report over this span shows no missing
/// day anywhere. The demo uses it to report only what it synced.
///
/// # Errors
/// [`Error::Storage`](crate::Error::Storage) when a query fails.
pub async fn fully_synced_span(store: &storage::Store) -> Result<Option<DateRange>> {
    let mut common: Option<std::collections::BTreeSet<Date>> = None;
    for net in store.networks().await? {
        let days = store.complete_days(&net.id).await?;
        common = Some(match common {
            None => days,
            Some(c) => c.intersection(&days).copied().collect(),
        });
    }
    Ok(common.and_then(|days| latest_run(&days)))
}

/// The run of consecutive days in `days` that ends at its latest day.
fn latest_run(days: &std::collections::BTreeSet<Date>) -> Option<DateRange> {
    let end = *days.last()?;
    let mut start = end;
    while let Ok(before) = start.yesterday() {
        if !days.contains(&before) {
            break;
        }
        start = before;
    }
    Some(DateRange { start, end })
}

/// The report's group list: names and definitions from the stored settings, or the names alone
/// (a database imported from the original may hold names whose rules do not parse).
async fn group_defs(store: &storage::Store) -> Result<Vec<GroupDef>> {
    let names = store.group_names().await?;
    let parsed = store
        .settings()
        .await?
        .and_then(|s| Groups::parse(&s.groups).ok())
        .filter(|g| g.len() == names.len());
    Ok(match parsed {
        Some(groups) => groups
            .iter()
            .map(|g| {
                let rules: Vec<String> = g.rules.iter().map(ToString::to_string).collect();
                GroupDef::new(g.name.clone(), rules.join(","))
            })
            .collect(),
        None => names
            .into_iter()
            .map(|name| GroupDef::new(name, String::new()))
            .collect(),
    })
}

/// Recomputes every stored day's group rows from its client rows with `groups` (which must
/// already be saved as the database's groups). Returns the number of (network, day) pairs
/// recomputed and the warnings met.
///
/// VLAN-name rules need each network's VLAN list to know which VLAN ids and subnets a name
/// stands for: with a `client`, the lists are fetched (one call per network, only when a
/// rule needs them); without one, such a rule matches only clients whose VLAN name was
/// recorded. `ssid:<number>` rules likewise need each network's SSID list (without one they
/// match nothing). `ssid:` rules match only clients whose SSID was recorded, i.e. days read
/// with the network source; a warning says so when days read per device are stored. Days
/// imported from the original script have no client rows and keep their group rows.
///
/// # Errors
/// [`Error::Storage`](crate::Error::Storage) when the database fails; nothing changes then.
pub async fn reclassify(
    store: &storage::Store,
    groups: &Groups,
    client: Option<&meraki_client::Client>,
) -> Result<(u64, Vec<String>)> {
    let mut warnings = Vec::new();
    // report_rows lists every known network with its organization's name, which scoped rules
    // (`@org:`) need and `NetworkRecord` does not carry; the day asked for does not matter
    // (any fixed day: no clock is read).
    let any_day = jiff::civil::date(2000, 1, 1);
    let org_names: HashMap<String, String> = store
        .report_rows(any_day, any_day)
        .await?
        .into_iter()
        .map(|r| (r.network_id, r.organization_name))
        .collect();
    let mut vlans: HashMap<String, Vec<VlanInfo>> = HashMap::new();
    if groups.needs_vlan_table() {
        match client {
            Some(client) => {
                for net in store.networks().await? {
                    match client.network_appliance_vlans(&net.id).await {
                        Ok(list) => {
                            vlans.insert(net.id.clone(), crate::engine::vlan_infos(list));
                        }
                        Err(e) => warnings.push(format!(
                            "network {:?}: VLAN list unavailable ({e}); vname rules match only clients with a recorded VLAN name there",
                            net.name
                        )),
                    }
                }
            }
            None => warnings.push(
                "no API key: vname rules match only clients whose VLAN name was recorded"
                    .to_string(),
            ),
        }
    }
    let mut ssids: HashMap<String, Vec<SsidInfo>> = HashMap::new();
    if groups.needs_ssid_list() {
        match client {
            Some(client) => {
                for net in store.networks().await? {
                    match client.wireless_ssids(&net.id).await {
                        Ok(list) => {
                            ssids.insert(net.id.clone(), crate::engine::ssid_infos(list));
                        }
                        Err(e) => warnings.push(format!(
                            "network {:?}: SSID list unavailable ({e}); ssid:<number> rules match nothing there",
                            net.name
                        )),
                    }
                }
            }
            None => warnings.push(
                "no API key: ssid:<number> rules match nothing (ssid:<name> rules still apply)"
                    .to_string(),
            ),
        }
    }
    if groups.first_ssid_rule().is_some() {
        let (first, last) = (
            jiff::civil::date(1900, 1, 1),
            jiff::civil::date(9999, 12, 31),
        );
        let device_days: u64 = store
            .report_sources(first, last)
            .await?
            .into_iter()
            .filter(|(s, _)| *s == Source::Device)
            .map(|(_, n)| n)
            .sum();
        if device_days > 0 {
            warnings.push(format!(
                "{device_days} stored network-days were read per device, whose lists carry no \
                 SSIDs: ssid: rules match nothing on those days"
            ));
        }
    }
    let mut classifiers: HashMap<String, Classifier> = HashMap::new();
    let summary = store
        .reclassify(|client, network| {
            let classifier = classifiers.entry(network.id.clone()).or_insert_with(|| {
                let identity = NetworkIdentity {
                    org_name: org_names.get(&network.id).cloned().unwrap_or_default(),
                    net_name: network.name.clone(),
                    tags: network.tags.clone(),
                };
                let table = vlans.get(&network.id).map(Vec::as_slice).unwrap_or(&[]);
                let slots = ssids.get(&network.id).map(Vec::as_slice).unwrap_or(&[]);
                Classifier::with_ssids(groups, &identity, table, slots).0
            });
            let addr = ClientAddr {
                ip: client.ip.as_deref().and_then(|s| s.parse().ok()),
                ip6: client.ip6.as_deref().and_then(|s| s.parse().ok()),
                vlan: client.vlan,
                vlan_name: client.named_vlan.clone(),
                ssid: client.ssid.clone(),
            };
            classifier.classify(&addr).map(|g| g.0)
        })
        .await?;
    Ok((summary.days, warnings))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::civil::date;

    use super::*;

    #[test]
    fn latest_run_stops_at_the_first_gap_and_crosses_month_ends() {
        let days: BTreeSet<Date> = [
            date(2026, 1, 30),
            date(2026, 2, 27),
            date(2026, 2, 28),
            date(2026, 3, 1),
            date(2026, 3, 2),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            latest_run(&days),
            Some(DateRange {
                start: date(2026, 2, 27),
                end: date(2026, 3, 2)
            })
        );
        assert_eq!(latest_run(&BTreeSet::new()), None);
    }
}
