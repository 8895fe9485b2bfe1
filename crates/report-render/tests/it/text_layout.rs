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
/// columns as the header labels. Returns the number of tables of the original layout (header
/// ending in `total %`) and of the appendix (ending in the human-unit column `total`).
fn assert_tables_aligned(s: &str) -> (usize, usize) {
    let mut counts = (0, 0);
    for (header, rows) in tables(s) {
        if header.ends_with("total %") {
            counts.0 += 1;
        } else {
            assert!(header.ends_with("total %      total"), "{header:?}");
            counts.1 += 1;
        }
        let width = header.width();
        for row in rows {
            assert_eq!(
                row.width(),
                width,
                "misaligned row {row:?} under {header:?}"
            );
        }
    }
    counts
}

/// Whether `header` belongs to the appendix (its tables end with a human-unit column).
fn is_appendix(header: &str) -> bool {
    !header.ends_with("total %")
}

#[test]
fn sample_uses_the_original_widths_exactly() {
    let s = text(&sample_report());
    assert!(s.contains(
        "\nGroup name                     up kB       up %         down kB     down %        total kB    total %\n"
    ));
    // 5 networks; 2 summary tables and the unmatched traffic per network.
    assert_eq!(assert_tables_aligned(&s), (5, 3));
    assert!(s.contains("\n###\n\nOrganization: \"Example Corp\"\n\nNetwork: \"Headquarters\"\n"));
}

#[test]
fn long_names_and_huge_numbers_widen_every_table_alike() {
    let s = text(&fixture::report());
    assert_eq!(assert_tables_aligned(&s), (4, 4));
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
    assert!(s.contains(
        "\nWARNING: no data stored for some days of the period (3 days in all, over 2 networks); "
    ));
    assert!(s.contains("  \"Acme\" / \"Data centre\": 2 days: 2026-11-18…2026-11-19 (2 days)\n"));
    let hq = s
        .lines()
        .find(|l| l.starts_with("\"Acme\" / \"HQ\" "))
        .unwrap();
    assert_eq!(
        hq.split_whitespace().skip(3).collect::<Vec<_>>(),
        ["4", "–", "6", "–", "10", "–", "10", "kB"]
    );
}

#[test]
fn the_appendix_is_readable() {
    let s = text(&sample_report());
    let appendix = &s[s.rfind("\n###\n").unwrap()..];
    let all = appendix
        .lines()
        .find(|l| l.starts_with("All organizations "))
        .unwrap();
    // Thousands separators, one precision (whole kB), and the total in a human unit.
    assert_eq!(
        all.split_whitespace().skip(2).collect::<Vec<_>>(),
        [
            "117,954,030",
            "100.00",
            "343,733,194",
            "100.00",
            "461,687,224",
            "100.00",
            "461.69",
            "GB"
        ]
    );
    for l in appendix.lines() {
        assert!(!l.contains(" kB,"), "no inline amounts: {l:?}");
        for word in l.split_whitespace() {
            // Decimals appear only in percentages and in the human-unit column.
            if let Some((_, frac)) = word.split_once('.')
                && frac.chars().all(|c| c.is_ascii_digit())
            {
                assert_eq!(frac.len(), 2, "{word} in {l:?}");
            }
        }
    }
    // The first part keeps plain integers for parsers.
    let first = &s[..s.rfind("\n###\n").unwrap()];
    for (header, rows) in tables(first) {
        assert!(!is_appendix(header));
        for row in rows {
            let words: Vec<&str> = row.split_whitespace().rev().take(6).collect();
            assert!(words.iter().all(|w| !w.contains(',')), "{row:?}");
        }
    }
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
        if ["Group name ", "Organization ", "Network "]
            .iter()
            .any(|h| l.starts_with(h))
            && l.contains(" up kB ")
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

/// A row's shown (up, down, total) kB, read from the right (names may hold spaces). Rows of
/// the appendix end with the human unit (`4.00 MB`): two more words.
fn figures(header: &str, row: &str) -> [i128; 3] {
    let t: Vec<&str> = row.split_whitespace().rev().collect();
    let t = if is_appendix(header) { &t[2..] } else { &t[..] };
    let n = |s: &str| s.replace(',', "").parse::<i128>().expect(s);
    // From the right: total %, total kB, down %, down kB, up %, up kB.
    [n(t[5]), n(t[3]), n(t[1])]
}

fn networks(r: &Report) -> usize {
    r.organizations.iter().map(|o| o.networks.len()).sum()
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
        let networks: usize = r.organizations.iter().map(|o| o.networks.len()).sum();
        let removed = usize::from(r.removed_groups_total() != Traffic::default());
        assert_eq!(tables.len(), networks + 3 + removed);
        for (header, rows) in &tables {
            for row in rows {
                let [up, down, total] = figures(header, row);
                assert_eq!(total, up + down, "{row:?} under {header:?}");
            }
        }
        let sum = |header: &str, rows: &[&str]| {
            rows.iter()
                .map(|r| figures(header, r))
                .fold([0; 3], |a, f| [a[0] + f[0], a[1] + f[1], a[2] + f[2]])
        };
        // The totals: organizations add up to "All organizations", and so do the groups.
        let (oh, orgs) = &tables[networks];
        let (gh, groups) = &tables[networks + 1];
        let all = figures(oh, orgs.last().unwrap());
        assert!(orgs.last().unwrap().starts_with("All organizations "));
        assert_eq!(sum(oh, &orgs[..orgs.len() - 1]), all, "{orgs:?}");
        assert_eq!(sum(gh, groups), all, "{groups:?}");
        // The networks' unmatched traffic (and that of removed groups) adds up to its total.
        for (uh, per_network) in &tables[networks + 2..] {
            assert!(per_network.last().unwrap().starts_with("All networks "));
            assert_eq!(
                sum(uh, &per_network[..per_network.len() - 1]),
                figures(uh, per_network.last().unwrap())
            );
        }
    }
    // With halves: each figure is rounded once (0.5 shows 1) and totals are sums of what is
    // shown, so the three groups of a network show 1 + 1 + 1 up, and every group's total of all
    // organizations is its four networks' rows: 4 (the exact 2 kB would print 2).
    let s = text(&halves());
    let t = tables(&s);
    let (h, hq) = &t[0];
    let ups: Vec<i128> = hq.iter().map(|r| figures(h, r)[0]).collect();
    assert_eq!(ups, [1, 1, 1], "{hq:?}");
    let (gh, groups) = &t[networks(&halves()) + 1];
    for g in groups {
        assert_eq!(figures(gh, g), [4, 4, 8], "{g:?}");
    }
}

#[test]
fn a_long_gap_is_a_few_ranges_not_every_date() {
    use jiff::ToSpan;
    // As `report:99999` of a database that has only a few days: 99,999 missing days in one
    // network, and every other day of two years in another.
    let mut r = fixture::report();
    let end = jiff::civil::date(2026, 11, 22);
    let start = end.checked_sub(99_998.days()).unwrap();
    r.period = report_render::DateRange::new(start, end);
    let all: Vec<jiff::civil::Date> = start.series(1.day()).take(99_999).collect();
    assert_eq!(all.last(), Some(&end));
    r.organizations[0].networks[0].missing_days = all;
    r.organizations[0].networks[1].missing_days = end
        .checked_sub(730.days())
        .unwrap()
        .series(2.days())
        .take(365)
        .collect();
    let s = text(&r);
    assert!(s.len() < 8_000, "{} bytes", s.len());
    assert!(s.contains(&format!(
        "  \"Acme\" / \"HQ\": 99999 days: {start}…2026-11-22 (99999 days)\n"
    )));
    let dc = s
        .lines()
        .find(|l| l.starts_with("  \"Acme\" / \"Data centre\": "))
        .unwrap();
    assert!(dc.starts_with("  \"Acme\" / \"Data centre\": 365 days: 2024-11-22, 2024-11-24, "));
    assert!(dc.ends_with(", and 360 more ranges (360 days)"), "{dc}");
    assert!(
        s.contains("(100365 days in all, over 3 networks)"),
        "the total count"
    );

    // HTML says the same; JSON keeps every day and adds the runs.
    let html = report_render::render_html(&r, report_render::HtmlMode::Standalone)
        .unwrap()
        .html;
    assert!(html.contains("365 days: 2024-11-22, 2024-11-24, "));
    assert!(html.contains(", and 360 more ranges (360 days)"));
    let mut json = Vec::new();
    report_render::render_json(&r, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let hq = &v["organizations"][0]["networks"][0];
    assert_eq!(hq["missing_days"].as_array().unwrap().len(), 99_999);
    assert_eq!(
        hq["missing_ranges"],
        serde_json::json!([{ "start": start.to_string(), "end": "2026-11-22", "days": 99_999 }])
    );
    let dc = &v["organizations"][0]["networks"][1]["missing_ranges"];
    assert_eq!(dc.as_array().unwrap().len(), 365);
}
