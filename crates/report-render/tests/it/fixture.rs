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
    let groups = vec![
        GroupDef::new("Corporate", "sub:10.10.0.0/16,vid:20"),
        GroupDef::new(LONG_GROUP, "vname:guest,@org:Acme vid:30"),
        GroupDef::new("R&D <lab>", "sub:fd00::/8"),
    ];

    let mut hq = NetworkReport::new(
        "HQ",
        vec![t(1_500, 2_499), t(1_000_500, 3_000_000), t(0, 125)],
    );
    hq.unmatched = t(4_000, 6_000);
    // Rows of a group a reconfigure removed.
    hq.removed_groups = t(700_500, 1_250);
    // Traffic between the two reads of a day: up to 1.5 kB up and 0.25 kB down for the
    // second group, 0.1 kB down of unmatched.
    hq.bounds = vec![t(0, 0), t(1_500, 250), t(0, 0)];
    hq.unmatched_bound = t(0, 100);

    // Wider than %15d: 9 quadrillion kB. Bounds empty: all zero.
    let mut data_centre = NetworkReport::new(
        "Data centre",
        vec![t(9_000_000_000_000_000_000, 1_000), t(0, 0), t(2_000, 0)],
    );
    data_centre.missing_days = vec![date(2026, 11, 18), date(2026, 11, 19)];

    let mut lab = NetworkReport::new(
        "Lab, \"north\"",
        vec![t(333_333, 666_667), t(333_333, 0), t(333_334, 0)],
    );
    lab.unmatched = t(0, 50);
    lab.missing_days = vec![date(2026, 11, 22)];

    let quiet = NetworkReport::new("Quiet site", vec![Traffic::default(); 3]);

    let organizations = vec![
        OrgReport::new("Acme", vec![hq, data_centre]),
        OrgReport::new("Ünïcødé Örg — 東京", vec![lab, quiet]),
    ];
    let mut report = Report::new(
        DateRange::new(date(2026, 11, 22), date(2026, 11, 16)),
        groups,
        organizations,
        "2026-11-23T06:00:00Z".parse().unwrap(),
    );
    report.title = Some("Fixture report".into());
    report.daily = (16..=22)
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
        .collect();
    // A reconfigure switched from devices to networks mid-period.
    report.sources = vec![
        SourceDays::new(usage_model::Source::Device, 9),
        SourceDays::new(usage_model::Source::Network, 12),
    ];
    report
}
