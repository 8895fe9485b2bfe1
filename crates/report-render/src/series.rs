//! Several periods side by side (`--periods N`): the last N periods of one kind, oldest
//! first, e.g. the previous billing cycles.
//!
//! * text: the periods listed under the title, then per organization and network one row per
//!   group (and one for unmatched traffic, when there is some) with a column of total kB per
//!   period — plain integers, like the original's tables — then the same for all
//!   organizations together, each period's top clients when asked for, and the missing days
//!   of each period. Figures follow [`crate::figures`]: the "All organizations" rows are the
//!   sums of the networks' rows shown above them;
//! * CSV: every period's rows under one header; each row carries its period in
//!   `period_start`/`period_end`, so the columns are those of a single report;
//! * JSON: one document with a `periods` array (`docs/report-json.md`, "Series");
//! * HTML: a chart with one bar per period and group, and the tables of the text form (top
//!   clients included).
//!
//! One period renders exactly as [`crate::render`] does.

use std::fmt::Write as _;
use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;
use usage_model::Traffic;

use crate::figures::{Rounded, grouped_int};
#[cfg(feature = "charts")]
use crate::html::{CHART_CONTENT_ID, InlineImage};
use crate::html::{HtmlMode, HtmlOutput, escape};
use crate::model::{Report, days_word, describe_missing, human_whole_kb};
use crate::{Format, render, render_csv};

/// Renders `reports` (one per period, oldest first) in `format` to `out`: one report as
/// [`crate::render`] does, several side by side (see the module docs).
pub fn render_series(reports: &[Report], format: Format, out: &mut dyn Write) -> crate::Result<()> {
    match reports {
        [] => Ok(()),
        [one] => render(one, format, out),
        _ => match format {
            Format::Text => Ok(series_text(reports, out)?),
            Format::Csv => series_csv(reports, out),
            Format::Json => crate::json::render_json_series(reports, out),
            Format::Html => {
                out.write_all(
                    render_series_html(reports, HtmlMode::Standalone)?
                        .html
                        .as_bytes(),
                )?;
                Ok(())
            }
        },
    }
}

/// `Period 3: 2026-03-15 to 2026-04-06 (23 days; …)`.
fn period_line(i: usize, r: &Report) -> String {
    let mut line = format!(
        "Period {}: {} to {} ({}",
        i + 1,
        r.period.start,
        r.period.end,
        days_word(r.period.count())
    );
    if let Some(cycle) = r.incomplete {
        let _ = write!(
            line,
            "; incomplete: the cycle {} to {} is not over",
            cycle.start, cycle.end
        );
    }
    line.push(')');
    line
}

/// The rows of one table: a name and a figure per period, total kB as shown (`None`: the
/// network is not in that period's report).
type Rows = Vec<(String, Vec<Option<i128>>)>;

/// Each period's report with its figures as shown.
fn rounded(reports: &[Report]) -> Vec<(&Report, Rounded)> {
    reports.iter().map(|r| (r, Rounded::of(r))).collect()
}

fn network_rows(periods: &[(&Report, Rounded)], org: &str, net: &str) -> Rows {
    let Some((last, _)) = periods.last() else {
        return Vec::new();
    };
    // Per period: the network's report and its shown figures, when it is in that period.
    let find = |(r, shown): &(&Report, Rounded)| {
        r.organizations
            .iter()
            .zip(&shown.networks)
            .filter(|(o, _)| o.name == org)
            .flat_map(|(o, s)| o.networks.iter().zip(s))
            .find(|(n, _)| n.name == net)
            .map(|(n, s)| (n.unmatched != Traffic::default(), s.clone()))
    };
    let nets: Vec<_> = periods.iter().map(find).collect();
    let mut rows: Rows = last
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                g.name.clone(),
                nets.iter()
                    .map(|n| n.as_ref().map(|(_, s)| s.groups[i].total()))
                    .collect(),
            )
        })
        .collect();
    if nets.iter().flatten().any(|(some, _)| *some) {
        let unmatched = nets
            .iter()
            .map(|n| n.as_ref().map(|(_, s)| s.unmatched.total()))
            .collect();
        rows.push(("(unmatched)".to_string(), unmatched));
    }
    rows
}

fn total_rows(periods: &[(&Report, Rounded)]) -> Rows {
    let Some((last, _)) = periods.last() else {
        return Vec::new();
    };
    let mut rows: Rows = last
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                g.name.clone(),
                periods
                    .iter()
                    .map(|(_, s)| Some(s.groups[i].total()))
                    .collect(),
            )
        })
        .collect();
    rows.push((
        "All groups".to_string(),
        periods.iter().map(|(_, s)| Some(s.grand.total())).collect(),
    ));
    if periods
        .iter()
        .any(|(r, _)| r.unmatched_total() != Traffic::default())
    {
        rows.push((
            "(unmatched)".to_string(),
            periods
                .iter()
                .map(|(_, s)| Some(s.unmatched.total()))
                .collect(),
        ));
    }
    rows
}

/// A period's total kB as shown: whole kB, up plus down; `-` when not in that period.
fn cell(kb: Option<i128>) -> String {
    kb.map_or_else(|| "-".to_string(), |kb| kb.to_string())
}

/// Column widths shared by every table of a text series, so they line up.
struct Widths {
    name: usize,
    value: usize,
}

impl Widths {
    fn of(n: usize, tables: &[&Rows]) -> Widths {
        let mut w = Widths {
            name: 20usize.max("Group name".width()),
            value: 15usize.max(format!("period {n} kB").len()),
        };
        for rows in tables {
            for (name, v) in rows.iter() {
                w.name = w.name.max(name.width());
                for c in v {
                    w.value = w.value.max(cell(*c).len());
                }
            }
        }
        w
    }
}

fn write_table(out: &mut dyn Write, n: usize, rows: &Rows, widths: &Widths) -> io::Result<()> {
    let w = widths.value;
    let pad = |s: &str| format!("{s}{}", " ".repeat(widths.name.saturating_sub(s.width())));
    write!(out, "{}", pad("Group name"))?;
    for i in 1..=n {
        write!(out, " {:>w$}", format!("period {i} kB"))?;
    }
    writeln!(out)?;
    for (name, v) in rows {
        write!(out, "{}", pad(name))?;
        for c in v {
            write!(out, " {:>w$}", cell(*c))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn series_text(reports: &[Report], out: &mut dyn Write) -> io::Result<()> {
    let (Some(first), Some(last)) = (reports.first(), reports.last()) else {
        return Ok(());
    };
    if let Some(title) = &last.title {
        writeln!(out, "{title}")?;
    }
    writeln!(
        out,
        "Usage report: {} periods, {} to {}",
        reports.len(),
        first.period.start,
        last.period.end
    )?;
    for (i, r) in reports.iter().enumerate() {
        writeln!(out, "{}", period_line(i, r))?;
    }
    for g in &last.groups {
        writeln!(out, "Group \"{}\": {}", g.name, g.definition)?;
    }
    let periods = rounded(reports);
    let tables: Vec<Vec<Rows>> = last
        .organizations
        .iter()
        .map(|org| {
            org.networks
                .iter()
                .map(|net| network_rows(&periods, &org.name, &net.name))
                .collect()
        })
        .collect();
    let totals = total_rows(&periods);
    let mut all: Vec<&Rows> = tables.iter().flatten().collect();
    all.push(&totals);
    let widths = Widths::of(reports.len(), &all);
    for (org, rows) in last.organizations.iter().zip(&tables) {
        write!(out, "\n###\n\nOrganization: \"{}\"\n", org.name)?;
        for (net, rows) in org.networks.iter().zip(rows) {
            write!(out, "\nNetwork: \"{}\"\n", net.name)?;
            write_table(out, reports.len(), rows, &widths)?;
        }
    }
    write!(out, "\n###\n\nAll organizations (total kB, up + down)\n")?;
    write_table(out, reports.len(), &totals, &widths)?;
    for r in reports {
        if let Some(top) = &r.top_clients {
            writeln!(out)?;
            crate::top::render_top_text(r.period, top, out)?;
        }
    }
    let missing: Vec<(usize, &str, &str, &[jiff::civil::Date])> = reports
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.missing_data().map(move |(o, n, d)| (i, o, n, d)))
        .collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "\nWARNING: no data stored for some days of the periods; figures are incomplete (run sync at least every 29 days):"
        )?;
        for (i, org, net, days) in missing {
            writeln!(
                out,
                "  period {}: \"{org}\" / \"{net}\": {}",
                i + 1,
                describe_missing(days)
            )?;
        }
    }
    writeln!(out, "\nGenerated at {}", last.generated_at)?;
    Ok(())
}

fn series_csv(reports: &[Report], out: &mut dyn Write) -> crate::Result<()> {
    for (i, r) in reports.iter().enumerate() {
        let mut buf = Vec::new();
        render_csv(r, &mut buf)?;
        let body = if i == 0 {
            &buf[..]
        } else {
            // Every period's rows under the first period's header.
            let start = buf
                .windows(2)
                .position(|w| w == b"\r\n")
                .map_or(buf.len(), |p| p + 2);
            &buf[start..]
        };
        out.write_all(body)?;
    }
    Ok(())
}

const TD: &str = "padding:5px 8px;border-bottom:1px solid #e6e9ee;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;";
const TD_L: &str = "padding:5px 8px;border-bottom:1px solid #e6e9ee;text-align:left;";
const TH: &str = "padding:6px 8px;border-bottom:2px solid #c9d1dc;text-align:right;white-space:nowrap;color:#555;font-weight:600;";
const TH_L: &str =
    "padding:6px 8px;border-bottom:2px solid #c9d1dc;text-align:left;color:#555;font-weight:600;";

fn html_table(h: &mut String, reports: &[Report], rows: &Rows) {
    h.push_str("<div style=\"overflow-x:auto;\"><table role=\"table\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;width:100%;font-size:13px;\">");
    let _ = write!(h, "<tr><th style=\"{TH_L}\">Group</th>");
    for r in reports {
        let _ = write!(
            h,
            "<th style=\"{TH}\">{} to {}</th>",
            r.period.start, r.period.end
        );
    }
    h.push_str("</tr>");
    for (name, v) in rows {
        let _ = write!(h, "<tr><td style=\"{TD_L}\">{}</td>", escape(name));
        for c in v {
            let text = c.map_or_else(
                || "–".to_string(),
                |total| format!("{} kB ({})", grouped_int(total), human_whole_kb(total)),
            );
            let _ = write!(h, "<td style=\"{TD}\">{text}</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></div>");
}

/// The HTML of a series: the periods, a chart with one bar per period and group, the totals
/// and one table per network (total traffic per group and period).
pub(crate) fn render_series_html(reports: &[Report], mode: HtmlMode) -> crate::Result<HtmlOutput> {
    let (Some(first), Some(last)) = (reports.first(), reports.last()) else {
        return Ok(HtmlOutput {
            html: String::new(),
            images: Vec::new(),
        });
    };
    let title = format!(
        "Usage report: {} periods, {} to {}",
        reports.len(),
        first.period.start,
        last.period.end
    );
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n</head>\n<body style=\"margin:0;padding:12px;background:#eef1f5;font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;color:#222;\">\n\
         <div style=\"max-width:940px;margin:0 auto;background:#ffffff;border-radius:8px;padding:20px;\">\n",
        escape(&title)
    );
    if let Some(t) = &last.title {
        let _ = write!(
            h,
            "<div style=\"font-size:13px;color:#666;text-transform:uppercase;\">{}</div>",
            escape(t)
        );
    }
    let _ = write!(
        h,
        "<h1 style=\"margin:4px 0;font-size:24px;color:#1a2b4c;\">{}</h1><ul style=\"margin:4px 0 12px 18px;padding:0;font-size:13px;color:#444;\">",
        escape(&title)
    );
    for (i, r) in reports.iter().enumerate() {
        let _ = write!(h, "<li>{}</li>", escape(&period_line(i, r)));
    }
    h.push_str("</ul>\n");
    // Chart (built without the `charts` feature: none; the tables carry every figure).
    #[cfg_attr(not(feature = "charts"), allow(unused_mut))]
    let mut images = Vec::new();
    #[cfg(feature = "charts")]
    match mode {
        HtmlMode::Email => {
            images.push(InlineImage {
                content_id: CHART_CONTENT_ID.to_string(),
                png: crate::chart::series_chart_png(reports)?,
            });
            let _ = write!(
                h,
                "<img src=\"cid:{CHART_CONTENT_ID}\" alt=\"Traffic per group and period\" width=\"900\" style=\"display:block;width:100%;max-width:900px;height:auto;border:0;\">"
            );
        }
        HtmlMode::Standalone => {
            let svg = crate::chart::series_chart_svg(reports).replacen(
                "<svg ",
                "<svg role=\"img\" aria-label=\"Traffic per group and period\" style=\"display:block;width:100%;max-width:900px;height:auto;\" ",
                1,
            );
            h.push_str(&svg);
        }
    }
    #[cfg(not(feature = "charts"))]
    let _ = mode;
    h.push_str(
        "\n<h2 style=\"margin:24px 0 4px 0;font-size:20px;color:#1a2b4c;\">All organizations</h2>",
    );
    let periods = rounded(reports);
    html_table(&mut h, reports, &total_rows(&periods));
    for org in &last.organizations {
        let _ = write!(
            h,
            "\n<h2 style=\"margin:24px 0 4px 0;font-size:20px;color:#1a2b4c;\">Organization: {}</h2>",
            escape(&org.name)
        );
        for net in &org.networks {
            let _ = write!(
                h,
                "<h3 style=\"margin:16px 0 6px 0;font-size:16px;color:#333;\">Network: {}</h3>",
                escape(&net.name)
            );
            html_table(
                &mut h,
                reports,
                &network_rows(&periods, &org.name, &net.name),
            );
        }
    }
    for r in reports {
        if let Some(top) = &r.top_clients {
            let _ = write!(
                h,
                "\n<h2 style=\"margin:24px 0 4px 0;font-size:20px;color:#1a2b4c;\">Top clients: {} to {}</h2>",
                r.period.start, r.period.end
            );
            crate::top::html_section(&mut h, top, TH, TH_L, TD, TD_L);
        }
    }
    let missing: Vec<String> = reports
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.missing_data().map(move |(o, n, d)| {
                format!("period {}: {o} / {n}: {}", i + 1, describe_missing(d))
            })
        })
        .collect();
    if !missing.is_empty() {
        h.push_str("\n<div role=\"alert\" style=\"margin-top:16px;background:#fff4e5;border-left:4px solid #f0a020;padding:10px 12px;font-size:13px;color:#5a3b00;\"><strong>Incomplete data.</strong> No data is stored for these days:<ul style=\"margin:6px 0 0 18px;padding:0;\">");
        for m in missing {
            let _ = write!(h, "<li>{}</li>", escape(&m));
        }
        h.push_str("</ul></div>");
    }
    let _ = write!(
        h,
        "\n<p style=\"margin-top:16px;font-size:11px;color:#888;\">Total kB (up + down) in whole kB; JSON and CSV reports carry the exact values. Generated by usagestats at {}.</p>\n</div>\n</body>\n</html>\n",
        escape(&last.generated_at.to_string())
    );
    Ok(HtmlOutput { html: h, images })
}

/// The text and HTML of an e-mail carrying a series (or one report).
pub fn render_series_email(reports: &[Report]) -> crate::Result<(String, HtmlOutput)> {
    let mut text = Vec::new();
    render_series(reports, Format::Text, &mut text)?;
    let html = match reports {
        [one] => crate::render_html(one, HtmlMode::Email)?,
        _ => render_series_html(reports, HtmlMode::Email)?,
    };
    Ok((String::from_utf8_lossy(&text).into_owned(), html))
}
