//! Classifier throughput: 10,000 rules, 1,000,000 clients, one core.
//!
//! Run: `cargo bench -p usage-model --bench classifier`. The `classify` figure is reported as
//! elements/s = classifications per second.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipnetwork::{IpNetwork, Ipv4Network, Ipv6Network};
use usage_model::{
    Classifier, ClientAddr, Group, Groups, NetworkIdentity, Rule, RuleKind, Scope, VlanInfo,
};

/// Deterministic splitmix64, so every run measures the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const GROUPS: usize = 500;
const RULES_PER_GROUP: usize = 20; // 10,000 rules
const CLIENTS: usize = 1_000_000;

fn world() -> (Groups, Vec<VlanInfo>, Vec<ClientAddr>) {
    let mut rng = Rng(42);
    let mut groups = Vec::with_capacity(GROUPS);
    for g in 0..GROUPS {
        let mut rules = Vec::with_capacity(RULES_PER_GROUP);
        for _ in 0..RULES_PER_GROUP {
            let kind = match rng.below(20) {
                // 85 % IPv4 subnets /18../30 under 10.0.0.0/8, 5 % IPv6, 5 % VLAN id, 5 % name.
                0 => RuleKind::Subnet(IpNetwork::V6(
                    Ipv6Network::new(
                        Ipv6Addr::from(
                            (0x2001_0db8_u128 << 96) | (u128::from(rng.next() as u32) << 64),
                        ),
                        64,
                    )
                    .expect("valid prefix"),
                )),
                1 => RuleKind::VlanId(1 + rng.below(4094) as u16),
                2 => RuleKind::VlanName(format!("vlan-{}", rng.below(400))),
                _ => {
                    let prefix = 18 + rng.below(13) as u8;
                    let addr = (10u32 << 24) | (rng.next() as u32 & 0x00FF_FFFF);
                    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                    RuleKind::Subnet(IpNetwork::V4(
                        Ipv4Network::new(Ipv4Addr::from(addr & mask), prefix)
                            .expect("valid prefix"),
                    ))
                }
            };
            rules.push(Rule {
                scope: Scope::default(),
                kind,
            });
        }
        groups.push(Group {
            name: format!("group-{g}"),
            rules,
        });
    }
    let groups = Groups::new(groups).expect("valid groups");
    let vlans = (1..=200u16)
        .map(|id| VlanInfo {
            id,
            name: format!("vlan-{id}"),
            subnet: Some(IpNetwork::V4(
                Ipv4Network::new(Ipv4Addr::new(10, 200, id as u8, 0), 24).expect("valid"),
            )),
        })
        .collect::<Vec<_>>();
    let clients = (0..CLIENTS)
        .map(|_| {
            let ip = Ipv4Addr::from((10u32 << 24) | (rng.next() as u32 & 0x00FF_FFFF));
            let has_v6 = rng.below(4) == 0;
            ClientAddr {
                ip: Some(ip),
                ip6: has_v6
                    .then(|| Ipv6Addr::from((0x2001_0db8_u128 << 96) | u128::from(rng.next()))),
                vlan: Some(1 + rng.below(300) as u16),
                vlan_name: (rng.below(10) == 0).then(|| format!("vlan-{}", rng.below(300))),
                ssid: None,
            }
        })
        .collect();
    (groups, vlans, clients)
}

fn bench(c: &mut Criterion) {
    let (groups, vlans, clients) = world();
    let network = NetworkIdentity::default();

    let mut g = c.benchmark_group("classifier");
    g.sample_size(10);
    g.bench_function("build_10k_rules", |b| {
        b.iter(|| Classifier::new(black_box(&groups), &network, &vlans))
    });

    let (classifier, _) = Classifier::new(&groups, &network, &vlans);
    let matched = clients
        .iter()
        .filter(|c| classifier.classify(c).is_some())
        .count();
    eprintln!("matched {matched} of {CLIENTS} clients");
    g.throughput(Throughput::Elements(CLIENTS as u64));
    g.bench_function("classify_1M_clients", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for client in black_box(&clients) {
                acc = acc.wrapping_add(classifier.classify(client).map_or(usize::MAX, |g| g.0));
            }
            acc
        })
    });

    // The same clients with only IPv4 and VLAN id: the subnet-range path alone.
    let v4_only: Vec<ClientAddr> = clients
        .iter()
        .map(|c| ClientAddr {
            ip: c.ip,
            vlan: c.vlan,
            ..ClientAddr::default()
        })
        .collect();
    g.bench_function("classify_1M_clients_v4_vlan_only", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for client in black_box(&v4_only) {
                acc = acc.wrapping_add(classifier.classify(client).map_or(usize::MAX, |g| g.0));
            }
            acc
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
