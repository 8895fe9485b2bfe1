//! The text layout: the original's columns, widened consistently when needed.

use report_render::{render_text, sample_report};
use unicode_width::UnicodeWidthStr;

use crate::fixture;

fn text(r: &report_render::Report) -> String {
    let mut out = Vec::new();
    render_text(r, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Every table (header plus rows up to the blank line) has all lines of the header's display
/// width (CJK characters count two columns, as in a terminal), so the numbers end in the same
/// columns as the header labels.
fn assert_tables_aligned(s: &str) -> usize {
    let lines: Vec<&str> = s.lines().collect();
    let mut tables = 0;
    for (i, l) in lines.iter().enumerate() {
        if !(l.starts_with("Group name ") || l.starts_with("Organization "))
            || !l.ends_with("total %")
        {
            continue;
        }
        tables += 1;
        let width = l.width();
        for row in lines[i + 1..].iter().take_while(|r| !r.is_empty()) {
            assert_eq!(row.width(), width, "misaligned row {row:?} under {l:?}");
        }
    }
    tables
}

#[test]
fn sample_uses_the_original_widths_exactly() {
    let s = text(&sample_report());
    assert!(s.contains(
        "\nGroup name                     up kB       up %         down kB     down %        total kB    total %\n"
    ));
    // 5 networks + 2 summary tables.
    assert_eq!(assert_tables_aligned(&s), 7);
    assert!(s.contains("\n###\n\nOrganization: \"Example Corp\"\n\nNetwork: \"Headquarters\"\n"));
}

#[test]
fn long_names_and_huge_numbers_widen_every_table_alike() {
    let s = text(&fixture::report());
    assert_eq!(assert_tables_aligned(&s), 6);
    let header = s.lines().find(|l| l.starts_with("Group name")).unwrap();
    assert!(header.starts_with(&format!(
        "{:<w$} ",
        "Group name",
        w = fixture::LONG_GROUP.len()
    )));
    assert!(s.contains(" 9000000000000000 "));
}

#[test]
fn extras_follow_the_tables() {
    let s = text(&fixture::report());
    let last_net = s.find("Network: \"Quiet site\"").unwrap();
    let totals = s.find("Totals (percent of all organizations)").unwrap();
    let unmatched = s.find("Unmatched traffic (clients in no group").unwrap();
    let warning = s.find("WARNING: no data stored").unwrap();
    assert!(last_net < totals && totals < unmatched && unmatched < warning);
    assert!(s.contains("  \"Acme\" / \"Data centre\": 2 day(s): 2026-11-18, 2026-11-19\n"));
    assert!(s.contains("  \"Acme\" / \"HQ\": up 4 kB, down 6 kB, total 10 kB\n"));
}

#[test]
fn sample_daily_sums_match_network_totals() {
    let r = sample_report();
    r.check().unwrap();
    for g in 0..r.groups.len() {
        let daily: usage_model::Traffic = r.daily.iter().map(|(_, v)| v[g]).sum();
        assert_eq!(daily, r.group_total(g), "group {g}");
    }
}
