//! The report chart: per network, a stacked bar of each group's share; below it, the daily
//! trend of each group's traffic over the period. Drawn once, for two backends: PNG (e-mail,
//! where SVG is not shown) and SVG (standalone HTML, crisp at any zoom).

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use usage_model::Kb;

use crate::model::{Report, Shares};

/// Chart width in pixels; the HTML scales it down on small screens.
pub(crate) const WIDTH: u32 = 900;
const FONT: &str = "sans-serif";
const BAR_ROW: u32 = 34;
const LABEL_W: i32 = 230;
const TREND_H: u32 = 330;

fn color(i: usize) -> RGBColor {
    let (r, g, b) = crate::legend::rgb(i);
    RGBColor(r, g, b)
}

/// The bitmap backend draws text with ab_glyph from registered fonts only; the host's fonts
/// are never used, so the PNG looks the same everywhere.
static DEJAVU: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn register_font() -> crate::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, DEJAVU).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(crate::Error::Chart(
            "the embedded DejaVu Sans font is invalid".into(),
        ))
    }
}

/// A name cut to `max` characters with `…`: the same helper the warnings of usage-model use.
fn truncate(s: &str, max: usize) -> String {
    usage_model::shorten_name(s, max).into_owned()
}

/// One network's bar: its label, each group's total traffic (group index, amount) and the
/// network's total.
struct Bar {
    label: String,
    parts: Vec<(usize, Kb)>,
    whole: Kb,
}

/// Beyond this many networks the bar chart shows the largest ones only, so a report of
/// hundreds of networks still gives an image a mail client can show.
const MAX_BARS: usize = 30;

struct Layout {
    legend_rows: Vec<Vec<(usize, String, i32)>>,
    bars: Vec<Bar>,
    /// Networks left out of the bar chart (the smallest ones).
    hidden: usize,
}

impl Layout {
    fn new(report: &Report) -> Layout {
        // Legend: names truncated, laid out left to right with a rough width estimate (7.5 px
        // per character at 14 px) so both backends wrap identically without measuring text.
        let mut legend_rows: Vec<Vec<(usize, String, i32)>> = vec![Vec::new()];
        let mut x = 20i32;
        for (i, g) in report.groups.iter().enumerate() {
            let name = truncate(&g.name, 32);
            let w = 24 + (name.chars().count() as i32 * 15) / 2 + 18;
            if x + w > WIDTH as i32 - 10 && x > 20 {
                legend_rows.push(Vec::new());
                x = 20;
            }
            if let Some(row) = legend_rows.last_mut() {
                row.push((i, name, x));
            }
            x += w;
        }
        let mut bars: Vec<Bar> = report
            .organizations
            .iter()
            .flat_map(|o| {
                o.networks.iter().map(move |n| {
                    let label = if report.organizations.len() > 1 {
                        format!("{} / {}", o.name, n.name)
                    } else {
                        n.name.clone()
                    };
                    let parts = (0..report.groups.len())
                        .map(|i| (i, n.group(i).total()))
                        .collect();
                    Bar {
                        label: truncate(&label, 30),
                        parts,
                        whole: n.total().total(),
                    }
                })
            })
            .collect();
        let mut hidden = 0;
        if bars.len() > MAX_BARS {
            hidden = bars.len() - MAX_BARS;
            // Stable sort: equal totals keep report order.
            bars.sort_by_key(|b| std::cmp::Reverse(b.whole));
            bars.truncate(MAX_BARS);
        }
        Layout {
            legend_rows,
            bars,
            hidden,
        }
    }

    fn height(&self) -> u32 {
        let legend = self.legend_rows.len() as u32 * 22;
        let bars = (self.bars.len().max(1) as u32 + u32::from(self.hidden > 0)) * BAR_ROW;
        50 + legend + 10 + bars + 20 + TREND_H
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    layout: &Layout,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let title = (FONT, 20).into_font().style(FontStyle::Bold).color(&BLACK);
    let text = (FONT, 14).into_font().color(&BLACK);
    let small_white = (FONT, 12)
        .into_font()
        .color(&WHITE)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let right = (FONT, 14)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));

    root.draw_text("Share of each group, per network", &title, (20, 14))?;
    let mut y = 50i32;
    for row in &layout.legend_rows {
        for (i, name, x) in row {
            root.draw(&Rectangle::new(
                [(*x, y), (*x + 14, y + 14)],
                color(*i).filled(),
            ))?;
            root.draw_text(name, &text, (*x + 20, y))?;
        }
        y += 22;
    }
    y += 10;

    let bar_x0 = LABEL_W + 10;
    let bar_x1 = WIDTH as i32 - 20;
    let bar_w = (bar_x1 - bar_x0) as i128;
    if layout.bars.is_empty() {
        root.draw_text("No networks in this report", &text, (20, y + 8))?;
        y += BAR_ROW as i32;
    }
    for Bar {
        label,
        parts,
        whole,
    } in &layout.bars
    {
        let mid = y + (BAR_ROW as i32 - 8) / 2;
        root.draw_text(label, &right, (LABEL_W, mid))?;
        let (top, bottom) = (y + 2, y + BAR_ROW as i32 - 10);
        root.draw(&Rectangle::new(
            [(bar_x0, top), (bar_x1, bottom)],
            RGBColor(0xee, 0xee, 0xee).filled(),
        ))?;
        if whole.millis() > 0 {
            // Segment edges from cumulative exact sums, so rounding never leaves a gap.
            let mut acc: i128 = 0;
            for (i, kb) in parts {
                let x0 = bar_x0 + (acc * bar_w / i128::from(whole.millis())) as i32;
                acc += i128::from(kb.millis());
                let x1 = bar_x0 + (acc * bar_w / i128::from(whole.millis())) as i32;
                if x1 > x0 {
                    root.draw(&Rectangle::new(
                        [(x0, top), (x1, bottom)],
                        color(*i).filled(),
                    ))?;
                    let pct = Shares::of(
                        usage_model::Traffic {
                            up: *kb,
                            down: Kb::ZERO,
                        },
                        usage_model::Traffic {
                            up: *whole,
                            down: Kb::ZERO,
                        },
                    )
                    .up;
                    if x1 - x0 >= 48 {
                        root.draw_text(
                            &format!("{:.0}%", pct.as_f64()),
                            &small_white,
                            ((x0 + x1) / 2, (top + bottom) / 2),
                        )?;
                    }
                }
            }
        } else {
            root.draw_text("no traffic", &text, (bar_x0 + 8, top + 4))?;
        }
        y += BAR_ROW as i32;
    }
    if layout.hidden > 0 {
        let note = format!(
            "{} largest networks shown; {} smaller ones left out (see the tables)",
            layout.bars.len(),
            layout.hidden
        );
        root.draw_text(&note, &text, (bar_x0, y + 6))?;
        y += BAR_ROW as i32;
    }
    y += 20;

    let (_, trend) = root.split_vertically(y);
    draw_trend(&trend, report)
}

fn draw_trend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &Report,
) -> DrawResult<DB> {
    let days = &report.daily;
    let max = days
        .iter()
        .flat_map(|(_, v)| v.iter().map(|t| t.total()))
        .max()
        .unwrap_or(Kb::ZERO);
    // One unit for the whole axis, chosen so the largest value reads as 1 to 999 (1 kB = 1000
    // bytes, as the API counts).
    let (unit, div) = match max.millis() {
        m if m >= 1_000_000_000_000 => ("TB", 1e12),
        m if m >= 1_000_000_000 => ("GB", 1e9),
        m if m >= 1_000_000 => ("MB", 1e6),
        _ => ("kB", 1e3),
    };
    let y_max = (max.millis() as f64 / div * 1.1).max(1.0);
    let n = days.len().max(1) as i32;
    let caption = format!("Daily traffic per group (up + down, {unit})");
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 20).into_font().style(FontStyle::Bold))
        .margin_left(20)
        .margin_right(30)
        .margin_bottom(10)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(f64::from(n) - 0.5), 0f64..y_max)?;
    let labels: Vec<String> = days
        .iter()
        .map(|(d, _)| format!("{:02}-{:02}", d.month(), d.day()))
        .collect();
    let fmt_x = |x: &f64| {
        let r = x.round();
        if (x - r).abs() < 1e-6 && r >= 0.0 {
            labels.get(r as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels((n as usize).min(16))
        .x_label_formatter(&fmt_x)
        .y_labels(6)
        .y_label_formatter(&|v: &f64| {
            if y_max >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        })
        .label_style((FONT, 13))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .draw()?;
    if days.is_empty() {
        return Ok(());
    }
    for i in 0..report.groups.len() {
        let pts: Vec<(f64, f64)> = days
            .iter()
            .enumerate()
            .map(|(x, (_, v))| {
                let kb = v.get(i).copied().unwrap_or_default().total();
                (x as f64, kb.millis() as f64 / div)
            })
            .collect();
        let c = color(i);
        chart.draw_series(std::iter::once(PathElement::new(
            pts.clone(),
            c.stroke_width(3),
        )))?;
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, c.filled())))?;
    }
    Ok(())
}

/// Draws the chart as a PNG image (900 pixels wide, height growing with the number of
/// networks and groups), with the embedded DejaVu Sans font.
pub fn chart_png(report: &Report) -> crate::Result<Vec<u8>> {
    register_font()?;
    let layout = Layout::new(report);
    let (w, h) = (WIDTH, layout.height());
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, report, &layout).map_err(|e| crate::Error::Chart(e.to_string()))?;
        root.present()
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
    }
    Ok(png_bytes)
}

/// Draws the chart as an SVG document (text as `<text>` in the reader's sans-serif font).
///
/// Drawing into a string cannot fail in the SVG backend (its only errors are file writes); if
/// it ever did, the result is an SVG that says so instead of a half-drawn chart.
pub fn chart_svg(report: &Report) -> String {
    // With the ab_glyph feature plotters measures text for layout even when drawing SVG.
    let registered = register_font();
    let layout = Layout::new(report);
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, layout.height())).into_drawing_area();
        draw(&root, report, &layout).and_then(|()| root.present())
    };
    match registered
        .map_err(|e| e.to_string())
        .and(result.map_err(|e| e.to_string()))
    {
        Ok(()) => svg,
        Err(e) => format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="40"><text x="10" y="25">chart unavailable: {}</text></svg>"#,
            crate::html::escape(&e)
        ),
    }
}

/// Height of the series chart.
const SERIES_H: u32 = 420;

/// A label for a period on the series chart's axis: `01-15…02-14`.
fn period_label(r: crate::model::DateRange) -> String {
    format!(
        "{:02}-{:02}…{:02}-{:02}",
        r.start.month(),
        r.start.day(),
        r.end.month(),
        r.end.day()
    )
}

/// The chart of a series of periods: per period a cluster of bars, one per group (its total
/// traffic over all networks), coloured like the single report's chart.
fn draw_series<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    reports: &[Report],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let groups = reports.last().map(|r| r.groups.len()).unwrap_or(0);
    let max = reports
        .iter()
        .flat_map(|r| (0..groups).map(move |i| r.group_total(i).total()))
        .max()
        .unwrap_or(Kb::ZERO);
    let (unit, div) = match max.millis() {
        m if m >= 1_000_000_000_000 => ("TB", 1e12),
        m if m >= 1_000_000_000 => ("GB", 1e9),
        m if m >= 1_000_000 => ("MB", 1e6),
        _ => ("kB", 1e3),
    };
    let y_max = (max.millis() as f64 / div * 1.1).max(1.0);
    let n = reports.len().max(1);
    let caption = format!("Traffic per group and period (up + down, {unit})");
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 20).into_font().style(FontStyle::Bold))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..n as f64, 0f64..y_max)?;
    let labels: Vec<String> = reports
        .iter()
        .map(|r| {
            let mut l = period_label(r.period);
            if r.incomplete.is_some() {
                l.push_str(" (so far)");
            }
            l
        })
        .collect();
    let fmt_x = |x: &f64| {
        let i = (x - 0.5).round();
        if (x - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&fmt_x)
        .y_labels(6)
        .label_style((FONT, 13))
        .light_line_style(RGBColor(0xf0, 0xf0, 0xf0))
        .draw()?;
    let width = 0.8 / groups.max(1) as f64;
    for (p, r) in reports.iter().enumerate() {
        for i in 0..groups {
            let x0 = p as f64 + 0.1 + i as f64 * width;
            let v = r.group_total(i).total().millis() as f64 / div;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x0 + width * 0.9, v)],
                color(i).filled(),
            )))?;
        }
    }
    // Legend: one swatch per group under the caption.
    let text = (FONT, 14).into_font().color(&BLACK);
    let mut x = 100i32;
    for (i, g) in reports
        .last()
        .map(|r| r.groups.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let name = truncate(&g.name, 24);
        root.draw(&Rectangle::new([(x, 48), (x + 14, 62)], color(i).filled()))?;
        root.draw_text(&name, &text, (x + 20, 48))?;
        x += 24 + (name.chars().count() as i32 * 15) / 2 + 18;
    }
    Ok(())
}

/// The series chart as SVG (standalone HTML).
pub(crate) fn series_chart_svg(reports: &[Report]) -> String {
    let registered = register_font();
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, SERIES_H)).into_drawing_area();
        draw_series(&root, reports).and_then(|()| root.present())
    };
    match registered
        .map_err(|e| e.to_string())
        .and(result.map_err(|e| e.to_string()))
    {
        Ok(()) => svg,
        Err(e) => format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="40"><text x="10" y="25">chart unavailable: {}</text></svg>"#,
            crate::html::escape(&e)
        ),
    }
}

/// The series chart as PNG (e-mail).
pub(crate) fn series_chart_png(reports: &[Report]) -> crate::Result<Vec<u8>> {
    register_font()?;
    let (w, h) = (WIDTH, SERIES_H);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw_series(&root, reports).map_err(|e| crate::Error::Chart(e.to_string()))?;
        root.present()
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
    }
    Ok(png_bytes)
}
