//! Parser properties: no panics on any input, canonical Display round-trips, init file ≡ `-g`.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnetwork::{IpNetwork, Ipv4Network, Ipv6Network};
use jiff::civil::Date;
use proptest::prelude::*;
use usage_model::{
    DateRange, DeviceType, Filter, Group, Groups, InitConfig, Period, Rule, RuleKind, Scope,
    SsidRef,
};

/// Strings made of syntax fragments, to reach deep parser paths more often than random text.
fn syntaxy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("sub:".to_string()),
        Just("vid:".to_string()),
        Just("vlanid:".to_string()),
        Just("vname:".to_string()),
        Just("vlanname:".to_string()),
        Just("ssid:".to_string()),
        Just("ssid=".to_string()),
        Just("14".to_string()),
        Just("@org:".to_string()),
        Just("@net:".to_string()),
        Just("@tag:".to_string()),
        Just("org:".to_string()),
        Just("dtype:".to_string()),
        Just("dtag:".to_string()),
        Just("10.0.0.0/8".to_string()),
        Just("::/0".to_string()),
        Just("4094".to_string()),
        Just(" to ".to_string()),
        Just("2024-02-29".to_string()),
        Just("last-week".to_string()),
        Just("[GROUPS]\n".to_string()),
        Just("[OPTIONS]\n".to_string()),
        Just("groupname=".to_string()),
        Just("subnet=".to_string()),
        Just("\n".to_string()),
        "[ =,;:@/a-zA-Z0-9\\.#\\[\\]-]{0,4}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_]([A-Za-z0-9_ .-]{0,10}[A-Za-z0-9_])?"
}

fn vlan_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_@]([A-Za-z0-9_ .@:=-]{0,10}[A-Za-z0-9_])?"
}

fn subnet() -> impl Strategy<Value = IpNetwork> {
    prop_oneof![
        (any::<u32>(), 0u8..=32).prop_map(|(a, p)| {
            let mask = u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0);
            IpNetwork::V4(Ipv4Network::new(Ipv4Addr::from(a & mask), p).unwrap())
        }),
        (any::<u128>(), 0u8..=128).prop_map(|(a, p)| {
            let mask = u128::MAX.checked_shl(128 - u32::from(p)).unwrap_or(0);
            IpNetwork::V6(Ipv6Network::new(Ipv6Addr::from(a & mask), p).unwrap())
        }),
    ]
}

/// SSID names: like VLAN names, but never only digits (that is a slot number).
fn ssid_name() -> impl Strategy<Value = String> {
    vlan_name().prop_filter("not a number", |n| !n.bytes().all(|b| b.is_ascii_digit()))
}

fn rule() -> impl Strategy<Value = Rule> {
    let kind = prop_oneof![
        subnet().prop_map(RuleKind::Subnet),
        (1u16..=4094).prop_map(RuleKind::VlanId),
        vlan_name().prop_map(RuleKind::VlanName),
        (0u8..=14).prop_map(|n| RuleKind::Ssid(SsidRef::Number(n))),
        ssid_name().prop_map(|n| RuleKind::Ssid(SsidRef::Name(n))),
    ];
    let scope = (
        proptest::option::of(name()),
        proptest::option::of(name()),
        proptest::option::of(name()),
    )
        .prop_map(|(org, net, tag)| Scope { org, net, tag });
    (scope, kind).prop_map(|(scope, kind)| Rule { scope, kind })
}

fn groups() -> impl Strategy<Value = Groups> {
    proptest::collection::vec((name(), proptest::collection::vec(rule(), 1..5)), 1..5)
        .prop_filter_map("unique names", |gs| {
            Groups::new(
                gs.into_iter()
                    .map(|(name, rules)| Group { name, rules })
                    .collect(),
            )
            .ok()
        })
}

fn init_text(groups: &Groups) -> String {
    let mut s = String::from("# generated\n[GROUPS]\n");
    for g in groups {
        s.push_str(&format!("groupname={}\n", g.name));
        for r in &g.rules {
            let mut scope = String::new();
            for (k, v) in [
                ("org", &r.scope.org),
                ("net", &r.scope.net),
                ("tag", &r.scope.tag),
            ] {
                if let Some(v) = v {
                    scope.push_str(&format!("@{k}:{v}"));
                }
            }
            if !scope.is_empty() {
                scope.push(' ');
            }
            let (key, value) = match &r.kind {
                RuleKind::Subnet(n) => ("subnet", n.to_string()),
                RuleKind::VlanId(id) => ("vlanid", id.to_string()),
                RuleKind::VlanName(n) => ("vname", n.clone()),
                RuleKind::Ssid(ssid) => ("ssid", ssid.to_string()),
                other => panic!("no init-file key for rule kind {other:?}"),
            };
            s.push_str(&format!("{scope}{key}={value}\n"));
        }
        s.push('\n');
    }
    s
}

fn filter() -> impl Strategy<Value = Filter> {
    let value = || proptest::option::of("[A-Za-z0-9_]([A-Za-z0-9_ .:-]{0,10}[A-Za-z0-9_])?");
    let dtype = prop_oneof![
        Just(DeviceType::Mr),
        Just(DeviceType::Ms),
        Just(DeviceType::Mx),
        Just(DeviceType::All)
    ];
    (value(), value(), value(), value(), dtype).prop_map(
        |(org, net, tag, device_tag, device_type)| Filter {
            org,
            net,
            tag,
            device_tag,
            device_type,
        },
    )
}

fn period() -> impl Strategy<Value = Period> {
    let date =
        (1900i16..=2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap());
    prop_oneof![
        (1u32..=100_000).prop_map(Period::LastDays),
        Just(Period::LastWeek),
        Just(Period::LastMonth),
        (date.clone(), date).prop_map(|(a, b)| Period::Range {
            start: a.min(b),
            end: a.max(b)
        }),
        (1u8..=31).prop_map(|day| Period::Billing { day }),
        (1u8..=31).prop_map(|day| Period::ThisBilling { day }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic(s in syntaxy()) {
        let _ = Groups::parse(&s);
        let _ = Rule::parse(&s);
        let _ = Filter::parse(&s);
        let _ = Period::parse(&s);
        let _ = InitConfig::parse("fuzz", &s);
    }

    #[test]
    fn whatever_parses_round_trips(s in syntaxy()) {
        if let Ok(g) = Groups::parse(&s) {
            prop_assert_eq!(Groups::parse(&g.to_string()), Ok(g));
        }
        if let Ok(f) = Filter::parse(&s) {
            prop_assert_eq!(Filter::parse(&f.to_string()), Ok(f));
        }
        if let Ok(p) = Period::parse(&s) {
            prop_assert_eq!(Period::parse(&p.to_string()), Ok(p));
        }
    }

    #[test]
    fn groups_display_parse_round_trip(g in groups()) {
        let text = g.to_string();
        prop_assert_eq!(Groups::parse(&text), Ok(g), "{}", text);
    }

    #[test]
    fn init_file_equals_command_line_groups(g in groups()) {
        let text = init_text(&g);
        let cfg = InitConfig::parse("gen.txt", &text);
        prop_assert_eq!(cfg.map(|c| c.groups), Ok(Some(g)), "{}", text);
    }

    #[test]
    fn group_names_with_control_characters_are_refused(
        a in name(),
        c in prop_oneof![proptest::char::range('\u{0}', '\u{1f}'), proptest::char::range('\u{7f}', '\u{9f}')],
        b in name(),
    ) {
        let bad = format!("{a}{c}{b}");
        let definition = format!("{bad}=sub:10.0.0.0/8");
        let expected = usage_model::GroupsError::ControlCharacterInName { name: bad.clone(), ch: c };
        prop_assert_eq!(Groups::parse(&definition), Err(expected.clone()));
        let init = format!("[GROUPS]\ngroupname={bad}\nsubnet=10.0.0.0/8\n");
        match InitConfig::parse("gen.txt", &init) {
            // A '\n' ends the init-file line: the name is cut there and the rest of it is
            // refused on the next line as a line without '='.
            Err(e) if c == '\n' => prop_assert_eq!(e.line, 3),
            Err(e) => prop_assert_eq!(e.problem, usage_model::InitFileProblem::Groups(expected)),
            Ok(cfg) => prop_assert!(false, "accepted {:?}", cfg),
        }
    }

    #[test]
    fn filter_round_trip(f in filter()) {
        prop_assert_eq!(Filter::parse(&f.to_string()), Ok(f));
    }

    #[test]
    fn period_round_trip(p in period()) {
        prop_assert_eq!(Period::parse(&p.to_string()), Ok(p));
    }

    #[test]
    fn resolved_periods_end_before_today(p in period(), y in 1901i16..2099, m in 1i8..=12, d in 1i8..=28) {
        let today = Date::new(y, m, d).unwrap();
        let r = p.resolve(today);
        prop_assert!(r.start <= r.end);
        prop_assert_eq!(r.days().count(), r.len());
        match p {
            Period::Range { .. } => {}
            // The current cycle on its first day: that one incomplete day.
            Period::ThisBilling { .. } => {
                let first_day = DateRange { start: today, end: today };
                prop_assert!(r.end < today || r == first_day);
            }
            _ => prop_assert!(r.end < today),
        }
        // A series of N periods: N ranges, oldest first, none overlapping, the newest the period.
        let series = p.resolve_series(today, 4);
        prop_assert_eq!(series.last().copied(), Some(r));
        for pair in series.windows(2) {
            prop_assert!(pair[0].end < pair[1].start);
        }
        if let Period::LastDays(n) = p {
            prop_assert_eq!(r.len(), n as usize);
        }
    }
}
