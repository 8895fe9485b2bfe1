//! Stage 1, discovery: organizations → networks → devices, and the filter applied to them.
//!
//! With the device source a network is read when the filter selects at least one of its
//! devices, and those devices are read. With the network source device filters do not apply
//! (the engine refused them before): a network the filter selects is read when it has at least
//! one device that reports clients (an appliance, access point or switch), as one list.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use meraki_client::{Device, DeviceQuery, Network, Organization};
use usage_model::{DayRun, DeviceType, Filter, Source};

use crate::engine::{Shared, SyncConfig};
use crate::error::{Error, NothingSelected, Result};
use crate::fetch::{Count, Target};
use crate::near::near_misses;
use crate::progress::{NetworkFailure, Progress, SourceCalls};

/// One organization after discovery.
pub(crate) struct OrgWork {
    pub(crate) org: Organization,
    pub(crate) networks: Vec<NetworkWork>,
}

/// One network with its selected devices and, after planning, its runs of missing days.
pub(crate) struct NetworkWork {
    pub(crate) network: Network,
    /// The devices the filter selects (device source), or every device of the network that
    /// reports clients (network source: not read, counted for the summary only).
    pub(crate) devices: Vec<Device>,
    /// The zone whose calendar days are stored for this network.
    pub(crate) tz: TimeZone,
    pub(crate) runs: Vec<DayRun>,
}

impl NetworkWork {
    /// What each boundary is read from: every selected device, or the network's own list.
    pub(crate) fn targets(&self, source: Source) -> Vec<Target<'_>> {
        match source {
            Source::Device => self
                .devices
                .iter()
                .map(|d| Target::Device(&d.serial))
                .collect(),
            Source::Network => vec![Target::Network(&self.network.id)],
        }
    }

    /// Devices whose lists are read (none with the network source).
    pub(crate) fn read_devices(&self, source: Source) -> usize {
        match source {
            Source::Device => self.devices.len(),
            Source::Network => 0,
        }
    }

    fn boundaries(&self) -> u64 {
        self.runs.iter().map(|r| r.boundaries.len() as u64).sum()
    }

    /// Snapshot reads the plan needs: one per target per day boundary (one page each).
    pub(crate) fn snapshot_calls(&self, source: Source) -> u64 {
        self.boundaries() * self.targets(source).len() as u64
    }

    /// Reads beyond the plan that measure the error bound: two per target per run.
    pub(crate) fn bound_reads(&self, source: Source) -> u64 {
        2 * self.runs.len() as u64 * self.targets(source).len() as u64
    }

    /// The lists a network with runs needs besides its snapshots: its VLAN list for `vname:`
    /// rules, its SSID list for `ssid:<number>` rules (network source).
    pub(crate) fn list_calls(&self, config: &SyncConfig) -> u64 {
        u64::from(config.groups.needs_vlan_table())
            + u64::from(config.source == Source::Network && config.groups.needs_ssid_list())
    }
}

impl SourceCalls {
    /// Adds a network with runs: its snapshot and bound reads under each source (one page
    /// per network read).
    pub(crate) fn add(&mut self, net: &NetworkWork) {
        let per_target = net.boundaries() + 2 * net.runs.len() as u64;
        self.networks += 1;
        self.devices += net.devices.len();
        self.device_source += per_target * net.devices.len() as u64;
        self.network_source += per_target;
        if net.devices.len() > 1 {
            self.networks_with_several_devices += 1;
        }
    }
}

/// The organizations to read, as listed once at the start of a sync.
pub(crate) struct Listed {
    /// Those with API access that the filter's `org:` term selects.
    pub(crate) orgs: Vec<Organization>,
    /// Every organization listed, API access off included (near misses of `org:`).
    names: Vec<String>,
    /// Organizations skipped because their API access is disabled (the filter did not name
    /// them).
    pub(crate) skipped_organizations: Vec<String>,
}

/// What discovery found in some organizations: the selected work, the calls made, and what
/// was listed (for [`nothing_selected`]).
#[derive(Default)]
pub(crate) struct Discovered {
    pub(crate) work: Vec<OrgWork>,
    pub(crate) calls: u64,
    /// An organization's networks or devices could not be listed (reported as a failure).
    pub(crate) failed: bool,
    inventories: Vec<Inventory>,
}

impl Discovered {
    /// Adds what another discovery found.
    pub(crate) fn merge(&mut self, other: Discovered) {
        self.calls += other.calls;
        self.failed |= other.failed;
        self.inventories.extend(other.inventories);
    }
}

/// One organization's networks and devices as listed, before the filter.
struct Inventory {
    org: Organization,
    networks: Vec<Network>,
    devices: Vec<Device>,
}

/// Lists the organizations (one call) and applies the filter's `org:` term.
///
/// An organization whose API access is disabled (`api.enabled: false` in the list) is skipped
/// and reported in [`Listed::skipped_organizations`] — unless the filter names it, then the
/// sync stops with [`Error::ApiDisabled`].
pub(crate) async fn list_organizations(shared: &Shared<'_>) -> Result<Listed> {
    let filter = &shared.config.filter;
    let listed = shared
        .client
        .organizations()
        .await
        .map_err(Error::from_discovery)?;
    shared.call_done(Count::Planned);
    let disabled = |o: &Organization| o.api.as_ref().is_some_and(|a| !a.enabled);
    if let Some(name) = &filter.org
        && let Some(org) = listed.iter().find(|o| o.name == *name && disabled(o))
    {
        return Err(Error::ApiDisabled {
            organizations: vec![org.name.clone()],
            named: true,
        });
    }
    // Only those the filter would have read: a filter naming another organization skips
    // them anyway.
    let skipped_organizations: Vec<String> = listed
        .iter()
        .filter(|o| disabled(o) && filter.org.is_none())
        .map(|o| o.name.clone())
        .collect();
    let usable: Vec<&Organization> = listed.iter().filter(|o| !disabled(o)).collect();
    if usable.is_empty() && !skipped_organizations.is_empty() {
        return Err(Error::ApiDisabled {
            organizations: skipped_organizations,
            named: false,
        });
    }
    let orgs: Vec<Organization> = usable
        .iter()
        .filter(|o| filter.org.as_deref().is_none_or(|name| name == o.name))
        .map(|o| (*o).clone())
        .collect();
    Ok(Listed {
        orgs,
        names: listed.iter().map(|o| o.name.clone()).collect(),
        skipped_organizations,
    })
}

/// Lists the networks and devices of `orgs` (two calls each) and applies the filter. A 401 or
/// 403 stops the sync ([`Error::Access`]); any other failure skips that organization,
/// reported as a failure.
pub(crate) async fn discover(shared: &Shared<'_>, orgs: Vec<Organization>) -> Result<Discovered> {
    let listed: Vec<std::result::Result<Inventory, (Organization, meraki_client::Error)>> =
        futures::future::join_all(orgs.into_iter().map(|org| list_org(shared, org))).await;
    let mut found = Discovered::default();
    for d in listed {
        found.calls += 2;
        match d {
            Ok(inventory) => found.inventories.push(inventory),
            Err((_, e @ meraki_client::Error::Unauthorized { .. }))
            | Err((_, e @ meraki_client::Error::Forbidden { .. })) => {
                return Err(Error::Access(e));
            }
            Err((org, e)) => {
                found.failed = true;
                shared.fail(NetworkFailure {
                    organization: org.name.clone(),
                    network_id: String::new(),
                    network_name: String::new(),
                    error: format!("organization {:?} skipped: {e}", org.name),
                });
            }
        }
    }
    found.work = found
        .inventories
        .iter()
        .map(|inv| select(shared, inv))
        .filter(|w| !w.networks.is_empty())
        .collect();
    Ok(found)
}

/// The error of a sync whose filter selected no device in any organization of `listed`
/// (all of them in `found`): the first filter term that matched nothing and its near misses
/// among every organization listed, those with API access off included.
pub(crate) fn nothing_selected(shared: &Shared<'_>, listed: &Listed, found: &Discovered) -> Error {
    let names: Vec<&str> = listed.names.iter().map(String::as_str).collect();
    Error::NothingSelected(first_term_matching_nothing(
        &shared.config.filter,
        &names,
        &found.inventories,
    ))
}

/// Tells the progress display what the work of `found` holds.
pub(crate) fn announce(shared: &Shared<'_>, work: &[OrgWork]) {
    shared.progress.event(&Progress::Discovered {
        organizations: work.len(),
        networks: work.iter().map(|o| o.networks.len()).sum(),
        devices: work
            .iter()
            .flat_map(|o| &o.networks)
            .map(|n| n.read_devices(shared.config.source))
            .sum(),
    });
}

/// Lists one organization's networks and devices.
async fn list_org(
    shared: &Shared<'_>,
    org: Organization,
) -> std::result::Result<Inventory, (Organization, meraki_client::Error)> {
    let client = shared.client;
    let query = DeviceQuery::default();
    let (networks, devices) = futures::join!(
        async {
            let r = client.organization_networks(&org.id).await;
            shared.call_done(Count::Planned);
            r
        },
        async {
            let r = client.organization_devices(&org.id, &query).await;
            shared.call_done(Count::Planned);
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
    Ok(Inventory {
        org,
        networks,
        devices,
    })
}

/// The filter applied to one organization's inventory.
fn select(shared: &Shared<'_>, inventory: &Inventory) -> OrgWork {
    let filter = &shared.config.filter;
    let org = &inventory.org;
    let mut by_network: HashMap<&str, Vec<&Device>> = HashMap::new();
    for d in &inventory.devices {
        if let Some(net_id) = d.network_id.as_deref() {
            by_network.entry(net_id).or_default().push(d);
        }
    }
    let mut selected = Vec::new();
    for network in &inventory.networks {
        if !filter.selects_network(&org.name, &network.name, &network.tags) {
            continue;
        }
        let source = shared.config.source;
        let devices: Vec<Device> = by_network
            .remove(network.id.as_str())
            .unwrap_or_default()
            .into_iter()
            .filter(|d| match source {
                Source::Device => filter.selects_device(
                    &org.name,
                    &network.name,
                    &network.tags,
                    &d.model,
                    &d.tags,
                ),
                Source::Network => DeviceType::All.matches_model(&d.model),
            })
            .cloned()
            .collect();
        if devices.is_empty() {
            continue;
        }
        let tz = day_zone(shared, network);
        selected.push(NetworkWork {
            network: network.clone(),
            devices,
            tz,
            runs: Vec::new(),
        });
    }
    OrgWork {
        org: org.clone(),
        networks: selected,
    }
}

/// Which term of the filter selected nothing, found by applying the terms one after the other
/// (org, net, tag, dtype, dtag) as [`select`] does, and what comes close: the same name in
/// another case, or what exists there.
fn first_term_matching_nothing(
    filter: &Filter,
    org_names: &[&str],
    inventories: &[Inventory],
) -> NothingSelected {
    if let Some(wanted) = &filter.org
        && !org_names.iter().any(|n| n == wanted)
    {
        return NothingSelected::new("org", wanted, "organization", org_names);
    }
    let networks: Vec<&Network> = inventories.iter().flat_map(|i| &i.networks).collect();
    let net_names: Vec<&str> = networks.iter().map(|n| n.name.as_str()).collect();
    if let Some(wanted) = &filter.net
        && !net_names.iter().any(|n| n == wanted)
    {
        return NothingSelected::new("net", wanted, "network", &net_names);
    }
    let networks: Vec<&Network> = networks
        .into_iter()
        .filter(|n| filter.net.as_deref().is_none_or(|w| w == n.name))
        .collect();
    if let Some(wanted) = &filter.tag
        && !networks.iter().any(|n| n.tags.iter().any(|t| t == wanted))
    {
        let tags: Vec<&str> = networks
            .iter()
            .flat_map(|n| n.tags.iter().map(String::as_str))
            .collect();
        return NothingSelected::new("tag", wanted, "network tag", &tags);
    }
    let ids: Vec<&str> = networks
        .iter()
        .filter(|n| {
            filter
                .tag
                .as_deref()
                .is_none_or(|w| n.tags.iter().any(|t| t == w))
        })
        .map(|n| n.id.as_str())
        .collect();
    let devices: Vec<&Device> = inventories
        .iter()
        .flat_map(|i| &i.devices)
        .filter(|d| d.network_id.as_deref().is_some_and(|id| ids.contains(&id)))
        .collect();
    let typed: Vec<&Device> = devices
        .iter()
        .copied()
        .filter(|d| filter.device_type().matches_model(&d.model))
        .collect();
    if typed.is_empty() {
        let models: Vec<&str> = devices.iter().map(|d| d.model.as_str()).collect();
        return NothingSelected {
            term: format!("dtype:{}", filter.device_type().as_str()),
            what: "device of that type in the selected networks".to_string(),
            near: Vec::new(),
            existing: dedup(models),
            existing_kind: "device models there",
        };
    }
    if let Some(wanted) = &filter.device_tag {
        let tags: Vec<&str> = typed
            .iter()
            .flat_map(|d| d.tags.iter().map(String::as_str))
            .collect();
        return NothingSelected::new("dtag", wanted, "device tag", &tags);
    }
    // Every term matched something, yet no device passed: cannot happen with the terms above
    // applied in order, but say something true if it does.
    NothingSelected {
        term: filter.to_string(),
        what: "device".to_string(),
        near: Vec::new(),
        existing: Vec::new(),
        existing_kind: "",
    }
}

fn dedup(items: Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    out.sort();
    out
}

impl NothingSelected {
    /// A name or tag term that matched nothing among `candidates`.
    fn new(kind: &str, wanted: &str, what: &str, candidates: &[&str]) -> NothingSelected {
        let near = near_misses(wanted, candidates.iter().copied());
        NothingSelected {
            term: format!("{kind}:{wanted:?}"),
            what: what.to_string(),
            near,
            existing: dedup(candidates.to_vec()),
            existing_kind: match kind {
                "org" => "organizations the key sees",
                "net" => "networks there",
                "tag" => "network tags there",
                _ => "device tags there",
            },
        }
    }
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
