//! The simulated world: organizations, networks, devices, VLANs and clients with their traffic
//! profiles. Generated from a seed ([`World::generate`]) or read from a JSON/TOML world file
//! ([`World::load`]); both produce the same serialisable structure.

mod generate;

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use generate::{CampusSize, WorldSize};

/// A whole simulated Dashboard account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct World {
    /// Seed of every traffic curve (the world's structure is already spelled out below).
    #[serde(default)]
    pub seed: u64,
    /// Organizations visible to the API key.
    pub organizations: Vec<Organization>,
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Organization {
    /// Numeric-looking id, e.g. `"549236"`.
    pub id: String,
    /// Display name (may contain spaces and non-ASCII characters).
    pub name: String,
    /// Whether API access is enabled; when `false` every org-scoped call answers 403.
    #[serde(default = "yes")]
    pub api_enabled: bool,
    /// The organization's networks.
    #[serde(default)]
    pub networks: Vec<Network>,
}

fn yes() -> bool {
    true
}

/// A network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Network {
    /// `N_…` or `L_…` id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Network tags (v1 arrays; v0 joins them with spaces).
    #[serde(default)]
    pub tags: Vec<String>,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Free-text notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Appliance VLANs; `None` when VLANs are not enabled (single-LAN appliance or no
    /// appliance at all).
    #[serde(default)]
    pub vlans: Option<Vec<Vlan>>,
    /// How the `vlan` field of this network's clients is encoded in JSON.
    #[serde(default)]
    pub vlan_format: VlanFormat,
    /// Devices in the network.
    #[serde(default)]
    pub devices: Vec<Device>,
    /// The wireless SSIDs configured on the network's access points (slots 0–14; absent in
    /// world files older than SSIDs, and on networks without wireless).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssids: Vec<Ssid>,
    /// Clients of the network.
    #[serde(default)]
    pub clients: Vec<Client>,
}

/// A configured wireless SSID: one of the 15 slots of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ssid {
    /// Slot number, 0–14.
    pub number: u8,
    /// Broadcast name.
    pub name: String,
    /// Whether it is broadcast (default `true`).
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Highest SSID slot number (the Dashboard has 15 slots, 0–14).
pub const MAX_SSID_NUMBER: u8 = 14;

/// The JSON form of a client's `vlan` (the real API sends both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VlanFormat {
    /// `"vlan": 20`
    #[default]
    Integer,
    /// `"vlan": "20"`
    String,
    /// Some clients one way, some the other (by a hash of the client id).
    Mixed,
}

/// The role of a device, from its model prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductType {
    /// MX and Z models: see every client of the network.
    Appliance,
    /// MR and CW access points: see their wireless clients.
    Wireless,
    /// MS switches: see their wired clients.
    Switch,
    /// Anything else (cameras, sensors…): no clients.
    Other,
}

impl ProductType {
    /// The API's `productType` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Appliance => "appliance",
            ProductType::Wireless => "wireless",
            ProductType::Switch => "switch",
            ProductType::Other => "camera",
        }
    }

    /// The product type of a model name such as `MX68`, `Z3`, `MR46` or `MS220-8P`.
    pub fn of_model(model: &str) -> ProductType {
        if model.starts_with("MX") || model.starts_with('Z') {
            ProductType::Appliance
        } else if model.starts_with("MR") || model.starts_with("CW") {
            ProductType::Wireless
        } else if model.starts_with("MS") {
            ProductType::Switch
        } else {
            ProductType::Other
        }
    }
}

/// A device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    /// `Q2XX-XXXX-XXXX` serial.
    pub serial: String,
    /// Display name; `None` for unnamed devices (the API sends `null`).
    #[serde(default)]
    pub name: Option<String>,
    /// Model, e.g. `MX68`.
    pub model: String,
    /// MAC address.
    pub mac: String,
    /// LAN IP, when it has one.
    #[serde(default)]
    pub lan_ip: Option<String>,
    /// Device tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Firmware string.
    #[serde(default)]
    pub firmware: String,
}

impl Device {
    /// The device's product type, from its model.
    pub fn product_type(&self) -> ProductType {
        ProductType::of_model(&self.model)
    }
}

/// An appliance VLAN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vlan {
    /// VLAN id (an integer in live responses).
    pub id: u16,
    /// VLAN name.
    pub name: String,
    /// IPv4 subnet in CIDR form.
    pub subnet: String,
    /// The appliance's address in the subnet.
    pub appliance_ip: String,
    /// IPv6 prefix (`2001:db8:…::/64`) when IPv6 is enabled on this VLAN.
    #[serde(default)]
    pub ipv6_prefix: Option<String>,
}

/// A client (a device seen on the network).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Client {
    /// Client key, e.g. `k74272e`.
    pub id: String,
    /// MAC address.
    pub mac: String,
    /// Description (often the hostname).
    #[serde(default)]
    pub description: Option<String>,
    /// 802.1X / splash user.
    #[serde(default)]
    pub user: Option<String>,
    /// mDNS name.
    #[serde(default)]
    pub mdns_name: Option<String>,
    /// DHCP hostname.
    #[serde(default)]
    pub dhcp_hostname: Option<String>,
    /// IPv4 address (`None` for IPv6-only and no-IP clients).
    #[serde(default)]
    pub ip: Option<String>,
    /// IPv6 address.
    #[serde(default)]
    pub ip6: Option<String>,
    /// VLAN id.
    #[serde(default)]
    pub vlan: Option<u16>,
    /// Named VLAN.
    #[serde(default)]
    pub named_vlan: Option<String>,
    /// Serial of the access point or switch the client attaches through (`None`: only the
    /// appliance sees it). Appliances see every client of their network regardless.
    #[serde(default)]
    pub device: Option<String>,
    /// Whether the client is wireless.
    #[serde(default)]
    pub wireless: bool,
    /// Name of the SSID a wireless client is associated with (one of its network's
    /// [`Network::ssids`]); reported as `ssid` by `/networks/{id}/clients`, `null` when absent
    /// (wired clients, and wireless clients of world files older than SSIDs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssid: Option<String>,
    /// Its traffic curve.
    #[serde(default)]
    pub traffic: TrafficProfile,
    /// A VLAN move: the client alternates between its own addressing and this one.
    #[serde(default)]
    pub moves: Option<VlanMove>,
}

/// A client that moves between VLANs: during odd periods of `every_days` UTC days it uses this
/// addressing instead of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VlanMove {
    /// Length of one period in days (≥ 1).
    pub every_days: u32,
    /// VLAN id during odd periods.
    pub vlan: Option<u16>,
    /// Named VLAN during odd periods.
    #[serde(default)]
    pub named_vlan: Option<String>,
    /// IPv4 address during odd periods.
    pub ip: Option<String>,
    /// IPv6 address during odd periods.
    #[serde(default)]
    pub ip6: Option<String>,
}

/// Where a client is (addressing) at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressing {
    /// IPv4 address.
    pub ip: Option<String>,
    /// IPv6 address.
    pub ip6: Option<String>,
    /// VLAN id.
    pub vlan: Option<u16>,
    /// Named VLAN.
    pub named_vlan: Option<String>,
}

impl Client {
    /// The client's addressing at `now` (movers alternate every `every_days` UTC days).
    pub fn addressing_at(&self, now: jiff::Timestamp) -> Addressing {
        if let Some(m) = &self.moves {
            let day = now.as_second().div_euclid(86_400);
            if (day / i64::from(m.every_days.max(1))).rem_euclid(2) == 1 {
                return Addressing {
                    ip: m.ip.clone(),
                    ip6: m.ip6.clone(),
                    vlan: m.vlan,
                    named_vlan: m.named_vlan.clone(),
                };
            }
        }
        Addressing {
            ip: self.ip.clone(),
            ip6: self.ip6.clone(),
            vlan: self.vlan,
            named_vlan: self.named_vlan.clone(),
        }
    }
}

/// How a client's traffic is generated (see the crate docs for the exact rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficProfile {
    /// Every minute's value is a multiple of this many thousandths of a kB (1000 = whole kB;
    /// 125 gives values like `0.125`). Clamped to `1..=1000`.
    pub unit_millis: u32,
    /// Mean sent units in an average weekday hour.
    pub mean_units_per_hour: u64,
    /// Received traffic relative to sent, in thousandths.
    pub recv_permille: u32,
    /// Chance (thousandths) that a given hour has no traffic at all.
    pub idle_permille: u32,
    /// Daily and weekly shape.
    pub shape: Shape,
    /// When the client is present at all.
    pub presence: Presence,
}

impl Default for TrafficProfile {
    fn default() -> Self {
        TrafficProfile {
            unit_millis: 1000,
            mean_units_per_hour: 20_000,
            recv_permille: 250,
            idle_permille: 100,
            shape: Shape::Office,
            presence: Presence::Always,
        }
    }
}

/// The daily/weekly shape of a traffic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Shape {
    /// Working hours on weekdays, quiet weekends.
    Office,
    /// Evenings and weekends.
    Home,
    /// Flat.
    Server,
    /// Flat (meant with small volumes).
    Iot,
}

/// When a client is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Presence {
    /// Every day.
    Always,
    /// On UTC day `d` iff `(d + phase) mod period_days < on_days`: appears and disappears.
    #[serde(rename_all = "camelCase")]
    Periodic {
        /// Cycle length in days.
        period_days: u32,
        /// Days present per cycle.
        on_days: u32,
        /// Shift of the cycle.
        phase: u32,
    },
}

impl World {
    /// Generates a world deterministically from `seed` and `size`.
    pub fn generate(seed: u64, size: &WorldSize) -> World {
        generate::generate(seed, size)
    }

    /// Generates a campus world deterministically: every network has one MX appliance with
    /// VLANs, `size.access_points` MR access points and `size.switches` MS switches, every
    /// client attaches through one of them (wireless clients through an access point, on one
    /// of the network's SSIDs), so the appliance sees every client once, each access point its
    /// associated clients and each switch its wired clients.
    pub fn generate_campus(seed: u64, size: &CampusSize) -> World {
        generate::generate_campus(seed, size)
    }

    /// Reads a world file: JSON when the name ends in `.json`, TOML otherwise.
    pub fn load(path: &Path) -> Result<World> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::WorldFile {
            path: path.display().to_string(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let world = if is_json {
            World::from_json_str(&text)
        } else {
            World::from_toml_str(&text)
        };
        world.map_err(|e| match e {
            Error::InvalidWorld(msg) => Error::InvalidWorld(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Parses and validates a JSON world.
    pub fn from_json_str(text: &str) -> Result<World> {
        let world: World =
            serde_json::from_str(text).map_err(|e| Error::InvalidWorld(e.to_string()))?;
        world.validate()?;
        Ok(world)
    }

    /// Parses and validates a TOML world.
    pub fn from_toml_str(text: &str) -> Result<World> {
        let world: World = toml::from_str(text).map_err(|e| Error::InvalidWorld(e.to_string()))?;
        world.validate()?;
        Ok(world)
    }

    /// The world as pretty JSON (a starting point for a hand-edited world file).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Every network with its organization.
    pub fn networks(&self) -> impl Iterator<Item = (&Organization, &Network)> {
        self.organizations
            .iter()
            .flat_map(|o| o.networks.iter().map(move |n| (o, n)))
    }

    /// A network by id.
    pub fn network(&self, id: &str) -> Option<&Network> {
        self.networks().map(|(_, n)| n).find(|n| n.id == id)
    }

    /// A device by serial, with its network.
    pub fn device(&self, serial: &str) -> Option<(&Network, &Device)> {
        self.networks()
            .flat_map(|(_, n)| n.devices.iter().map(move |d| (n, d)))
            .find(|(_, d)| d.serial == serial)
    }

    /// Gives every client without an IPv4 address one inside its VLAN's (or the network's
    /// usual LAN) subnet. The original `usagestats.py` parses every client's `ip` as IPv4 and
    /// crashes on `null`, so run it against a world passed through this (`--v0-compatible`).
    pub fn ensure_ipv4(&mut self) {
        for org in &mut self.organizations {
            for net in &mut org.networks {
                let vlans = net.vlans.clone().unwrap_or_default();
                for c in &mut net.clients {
                    if c.ip.is_some() {
                        continue;
                    }
                    let subnet = c
                        .vlan
                        .and_then(|id| vlans.iter().find(|v| v.id == id))
                        .map_or("192.168.128.0/24", |v| v.subnet.as_str());
                    let octets: Vec<&str> = subnet.split(['.', '/']).take(3).collect();
                    let host = 200 + crate::rng::hash_str(&c.id) % 50;
                    c.ip = Some(format!("{}.{host}", octets.join(".")));
                }
            }
        }
    }

    /// Total number of clients.
    pub fn client_count(&self) -> usize {
        self.networks().map(|(_, n)| n.clients.len()).sum()
    }

    /// Checks ids are unique, time zones exist and references resolve.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidWorld(m));
        let mut orgs = HashSet::new();
        let mut nets = HashSet::new();
        let mut serials = HashSet::new();
        let mut clients = HashSet::new();
        for org in &self.organizations {
            if !orgs.insert(org.id.as_str()) {
                return bad(format!("duplicate organization id {:?}", org.id));
            }
            for net in &org.networks {
                if !nets.insert(net.id.as_str()) {
                    return bad(format!("duplicate network id {:?}", net.id));
                }
                if jiff::tz::TimeZone::get(&net.time_zone).is_err() {
                    return bad(format!(
                        "network {:?}: unknown time zone {:?} (use an IANA name such as Europe/Berlin)",
                        net.id, net.time_zone
                    ));
                }
                let mut vlan_ids = HashSet::new();
                for v in net.vlans.iter().flatten() {
                    if !vlan_ids.insert(v.id) {
                        return bad(format!("network {:?}: duplicate VLAN id {}", net.id, v.id));
                    }
                }
                let mut local = HashSet::new();
                for d in &net.devices {
                    if !serials.insert(d.serial.as_str()) {
                        return bad(format!("duplicate device serial {:?}", d.serial));
                    }
                    local.insert(d.serial.as_str());
                }
                let mut numbers = HashSet::new();
                let mut ssid_names = HashSet::new();
                for s in &net.ssids {
                    if s.number > MAX_SSID_NUMBER {
                        return bad(format!(
                            "network {:?}: SSID number {} (SSIDs are numbered 0 to {MAX_SSID_NUMBER})",
                            net.id, s.number
                        ));
                    }
                    if !numbers.insert(s.number) {
                        return bad(format!(
                            "network {:?}: duplicate SSID number {}",
                            net.id, s.number
                        ));
                    }
                    if s.name.trim().is_empty() || !ssid_names.insert(s.name.as_str()) {
                        return bad(format!(
                            "network {:?}: SSID names must be non-empty and unique, got {:?}",
                            net.id, s.name
                        ));
                    }
                }
                for c in &net.clients {
                    if !clients.insert(c.id.as_str()) {
                        return bad(format!("duplicate client id {:?}", c.id));
                    }
                    if let Some(s) = &c.device
                        && !local.contains(s.as_str())
                    {
                        return bad(format!(
                            "client {:?} attaches through {s:?}, which is not a device of network {:?}",
                            c.id, net.id
                        ));
                    }
                    if let Some(ssid) = &c.ssid {
                        if !c.wireless {
                            return bad(format!(
                                "client {:?} has the SSID {ssid:?} but is not wireless",
                                c.id
                            ));
                        }
                        if !ssid_names.contains(ssid.as_str()) {
                            return bad(format!(
                                "client {:?} is on the SSID {ssid:?}, which is not among the ssids of network {:?}",
                                c.id, net.id
                            ));
                        }
                    }
                    if c.moves.as_ref().is_some_and(|m| m.every_days == 0) {
                        return bad(format!("client {:?}: moves.everyDays must be ≥ 1", c.id));
                    }
                }
            }
        }
        Ok(())
    }
}
