//! The text layout: the original's columns, widened consistently when needed.

use report_render::{Report, render_text, sample_report};
use unicode_width::UnicodeWidthStr;
use usage_model::{Kb, Traffic};

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

/// The tables of a text report: each header line (`Group name …` / `Organization …`) with the
/// rows under it, up to the blank line.
fn tables(s: &str) -> Vec<(&str, Vec<&str>)> {
    let lines: Vec<&str> = s.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if (l.starts_with("Group name ") || l.starts_with("Organization ")) && l.contains(" up kB ")
        {
            let rows = lines[i + 1..]
                .iter()
                .take_while(|r| !r.is_empty())
                .copied()
                .collect();
            out.push((*l, rows));
        }
    }
    out
}

/// A row's shown (up, down, total) kB, read from the right (names may hold spaces).
fn figures(row: &str) -> [i128; 3] {
    let t: Vec<&str> = row.split_whitespace().rev().collect();
    let n = |s: &str| s.replace(',', "").parse::<i128>().expect(s);
    // From the right: total %, total kB, down %, down kB, up %, up kB.
    [n(t[5]), n(t[3]), n(t[1])]
}

fn halves() -> Report {
    // Every group of every network: up 0.5 kB and down 0.5 kB. Alone each rounds to 1 kB and
    // the exact total (1 kB) to 1: printed separately, total ≠ up + down in every row.
    let half = Traffic {
        up: Kb::from_millis(500),
        down: Kb::from_millis(500),
    };
    let mut r = fixture::report();
    for org in &mut r.organizations {
        for net in &mut org.networks {
            net.groups = vec![half; r.groups.len()];
        }
    }
    r
}

#[test]
fn shown_columns_add_up() {
    for r in [halves(), fixture::report(), sample_report()] {
        let s = text(&r);
        let tables = tables(&s);
        assert_eq!(
            tables.len(),
            6.max(
                r.organizations
                    .iter()
                    .map(|o| o.networks.len())
                    .sum::<usize>()
                    + 2
            )
        );
        for (header, rows) in &tables {
            for row in rows {
                let [up, down, total] = figures(row);
                assert_eq!(total, up + down, "{row:?} under {header:?}");
            }
        }
        // The totals: organizations add up to "All organizations", and so do the groups.
        let (orgs, groups) = (&tables[tables.len() - 2].1, &tables[tables.len() - 1].1);
        let all = figures(orgs.last().unwrap());
        assert!(orgs.last().unwrap().starts_with("All organizations "));
        for part in [&orgs[..orgs.len() - 1], &groups[..]] {
            let sums = part
                .iter()
                .map(|r| figures(r))
                .fold([0; 3], |a, f| [a[0] + f[0], a[1] + f[1], a[2] + f[2]]);
            assert_eq!(sums, all, "{part:?}");
        }
    }
    // With halves: a network of three groups shows 1 + 1 + 0 (its rounded total of 1.5 is 2),
    // not 1 + 1 + 1.
    let s = text(&halves());
    let (_, hq) = &tables(&s)[0];
    let ups: Vec<i128> = hq.iter().map(|r| figures(r)[0]).collect();
    assert_eq!(ups.iter().sum::<i128>(), 2, "{hq:?}");
    assert!(ups.iter().all(|u| *u == 0 || *u == 1), "{hq:?}");
}
