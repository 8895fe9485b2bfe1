//! Charts as inline SVG drawn here, from the numbers: light (no library, no script), crisp at
//! any zoom, and readable by tools: each group is one `<g class="series">` with its name in a
//! `<title>`, and every chart has a table of the same figures beside it.

use std::fmt::Write as _;

use jiff::civil::Date;
use maud::{Markup, html};
use usage_model::{Kb, Traffic};

/// One line or one set of bars: a group.
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) color: String,
    /// One value per point (per category for bars).
    pub(crate) values: Vec<Kb>,
}

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;

/// The unit the axis counts in and how many kB it is.
fn axis_unit(max_kb: f64) -> (&'static str, f64) {
    let units = [
        ("kB", 1.0),
        ("MB", 1e3),
        ("GB", 1e6),
        ("TB", 1e9),
        ("PB", 1e12),
    ];
    let mut chosen = units[0];
    for u in units {
        if max_kb >= u.1 {
            chosen = u;
        }
    }
    chosen
}

/// A round step giving about four intervals up to `max`.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let rough = max / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let r = rough / magnitude;
    let nice = if r <= 1.0 {
        1.0
    } else if r <= 2.0 {
        2.0
    } else if r <= 2.5 {
        2.5
    } else if r <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// `12.5` / `300` / `1.25`: an axis label without needless zeros.
fn tick_label(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The value axis: (top of the axis in display units, step, unit, kB per unit).
struct Axis {
    top: f64,
    step: f64,
    unit: &'static str,
    per_unit: f64,
}

impl Axis {
    fn new(series: &[Series]) -> Axis {
        let max = series
            .iter()
            .flat_map(|s| s.values.iter())
            .map(|v| v.as_f64())
            .fold(0.0f64, f64::max);
        let (unit, per_unit) = axis_unit(max);
        let step = nice_step(max / per_unit);
        let top = ((max / per_unit) / step).ceil().max(1.0) * step;
        Axis {
            top,
            step,
            unit,
            per_unit,
        }
    }

    fn y(&self, kb: Kb) -> f64 {
        let plot = HEIGHT - TOP - BOTTOM;
        TOP + plot - (kb.as_f64() / self.per_unit / self.top) * plot
    }

    fn grid(&self) -> Markup {
        let mut ticks = Vec::new();
        let mut v = 0.0;
        while v <= self.top + self.step / 2.0 {
            ticks.push(v);
            v += self.step;
        }
        let plot = HEIGHT - TOP - BOTTOM;
        html! {
            g.grid aria-hidden="true" {
                @for t in &ticks {
                    @let y = TOP + plot - (t / self.top) * plot;
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(fmt1(y)) y2=(fmt1(y)) {}
                    text.tick x=(LEFT - 6.0) y=(fmt1(y + 4.0)) text-anchor="end" {
                        (tick_label(*t)) " " (self.unit)
                    }
                }
            }
        }
    }
}

fn fmt1(v: f64) -> String {
    format!("{v:.1}")
}

/// Up to `max` evenly spread indexes of `n` points, the first and the last included.
fn label_indexes(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let step = (n - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| (i as f64 * step).round() as usize)
        .collect()
}

/// A line per series over `labels` (one per point), `title` naming the chart for screen
/// readers. `id` must be unique in the page. Points where `present` is false (nothing stored)
/// are gaps in the lines, not zeros.
pub(crate) fn line_chart(
    id: &str,
    title: &str,
    labels: &[String],
    present: &[bool],
    series: &[Series],
) -> Markup {
    let axis = Axis::new(series);
    let n = labels.len();
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |i: usize| {
        if n <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let xlabels = html! {
        @for i in label_indexes(n, 8) {
            // The last label ends at the plot's edge instead of overflowing it.
            @let anchor = if n > 1 && i == n - 1 { "end" } else if n > 1 && i == 0 { "start" } else { "middle" };
            text.tick x=(fmt1(x(i))) y=(fmt1(HEIGHT - 8.0)) text-anchor=(anchor) {
                (labels[i])
            }
        }
    };
    let lines = html! {
            @for s in series {
                g.series data-series=(s.name) {
                    title { (s.name) }
                    @for run in runs(present) {
                        @if run.len() == 1 {
                            circle cx=(fmt1(x(run.start))) cy=(fmt1(axis.y(s.values.get(run.start).copied().unwrap_or(Kb::ZERO)))) r="3" fill=(s.color) {}
                        } @else {
                            polyline fill="none" stroke=(s.color) stroke-width="2" stroke-linejoin="round"
                                points=(points(&s.values, run, &x, &axis)) {}
                        }
                    }
                }
            }
    };
    frame(id, title, &axis, xlabels, lines)
}

/// The chart around its marks: the SVG element named by `title`, the value axis, the labels
/// of the other axis and the series.
fn frame(id: &str, title: &str, axis: &Axis, xlabels: Markup, series: Markup) -> Markup {
    let title_id = format!("{id}-title");
    html! {
        svg.chart id=(id) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
            aria-labelledby=(title_id) xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { (title) }
            (axis.grid())
            g.xlabels aria-hidden="true" { (xlabels) }
            (series)
        }
    }
}

/// The runs of consecutive indexes where `present` holds.
fn runs(present: &[bool]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, p) in present.iter().enumerate() {
        if !p {
            continue;
        }
        match out.last_mut() {
            Some(r) if r.end == i => r.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

fn points(
    values: &[Kb],
    run: std::ops::Range<usize>,
    x: &dyn Fn(usize) -> f64,
    axis: &Axis,
) -> String {
    let mut out = String::with_capacity(run.len() * 12);
    for i in run {
        if !out.is_empty() {
            out.push(' ');
        }
        let v = values.get(i).copied().unwrap_or(Kb::ZERO);
        let _ = write!(out, "{:.1},{:.1}", x(i), axis.y(v));
    }
    out
}

/// Bars grouped by category (a period, or one bar per group for a single total): in each
/// category one bar per series.
pub(crate) fn bar_chart(id: &str, title: &str, categories: &[String], series: &[Series]) -> Markup {
    let axis = Axis::new(series);
    let n = categories.len().max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8 / series.len().max(1) as f64).min(48.0);
    let base_y = HEIGHT - BOTTOM;
    let xlabels = html! {
        @for i in label_indexes(categories.len(), 12) {
            text.tick x=(fmt1(LEFT + slot * (i as f64 + 0.5))) y=(fmt1(HEIGHT - 8.0)) text-anchor="middle" {
                (categories[i])
            }
        }
    };
    let bars = html! {
            @for (k, s) in series.iter().enumerate() {
                g.series data-series=(s.name) {
                    title { (s.name) }
                    @for (i, v) in s.values.iter().enumerate() {
                        @let group_w = bar * series.len() as f64;
                        @let x0 = LEFT + slot * i as f64 + (slot - group_w) / 2.0 + bar * k as f64;
                        @let y = axis.y(*v);
                        rect x=(fmt1(x0)) y=(fmt1(y)) width=(fmt1((bar - 1.0).max(1.0)))
                            height=(fmt1((base_y - y).max(0.0))) fill=(s.color) {}
                    }
                }
            }
    };
    frame(id, title, &axis, xlabels, bars)
}

/// The legend under a chart: a swatch and the name of each series.
pub(crate) fn legend(series: &[Series]) -> Markup {
    html! {
        ul.legend {
            @for s in series {
                li {
                    svg.swatch width="14" height="14" aria-hidden="true" {
                        rect width="14" height="14" rx="2" fill=(s.color) {}
                    }
                    bdi { (s.name) }
                }
            }
        }
    }
}

/// How finely a trend over a period is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Day,
    Week,
    Month,
}

impl Step {
    /// Days up to 400 (a year and its edges), weeks up to about eight years, else months: a
    /// chart stays a few hundred points at most.
    pub(crate) fn for_days(days: i64) -> Step {
        if days <= 400 {
            Step::Day
        } else if days <= 2800 {
            Step::Week
        } else {
            Step::Month
        }
    }

    pub(crate) fn word(self) -> &'static str {
        match self {
            Step::Day => "day",
            Step::Week => "week",
            Step::Month => "month",
        }
    }
}

/// One point of a trend: its first and last day, each group's traffic, and whether any day
/// of it has data at all.
pub(crate) struct Bucket {
    pub(crate) first: Date,
    pub(crate) last: Date,
    pub(crate) groups: Vec<Traffic>,
    pub(crate) stored: bool,
}

impl Bucket {
    /// The point's name on the axis and in the table.
    pub(crate) fn label(&self, step: Step) -> String {
        match step {
            Step::Day => self.first.to_string(),
            Step::Week => format!("week of {}", self.first),
            Step::Month => self.first.strftime("%Y-%m").to_string(),
        }
    }

    /// A short axis label.
    pub(crate) fn tick(&self, step: Step) -> String {
        match step {
            Step::Day | Step::Week => self.first.strftime("%b %-d").to_string(),
            Step::Month => self.first.strftime("%b %Y").to_string(),
        }
    }
}

/// The trend of `daily` (days with data, ascending) over `start..=end` in steps of `step`:
/// every step of the period appears, zero where nothing is stored; weeks start on Monday and
/// the first and last buckets are cut at the period's ends.
pub(crate) fn buckets(
    start: Date,
    end: Date,
    step: Step,
    groups: usize,
    daily: &[(Date, Vec<Traffic>)],
) -> Vec<Bucket> {
    let bucket_start = |d: Date| -> Date {
        match step {
            Step::Day => d,
            Step::Week => d
                .checked_sub(jiff::Span::new().days(d.weekday().to_monday_zero_offset()))
                .unwrap_or(d),
            Step::Month => d.first_of_month(),
        }
        .max(start)
    };
    let next_start = |d: Date| -> Option<Date> {
        match step {
            Step::Day => d.tomorrow().ok(),
            Step::Week => d
                .checked_add(jiff::Span::new().days(7 - d.weekday().to_monday_zero_offset()))
                .ok(),
            Step::Month => d.last_of_month().tomorrow().ok(),
        }
    };
    let mut out: Vec<Bucket> = Vec::new();
    let mut first = bucket_start(start);
    while first <= end {
        let next = next_start(first);
        let last = next
            .and_then(|n| n.yesterday().ok())
            .map_or(end, |l| l.min(end));
        out.push(Bucket {
            first,
            last,
            groups: vec![Traffic::default(); groups],
            stored: false,
        });
        match next {
            Some(n) => first = n,
            None => break,
        }
    }
    let mut i = 0;
    for (day, values) in daily {
        while i < out.len() && out[i].last < *day {
            i += 1;
        }
        let Some(b) = out.get_mut(i) else { break };
        if *day < b.first {
            continue;
        }
        b.stored = true;
        for (slot, v) in b.groups.iter_mut().zip(values) {
            *slot += *v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn t(kb: i64) -> Traffic {
        Traffic {
            up: Kb::from_kb(kb),
            down: Kb::ZERO,
        }
    }

    #[test]
    fn weeks_start_on_monday_and_are_cut_at_the_period_ends() {
        // 2026-11-04 is a Wednesday.
        let daily = vec![
            (date(2026, 11, 4), vec![t(1)]),
            (date(2026, 11, 9), vec![t(2)]),
            (date(2026, 11, 15), vec![t(4)]),
            (date(2026, 11, 20), vec![t(8)]),
        ];
        let b = buckets(date(2026, 11, 4), date(2026, 11, 20), Step::Week, 1, &daily);
        let got: Vec<(Date, Date, Traffic)> =
            b.iter().map(|b| (b.first, b.last, b.groups[0])).collect();
        assert_eq!(
            got,
            [
                (date(2026, 11, 4), date(2026, 11, 8), t(1)),
                (date(2026, 11, 9), date(2026, 11, 15), t(6)),
                (date(2026, 11, 16), date(2026, 11, 20), t(8)),
            ]
        );
    }

    #[test]
    fn every_day_and_month_appears_even_without_data() {
        let b = buckets(date(2024, 2, 27), date(2024, 3, 2), Step::Day, 2, &[]);
        assert_eq!(b.len(), 5, "leap February");
        let b = buckets(
            date(2025, 1, 15),
            date(2026, 3, 3),
            Step::Month,
            1,
            &[(date(2026, 3, 3), vec![t(5)])],
        );
        assert_eq!(b.len(), 15);
        assert_eq!(
            (b[0].first, b[0].last),
            (date(2025, 1, 15), date(2025, 1, 31))
        );
        assert_eq!(b[14].groups[0], t(5));
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(100.0), 25.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(axis_unit(2_500_000.0), ("GB", 1e6));
        assert_eq!(tick_label(2.5), "2.5");
        assert_eq!(tick_label(300.0), "300");
        assert_eq!(label_indexes(100, 8).first(), Some(&0));
        assert_eq!(label_indexes(100, 8).last(), Some(&99));
    }
}
