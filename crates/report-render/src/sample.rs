//! A realistic, deterministic example report: for documentation, the screenshot and demos.

use jiff::ToSpan;
use jiff::civil::{Date, date};
use usage_model::{Kb, Traffic};

use crate::model::{DateRange, GroupDef, NetworkReport, OrgReport, Report, SourceDays};

/// A small deterministic hash, so the sample looks irregular but never changes.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// A week of traffic for three organizations and five networks, four groups, some unmatched
/// traffic and two missing days. Per-network figures are the sums of the per-day figures, and
/// [`Report::daily`] is their sum across networks, as a real report built from storage would
/// be. Used by the `sample_report` example (which `cargo xtask screenshot` renders) and by
/// tests.
pub fn sample_report() -> Report {
    let start = date(2026, 11, 16);
    let days: Vec<Date> = (0..7i64)
        .filter_map(|i| start.checked_add(i.days()).ok())
        .collect();
    let groups = vec![
        GroupDef {
            name: "Corporate".into(),
            definition: "sub:10.10.0.0/16,vid:20".into(),
        },
        GroupDef {
            name: "Guest Wi-Fi".into(),
            definition: "vname:guest".into(),
        },
        GroupDef {
            name: "Voice".into(),
            definition: "vid:40,sub:10.40.0.0/16".into(),
        },
        GroupDef {
            name: "Cameras & IoT".into(),
            definition: "@tag:branch vid:30".into(),
        },
    ];
    // (org, network, scale in MB per day, weights per group, missing day indexes)
    type Plan<'a> = (&'a str, &'a str, u64, [u64; 4], &'a [usize]);
    let plan: [Plan<'_>; 5] = [
        ("Example Corp", "Headquarters", 42_000, [60, 25, 5, 10], &[]),
        (
            "Example Corp",
            "Branch Zürich",
            9_000,
            [45, 30, 5, 20],
            &[3],
        ),
        ("Example Corp", "Branch Lyon", 6_500, [50, 20, 10, 20], &[]),
        (
            "Müller & Söhne GmbH",
            "Werk Stuttgart",
            15_000,
            [30, 10, 5, 55],
            &[5],
        ),
        (
            "Ōsaka Trading K.K.",
            "Head office",
            11_000,
            [55, 35, 10, 0],
            &[],
        ),
    ];
    let mut daily: Vec<(Date, Vec<Traffic>)> = days
        .iter()
        .map(|d| (*d, vec![Traffic::default(); groups.len()]))
        .collect();
    let mut organizations: Vec<OrgReport> = Vec::new();
    for (n, (org, net, scale, weights, missing)) in plan.iter().enumerate() {
        let mut report = NetworkReport {
            name: (*net).to_string(),
            groups: vec![Traffic::default(); groups.len()],
            missing_days: missing
                .iter()
                .filter_map(|i| days.get(*i).copied())
                .collect(),
            // No unmatched traffic yet (added per day below), no removed groups, exact figures.
            ..NetworkReport::default()
        };
        for (d, day) in days.iter().enumerate() {
            if missing.contains(&d) {
                continue;
            }
            // Weekends are quieter.
            let weekday = day.weekday().to_monday_one_offset();
            let load = if weekday >= 6 { 35 } else { 100 };
            for (g, w) in weights.iter().enumerate() {
                let r = mix((n as u64) << 32 | (d as u64) << 8 | g as u64);
                let mb = scale * w * load / 10_000 * (80 + r % 40) / 100;
                let millis = (mb * 1_000_000 + r % 1_000_000) as i64;
                // Upload share differs per group (cameras upload, guests download).
                let up_share = [14, 9, 45, 70][g] as i64;
                let up = millis * up_share / 100;
                let t = Traffic {
                    up: Kb::from_millis(up),
                    down: Kb::from_millis(millis - up),
                };
                report.groups[g] += t;
                daily[d].1[g] += t;
            }
            let u = (mix(n as u64 * 977 + d as u64) % 400_000_000) as i64;
            report.unmatched += Traffic {
                up: Kb::from_millis(u / 5),
                down: Kb::from_millis(u),
            };
        }
        match organizations.last_mut() {
            Some(o) if o.name == *org => o.networks.push(report),
            _ => organizations.push(OrgReport::new(*org, vec![report])),
        }
    }
    Report {
        title: Some("Example Corp — weekly network usage".into()),
        period: DateRange::new(start, days.last().copied().unwrap_or(start)),
        groups,
        organizations,
        generated_at: jiff::Timestamp::from_second(1_795_413_600).unwrap_or_default(),
        daily,
        // Five networks, seven days, two of them missing: all read per device.
        sources: vec![SourceDays {
            source: usage_model::Source::Device,
            days: 33,
        }],
        incomplete: None,
        top_clients: None,
    }
}
