//! A report with every awkward case: a very long group name, a number wider than the
//! original's 15 columns, non-ASCII and CSV-hostile names, fractional kB, unmatched traffic,
//! traffic of groups no longer defined, a network without traffic, missing days and error
//! bounds (given for one network, left empty elsewhere), and days read from both sources.

use jiff::civil::date;
use report_render::{DateRange, GroupDef, NetworkReport, OrgReport, Report, SourceDays};
use usage_model::{Kb, Traffic};

pub const LONG_GROUP: &str = "Contractors, visitors and everyone else on the guest VLANs";

fn t(up_millis: i64, down_millis: i64) -> Traffic {
    Traffic {
        up: Kb::from_millis(up_millis),
        down: Kb::from_millis(down_millis),
    }
}

pub fn report() -> Report {
    Report {
        title: Some("Fixture report".into()),
        period: DateRange::new(date(2026, 11, 22), date(2026, 11, 16)),
        groups: vec![
            GroupDef {
                name: "Corporate".into(),
                definition: "sub:10.10.0.0/16,vid:20".into(),
            },
            GroupDef {
                name: LONG_GROUP.into(),
                definition: "vname:guest,@org:Acme vid:30".into(),
            },
            GroupDef {
                name: "R&D <lab>".into(),
                definition: "sub:fd00::/8".into(),
            },
        ],
        organizations: vec![
            OrgReport {
                name: "Acme".into(),
                networks: vec![
                    NetworkReport {
                        name: "HQ".into(),
                        groups: vec![t(1_500, 2_499), t(1_000_500, 3_000_000), t(0, 125)],
                        unmatched: t(4_000, 6_000),
                        // Rows of a group a reconfigure removed.
                        removed_groups: t(700_500, 1_250),
                        missing_days: vec![],
                        // Traffic between the two reads of a day: up to 1.5 kB up and 0.25 kB
                        // down for the second group, 0.1 kB down of unmatched.
                        bounds: vec![t(0, 0), t(1_500, 250), t(0, 0)],
                        unmatched_bound: t(0, 100),
                        removed_groups_bound: Traffic::default(),
                    },
                    NetworkReport {
                        name: "Data centre".into(),
                        // Wider than %15d: 9 quadrillion kB.
                        groups: vec![t(9_000_000_000_000_000_000, 1_000), t(0, 0), t(2_000, 0)],
                        unmatched: Traffic::default(),
                        removed_groups: Traffic::default(),
                        missing_days: vec![date(2026, 11, 18), date(2026, 11, 19)],
                        // Empty: all zero.
                        ..NetworkReport::default()
                    },
                ],
            },
            OrgReport {
                name: "Ünïcødé Örg — 東京".into(),
                networks: vec![
                    NetworkReport {
                        name: "Lab, \"north\"".into(),
                        groups: vec![t(333_333, 666_667), t(333_333, 0), t(333_334, 0)],
                        unmatched: t(0, 50),
                        removed_groups: Traffic::default(),
                        missing_days: vec![date(2026, 11, 22)],
                        ..NetworkReport::default()
                    },
                    NetworkReport {
                        name: "Quiet site".into(),
                        groups: vec![Traffic::default(); 3],
                        unmatched: Traffic::default(),
                        removed_groups: Traffic::default(),
                        missing_days: vec![],
                        ..NetworkReport::default()
                    },
                ],
            },
        ],
        generated_at: "2026-11-23T06:00:00Z".parse().unwrap(),
        daily: (16..=22)
            .map(|d| {
                (
                    date(2026, 11, d),
                    vec![
                        t(i64::from(d) * 1_000, 500),
                        t(1_000, i64::from(d) * 2_000),
                        t(0, 0),
                    ],
                )
            })
            .collect(),
        // A reconfigure switched from devices to networks mid-period.
        sources: vec![
            SourceDays {
                source: usage_model::Source::Device,
                days: 9,
            },
            SourceDays {
                source: usage_model::Source::Network,
                days: 12,
            },
        ],
        incomplete: None,
        top_clients: None,
    }
}
