//! HTML parsed back: tables, figure, e-mail safety; and the chart images.

use report_render::{CHART_CONTENT_ID, HtmlMode, chart_png, chart_svg, render_html};

use crate::fixture;

struct Parsed {
    html: String,
}

impl Parsed {
    fn dom(&self) -> tl::VDom<'_> {
        tl::parse(&self.html, tl::ParserOptions::default()).expect("parsable HTML")
    }
}

fn tags<'a>(dom: &'a tl::VDom<'a>, name: &str) -> Vec<&'a tl::HTMLTag<'a>> {
    dom.nodes()
        .iter()
        .filter_map(|n| n.as_tag())
        .filter(|t| t.name().as_utf8_str().eq_ignore_ascii_case(name))
        .collect()
}

fn attr(t: &tl::HTMLTag<'_>, name: &str) -> Option<String> {
    t.attributes()
        .get(name)
        .flatten()
        .map(|v| v.as_utf8_str().into_owned())
}

fn count_in(dom: &tl::VDom<'_>, t: &tl::HTMLTag<'_>, name: &str) -> usize {
    t.query_selector(dom.parser(), name)
        .map(|i| i.count())
        .unwrap_or(0)
}

#[test]
fn email_html_is_self_contained_and_has_a_table_per_network() {
    let r = fixture::report();
    let out = render_html(&r, HtmlMode::Email).unwrap();
    let p = Parsed {
        html: out.html.clone(),
    };
    let dom = p.dom();

    // E-mail safe: no scripts, style sheets, external resources or forms.
    for banned in ["script", "style", "link", "iframe", "form", "object"] {
        assert!(tags(&dom, banned).is_empty(), "found <{banned}>");
    }
    for t in dom.nodes().iter().filter_map(|n| n.as_tag()) {
        for a in ["src", "href"] {
            if let Some(v) = attr(t, a) {
                assert!(
                    v.starts_with("cid:") || v.starts_with("data:"),
                    "external {a}={v}"
                );
            }
        }
        assert!(attr(t, "onload").is_none() && attr(t, "onclick").is_none());
    }
    assert!(
        tags(&dom, "meta")
            .iter()
            .any(|m| attr(m, "name").as_deref() == Some("viewport"))
    );

    // Chart: one figure with an <img> pointing at the one inline image.
    let figures = tags(&dom, "figure");
    assert_eq!(figures.len(), 1);
    let imgs = tags(&dom, "img");
    assert_eq!(imgs.len(), 1);
    assert_eq!(
        attr(imgs[0], "src").unwrap(),
        format!("cid:{CHART_CONTENT_ID}")
    );
    assert!(attr(imgs[0], "alt").is_some_and(|a| a.contains("Corporate")));
    assert_eq!(out.images.len(), 1);
    assert_eq!(out.images[0].content_id, CHART_CONTENT_ID);
    assert!(out.images[0].png.starts_with(b"\x89PNG\r\n\x1a\n"));

    // Data tables: each network, plus groups, org totals and per-group totals.
    let networks: usize = r.organizations.iter().map(|o| o.networks.len()).sum();
    let data_tables: Vec<_> = tags(&dom, "table")
        .into_iter()
        .filter(|t| attr(t, "role").as_deref() == Some("table"))
        .collect();
    assert_eq!(data_tables.len(), networks + 3);
    // A network table: header of 8 columns, one row per group, total, unmatched and groups no
    // longer defined (HQ has both).
    let hq = data_tables[1];
    assert_eq!(count_in(&dom, hq, "th"), 8);
    assert_eq!(count_in(&dom, hq, "tr"), 1 + r.groups.len() + 3);
    let hq_text = hq.inner_text(dom.parser());
    // Whole kB with separators: up 1000.5 (of a network total of 1002) shows 1,001.
    assert!(hq_text.contains("1,001"), "whole kB: {hq_text}");
    assert!(!hq_text.contains("1,000.5"), "no exact decimals: {hq_text}");
    assert!(hq_text.contains("4.00 MB"), "human unit column: {hq_text}");
    // Every row's total is its up plus its down; the group rows add up to the network total.
    for t in &data_tables[1..=networks] {
        let rows = figure_rows(&dom, t);
        for (name, f) in &rows {
            assert_eq!(f[2], f[0] + f[1], "{name}: total = up + down");
        }
        let total = rows.iter().find(|(n, _)| n == "Network total").unwrap().1;
        for c in 0..3 {
            let sum: i128 = rows[..r.groups.len()].iter().map(|(_, f)| f[c]).sum();
            assert_eq!(sum, total[c], "column {c} of the groups adds up");
        }
    }
    // The quiet network has no unmatched row.
    assert_eq!(count_in(&dom, data_tables[4], "tr"), 1 + r.groups.len() + 1);

    // Names are escaped, never markup.
    assert!(out.html.contains("R&amp;D &lt;lab&gt;"));
    assert!(!out.html.contains("<lab>"));
    assert!(out.html.contains("Ünïcødé Örg — 東京"));
    // Missing days are announced.
    assert!(
        tags(&dom, "div")
            .iter()
            .any(|d| attr(d, "role").as_deref() == Some("alert"))
    );
    assert!(out.html.contains("2 days: 2026-11-18…2026-11-19 (2 days)"));
    assert!(out.html.contains("(3 days in all, over 2 networks)"));
}

/// The text of each row's `td` cells (header rows have none) of a table.
pub fn row_cells(dom: &tl::VDom<'_>, table: &tl::HTMLTag<'_>) -> Vec<Vec<String>> {
    let p = dom.parser();
    let mut out = Vec::new();
    for tr in table.query_selector(p, "tr").into_iter().flatten() {
        let tr = tr.get(p).and_then(|n| n.as_tag()).unwrap();
        out.push(
            tr.query_selector(p, "td")
                .into_iter()
                .flatten()
                .filter_map(|c| c.get(p).map(|n| n.inner_text(p).into_owned()))
                .collect(),
        );
    }
    out
}

/// The rows of a data table as (name, [up kB, down kB, total kB]) read from its cells.
fn figure_rows(dom: &tl::VDom<'_>, table: &tl::HTMLTag<'_>) -> Vec<(String, [i128; 3])> {
    let n = |s: &str| s.replace(',', "").parse::<i128>().expect(s);
    row_cells(dom, table)
        .into_iter()
        .filter(|cells| cells.len() >= 6)
        .map(|c| (c[0].clone(), [n(&c[1]), n(&c[3]), n(&c[5])]))
        .collect()
}

#[test]
fn standalone_html_embeds_the_chart_as_svg() {
    let r = fixture::report();
    let out = render_html(&r, HtmlMode::Standalone).unwrap();
    assert!(out.images.is_empty());
    let p = Parsed { html: out.html };
    let dom = p.dom();
    assert!(tags(&dom, "img").is_empty());
    let figure = tags(&dom, "figure")[0];
    assert_eq!(count_in(&dom, figure, "svg"), 1);
}

#[test]
fn chart_png_is_a_png_that_grows_with_networks() {
    let r = fixture::report();
    let png = chart_png(&r).unwrap();
    let dec = png::Decoder::new(std::io::Cursor::new(&png));
    let reader = dec.read_info().unwrap();
    let (w, h) = (reader.info().width, reader.info().height);
    assert_eq!(w, 900);

    let mut fewer = r.clone();
    fewer.organizations.truncate(1);
    let png2 = chart_png(&fewer).unwrap();
    let h2 = png::Decoder::new(std::io::Cursor::new(&png2))
        .read_info()
        .unwrap()
        .info()
        .height;
    assert!(h2 < h, "{h2} < {h}");
}

#[test]
fn chart_svg_names_groups_and_networks() {
    let svg = chart_svg(&fixture::report());
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("Corporate"));
    assert!(svg.contains("Acme / Data centre"));
    assert!(svg.contains("R&amp;D &lt;lab&gt;"));
}

#[test]
fn chart_keeps_only_the_largest_networks() {
    let mut r = fixture::report();
    r.organizations.truncate(1);
    let template = r.organizations[0].networks[0].clone();
    r.organizations[0].networks = (0..45)
        .map(|i| {
            let mut n = template.clone();
            n.name = format!("net-{i:02}");
            n.groups[0].up = usage_model::Kb::from_kb(i);
            n
        })
        .collect();
    let svg = chart_svg(&r);
    assert!(
        svg.contains("30 largest networks shown; 15 smaller ones left out"),
        "note missing"
    );
    // The 15 smallest (net-00 .. net-14) are the ones left out.
    let label = |name: &str| svg.lines().any(|l| l.trim() == name);
    assert!(label("net-44") && label("net-15"));
    assert!(!label("net-14") && !label("net-00"));
}
