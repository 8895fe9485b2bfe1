//! Group colours and the chart's description: shared by the chart (feature `charts`) and the
//! HTML legend, which needs them with or without the chart.

use crate::model::{Report, human_whole_kb};

/// Colours for groups, picked for contrast with white labels and between neighbours.
const PALETTE: [(u8, u8, u8); 8] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x17, 0xbe, 0xcf),
];

/// The colour of group `i` as red, green, blue.
pub(crate) fn rgb(i: usize) -> (u8, u8, u8) {
    PALETTE[i % PALETTE.len()]
}

/// The colour of group `i`, as CSS hex, so the HTML legend matches the chart.
pub(crate) fn css_color(i: usize) -> String {
    let (r, g, b) = rgb(i);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The chart's alt text, with the grand total as the tables show it (`total_kb`, whole kB).
pub(crate) fn alt_text(report: &Report, total_kb: i128) -> String {
    let names: Vec<&str> = report.groups.iter().map(|g| g.name.as_str()).collect();
    format!(
        "Chart: share of groups {} per network, and daily traffic; total {}",
        names.join(", "),
        human_whole_kb(total_kb)
    )
}
