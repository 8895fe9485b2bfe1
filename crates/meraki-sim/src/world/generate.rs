//! Deterministic world generation: the same seed and size always give the same world.

use std::collections::HashSet;

use super::{
    Client, Device, Network, Organization, Presence, ProductType, Shape, Ssid, TrafficProfile,
    Vlan, VlanFormat, VlanMove, World,
};
use crate::rng::{Rng, hash_str, mix2};

/// How big a generated world is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldSize {
    /// Number of organizations.
    pub orgs: usize,
    /// Networks in each organization.
    pub networks_per_org: usize,
    /// Devices in each network (one of them is the appliance when the network has one).
    pub devices_per_network: usize,
    /// Clients in each network.
    pub clients_per_network: usize,
}

impl Default for WorldSize {
    /// The "demo" size: 3 organizations, 12 networks, about 2000 clients.
    fn default() -> Self {
        WorldSize {
            orgs: 3,
            networks_per_org: 4,
            devices_per_network: 4,
            clients_per_network: 170,
        }
    }
}

const ORG_NAMES: &[&str] = &[
    "Acme Café Group",
    "Zürich Präzision AG",
    "Ñandú Networks",
    "東京 Trading Co.",
    "Blue Harbor Schools",
    "Nordlys Energi AS",
    "Société des Eaux du Léman",
    "Kraków Logistics",
];

const NETWORK_NAMES: &[&str] = &[
    "HQ – Main Office",
    "Branch São Paulo",
    "Warehouse 7",
    "Büro München",
    "Store #12 (Downtown)",
    "Café Lounge",
    "Lab – Bâtiment B",
    "Teleworker Jane",
    "Campus North",
    "Data Centre",
    "Shop Ørestad",
    "Clinic Montréal",
];

const NETWORK_TAGS: &[&str] = &[
    "branch", "hq", "retail", "lab", "pilot", "east", "west", "récent", "tier-1",
];

const DEVICE_TAGS: &[&str] = &[
    "core", "edge", "floor-1", "floor-2", "spare", "wan", "Ausgang",
];

/// Zones chosen to exercise DST (both hemispheres, a 30-minute DST shift) and :30/:45 offsets.
const TIME_ZONES: &[&str] = &[
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "America/New_York",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "UTC",
    "Europe/London",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Tokyo",
];

/// The size of a campus world ([`World::generate_campus`]): every network has one MX with
/// VLANs, `access_points` MR access points and `switches` MS switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampusSize {
    /// Number of organizations.
    pub orgs: usize,
    /// Networks in each organization.
    pub networks_per_org: usize,
    /// MR access points in each network.
    pub access_points: usize,
    /// MS switches in each network.
    pub switches: usize,
    /// Clients in each network (about 60 % wireless).
    pub clients_per_network: usize,
}

impl Default for CampusSize {
    /// One organization of four networks, each 1 MX + 10 MR + 2 MS with 120 clients.
    fn default() -> Self {
        CampusSize {
            orgs: 1,
            networks_per_org: 4,
            access_points: 10,
            switches: 2,
            clients_per_network: 120,
        }
    }
}

/// SSIDs handed to networks with access points: (slot number, name).
const SSID_POOL: &[(u8, &str)] = &[
    (0, "Corp Wi‑Fi"),
    (1, "Guest Wi‑Fi"),
    (2, "IoT"),
    (4, "Personal Café"),
];

const VLAN_POOL: &[(u16, &str)] = &[
    (10, "Corp Data"),
    (20, "Voice"),
    (30, "Guest Wi‑Fi"),
    (40, "IoT Geräte"),
    (100, "Servers"),
    (200, "Cámaras"),
    (999, "Quarantine"),
];

const MX_MODELS: &[&str] = &["MX64", "MX67", "MX68", "MX84", "MX85", "MX105", "MX250"];
const Z_MODELS: &[&str] = &["Z3", "Z4"];
const MR_MODELS: &[&str] = &["MR33", "MR36", "MR44", "MR46", "MR57"];
const MS_MODELS: &[&str] = &[
    "MS120-8LP",
    "MS220-8P",
    "MS225-24P",
    "MS250-48FP",
    "MS390-24",
];

const DESCRIPTIONS: &[&str] = &[
    "Jane's iPhone",
    "DESKTOP-",
    "MacBook-Pro-de-José",
    "Drucker 2. OG",
    "android-",
    "Łukasz-Laptop",
    "HP LaserJet 400",
    "Sonos-",
    "iPad (Ana)",
    "Zoom Room – Salle 3",
    "raspberrypi",
    "Polycom VVX",
];
const USERS: &[&str] = &["jdoe", "m.müller", "asmith", "kenji.t", "o.nuñez"];
const CLIENT_OUIS: &[&str] = &[
    "3c:22:fb", "a4:83:e7", "f0:18:98", "00:1b:63", "b8:27:eb", "dc:a6:32", "00:50:56", "8c:85:90",
];
const MERAKI_OUIS: &[&str] = &["e0:55:3d", "0c:8d:db", "ac:17:c8", "88:15:44"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    MxVlans,
    MxSingleLan,
    Teleworker,
    NoAppliance,
}

struct Uniq {
    seen: HashSet<String>,
}

impl Uniq {
    fn take(&mut self, rng: &mut Rng, make: impl Fn(&mut Rng) -> String) -> String {
        loop {
            let s = make(rng);
            if self.seen.insert(s.clone()) {
                return s;
            }
        }
    }
}

fn hex(rng: &mut Rng, n: usize) -> String {
    let v = rng.next_u64();
    format!("{v:016x}")[..n.min(16)].to_string()
}

fn mac(rng: &mut Rng, ouis: &[&str]) -> String {
    let oui = rng.pick(ouis).copied().unwrap_or("02:00:00");
    let v = rng.next_u64();
    format!(
        "{oui}:{:02x}:{:02x}:{:02x}",
        v & 0xff,
        (v >> 8) & 0xff,
        (v >> 16) & 0xff
    )
}

fn serial(rng: &mut Rng) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut chunk = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(ALPHA[rng.below(ALPHA.len() as u64) as usize]))
            .collect()
    };
    format!("Q2{}-{}-{}", chunk(2), chunk(4), chunk(4))
}

pub(super) fn generate(seed: u64, size: &WorldSize) -> World {
    generate_with(seed, size, None)
}

pub(super) fn generate_campus(seed: u64, size: &CampusSize) -> World {
    let world_size = WorldSize {
        orgs: size.orgs,
        networks_per_org: size.networks_per_org,
        devices_per_network: 1 + size.access_points + size.switches,
        clients_per_network: size.clients_per_network,
    };
    generate_with(seed, &world_size, Some((size.access_points, size.switches)))
}

/// `campus`: `(access points, switches)` behind one MX with VLANs in every network.
fn generate_with(seed: u64, size: &WorldSize, campus: Option<(usize, usize)>) -> World {
    let mut rng = Rng::new(seed);
    let mut ids = Uniq {
        seen: HashSet::new(),
    };
    let mut organizations = Vec::with_capacity(size.orgs);
    let mut net_no: usize = 0;
    let zone_shift = rng.below(TIME_ZONES.len() as u64) as usize;
    for o in 0..size.orgs {
        let id = ids.take(&mut rng, |r| r.range(500_000, 999_999).to_string());
        let base = ORG_NAMES[o % ORG_NAMES.len()];
        let name = if o < ORG_NAMES.len() {
            base.to_string()
        } else {
            format!("{base} {}", o / ORG_NAMES.len() + 1)
        };
        let mut networks = Vec::with_capacity(size.networks_per_org);
        for n in 0..size.networks_per_org {
            net_no += 1;
            let tz = TIME_ZONES[(net_no + zone_shift) % TIME_ZONES.len()];
            let mut net = network(&mut rng, &mut ids, size, n, net_no, tz, campus);
            // SSIDs come from their own hash stream so adding them left the rest of every
            // seed's world as it was.
            assign_ssids(seed, &mut net);
            networks.push(net);
        }
        organizations.push(Organization {
            id,
            name,
            api_enabled: true,
            networks,
        });
    }
    World {
        seed,
        organizations,
    }
}

/// Gives a network with access points two to four SSIDs, and each of its wireless clients one
/// of them.
fn assign_ssids(seed: u64, net: &mut Network) {
    if !net
        .devices
        .iter()
        .any(|d| d.product_type() == ProductType::Wireless)
    {
        return;
    }
    let h = mix2(seed, hash_str(&net.id));
    let count = 2 + (h % 3) as usize;
    net.ssids = SSID_POOL
        .iter()
        .take(count)
        .map(|&(number, name)| Ssid {
            number,
            name: name.to_string(),
            enabled: true,
        })
        .collect();
    for c in net.clients.iter_mut().filter(|c| c.wireless) {
        let pick = mix2(h, hash_str(&c.id)) % net.ssids.len() as u64;
        c.ssid = net.ssids.get(pick as usize).map(|s| s.name.clone());
    }
}

#[allow(clippy::too_many_arguments)]
fn network(
    rng: &mut Rng,
    ids: &mut Uniq,
    size: &WorldSize,
    index_in_org: usize,
    net_no: usize,
    tz: &str,
    campus: Option<(usize, usize)>,
) -> Network {
    // The first network of every org has an MX with VLANs so each org has something to sync;
    // so has every network of a campus.
    let kind = if index_in_org == 0 || campus.is_some() {
        Kind::MxVlans
    } else {
        match rng.below(100) {
            0..=49 => Kind::MxVlans,
            50..=64 => Kind::MxSingleLan,
            65..=74 => Kind::Teleworker,
            _ => Kind::NoAppliance,
        }
    };
    let octet = net_no % 250;
    let base_name = NETWORK_NAMES[(net_no - 1) % NETWORK_NAMES.len()];
    let name = if net_no <= NETWORK_NAMES.len() {
        base_name.to_string()
    } else {
        format!("{base_name} {}", (net_no - 1) / NETWORK_NAMES.len() + 1)
    };
    let mut tags: Vec<String> = Vec::new();
    for _ in 0..rng.below(4) {
        if let Some(t) = rng.pick(NETWORK_TAGS)
            && !tags.iter().any(|x| x == t)
        {
            tags.push((*t).to_string());
        }
    }
    if kind == Kind::Teleworker {
        tags.push("teleworker".to_string());
    }

    let devices = match campus {
        Some((access_points, switches)) => {
            let mut models = vec![rng.pick(MX_MODELS).copied().unwrap_or("MX68")];
            for _ in 0..access_points {
                models.push(rng.pick(MR_MODELS).copied().unwrap_or("MR46"));
            }
            for _ in 0..switches {
                models.push(rng.pick(MS_MODELS).copied().unwrap_or("MS220-8P"));
            }
            make_devices(rng, ids, models, octet)
        }
        None => devices(rng, ids, kind, size.devices_per_network.max(1), octet),
    };
    let combined = {
        let mut types: Vec<ProductType> = devices.iter().map(Device::product_type).collect();
        types.dedup();
        types.len() > 1
    };
    let id = ids.take(rng, |r| {
        let prefix = if combined { "L_" } else { "N_" };
        format!("{prefix}{:018}", r.below(1_000_000_000_000_000_000))
    });

    let wide = size.clients_per_network > 200;
    let vlans = match kind {
        Kind::MxVlans => {
            let mut chosen: Vec<(u16, &str)> = vec![(1, "Default")];
            let want = rng.range(2, 5) as usize;
            while chosen.len() < want {
                if let Some(&(vid, vname)) = rng.pick(VLAN_POOL)
                    && !chosen.iter().any(|(v, _)| *v == vid)
                {
                    chosen.push((vid, vname));
                }
            }
            chosen.sort_by_key(|(v, _)| *v);
            Some(
                chosen
                    .into_iter()
                    .map(|(vid, vname)| {
                        let third = vid % 256;
                        let (subnet, appliance_ip) = if wide {
                            (format!("10.{third}.0.0/16"), format!("10.{third}.0.1"))
                        } else {
                            (
                                format!("10.{octet}.{third}.0/24"),
                                format!("10.{octet}.{third}.1"),
                            )
                        };
                        Vlan {
                            id: vid,
                            name: vname.to_string(),
                            subnet,
                            appliance_ip,
                            ipv6_prefix: rng
                                .chance(350)
                                .then(|| format!("2001:db8:{octet:x}:{vid:x}::/64")),
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        }
        _ => None,
    };
    let lan_base = match kind {
        Kind::NoAppliance => format!("172.20.{octet}"),
        _ => "192.168.128".to_string(),
    };
    let vlan_format = *rng
        .pick(&[VlanFormat::Integer, VlanFormat::String, VlanFormat::Mixed])
        .unwrap_or(&VlanFormat::Integer);
    let named_vlans = rng.chance(500);
    let clients = clients(
        rng,
        ids,
        size.clients_per_network,
        &devices,
        vlans.as_deref(),
        &lan_base,
        named_vlans,
        wide,
    );
    Network {
        id,
        name,
        tags,
        time_zone: tz.to_string(),
        ssids: Vec::new(),
        notes: rng
            .chance(300)
            .then(|| "Rack im 2ème étage, see floor plan".to_string()),
        vlans,
        vlan_format,
        devices,
        clients,
    }
}

fn devices(rng: &mut Rng, ids: &mut Uniq, kind: Kind, count: usize, octet: usize) -> Vec<Device> {
    let mut models: Vec<&str> = Vec::with_capacity(count);
    match kind {
        Kind::MxVlans | Kind::MxSingleLan => {
            models.push(rng.pick(MX_MODELS).copied().unwrap_or("MX68"));
        }
        Kind::Teleworker => models.push(rng.pick(Z_MODELS).copied().unwrap_or("Z3")),
        Kind::NoAppliance => {}
    }
    let mut i = 0;
    while models.len() < count {
        // Access points first so every network without an appliance has one.
        let pool = if i % 3 == 1 { MS_MODELS } else { MR_MODELS };
        models.push(rng.pick(pool).copied().unwrap_or("MR46"));
        i += 1;
    }
    make_devices(rng, ids, models, octet)
}

fn make_devices(rng: &mut Rng, ids: &mut Uniq, models: Vec<&str>, octet: usize) -> Vec<Device> {
    models
        .into_iter()
        .enumerate()
        .map(|(n, model)| {
            let pt = ProductType::of_model(model);
            let serial = ids.take(rng, serial);
            let mac = ids.take(rng, |r| mac(r, MERAKI_OUIS));
            let name = if rng.chance(150) {
                None
            } else {
                Some(match pt {
                    ProductType::Appliance => format!("{model} Übergang"),
                    ProductType::Wireless => format!("AP {} – Étage {}", n, n % 3),
                    ProductType::Switch => format!("Switch {n}"),
                    ProductType::Other => format!("Device {n}"),
                })
            };
            let mut tags = Vec::new();
            for _ in 0..rng.below(3) {
                if let Some(t) = rng.pick(DEVICE_TAGS)
                    && !tags.iter().any(|x: &String| x == t)
                {
                    tags.push((*t).to_string());
                }
            }
            let (lan_ip, firmware) = match pt {
                ProductType::Appliance if model.starts_with('Z') => {
                    (None, "Z 18.211.2".to_string())
                }
                ProductType::Appliance => (None, "MX 18.211.2".to_string()),
                ProductType::Wireless => (
                    Some(format!("172.16.{octet}.{}", 10 + n)),
                    "wireless-31-1-6".to_string(),
                ),
                _ => (
                    Some(format!("172.16.{octet}.{}", 10 + n)),
                    "switch-17-1-4".to_string(),
                ),
            };
            Device {
                serial,
                name,
                model: model.to_string(),
                mac,
                lan_ip,
                tags,
                firmware,
            }
        })
        .collect()
}

/// Hands out host addresses inside a VLAN (or LAN) subnet.
struct Pool {
    next: usize,
}

impl Pool {
    fn ipv4(&mut self, subnet: &str, wide: bool) -> String {
        let n = self.next;
        self.next += 1;
        let parts: Vec<&str> = subnet.split(['.', '/']).collect();
        let (a, b, c) = (
            parts.first().copied().unwrap_or("10"),
            parts.get(1).copied().unwrap_or("0"),
            parts.get(2).copied().unwrap_or("0"),
        );
        if wide {
            format!("{a}.{b}.{}.{}", 1 + n / 250, 2 + n % 250)
        } else {
            // Wraps past 250 hosts; only small worlds use /24 subnets.
            format!("{a}.{b}.{c}.{}", 10 + n % 240)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn clients(
    rng: &mut Rng,
    ids: &mut Uniq,
    count: usize,
    devices: &[Device],
    vlans: Option<&[Vlan]>,
    lan_base: &str,
    named_vlans: bool,
    wide: bool,
) -> Vec<Client> {
    let aps: Vec<&str> = devices
        .iter()
        .filter(|d| d.product_type() == ProductType::Wireless)
        .map(|d| d.serial.as_str())
        .collect();
    let switches: Vec<&str> = devices
        .iter()
        .filter(|d| d.product_type() == ProductType::Switch)
        .map(|d| d.serial.as_str())
        .collect();
    let lan_subnet = format!("{lan_base}.0/24");
    let mut pools: Vec<Pool> = (0..vlans.map_or(1, <[Vlan]>::len))
        .map(|_| Pool { next: 0 })
        .collect();
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let id = ids.take(rng, |r| format!("k{}", hex(r, 6)));
        let mac = ids.take(rng, |r| mac(r, CLIENT_OUIS));
        let wireless = match (aps.is_empty(), switches.is_empty()) {
            (false, false) => rng.chance(600),
            (false, true) => true,
            _ => false,
        };
        let device = if wireless {
            rng.pick(&aps).map(|s| (*s).to_string())
        } else {
            rng.pick(&switches).map(|s| (*s).to_string())
        };
        let (mut ip, mut ip6, vlan, named_vlan, vlan_index) = match vlans {
            Some(vs) if !vs.is_empty() => {
                let i = rng.below(vs.len() as u64) as usize;
                let v = &vs[i];
                let ip = pools[i].ipv4(&v.subnet, wide);
                let ip6 = v.ipv6_prefix.as_ref().and_then(|p| {
                    rng.chance(500)
                        .then(|| format!("{}{}", p.trim_end_matches("/64"), hex(rng, 4)))
                });
                let named = named_vlans.then(|| v.name.clone());
                (Some(ip), ip6, Some(v.id), named, Some(i))
            }
            _ => {
                let ip = pools[0].ipv4(&lan_subnet, false);
                (Some(ip), None, None, None, None)
            }
        };
        if ip6.is_some() && rng.chance(150) {
            ip = None; // IPv6-only client
        } else if rng.chance(12) {
            ip = None; // seen at layer 2 only (no IP at all)
            ip6 = None;
        }
        let moves = match (vlans, vlan_index) {
            (Some(vs), Some(i)) if vs.len() > 1 && rng.chance(40) => {
                let j = (i + 1 + rng.below(vs.len() as u64 - 1) as usize) % vs.len();
                let alt = &vs[j];
                Some(VlanMove {
                    every_days: rng.range(3, 10) as u32,
                    vlan: Some(alt.id),
                    named_vlan: named_vlans.then(|| alt.name.clone()),
                    ip: Some(pools[j].ipv4(&alt.subnet, wide)),
                    ip6: None,
                })
            }
            _ => None,
        };
        let description = if rng.chance(100) {
            None
        } else {
            let d = rng.pick(DESCRIPTIONS).copied().unwrap_or("client");
            Some(if d.ends_with('-') {
                format!("{d}{}", hex(rng, 6).to_uppercase())
            } else {
                d.to_string()
            })
        };
        let host = description.as_ref().map(|d| {
            d.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        });
        let user = rng
            .chance(200)
            .then(|| rng.pick(USERS).copied().unwrap_or("user").to_string());
        let mdns_name = if rng.chance(300) {
            host.as_ref().map(|h| format!("{h}.local"))
        } else {
            None
        };
        let dhcp_hostname = if rng.chance(600) { host.clone() } else { None };
        out.push(Client {
            id,
            mac,
            description,
            user,
            mdns_name,
            dhcp_hostname,
            ip,
            ip6,
            vlan,
            named_vlan,
            device,
            wireless,
            ssid: None,
            traffic: profile(rng, wireless),
            moves,
        });
    }
    out
}

fn profile(rng: &mut Rng, wireless: bool) -> TrafficProfile {
    let roll = rng.below(100);
    let shape = if wireless {
        match roll {
            0..=49 => Shape::Office,
            50..=89 => Shape::Home,
            _ => Shape::Iot,
        }
    } else {
        match roll {
            0..=49 => Shape::Office,
            50..=69 => Shape::Server,
            _ => Shape::Iot,
        }
    };
    let unit_millis = match rng.below(100) {
        0..=69 => 1000,
        70..=84 => 125,
        85..=94 => 1,
        _ => 500,
    };
    // Log-uniform mean: most clients are light, a few are heavy.
    let kb_per_hour = if shape == Shape::Iot {
        rng.range(1, 50)
    } else {
        let exp = rng.unit_f64() * 3.6 + 1.7; // 10^1.7 ≈ 50 kB … 10^5.3 ≈ 200 MB per hour
        10f64.powf(exp) as u64
    };
    let presence = if rng.chance(300) {
        let period_days = rng.range(7, 30) as u32;
        Presence::Periodic {
            period_days,
            on_days: rng.range(1, u64::from(period_days) - 1) as u32,
            phase: rng.below(u64::from(period_days)) as u32,
        }
    } else {
        Presence::Always
    };
    TrafficProfile {
        unit_millis,
        mean_units_per_hour: (kb_per_hour * 1000 / u64::from(unit_millis)).max(1),
        recv_permille: rng.range(50, 600) as u32,
        idle_permille: rng.range(50, 400) as u32,
        shape,
        presence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_world_and_demo_size_is_varied() {
        let a = generate(42, &WorldSize::default());
        let b = generate(42, &WorldSize::default());
        assert_eq!(a, b);
        assert_ne!(a, generate(43, &WorldSize::default()));
        a.validate().expect("generated world is valid");
        assert_eq!(a.networks().count(), 12);
        assert_eq!(a.client_count(), 12 * 170);
        let clients: Vec<&Client> = a.networks().flat_map(|(_, n)| &n.clients).collect();
        assert!(clients.iter().any(|c| c.ip.is_none() && c.ip6.is_some()));
        assert!(clients.iter().any(|c| c.ip.is_none() && c.ip6.is_none()));
        assert!(clients.iter().any(|c| c.moves.is_some()));
        assert!(clients.iter().any(|c| c.traffic.unit_millis != 1000));
        // At most one appliance per network.
        for (_, n) in a.networks() {
            let appliances = n
                .devices
                .iter()
                .filter(|d| d.product_type() == ProductType::Appliance)
                .count();
            assert!(appliances <= 1, "{}", n.id);
        }
        let has_appliance = |n: &Network| {
            n.devices
                .iter()
                .any(|d| d.product_type() == ProductType::Appliance)
        };
        assert!(a.networks().any(|(_, n)| !has_appliance(n)));
        assert!(
            a.networks()
                .any(|(_, n)| has_appliance(n) && n.vlans.is_none())
        );
    }
}
