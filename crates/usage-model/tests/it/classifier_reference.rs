//! The fast classifier agrees with a naive, obviously-correct reference on random inputs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnetwork::{IpNetwork, Ipv4Network, Ipv6Network};
use proptest::prelude::*;
use usage_model::{
    Classifier, ClientAddr, Group, GroupIndex, Groups, NetworkIdentity, Rule, RuleKind, Scope,
    SsidInfo, SsidRef, VlanInfo,
};

/// The documented semantics, written as directly as possible: first group, in order, with an
/// in-scope rule that matches.
fn reference(
    groups: &Groups,
    net: &NetworkIdentity,
    vlans: &[VlanInfo],
    ssids: &[SsidInfo],
    c: &ClientAddr,
) -> Option<GroupIndex> {
    let in_net = |n: &IpNetwork| {
        c.ip.is_some_and(|ip| n.contains(IpAddr::V4(ip)))
            || c.ip6.is_some_and(|ip| n.contains(IpAddr::V6(ip)))
    };
    let in_vlan_subnet = |v: &VlanInfo| v.subnet.as_ref().is_some_and(&in_net);
    for (i, g) in groups.iter().enumerate() {
        for r in &g.rules {
            if !r.scope.applies_to(&net.org_name, &net.net_name, &net.tags) {
                continue;
            }
            let hit = match &r.kind {
                RuleKind::Subnet(n) => in_net(n),
                RuleKind::VlanId(id) => {
                    c.vlan == Some(*id) || vlans.iter().any(|v| v.id == *id && in_vlan_subnet(v))
                }
                RuleKind::VlanName(name) => {
                    c.vlan_name.as_deref() == Some(name.as_str())
                        || vlans
                            .iter()
                            .any(|v| &v.name == name && (c.vlan == Some(v.id) || in_vlan_subnet(v)))
                }
                RuleKind::Ssid(SsidRef::Name(name)) => c.ssid.as_deref() == Some(name.as_str()),
                RuleKind::Ssid(SsidRef::Number(n)) => ssids
                    .iter()
                    .find(|s| s.number == *n)
                    .is_some_and(|s| c.ssid.as_deref() == Some(s.name.as_str())),
                // RuleKind is non-exhaustive: a new kind must be added to this reference too.
                other => panic!("the reference classifier knows no rule kind {other:?}"),
            };
            if hit {
                return Some(GroupIndex(i));
            }
        }
    }
    None
}

// A small universe (10.0.0.0/16-ish, 2001:db8::/120-ish, VLANs 1..8, three names, two orgs),
// so rules overlap and clients hit them often.
fn v4_net() -> impl Strategy<Value = IpNetwork> {
    (any::<u16>(), 14u8..=32).prop_map(|(low, p)| {
        let a = (10u32 << 24) | u32::from(low);
        let mask = u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0);
        IpNetwork::V4(Ipv4Network::new(Ipv4Addr::from(a & mask), p).unwrap())
    })
}

fn v6_net() -> impl Strategy<Value = IpNetwork> {
    (any::<u8>(), 118u8..=128).prop_map(|(low, p)| {
        let a = (0x2001_0db8u128 << 96) | u128::from(low);
        let mask = u128::MAX.checked_shl(128 - u32::from(p)).unwrap_or(0);
        IpNetwork::V6(Ipv6Network::new(Ipv6Addr::from(a & mask), p).unwrap())
    })
}

fn vname() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("corp".to_string()),
        Just("guest".to_string()),
        Just("iot".to_string())
    ]
}

fn ssid_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Corp".to_string()),
        Just("Guest".to_string()),
        Just("guest".to_string())
    ]
}

/// A network's SSID list: some of the slots 0..=3, each named from the small universe (two
/// slots may share a name, as nothing forbids it).
fn ssids() -> impl Strategy<Value = Vec<SsidInfo>> {
    proptest::collection::btree_map(0u8..=3, ssid_name(), 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(number, name)| SsidInfo { number, name })
            .collect()
    })
}

fn small_opt(values: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => proptest::sample::select(values).prop_map(|s| Some(s.to_string())),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    let kind = prop_oneof![
        4 => v4_net().prop_map(RuleKind::Subnet),
        1 => prop_oneof![v6_net(), Just("::/0".parse().unwrap()), Just("0.0.0.0/0".parse().unwrap())]
            .prop_map(RuleKind::Subnet),
        2 => (1u16..=8).prop_map(RuleKind::VlanId),
        2 => vname().prop_map(RuleKind::VlanName),
        1 => ssid_name().prop_map(|n| RuleKind::Ssid(SsidRef::Name(n))),
        1 => (0u8..=3).prop_map(|n| RuleKind::Ssid(SsidRef::Number(n))),
    ];
    let scope = (
        small_opt(&["A", "B"]),
        small_opt(&["n1", "n2"]),
        small_opt(&["t1", "t2"]),
    )
        .prop_map(|(org, net, tag)| Scope { org, net, tag });
    (scope, kind).prop_map(|(scope, kind)| Rule { scope, kind })
}

fn groups() -> impl Strategy<Value = Groups> {
    proptest::collection::vec(proptest::collection::vec(rule(), 1..6), 1..8).prop_map(|gs| {
        Groups::new(
            gs.into_iter()
                .enumerate()
                .map(|(i, rules)| Group {
                    name: format!("g{i}"),
                    rules,
                })
                .collect(),
        )
        .unwrap()
    })
}

fn network() -> impl Strategy<Value = NetworkIdentity> {
    (
        proptest::sample::select(&["A", "B"][..]),
        proptest::sample::select(&["n1", "n2"][..]),
        proptest::sample::subsequence(&["t1", "t2", "t3"][..], 0..=3),
    )
        .prop_map(|(o, n, t)| NetworkIdentity {
            org_name: o.into(),
            net_name: n.into(),
            tags: t.into_iter().map(String::from).collect(),
        })
}

fn vlans() -> impl Strategy<Value = Vec<VlanInfo>> {
    proptest::collection::vec(
        (
            1u16..=8,
            vname(),
            proptest::option::of(prop_oneof![v4_net(), v6_net()]),
        ),
        0..6,
    )
    .prop_map(|vs| {
        vs.into_iter()
            .map(|(id, name, subnet)| VlanInfo { id, name, subnet })
            .collect()
    })
}

fn client() -> impl Strategy<Value = ClientAddr> {
    (
        proptest::option::of(
            any::<u16>().prop_map(|l| Ipv4Addr::from((10u32 << 24) | u32::from(l))),
        ),
        proptest::option::of(
            any::<u8>().prop_map(|l| Ipv6Addr::from((0x2001_0db8u128 << 96) | u128::from(l))),
        ),
        proptest::option::of(0u16..=10),
        proptest::option::of(prop_oneof![vname(), Just("Corp".to_string())]),
        proptest::option::of(ssid_name()),
    )
        .prop_map(|(ip, ip6, vlan, vlan_name, ssid)| ClientAddr {
            ip,
            ip6,
            vlan,
            vlan_name,
            ssid,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn classifier_agrees_with_reference(
        g in groups(),
        net in network(),
        vl in vlans(),
        ss in ssids(),
        clients in proptest::collection::vec(client(), 1..40),
    ) {
        let (c, warnings) = Classifier::with_ssids(&g, &net, &vl, &ss);
        for client in &clients {
            prop_assert_eq!(c.classify(client), reference(&g, &net, &vl, &ss, client), "{:?}", client);
        }
        // Exactly the in-scope vname rules whose name is not in the VLAN list warn, and the
        // in-scope ssid:<number> rules whose slot is not in the SSID list.
        let expected = g
            .iter()
            .flat_map(|grp| &grp.rules)
            .filter(|r| r.scope.applies_to(&net.org_name, &net.net_name, &net.tags))
            .filter(|r| match &r.kind {
                RuleKind::VlanName(n) => !vl.iter().any(|v| &v.name == n),
                RuleKind::Ssid(SsidRef::Number(k)) => !ss.iter().any(|s| s.number == *k),
                _ => false,
            })
            .count();
        prop_assert_eq!(warnings.len(), expected);
    }
}
