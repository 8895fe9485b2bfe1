//! Rendering cost of a large report: 20 organizations × 10 networks × 8 groups, 31 days.
//!
//! `cargo bench -p report-render --bench render`

#![allow(missing_docs)] // criterion_group! generates undocumented public functions.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::ToSpan;
use jiff::civil::date;
use report_render::{
    DateRange, Format, GroupDef, HtmlMode, NetworkReport, OrgReport, Report, chart_png, render,
    render_html,
};
use usage_model::{Kb, Traffic};

fn big_report() -> Report {
    let groups: Vec<GroupDef> = (0..8)
        .map(|g| GroupDef::new(format!("Group {g}"), format!("sub:10.{g}.0.0/16")))
        .collect();
    let t = |x: i64| Traffic {
        up: Kb::from_millis(x * 1_234_567),
        down: Kb::from_millis(x * 7_654_321),
    };
    let organizations = (0..20)
        .map(|o| {
            let networks = (0..10)
                .map(|n| {
                    let groups = (0..8).map(|g| t(o * 100 + n * 10 + g + 1)).collect();
                    let mut net = NetworkReport::new(format!("Network {o}-{n}"), groups);
                    net.unmatched = t(3);
                    net
                })
                .collect();
            OrgReport::new(format!("Organization {o}"), networks)
        })
        .collect();
    let start = date(2026, 10, 1);
    let mut report = Report::new(
        DateRange::new(start, date(2026, 10, 31)),
        groups,
        organizations,
        jiff::Timestamp::UNIX_EPOCH,
    );
    report.daily = (0..31i64)
        .map(|d| {
            let day = start.checked_add(d.days()).unwrap_or(start);
            (day, (0..8).map(|g| t(d + g + 1)).collect())
        })
        .collect();
    report
}

fn bench(c: &mut Criterion) {
    let r = big_report();
    let mut g = c.benchmark_group("render_200_networks");
    for f in [Format::Text, Format::Json, Format::Csv] {
        g.bench_function(f.to_string(), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(1 << 20);
                render(&r, f, &mut out).unwrap();
                out
            })
        });
    }
    g.bench_function("html_standalone_svg", |b| {
        b.iter(|| render_html(&r, HtmlMode::Standalone).unwrap())
    });
    g.bench_function("chart_png", |b| b.iter(|| chart_png(&r).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
