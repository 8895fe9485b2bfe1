//! HTML that survives e-mail clients: layout tables, inline styles only, no scripts, no
//! external resources, a single-column layout that fits a phone.

use std::fmt::Write as _;

use base64::Engine as _;
use usage_model::Traffic;

#[cfg(feature = "charts")]
use crate::chart::{chart_png, chart_svg};
use crate::figures::{Rounded, Shown, bound_note, grouped_int, shares, whole_shares};
use crate::legend::{alt_text, css_color};
use crate::model::{
    Percent, REMOVED_GROUPS, Report, Shares, days_word, describe_missing, human_whole_kb,
    networks_word,
};

/// The `Content-ID` of the chart image in [`HtmlMode::Email`] output (referenced as
/// `cid:` + this).
pub const CHART_CONTENT_ID: &str = "usage-chart@usagestats";

/// Where the HTML will be shown; decides how the chart is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HtmlMode {
    /// A file opened in a browser: the chart is inline SVG.
    Standalone,
    /// An e-mail body: the chart is a PNG referenced by `cid:`, returned in
    /// [`HtmlOutput::images`] to be attached as an inline related part.
    Email,
}

/// An image the HTML refers to by `cid:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// Content-ID without angle brackets (the HTML uses `cid:` + this).
    pub content_id: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Rendered HTML and the images it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlOutput {
    /// The complete HTML document.
    pub html: String,
    /// Inline images referenced by `cid:` (empty in [`HtmlMode::Standalone`]).
    pub images: Vec<InlineImage>,
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The row label of [`crate::NetworkReport::removed_groups`] in tables.
const REMOVED_ROW: &str = "Groups no longer defined (not in %)";

const FONT: &str = "font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;";
const H2: &str = "margin:24px 0 4px 0;font-size:20px;font-weight:600;color:#1a2b4c;";
const H3: &str = "margin:16px 0 6px 0;font-size:16px;font-weight:600;color:#333;";
const TABLE: &str = "border-collapse:collapse;width:100%;font-size:13px;";
const TH: &str = "padding:6px 8px;border-bottom:2px solid #c9d1dc;text-align:right;white-space:nowrap;color:#555;font-weight:600;";
const TH_L: &str =
    "padding:6px 8px;border-bottom:2px solid #c9d1dc;text-align:left;color:#555;font-weight:600;";
const TD: &str = "padding:5px 8px;border-bottom:1px solid #e6e9ee;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;";
const TD_L: &str = "padding:5px 8px;border-bottom:1px solid #e6e9ee;text-align:left;min-width:110px;overflow-wrap:break-word;";

fn swatch(i: usize) -> String {
    format!(
        "<span style=\"display:inline-block;width:10px;height:10px;margin-right:6px;background:{};border-radius:2px;\"></span>",
        css_color(i)
    )
}

fn header_row(h: &mut String, first: &str) {
    let _ = write!(h, "<tr><th style=\"{TH_L}\">{}</th>", escape(first));
    for c in [
        "up kB", "up %", "down kB", "down %", "total kB", "total %", "total",
    ] {
        let _ = write!(h, "<th style=\"{TH}\">{c}</th>");
    }
    h.push_str("</tr>");
}

/// One table row; `name_html` is already escaped. `kb` are the shown whole kB and `s` their
/// shares of the table's whole (see [`crate::figures`]); `None` leaves the percentages empty.
fn data_row(h: &mut String, name_html: &str, kb: Shown, s: Option<Shares>, style: &str) {
    let pct = |p: Option<crate::Percent>| p.map(|p| p.to_string()).unwrap_or_else(|| "–".into());
    let _ = write!(
        h,
        "<tr style=\"{style}\"><td style=\"{TD_L}\">{name_html}</td>\
         <td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td>\
         <td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td>\
         <td style=\"{TD}\">{}</td><td style=\"{TD}\">{}</td>\
         <td style=\"{TD}\">{}</td></tr>",
        grouped_int(kb.up),
        pct(s.map(|s| s.up)),
        grouped_int(kb.down),
        pct(s.map(|s| s.down)),
        grouped_int(kb.total()),
        pct(s.map(|s| s.total)),
        human_whole_kb(kb.total()),
    );
}

fn open_table(h: &mut String) {
    let _ = write!(
        h,
        "<div style=\"overflow-x:auto;\"><table role=\"table\" cellpadding=\"0\" cellspacing=\"0\" style=\"{TABLE}\">"
    );
}

fn close_table(h: &mut String) {
    h.push_str("</table></div>");
}

fn tile(h: &mut String, label: &str, value: &str, note: &str) {
    // Inline blocks rather than table cells, so four tiles wrap to two rows on a phone.
    let _ = write!(
        h,
        "<div style=\"display:inline-block;vertical-align:top;width:25%;min-width:150px;margin:0 0 8px 0;padding:0 6px;box-sizing:border-box;\">\
         <div style=\"background:#f1f4f9;border-radius:6px;padding:10px 12px;\">\
         <div style=\"font-size:12px;color:#666;\">{}</div>\
         <div style=\"font-size:20px;font-weight:600;color:#1a2b4c;white-space:nowrap;\">{}</div>\
         <div style=\"font-size:11px;color:#888;\">{}</div></div></div>",
        escape(label),
        escape(value),
        escape(note)
    );
}

/// Renders the report as one HTML document.
///
/// In [`HtmlMode::Email`] the chart is drawn as PNG and returned in [`HtmlOutput::images`]
/// with [`CHART_CONTENT_ID`]; in [`HtmlMode::Standalone`] it is inline SVG and the document
/// needs nothing else.
pub fn render_html(report: &Report, mode: HtmlMode) -> crate::Result<HtmlOutput> {
    let p = report.period;
    let title = format!("Usage report: {} to {}", p.start, p.end);
    let rounded = Rounded::of(report);
    let grand_kb = rounded.grand;
    let org_shares = shares(&rounded.orgs);
    let mut h = String::with_capacity(16 * 1024);

    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;background:#eef1f5;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background:#eef1f5;table-layout:fixed;\">\
         <tr><td align=\"center\" style=\"padding:12px 6px;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"max-width:940px;table-layout:fixed;background:#ffffff;border-radius:8px;{FONT}color:#222;\">\n",
        escape(&title)
    );

    // Header.
    h.push_str("<tr><td style=\"padding:20px 20px 4px 20px;\">");
    if let Some(t) = &report.title {
        let _ = write!(
            h,
            "<div style=\"font-size:13px;color:#666;text-transform:uppercase;letter-spacing:0.05em;\">{}</div>",
            escape(t)
        );
    }
    let _ = write!(
        h,
        "<h1 style=\"margin:4px 0;font-size:24px;color:#1a2b4c;\">{}</h1>\
         <p style=\"margin:0;font-size:13px;color:#666;\">{} day(s) · {} organization(s) · {} network(s) · generated {}</p></td></tr>",
        escape(&title),
        p.len_days(),
        report.organizations.len(),
        report
            .organizations
            .iter()
            .map(|o| o.networks.len())
            .sum::<usize>(),
        escape(&report.generated_at.to_string()),
    );
    if let Some(note) = report.incomplete_note() {
        let _ = write!(
            h,
            "<tr><td style=\"padding:4px 20px 0 20px;\"><p role=\"note\" style=\"margin:0;font-size:13px;font-weight:600;color:#8a5a00;\">{}</p></td></tr>",
            escape(&note)
        );
    }
    h.push('\n');

    // Summary tiles.
    h.push_str("<tr><td style=\"padding:8px 14px 0 14px;\">");
    for (label, kb) in [
        ("Total traffic", grand_kb.total()),
        ("Up", grand_kb.up),
        ("Down", grand_kb.down),
    ] {
        tile(
            &mut h,
            label,
            &human_whole_kb(kb),
            &format!("{} kB", grouped_int(kb)),
        );
    }
    let seen = rounded.seen().total();
    tile(
        &mut h,
        "Unmatched",
        &human_whole_kb(rounded.unmatched.total()),
        &format!(
            "{}% of all traffic seen",
            Percent::ratio(rounded.unmatched.total(), seen)
        ),
    );
    h.push_str("</td></tr>\n");

    // Missing-data warning.
    let missing: Vec<_> = report.missing_data().collect();
    if !missing.is_empty() {
        let _ = write!(
            h,
            "<tr><td style=\"padding:8px 20px;\"><div role=\"alert\" style=\"background:#fff4e5;border-left:4px solid #f0a020;padding:10px 12px;font-size:13px;color:#5a3b00;\">\
             <strong>Incomplete data.</strong> No data is stored for these days ({} in all, over {}), so their traffic is missing from the figures (run sync at least every 29 days):<ul style=\"margin:6px 0 0 18px;padding:0;\">",
            days_word(report.missing_day_count()),
            networks_word(missing.len()),
        );
        for (org, net, days) in &missing {
            let _ = write!(
                h,
                "<li>{} / {}: {}</li>",
                escape(org),
                escape(net),
                escape(&describe_missing(days))
            );
        }
        h.push_str("</ul></div></td></tr>\n");
    }
    // Mixed-sources note.
    if let Some(note) = report.sources_note() {
        let note = note.strip_prefix("Note: ").unwrap_or(&note);
        let _ = writeln!(
            h,
            "<tr><td style=\"padding:8px 20px;\"><div style=\"background:#eef4fb;border-left:4px solid #4a7ab8;padding:10px 12px;font-size:13px;color:#1f3f66;\">\
             <strong>Mixed sources.</strong> {}</div></td></tr>",
            escape(note)
        );
    }

    // Chart (built without the `charts` feature: none; the tables carry every figure).
    #[cfg_attr(not(feature = "charts"), allow(unused_mut))]
    let mut images = Vec::new();
    #[cfg(feature = "charts")]
    {
        let alt = escape(&alt_text(report, grand_kb.total()));
        h.push_str("<tr><td style=\"padding:8px 20px;\"><figure style=\"margin:0;\">");
        match mode {
            HtmlMode::Email => {
                images.push(InlineImage {
                    content_id: CHART_CONTENT_ID.to_string(),
                    png: chart_png(report)?,
                });
                let _ = write!(
                    h,
                    "<img src=\"cid:{CHART_CONTENT_ID}\" alt=\"{alt}\" width=\"900\" style=\"display:block;width:100%;max-width:900px;height:auto;border:0;\">"
                );
            }
            HtmlMode::Standalone => {
                let svg = chart_svg(report);
                // Let the fixed-size SVG scale down to the page width.
                let svg = svg.replacen(
                    "<svg ",
                    &format!("<svg role=\"img\" aria-label=\"{alt}\" style=\"display:block;width:100%;max-width:900px;height:auto;\" "),
                    1,
                );
                h.push_str(&svg);
            }
        }
        h.push_str("<figcaption style=\"font-size:12px;color:#666;padding-top:4px;\">Top: each group's share of a network's traffic. Bottom: each group's traffic per day, all networks together.</figcaption></figure></td></tr>\n");
    }
    #[cfg(not(feature = "charts"))]
    let _ = (mode, alt_text);

    // Group definitions.
    h.push_str("<tr><td style=\"padding:8px 20px;\">");
    let _ = write!(h, "<h2 style=\"{H2}\">Groups</h2>");
    open_table(&mut h);
    let _ = write!(
        h,
        "<tr><th style=\"{TH_L}\">Group</th><th style=\"{TH_L}\">Definition</th></tr>"
    );
    for (i, g) in report.groups.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td style=\"{TD_L}\">{}{}</td><td style=\"{TD_L}font-family:monospace;\">{}</td></tr>",
            swatch(i),
            escape(&g.name),
            escape(&g.definition)
        );
    }
    close_table(&mut h);
    h.push_str("</td></tr>\n");

    // Organizations and networks.
    for (((org, org_shown), org_share), nets_shown) in report
        .organizations
        .iter()
        .zip(&rounded.orgs)
        .zip(&org_shares)
        .zip(&rounded.networks)
    {
        h.push_str("<tr><td style=\"padding:8px 20px;\">");
        let _ = write!(
            h,
            "<h2 style=\"{H2}\">Organization: {}</h2><p style=\"margin:0;font-size:13px;color:#666;\">{} total, {}% of all organizations</p>",
            escape(&org.name),
            human_whole_kb(org_shown.total()),
            org_share.total
        );
        for (net, net_shown) in org.networks.iter().zip(nets_shown) {
            let _ = write!(h, "<h3 style=\"{H3}\">Network: {}</h3>", escape(&net.name));
            open_table(&mut h);
            header_row(&mut h, "Group");
            let group_shares = shares(&net_shown.groups);
            for (i, g) in report.groups.iter().enumerate() {
                let name = format!("{}{}", swatch(i), escape(&g.name));
                data_row(
                    &mut h,
                    &name,
                    net_shown.groups[i],
                    Some(group_shares[i]),
                    "",
                );
            }
            data_row(
                &mut h,
                "Network total",
                net_shown.total,
                Some(whole_shares(net_shown.total)),
                "font-weight:600;",
            );
            if net.unmatched != Traffic::default() {
                data_row(
                    &mut h,
                    "Unmatched (not in %)",
                    net_shown.unmatched,
                    None,
                    "color:#777;font-style:italic;",
                );
            }
            if net.removed_groups != Traffic::default() {
                data_row(
                    &mut h,
                    REMOVED_ROW,
                    net_shown.removed,
                    None,
                    "color:#777;font-style:italic;",
                );
            }
            close_table(&mut h);
            if !net.missing_days.is_empty() {
                let _ = write!(
                    h,
                    "<p style=\"margin:4px 0;font-size:12px;color:#8a5a00;\">⚠ No data for {}</p>",
                    escape(&describe_missing(&net.missing_days))
                );
            }
        }
        h.push_str("</td></tr>\n");
    }

    // Totals.
    h.push_str("<tr><td style=\"padding:8px 20px 20px 20px;\">");
    let _ = write!(h, "<h2 style=\"{H2}\">Totals</h2>");
    open_table(&mut h);
    header_row(&mut h, "Organization");
    for ((org, kb), s) in report
        .organizations
        .iter()
        .zip(&rounded.orgs)
        .zip(&org_shares)
    {
        data_row(&mut h, &escape(&org.name), *kb, Some(*s), "");
    }
    data_row(
        &mut h,
        "All organizations",
        grand_kb,
        Some(whole_shares(grand_kb)),
        "font-weight:600;",
    );
    if report.unmatched_total() != Traffic::default() {
        data_row(
            &mut h,
            "Unmatched (not in %)",
            rounded.unmatched,
            None,
            "color:#777;font-style:italic;",
        );
    }
    let removed = report.removed_groups_total() != Traffic::default();
    if removed {
        data_row(
            &mut h,
            REMOVED_ROW,
            rounded.removed,
            None,
            "color:#777;font-style:italic;",
        );
    }
    close_table(&mut h);
    if removed {
        let _ = write!(
            h,
            "<p style=\"margin:4px 0;font-size:12px;color:#8a5a00;\">{REMOVED_GROUPS}: rows stored for groups that a reconfiguration removed ({}, {}% of all traffic seen). Run <code>usagestats reconfigure --reclassify</code> to reclassify it with the current groups.</p>",
            human_whole_kb(rounded.removed.total()),
            Percent::ratio(rounded.removed.total(), seen)
        );
    }
    let _ = write!(h, "<h3 style=\"{H3}\">Per group, all networks</h3>");
    open_table(&mut h);
    header_row(&mut h, "Group");
    for (i, (g, s)) in report
        .groups
        .iter()
        .zip(shares(&rounded.groups))
        .enumerate()
    {
        let name = format!("{}{}", swatch(i), escape(&g.name));
        data_row(&mut h, &name, rounded.groups[i], Some(s), "");
    }
    close_table(&mut h);
    if let Some((head, lines)) = bound_note(report) {
        let _ = write!(
            h,
            "<p style=\"margin:8px 0 0 0;font-size:12px;color:#555;\">{}</p><ul style=\"margin:4px 0 0 18px;padding:0;font-size:12px;color:#555;\">",
            escape(&head)
        );
        for l in lines {
            let _ = write!(h, "<li>{}</li>", escape(&l));
        }
        h.push_str("</ul>");
    }
    h.push_str("</td></tr>\n");

    if let Some(top) = &report.top_clients {
        h.push_str("<tr><td style=\"padding:8px 20px 20px 20px;\">");
        let _ = write!(h, "<h2 style=\"{H2}\">Top clients</h2>");
        crate::top::html_section(&mut h, top, TH, TH_L, TD, TD_L);
        h.push_str("</td></tr>\n");
    }

    let _ = write!(
        h,
        "<tr><td style=\"padding:10px 20px 18px 20px;font-size:11px;color:#888;border-top:1px solid #e6e9ee;\">\
         Percentages are shares of the traffic matched to groups, of the figures shown: each table's add up to 100.00. kB are whole kB: each network's figure of a group is rounded once and every total is the sum of the figures it covers, so each row's total is its up plus its down and the rows of a table add up to its total row (JSON and CSV reports carry the exact values); the last column is the total in kB/MB/GB (powers of 1000). Generated by usagestats at {}.</td></tr>\n\
         </table>\n</td></tr></table>\n</body>\n</html>\n",
        escape(&report.generated_at.to_string())
    );
    Ok(HtmlOutput { html: h, images })
}

/// A `data:` URI for a PNG, for HTML that must carry its image inside (for example a report
/// saved from an e-mail).
pub fn png_data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_data_uri() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(png_data_uri(b"\x89PNG"), "data:image/png;base64,iVBORw==");
    }
}
