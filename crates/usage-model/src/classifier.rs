//! The classifier: which group a client belongs to, on one network.
//!
//! A [`Classifier`] is built once per network from the [`Groups`], the network's identity
//! (for rule scopes) and its appliance VLAN list, then answers [`Classifier::classify`] for
//! every client. The answer is the **first group in definition order** that has a rule in
//! scope for this network matching the client, or `None` (unmatched).
//!
//! # What each rule matches
//!
//! * `sub:<CIDR>` — the client's IPv4 address (`ip`) or IPv6 address (`ip6`) is inside it.
//! * `vid:<N>` — the client reports VLAN `N` (`vlan`), **or** its address is inside the subnet
//!   of VLAN `N` in the network's VLAN list. The original resolved VLAN ids to the VLAN's
//!   subnet and also compared the client's VLAN id; we keep both.
//! * `vname:<name>` — resolved through the network's VLAN list (exact, case-sensitive name):
//!   the client reports the VLAN id the name resolves to, **or** its address is inside that
//!   VLAN's subnet, **or** the client's own `namedVlan` equals the name. The original matched
//!   only by the resolved subnet; the API's v1 client records carry `vlan` and `namedVlan`,
//!   which identify the VLAN without relying on addresses. A name absent from the VLAN list
//!   yields a [`ClassifierWarning::UnresolvedVlanName`]; the rule then matches by `namedVlan`
//!   alone.
//! * `ssid:<name>` — the client's `ssid` (the SSID it is associated with, as the network-level
//!   client list reports it) equals the name exactly; wired clients have none and never match.
//!   `ssid:<number>` resolves the slot number to its name through the network's SSID list
//!   ([`Classifier::with_ssids`]); a number the list does not have yields a
//!   [`ClassifierWarning::UnresolvedSsidNumber`] and the rule matches nothing there.
//!
//! # Speed
//!
//! Subnet rules (and subnets resolved from VLANs) are flattened at build time into sorted,
//! disjoint address ranges, each carrying the smallest group index that covers it, so a
//! lookup is one binary search per address family. VLAN ids index a 4096-entry table; VLAN
//! names and SSIDs a hash map each. Classification is therefore independent of the number of groups in
//! practice (`benches/classifier.rs`).

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnetwork::IpNetwork;

use crate::groups::{GroupIndex, Groups, RuleKind, SsidRef, WARNING_NAME_CHARS, shorten_name};

/// The network a classifier is built for: used to decide which scoped rules apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkIdentity {
    /// Organization name (matched by `@org:`).
    pub org_name: String,
    /// Network name (matched by `@net:`).
    pub net_name: String,
    /// Network tags (matched by `@tag:`).
    pub tags: Vec<String>,
}

/// One entry of a network's appliance VLAN list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VlanInfo {
    /// VLAN id.
    pub id: u16,
    /// VLAN name as configured on the appliance.
    pub name: String,
    /// The VLAN's subnet, if known.
    pub subnet: Option<IpNetwork>,
}

/// One configured SSID of a network's SSID list (`GET /networks/{id}/wireless/ssids`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsidInfo {
    /// Slot number, 0–14.
    pub number: u8,
    /// The SSID's broadcast name.
    pub name: String,
}

/// What the classifier looks at in a client record (owned form).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ClientAddr {
    /// IPv4 address (`ip`).
    pub ip: Option<Ipv4Addr>,
    /// IPv6 address (`ip6`).
    pub ip6: Option<Ipv6Addr>,
    /// VLAN id (`vlan`).
    pub vlan: Option<u16>,
    /// Named VLAN (`namedVlan`).
    pub vlan_name: Option<String>,
    /// The SSID a wireless client is associated with (`ssid`; only the network-level client
    /// list reports it, `None` for wired clients and in device-level lists).
    pub ssid: Option<String>,
}

/// Something the classifier could not fully honour for this network; not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClassifierWarning {
    /// A `vname:` rule names a VLAN that is not in the network's VLAN list.
    UnresolvedVlanName {
        /// The group the rule belongs to.
        group: String,
        /// The VLAN name that did not resolve.
        name: String,
    },
    /// An `ssid:<number>` rule names a slot that is not in the network's SSID list (or the
    /// list could not be read).
    UnresolvedSsidNumber {
        /// The group the rule belongs to.
        group: String,
        /// The slot number that did not resolve.
        number: u8,
    },
}

impl fmt::Display for ClassifierWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Group and VLAN names are the user's; a very long one is shortened so the
            // message stays readable (the warning's fields keep the full names).
            ClassifierWarning::UnresolvedVlanName { group, name } => write!(
                f,
                "group {:?}: VLAN name {:?} is not in this network's VLAN list; \
                 only clients reporting that named VLAN will match it",
                shorten_name(group, WARNING_NAME_CHARS),
                shorten_name(name, WARNING_NAME_CHARS),
            ),
            ClassifierWarning::UnresolvedSsidNumber { group, number } => write!(
                f,
                "group {:?}: SSID number {number} is not in this network's SSID list;                  the rule ssid:{number} matches nothing here",
                shorten_name(group, WARNING_NAME_CHARS),
            ),
        }
    }
}

const NONE: u32 = u32::MAX;
const VLAN_SLOTS: usize = 4096;

/// Sorted disjoint ranges: `segs[i].0..segs[i+1].0` belongs to group `segs[i].1` (`NONE` = no
/// group). Start and group sit side by side so a lookup's last probe brings both into cache.
#[derive(Debug, Clone)]
struct RangeTable<K> {
    segs: Vec<(K, u32)>,
}

impl<K: Copy + Ord> RangeTable<K> {
    #[inline]
    fn lookup(&self, key: K) -> u32 {
        let idx = self.segs.partition_point(|&(s, _)| s <= key);
        idx.checked_sub(1)
            .and_then(|i| self.segs.get(i))
            .map_or(NONE, |s| s.1)
    }

    fn is_trivial(&self) -> bool {
        self.segs.iter().all(|&(_, g)| g == NONE)
    }
}

/// Flattens CIDR ranges `(lo, hi, group)` (inclusive, pairwise nested or disjoint, as CIDR
/// blocks always are) over the domain `0..=max` into disjoint segments carrying the smallest
/// group index covering them.
fn flatten(mut ranges: Vec<(u128, u128, u32)>, max: u128) -> Vec<(u128, u32)> {
    ranges.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    ranges.dedup_by_key(|r| (r.0, r.1));

    let mut segs: Vec<(u128, u32)> = vec![(0, NONE)];
    let emit = |segs: &mut Vec<(u128, u32)>, pos: u128, g: u32| {
        let n = segs.len();
        if n > 0 && segs[n - 1].0 == pos {
            segs[n - 1].1 = g;
            if n >= 2 && segs[n - 2].1 == g {
                segs.pop();
            }
        } else if segs.last().is_none_or(|s| s.1 != g) {
            segs.push((pos, g));
        }
    };
    // Stack of enclosing ranges: (end, effective group = min over it and its ancestors).
    let mut stack: Vec<(u128, u32)> = Vec::new();
    let close = |stack: &mut Vec<(u128, u32)>, segs: &mut Vec<(u128, u32)>| {
        if let Some((hi, _)) = stack.pop() {
            let parent = stack.last().map_or(NONE, |s| s.1);
            if hi < max {
                emit(segs, hi + 1, parent);
            }
        }
    };
    for (lo, hi, g) in ranges {
        while stack.last().is_some_and(|&(top_hi, _)| top_hi < lo) {
            close(&mut stack, &mut segs);
        }
        let eff = g.min(stack.last().map_or(NONE, |s| s.1));
        emit(&mut segs, lo, eff);
        stack.push((hi, eff));
    }
    while !stack.is_empty() {
        close(&mut stack, &mut segs);
    }
    segs
}

/// The IPv4 range table plus an index by the top 16 address bits: `bucket[b]` is the number
/// of segments starting below `b << 16`, so a lookup binary-searches only the few segments
/// that start inside the key's bucket instead of all of them.
#[derive(Debug, Clone)]
struct V4Table {
    ranges: RangeTable<u32>,
    bucket: Box<[u32]>,
}

impl V4Table {
    fn new(ranges: RangeTable<u32>) -> V4Table {
        let bucket = (0..=1u32 << 16)
            .map(|b| {
                let first = b.checked_shl(16).unwrap_or(u32::MAX);
                let n = if b == 1 << 16 {
                    ranges.segs.len()
                } else {
                    ranges.segs.partition_point(|&(s, _)| s < first)
                };
                u32::try_from(n).unwrap_or(u32::MAX)
            })
            .collect();
        V4Table { ranges, bucket }
    }

    #[inline]
    fn lookup(&self, key: u32) -> u32 {
        let b = (key >> 16) as usize;
        let (Some(&lo), Some(&hi)) = (self.bucket.get(b), self.bucket.get(b + 1)) else {
            return self.ranges.lookup(key);
        };
        let (lo, hi) = (lo as usize, hi as usize);
        let Some(window) = self.ranges.segs.get(lo..hi) else {
            return self.ranges.lookup(key);
        };
        // The segment holding `key` is the last one starting at or below it: inside the
        // bucket, or else the one that started before the bucket (index lo - 1).
        let idx = lo + window.partition_point(|&(s, _)| s <= key);
        idx.checked_sub(1)
            .and_then(|i| self.ranges.segs.get(i))
            .map_or(NONE, |s| s.1)
    }
}

fn v4_range(net: ipnetwork::Ipv4Network) -> (u128, u128) {
    let lo = u32::from(net.network());
    let host = u32::MAX.checked_shr(u32::from(net.prefix())).unwrap_or(0);
    (u128::from(lo), u128::from(lo | host))
}

fn v6_range(net: ipnetwork::Ipv6Network) -> (u128, u128) {
    let lo = u128::from(net.network());
    let host = u128::MAX.checked_shr(u32::from(net.prefix())).unwrap_or(0);
    (lo, lo | host)
}

/// Classifies clients of one network into groups. Cheap to query, built once per network.
#[derive(Debug, Clone)]
pub struct Classifier {
    group_count: usize,
    v4: V4Table,
    v6: RangeTable<u128>,
    v6_trivial: bool,
    vid: Box<[u32]>,
    vname: HashMap<String, u32>,
    ssid: HashMap<String, u32>,
}

impl Classifier {
    /// Builds the classifier for `network`, keeping only the rules whose scope applies to it
    /// and resolving VLAN rules through `vlans` (the network's appliance VLAN list; pass an
    /// empty slice when the network has none). Returns warnings for `vname:` rules that do not
    /// resolve. `ssid:<number>` rules resolve nothing here; see [`Classifier::with_ssids`].
    pub fn new(
        groups: &Groups,
        network: &NetworkIdentity,
        vlans: &[VlanInfo],
    ) -> (Classifier, Vec<ClassifierWarning>) {
        Classifier::with_ssids(groups, network, vlans, &[])
    }

    /// Like [`Classifier::new`], also resolving `ssid:<number>` rules through `ssids` (the
    /// network's SSID list). Warns for in-scope `vname:` rules and `ssid:<number>` rules that
    /// do not resolve.
    pub fn with_ssids(
        groups: &Groups,
        network: &NetworkIdentity,
        vlans: &[VlanInfo],
        ssids: &[SsidInfo],
    ) -> (Classifier, Vec<ClassifierWarning>) {
        let mut warnings = Vec::new();
        let mut ssid: HashMap<String, u32> = HashMap::new();
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        let mut vid = vec![NONE; VLAN_SLOTS].into_boxed_slice();
        let mut vname: HashMap<String, u32> = HashMap::new();

        let mut add_subnet = |net: &IpNetwork, g: u32| match net {
            IpNetwork::V4(n) => {
                let (lo, hi) = v4_range(*n);
                v4.push((lo, hi, g));
            }
            IpNetwork::V6(n) => {
                let (lo, hi) = v6_range(*n);
                v6.push((lo, hi, g));
            }
        };
        let mut set_vid = |id: u16, g: u32| {
            if let Some(slot) = vid.get_mut(usize::from(id)) {
                *slot = (*slot).min(g);
            }
        };

        for (GroupIndex(gi), group) in groups.indexed() {
            // More than u32::MAX groups cannot be written down; saturate rather than wrap.
            let g = u32::try_from(gi).unwrap_or(NONE - 1);
            for rule in &group.rules {
                if !rule
                    .scope
                    .applies_to(&network.org_name, &network.net_name, &network.tags)
                {
                    continue;
                }
                match &rule.kind {
                    RuleKind::Subnet(net) => add_subnet(net, g),
                    RuleKind::VlanId(id) => {
                        set_vid(*id, g);
                        for v in vlans.iter().filter(|v| v.id == *id) {
                            if let Some(net) = &v.subnet {
                                add_subnet(net, g);
                            }
                        }
                    }
                    RuleKind::VlanName(name) => {
                        let slot = vname.entry(name.clone()).or_insert(NONE);
                        *slot = (*slot).min(g);
                        let mut resolved = false;
                        for v in vlans.iter().filter(|v| &v.name == name) {
                            resolved = true;
                            set_vid(v.id, g);
                            if let Some(net) = &v.subnet {
                                add_subnet(net, g);
                            }
                        }
                        if !resolved {
                            warnings.push(ClassifierWarning::UnresolvedVlanName {
                                group: group.name.clone(),
                                name: name.clone(),
                            });
                        }
                    }
                    RuleKind::Ssid(SsidRef::Name(name)) => {
                        let slot = ssid.entry(name.clone()).or_insert(NONE);
                        *slot = (*slot).min(g);
                    }
                    RuleKind::Ssid(SsidRef::Number(number)) => {
                        match ssids.iter().find(|s| s.number == *number) {
                            Some(s) => {
                                let slot = ssid.entry(s.name.clone()).or_insert(NONE);
                                *slot = (*slot).min(g);
                            }
                            None => warnings.push(ClassifierWarning::UnresolvedSsidNumber {
                                group: group.name.clone(),
                                number: *number,
                            }),
                        }
                    }
                }
            }
        }

        let v4 = V4Table::new(RangeTable {
            // Every start came from a u32 range (or is hi + 1 with hi < u32::MAX).
            segs: flatten(v4, u128::from(u32::MAX))
                .into_iter()
                .map(|(s, g)| (u32::try_from(s).unwrap_or(u32::MAX), g))
                .collect(),
        });
        let v6 = RangeTable {
            segs: flatten(v6, u128::MAX),
        };
        let v6_trivial = v6.is_trivial();
        (
            Classifier {
                group_count: groups.len(),
                v4,
                v6,
                v6_trivial,
                vid,
                vname,
                ssid,
            },
            warnings,
        )
    }

    /// The number of groups (the length of per-group vectors such as
    /// [`crate::DayGroups::per_group`]).
    pub fn group_count(&self) -> usize {
        self.group_count
    }

    /// The first group (in definition order) with a rule matching the client, or `None`.
    #[inline]
    pub fn classify(&self, client: &ClientAddr) -> Option<GroupIndex> {
        self.classify_parts(
            client.ip,
            client.ip6,
            client.vlan,
            client.vlan_name.as_deref(),
            client.ssid.as_deref(),
        )
    }

    /// [`Classifier::classify`] on borrowed parts, for callers that do not hold a
    /// [`ClientAddr`].
    #[inline]
    pub fn classify_parts(
        &self,
        ip: Option<Ipv4Addr>,
        ip6: Option<Ipv6Addr>,
        vlan: Option<u16>,
        vlan_name: Option<&str>,
        ssid: Option<&str>,
    ) -> Option<GroupIndex> {
        let mut best = NONE;
        if let Some(ip) = ip {
            best = best.min(self.v4.lookup(u32::from(ip)));
        }
        if let Some(ip6) = ip6
            && !self.v6_trivial
        {
            best = best.min(self.v6.lookup(u128::from(ip6)));
        }
        if let Some(v) = vlan
            && let Some(&g) = self.vid.get(usize::from(v))
        {
            best = best.min(g);
        }
        if let Some(name) = vlan_name
            && !self.vname.is_empty()
            && let Some(&g) = self.vname.get(name)
        {
            best = best.min(g);
        }
        if let Some(name) = ssid
            && !self.ssid.is_empty()
            && let Some(&g) = self.ssid.get(name)
        {
            best = best.min(g);
        }
        (best != NONE).then_some(GroupIndex(best as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(org: &str, name: &str, tags: &[&str]) -> NetworkIdentity {
        NetworkIdentity {
            org_name: org.into(),
            net_name: name.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn v4(ip: &str) -> ClientAddr {
        ClientAddr {
            ip: Some(ip.parse().unwrap()),
            ..ClientAddr::default()
        }
    }

    #[test]
    fn first_group_wins_sales_before_rest() {
        // The manual's example: Sales 10.10.0.0/16 listed before Rest 10.0.0.0/8.
        let g = Groups::parse("Sales=sub:10.10.0.0/16;Rest=sub:10.0.0.0/8").unwrap();
        let (c, w) = Classifier::new(&g, &net("o", "n", &[]), &[]);
        assert!(w.is_empty());
        assert_eq!(c.classify(&v4("10.10.3.4")), Some(GroupIndex(0)));
        assert_eq!(c.classify(&v4("10.11.3.4")), Some(GroupIndex(1)));
        assert_eq!(c.classify(&v4("11.0.0.1")), None);
        // Reversed order: the /8 swallows everything.
        let g = Groups::parse("Rest=sub:10.0.0.0/8;Sales=sub:10.10.0.0/16").unwrap();
        let (c, _) = Classifier::new(&g, &net("o", "n", &[]), &[]);
        assert_eq!(c.classify(&v4("10.10.3.4")), Some(GroupIndex(0)));
    }

    #[test]
    fn manual_vlan_example() {
        let g = Groups::parse("Corporate=sub:10.10.0.0/16, vid:20; Contractors=vname:contractors")
            .unwrap();
        let vlans = [
            VlanInfo {
                id: 10,
                name: "sales".into(),
                subnet: Some("10.10.0.0/16".parse().unwrap()),
            },
            VlanInfo {
                id: 20,
                name: "engineering".into(),
                subnet: Some("10.20.0.0/16".parse().unwrap()),
            },
            VlanInfo {
                id: 30,
                name: "contractors".into(),
                subnet: Some("10.30.0.0/16".parse().unwrap()),
            },
        ];
        let (c, w) = Classifier::new(&g, &net("o", "n", &[]), &vlans);
        assert!(w.is_empty());
        // Engineering by VLAN id, and by VLAN 20's subnet when the client has no VLAN field.
        let eng = ClientAddr {
            vlan: Some(20),
            ..v4("172.16.0.1")
        };
        assert_eq!(c.classify(&eng), Some(GroupIndex(0)));
        assert_eq!(c.classify(&v4("10.20.9.9")), Some(GroupIndex(0)));
        // Contractors by resolved subnet, resolved id, or named VLAN.
        assert_eq!(c.classify(&v4("10.30.0.5")), Some(GroupIndex(1)));
        let by_id = ClientAddr {
            vlan: Some(30),
            ..ClientAddr::default()
        };
        assert_eq!(c.classify(&by_id), Some(GroupIndex(1)));
        let by_name = ClientAddr {
            vlan_name: Some("contractors".into()),
            ..ClientAddr::default()
        };
        assert_eq!(c.classify(&by_name), Some(GroupIndex(1)));
        assert_eq!(c.classify(&v4("10.40.0.1")), None);
    }

    #[test]
    fn unresolved_vlan_name_warns_and_matches_by_named_vlan_only() {
        let g = Groups::parse("G=vname:guest").unwrap();
        let (c, w) = Classifier::new(&g, &net("o", "n", &[]), &[]);
        assert_eq!(
            w,
            vec![ClassifierWarning::UnresolvedVlanName {
                group: "G".into(),
                name: "guest".into()
            }]
        );
        let named = ClientAddr {
            vlan_name: Some("guest".into()),
            ..ClientAddr::default()
        };
        assert_eq!(c.classify(&named), Some(GroupIndex(0)));
        let other = ClientAddr {
            vlan_name: Some("Guest".into()),
            vlan: Some(5),
            ..v4("1.2.3.4")
        };
        assert_eq!(c.classify(&other), None);
    }

    #[test]
    fn warnings_shorten_very_long_names() {
        let long = "Contractors and visitors ".repeat(8);
        let long = long.trim();
        let g = Groups::parse(&format!("{long}=vname:{long}")).unwrap();
        let (_, w) = Classifier::new(&g, &net("o", "n", &[]), &[]);
        let text = w[0].to_string();
        let short = shorten_name(long, WARNING_NAME_CHARS);
        assert!(short.ends_with('…') && short.chars().count() == WARNING_NAME_CHARS);
        assert!(text.contains(&format!("group {short:?}")), "{text}");
        assert!(!text.contains(long), "{text}");
        // The warning's fields keep the full names for programs.
        assert!(
            matches!(&w[0], ClassifierWarning::UnresolvedVlanName { group, .. } if group == long)
        );
        // Short names are quoted unchanged.
        let g = Groups::parse("G=vname:guest").unwrap();
        let (_, w) = Classifier::new(&g, &net("o", "n", &[]), &[]);
        assert!(
            w[0].to_string()
                .starts_with("group \"G\": VLAN name \"guest\"")
        );
    }

    #[test]
    fn ssid_rules_match_wireless_clients_by_name_or_resolved_number() {
        let g = Groups::parse("Voice=vid:20;Guests=ssid:Guest;Staff=ssid:0;Rest=sub:10.0.0.0/8")
            .unwrap();
        let ssids = [
            SsidInfo {
                number: 0,
                name: "Corp".into(),
            },
            SsidInfo {
                number: 1,
                name: "Guest".into(),
            },
        ];
        let (c, w) = Classifier::with_ssids(&g, &net("o", "n", &[]), &[], &ssids);
        assert!(w.is_empty(), "{w:?}");
        let on = |ssid: &str, ip: &str| ClientAddr {
            ssid: Some(ssid.into()),
            ..v4(ip)
        };
        assert_eq!(c.classify(&on("Guest", "10.1.1.1")), Some(GroupIndex(1)));
        assert_eq!(c.classify(&on("Corp", "10.1.1.1")), Some(GroupIndex(2)));
        // Exact names; a wired client (no SSID) falls to the other rules.
        assert_eq!(c.classify(&on("guest", "10.1.1.1")), Some(GroupIndex(3)));
        assert_eq!(c.classify(&v4("10.1.1.1")), Some(GroupIndex(3)));
        assert_eq!(c.classify(&v4("11.1.1.1")), None);
        // First group wins: Voice (by VLAN) comes before the SSID groups.
        let voice = ClientAddr {
            vlan: Some(20),
            ..on("Guest", "10.1.1.1")
        };
        assert_eq!(c.classify(&voice), Some(GroupIndex(0)));
        // Without the SSID list, the numbered rule warns and matches nothing.
        let (c, w) = Classifier::new(&g, &net("o", "n", &[]), &[]);
        assert_eq!(
            w,
            vec![ClassifierWarning::UnresolvedSsidNumber {
                group: "Staff".into(),
                number: 0
            }]
        );
        assert!(
            w[0].to_string().contains("ssid:0 matches nothing"),
            "{}",
            w[0]
        );
        assert_eq!(c.classify(&on("Corp", "10.1.1.1")), Some(GroupIndex(3)));
        assert_eq!(c.classify(&on("Guest", "10.1.1.1")), Some(GroupIndex(1)));
    }

    #[test]
    fn scopes_are_anded_and_exact() {
        let g = Groups::parse("A=@org:Acme Inc@tag:branch sub:10.0.0.0/8;B=sub:0.0.0.0/0").unwrap();
        let cases = [
            (net("Acme Inc", "x", &["branch"]), Some(GroupIndex(0))),
            (net("Acme Inc", "x", &["branch-old"]), Some(GroupIndex(1))),
            (net("Other", "x", &["branch"]), Some(GroupIndex(1))),
        ];
        for (n, want) in cases {
            let (c, _) = Classifier::new(&g, &n, &[]);
            assert_eq!(c.classify(&v4("10.1.1.1")), want, "{n:?}");
        }
    }

    #[test]
    fn default_group_matches_ipv6_only_clients() {
        let (c, _) = Classifier::new(&Groups::overall_default(), &net("o", "n", &[]), &[]);
        let v6only = ClientAddr {
            ip6: Some("2001:db8::1".parse().unwrap()),
            ..ClientAddr::default()
        };
        assert_eq!(c.classify(&v6only), Some(GroupIndex(0)));
        assert_eq!(c.classify(&v4("255.255.255.255")), Some(GroupIndex(0)));
        assert_eq!(c.classify(&ClientAddr::default()), None);
    }

    #[test]
    fn bucket_index_agrees_with_plain_search() {
        let g = Groups::parse(
            "A=sub:10.0.255.0/24,sub:10.1.0.0/32;B=sub:10.0.0.0/15,sub:0.0.0.0/1;C=sub:255.255.255.255/32",
        )
        .unwrap();
        let (c, _) = Classifier::new(&g, &NetworkIdentity::default(), &[]);
        let mut key = 0u32;
        let mut probes = vec![
            0,
            u32::MAX,
            0x0A00_FFFF,
            0x0A01_0000,
            0x0A01_0001,
            0x7FFF_FFFF,
            0x8000_0000,
        ];
        for _ in 0..5000 {
            key = key.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            probes.push(key);
        }
        for k in probes {
            assert_eq!(c.v4.lookup(k), c.v4.ranges.lookup(k), "{k:#x}");
        }
        assert_eq!(c.v4.lookup(0x0A01_0000), 0);
        assert_eq!(c.v4.lookup(0x0A01_0001), 1);
        assert_eq!(c.v4.lookup(0x8000_0000), NONE);
        assert_eq!(c.v4.lookup(u32::MAX), 2);
    }

    #[test]
    fn flatten_nested_and_edges() {
        let segs = flatten(
            vec![
                (0, 255, 5),
                (10, 20, 2),
                (12, 13, 7),
                (20, 20, 1),
                (200, 255, 0),
            ],
            255,
        );
        let find = |x: u128| segs[segs.partition_point(|&(v, _)| v <= x) - 1].1;
        assert_eq!(find(0), 5);
        assert_eq!(find(11), 2);
        assert_eq!(find(12), 2);
        assert_eq!(find(19), 2);
        assert_eq!(find(20), 1);
        assert_eq!(find(21), 5);
        assert_eq!(find(199), 5);
        assert_eq!(find(200), 0);
        assert_eq!(find(255), 0);
    }
}
