//! Stage 1, discovery: organizations → networks → devices, and the filter applied to them.
//!
//! With the device source a network is read when the filter selects at least one of its
//! devices, and those devices are read. With the network source device filters do not apply
//! (the engine refused them before): a network the filter selects is read when it has at least
//! one device that reports clients (an appliance, access point or switch), as one list.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use meraki_client::{Device, DeviceQuery, Network, Organization};
use usage_model::{DayRun, DeviceType, Source};

use crate::engine::{Shared, SyncConfig};
use crate::error::{Error, Result};
use crate::fetch::{Count, Target};
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

/// Lists organizations, networks and devices and applies the filter. Returns the selected
/// work and the number of calls made.
pub(crate) async fn discover(shared: &Shared<'_>) -> Result<(Vec<OrgWork>, u64)> {
    let filter = &shared.config.filter;
    let orgs = shared
        .client
        .organizations()
        .await
        .map_err(Error::from_discovery)?;
    shared.call_done(Count::Planned);
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
        .map(|n| n.read_devices(shared.config.source))
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
        let source = shared.config.source;
        let devices: Vec<Device> = by_network
            .remove(&network.id)
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
