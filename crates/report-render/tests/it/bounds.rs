//! Error bounds: a footnote in text and HTML only when some bound is not zero; always present
//! in JSON and CSV.

use report_render::{Format, HtmlMode, Report, render, render_html, sample_report};
use usage_model::Traffic;

use crate::fixture;

fn out(r: &Report, f: Format) -> String {
    let mut o = Vec::new();
    render(r, f, &mut o).unwrap();
    String::from_utf8(o).unwrap()
}

fn without_bounds(mut r: Report) -> Report {
    for net in r.organizations.iter_mut().flat_map(|o| &mut o.networks) {
        net.bounds.clear();
        net.unmatched_bound = Traffic::default();
        net.removed_groups_bound = Traffic::default();
    }
    r
}

#[test]
fn text_and_html_mention_bounds_only_when_not_zero() {
    let r = fixture::report();
    assert!(r.has_bounds());
    let text = out(&r, Format::Text);
    let note = text
        .find("\nError bound: figures may be off by at most 3 kB in all (up 2 kB, down 1 kB): traffic that flowed between the two API reads")
        .expect("a footnote");
    // After the totals and the other appendix tables, before the warnings.
    assert!(text.find("All organizations ").unwrap() < note);
    assert!(note < text.find("WARNING: no data").unwrap());
    assert!(text.contains("Largest per network:\n  \"Acme\" / \"HQ\": at most 3 kB\n\n"));
    let html = render_html(&r, HtmlMode::Email).unwrap().html;
    assert!(html.contains("Error bound: figures may be off by at most 3 kB in all"));
    assert!(html.contains("<li>&quot;Acme&quot; / &quot;HQ&quot;: at most 3 kB</li>"));

    for r in [without_bounds(fixture::report()), sample_report()] {
        assert!(!r.has_bounds());
        assert!(!out(&r, Format::Text).contains("Error bound"));
        assert!(
            !render_html(&r, HtmlMode::Standalone)
                .unwrap()
                .html
                .contains("Error bound")
        );
    }
}

#[test]
fn json_and_csv_always_carry_bounds() {
    let zero = serde_json::json!({"up_kb": "0", "down_kb": "0", "total_kb": "0"});
    let r = fixture::report();
    let v: serde_json::Value = serde_json::from_str(&out(&r, Format::Json)).unwrap();
    let hq = &v["organizations"][0]["networks"][0];
    assert_eq!(
        hq["groups"][1]["bound"],
        serde_json::json!({"up_kb": "1.5", "down_kb": "0.25", "total_kb": "1.75"})
    );
    assert_eq!(hq["groups"][0]["bound"], zero);
    assert_eq!(hq["total"]["bound"]["total_kb"], "1.75");
    assert_eq!(hq["unmatched"]["bound"]["down_kb"], "0.1");
    // An empty bounds vector is zeros, not a missing field.
    let dc = &v["organizations"][0]["networks"][1];
    assert_eq!(dc["groups"][0]["bound"], zero);
    assert_eq!(dc["total"]["bound"], zero);
    assert_eq!(v["organizations"][0]["total"]["bound"]["up_kb"], "1.5");
    assert_eq!(v["organizations"][1]["total"]["bound"], zero);
    assert_eq!(v["group_totals"][1]["bound"]["total_kb"], "1.75");
    assert_eq!(v["total"]["bound"]["total_kb"], "1.75");
    assert_eq!(v["unmatched"]["bound"]["total_kb"], "0.1");
    assert_eq!(v["removed_groups"]["bound"], zero);
    // The amounts themselves are unchanged beside the bound.
    assert_eq!(v["total"]["up_kb"], "9000000000002004");

    let csv = out(&r, Format::Csv);
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",total_pct,up_bound_kb,down_bound_kb,total_bound_kb"));
    // Every row has every column (commas inside quoted names do not count).
    let fields = |line: &str| {
        let mut quoted = false;
        1 + line
            .chars()
            .filter(|c| {
                if *c == '"' {
                    quoted = !quoted;
                }
                *c == ',' && !quoted
            })
            .count()
    };
    for line in csv.lines() {
        assert_eq!(fields(line), 15, "{line}");
    }
    assert!(csv.contains(",HQ,unmatched,,4,,6,,10,,0,0.1,0.1\r\n"));
    assert!(csv.contains(",HQ,group,\"Contractors, visitors and everyone else on the guest VLANs\",1000.5,99.85,3000,99.91,4000.5,99.90,1.5,0.25,1.75\r\n"));
}
