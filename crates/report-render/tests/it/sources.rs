//! A period whose days were read from both sources says so in text, HTML and JSON; a period
//! read from one source does not mention sources (JSON still lists them).

use report_render::{Format, HtmlMode, Report, SourceDays, render, render_html};
use usage_model::Source;

use crate::fixture;

fn out(r: &Report, f: Format) -> String {
    let mut o = Vec::new();
    render(r, f, &mut o).unwrap();
    String::from_utf8(o).unwrap()
}

fn with_sources(sources: &[(Source, u64)]) -> Report {
    let mut r = fixture::report();
    r.sources = sources
        .iter()
        .map(|&(source, days)| SourceDays::new(source, days))
        .collect();
    r
}

#[test]
fn a_mixed_period_is_named_in_every_format() {
    let r = with_sources(&[(Source::Device, 1), (Source::Network, 20)]);
    assert!(r.mixes_sources());
    let note = "Note: this period mixes sources: 1 network-day read per device and 20 \
                network-days per network.";
    let text = out(&r, Format::Text);
    assert!(text.contains(note), "{text}");
    // In the appendix, after the original's tables.
    assert!(text.find(note) > text.rfind("###"));
    let html = render_html(&r, HtmlMode::Standalone).unwrap().html;
    assert!(
        html.contains("<strong>Mixed sources.</strong> this period mixes sources: 1 network-day"),
        "{html}"
    );
    let json: serde_json::Value = serde_json::from_str(&out(&r, Format::Json)).unwrap();
    assert_eq!(json["mixed_sources"], serde_json::json!(true));
    assert_eq!(
        json["sources"],
        serde_json::json!([{"source": "device", "days": 1}, {"source": "network", "days": 20}])
    );
    assert_eq!(
        json["version"],
        serde_json::json!(2),
        "a new field is not a new version (2 since series of periods)"
    );
}

#[test]
fn one_source_is_not_mentioned_except_in_json() {
    for sources in [
        vec![(Source::Network, 21)],
        vec![(Source::Device, 21)],
        vec![(Source::Device, 0), (Source::Network, 21)],
        vec![],
    ] {
        let r = with_sources(&sources);
        assert!(!r.mixes_sources());
        assert!(!out(&r, Format::Text).contains("mixes sources"));
        let html = render_html(&r, HtmlMode::Email).unwrap().html;
        assert!(!html.contains("Mixed sources"));
        let json: serde_json::Value = serde_json::from_str(&out(&r, Format::Json)).unwrap();
        assert_eq!(json["mixed_sources"], serde_json::json!(false));
        assert_eq!(
            json["sources"].as_array().map(Vec::len),
            Some(sources.len())
        );
    }
}
