//! Renders a report from your own rows — figures from another tool, a spreadsheet, a database of
//! your own — in the four formats usagestats uses.
//!
//! ```sh
//! cargo run -p report-render --example own_rows            # text
//! cargo run -p report-render --example own_rows -- json    # or csv, html
//! ```

use jiff::civil::date;
use report_render::{DateRange, Format, GroupDef, NetworkReport, OrgReport, Report};
use usage_model::{Kb, Traffic};

/// (organization, network, group index, up kB, down kB): rows as another program might hold
/// them.
const ROWS: &[(&str, &str, usize, i64, i64)] = &[
    ("Acme", "HQ", 0, 120_000, 910_000),
    ("Acme", "HQ", 1, 8_000, 56_000),
    ("Acme", "Branch", 0, 30_500, 201_250),
    ("Globex", "Plant", 0, 4_000, 9_000),
    ("Globex", "Plant", 1, 15_000, 64_000),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let format: Format = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("text")
        .parse()?;
    let groups = vec![
        GroupDef::new("Staff", "sub:10.0.0.0/8"),
        GroupDef::new("Guests", "vname:guest"),
    ];

    // Rows → organizations → networks, in the order they come.
    let mut organizations: Vec<OrgReport> = Vec::new();
    for &(org, net, group, up, down) in ROWS {
        if organizations.last().is_none_or(|o| o.name != org) {
            organizations.push(OrgReport::new(org, Vec::new()));
        }
        let org = organizations.last_mut().ok_or("no organization")?;
        if org.networks.last().is_none_or(|n| n.name != net) {
            org.networks.push(NetworkReport::new(
                net,
                vec![Traffic::default(); groups.len()],
            ));
        }
        let network = org.networks.last_mut().ok_or("no network")?;
        network.groups[group] += Traffic {
            up: Kb::from_kb(up),
            down: Kb::from_kb(down),
        };
    }

    let mut report = Report::new(
        DateRange::new(date(2026, 11, 16), date(2026, 11, 22)),
        groups,
        organizations,
        "2026-11-23T06:00:00Z".parse()?,
    );
    report.title = Some("Usage from my own rows".into());
    // Inconsistent input (a row for a group that does not exist, ...) is refused here.
    report.check()?;

    let stdout = std::io::stdout();
    report_render::render(&report, format, &mut stdout.lock())?;
    Ok(())
}
