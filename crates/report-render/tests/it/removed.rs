//! Traffic of groups no longer defined: its own line in every format, never unmatched.

use report_render::{Format, HtmlMode, Report, render, render_html};
use usage_model::{Kb, Traffic};

use crate::fixture;

fn out(r: &Report, f: Format) -> String {
    let mut o = Vec::new();
    render(r, f, &mut o).unwrap();
    String::from_utf8(o).unwrap()
}

/// The fixture with its removed-groups traffic moved into the unmatched traffic: what
/// `build_report` did before removed groups had their own field.
fn as_unmatched_before(r: &Report) -> Report {
    let mut r = r.clone();
    for net in r.organizations.iter_mut().flat_map(|o| &mut o.networks) {
        net.unmatched += std::mem::take(&mut net.removed_groups);
    }
    r
}

#[test]
fn removed_groups_have_their_own_line_and_do_not_count_as_unmatched() {
    let r = fixture::report();
    let hq = &r.organizations[0].networks[0];
    assert_ne!(hq.removed_groups, Traffic::default());
    assert_eq!(r.unmatched_total().total(), Kb::from_millis(10_050));
    assert_eq!(
        r.all_traffic(),
        r.grand_total() + r.unmatched_total() + r.removed_groups_total()
    );

    let text = out(&r, Format::Text);
    let intro = text
        .lines()
        .position(|l| l.starts_with("Traffic of groups no longer defined (run `usagestats reconfigure --reclassify` to reclassify it;"))
        .expect("a line of its own");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[intro + 2].starts_with("\"Acme\" / \"HQ\" "));
    assert_eq!(
        lines[intro + 2]
            .split_whitespace()
            .skip(3)
            .collect::<Vec<_>>(),
        ["701", "–", "1", "–", "702", "–", "702", "kB"]
    );
    // Unmatched keeps only the clients in no group (4 + 6 kB in HQ).
    let unmatched_hq = lines[..intro]
        .iter()
        .rev()
        .find(|l| l.starts_with("\"Acme\" / \"HQ\" "))
        .unwrap();
    assert!(unmatched_hq.contains(" 10 kB"), "{unmatched_hq}");
    // The old behaviour (removed counted as unmatched) would not print this.
    assert_ne!(text, out(&as_unmatched_before(&r), Format::Text));
    assert!(!out(&as_unmatched_before(&r), Format::Text).contains("groups no longer defined"));

    let html = render_html(&r, HtmlMode::Standalone).unwrap().html;
    assert_eq!(
        html.matches("Groups no longer defined (not in %)").count(),
        2
    );
    assert!(html.contains("usagestats reconfigure --reclassify"));

    let json: serde_json::Value = serde_json::from_str(&out(&r, Format::Json)).unwrap();
    let net = &json["organizations"][0]["networks"][0];
    let removed = &net["removed_groups"];
    assert_eq!(
        [&removed["up_kb"], &removed["down_kb"], &removed["total_kb"]],
        ["700.5", "1.25", "701.75"]
    );
    assert_eq!(net["unmatched"]["total_kb"], "10");
    assert_eq!(
        json["organizations"][0]["removed_groups"]["total_kb"],
        "701.75"
    );
    assert_eq!(json["removed_groups"]["total_kb"], "701.75");
    assert_eq!(json["unmatched"]["total_kb"], "10.05");
    assert_eq!(
        json["organizations"][1]["networks"][0]["removed_groups"]["total_kb"],
        "0"
    );

    let csv = out(&r, Format::Csv);
    let removed: Vec<&str> = csv.lines().filter(|l| l.contains(",removed,")).collect();
    assert_eq!(
        removed,
        ["2026-11-16,2026-11-22,Acme,HQ,removed,,700.5,,1.25,,701.75,,0,0,0"]
    );
}

#[test]
fn without_removed_groups_nothing_is_said() {
    let mut r = fixture::report();
    for net in r.organizations.iter_mut().flat_map(|o| &mut o.networks) {
        net.removed_groups = Traffic::default();
    }
    assert!(!out(&r, Format::Text).contains("no longer defined"));
    assert!(
        !render_html(&r, HtmlMode::Email)
            .unwrap()
            .html
            .contains("no longer defined")
    );
    assert!(!out(&r, Format::Csv).contains(",removed,"));
}
