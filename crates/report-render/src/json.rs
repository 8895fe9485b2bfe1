//! JSON rendering; the schema is documented in `docs/report-json.md`.

use std::io::Write;

use jiff::civil::Date;
use serde::Serialize;
use usage_model::Traffic;

use crate::figures::exact_shares;
use crate::model::{GroupDef, OrgReport, Percent, Report, Shares};

/// Version of the JSON schema written by [`render_json`] and [`crate::render_series`]. Bumped
/// on any incompatible change (a field removed, renamed or its meaning changed); adding fields
/// does not bump it. Version 2: a document may be a series of periods (`periods`, written for
/// `--periods N` with N > 1) instead of one period; a single period's document is laid out as
/// in version 1.
pub const JSON_SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    version: u32,
    title: Option<&'a str>,
    period: Period,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cycle: Option<Period>,
    generated_at: String,
    groups: &'a [GroupDef],
    #[serde(flatten)]
    body: Body<'a>,
}

/// One period of a series document.
#[derive(Serialize)]
struct SeriesEntry<'a> {
    period: Period,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cycle: Option<Period>,
    #[serde(flatten)]
    body: Body<'a>,
}

#[derive(Serialize)]
struct SeriesDoc<'a> {
    schema: &'static str,
    version: u32,
    title: Option<&'a str>,
    generated_at: String,
    groups: &'a [GroupDef],
    periods: Vec<SeriesEntry<'a>>,
}

/// What one period's figures are, in either kind of document.
#[derive(Serialize)]
struct Body<'a> {
    organizations: Vec<Org<'a>>,
    group_totals: Vec<Row<'a>>,
    total: Figure,
    unmatched: Figure,
    removed_groups: Figure,
    daily: Vec<Day<'a>>,
    sources: Vec<SourceEntry>,
    mixed_sources: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_clients: Option<crate::top::TopJson<'a>>,
}

#[derive(Serialize)]
struct SourceEntry {
    source: &'static str,
    days: u64,
}

#[derive(Serialize)]
struct Period {
    start: Date,
    end: Date,
    days: i64,
}

#[derive(Serialize)]
struct Org<'a> {
    name: &'a str,
    networks: Vec<Net<'a>>,
    total: Figure,
    share_of_all: Shares,
    unmatched: Figure,
    removed_groups: Figure,
}

#[derive(Serialize)]
struct Net<'a> {
    name: &'a str,
    groups: Vec<Row<'a>>,
    total: Figure,
    unmatched: Figure,
    removed_groups: Figure,
    missing_days: &'a [Date],
    missing_ranges: Vec<Range>,
}

/// A run of consecutive days, both ends included.
#[derive(Serialize)]
struct Range {
    start: Date,
    end: Date,
    days: i64,
}

#[derive(Serialize)]
struct Row<'a> {
    group: &'a str,
    #[serde(flatten)]
    amounts: Amounts,
    up_pct: Percent,
    down_pct: Percent,
    total_pct: Percent,
    bound: Amounts,
}

/// Amounts with their error bound (see [`crate::NetworkReport`]): `{up_kb, down_kb, total_kb,
/// bound: {up_kb, down_kb, total_kb}}`.
#[derive(Serialize)]
struct Figure {
    #[serde(flatten)]
    amounts: Amounts,
    bound: Amounts,
}

impl Figure {
    fn new(t: Traffic, bound: Traffic) -> Figure {
        Figure {
            amounts: t.into(),
            bound: bound.into(),
        }
    }
}

/// Exact kB as decimal strings: JSON numbers would pass through `f64` in most readers.
#[derive(Serialize)]
struct Amounts {
    up_kb: String,
    down_kb: String,
    total_kb: String,
}

impl From<Traffic> for Amounts {
    fn from(t: Traffic) -> Amounts {
        Amounts {
            up_kb: t.up.to_string(),
            down_kb: t.down.to_string(),
            total_kb: t.total().to_string(),
        }
    }
}

#[derive(Serialize)]
struct Day<'a> {
    date: Date,
    groups: Vec<DayGroup<'a>>,
}

#[derive(Serialize)]
struct DayGroup<'a> {
    group: &'a str,
    #[serde(flatten)]
    amounts: Amounts,
}

/// The group rows of a table: `get(i)` is group i's traffic and its bound. Percentages are
/// shares of the rows' sum, adding up to 100.00 per column (see [`crate::figures`]).
fn rows<'a>(report: &'a Report, get: impl Fn(usize) -> (Traffic, Traffic)) -> Vec<Row<'a>> {
    let figures: Vec<(Traffic, Traffic)> = (0..report.groups.len()).map(get).collect();
    let shares = exact_shares(&figures.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    report
        .groups
        .iter()
        .zip(figures)
        .zip(shares)
        .map(|((g, (t, bound)), s)| Row {
            group: &g.name,
            amounts: t.into(),
            up_pct: s.up,
            down_pct: s.down,
            total_pct: s.total,
            bound: bound.into(),
        })
        .collect()
}

fn period_of(r: crate::model::DateRange) -> Period {
    Period {
        start: r.start,
        end: r.end,
        days: r.len_days(),
    }
}

/// The figures of one period.
fn body(report: &Report) -> Body<'_> {
    let grand = report.grand_total();
    let org_shares = exact_shares(
        &report
            .organizations
            .iter()
            .map(OrgReport::total)
            .collect::<Vec<_>>(),
    );
    Body {
        organizations: report
            .organizations
            .iter()
            .zip(org_shares)
            .map(|(o, share_of_all)| Org {
                name: &o.name,
                networks: o
                    .networks
                    .iter()
                    .map(|n| Net {
                        name: &n.name,
                        groups: rows(report, |i| (n.group(i), n.bound(i))),
                        total: Figure::new(n.total(), n.total_bound()),
                        unmatched: Figure::new(n.unmatched, n.unmatched_bound),
                        removed_groups: Figure::new(n.removed_groups, n.removed_groups_bound),
                        missing_days: &n.missing_days,
                        missing_ranges: n
                            .missing_runs()
                            .into_iter()
                            .map(|r| Range {
                                start: r.start,
                                end: r.end,
                                days: r.len_days(),
                            })
                            .collect(),
                    })
                    .collect(),
                total: Figure::new(o.total(), o.total_bound()),
                share_of_all,
                unmatched: Figure::new(o.unmatched(), o.unmatched_bound()),
                removed_groups: Figure::new(o.removed_groups(), o.removed_groups_bound()),
            })
            .collect(),
        group_totals: rows(report, |i| {
            (report.group_total(i), report.group_total_bound(i))
        }),
        total: Figure::new(grand, report.grand_total_bound()),
        unmatched: Figure::new(report.unmatched_total(), report.unmatched_total_bound()),
        removed_groups: Figure::new(
            report.removed_groups_total(),
            report.removed_groups_total_bound(),
        ),
        daily: report
            .daily
            .iter()
            .map(|(date, v)| Day {
                date: *date,
                groups: report
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| DayGroup {
                        group: &g.name,
                        amounts: v.get(i).copied().unwrap_or_default().into(),
                    })
                    .collect(),
            })
            .collect(),
        sources: report
            .sources
            .iter()
            .map(|s| SourceEntry {
                source: s.source.as_str(),
                days: s.days,
            })
            .collect(),
        mixed_sources: report.mixes_sources(),
        top_clients: report.top_clients.as_ref().map(crate::top::TopJson::new),
    }
}

/// Writes the report as pretty-printed JSON (schema version [`JSON_SCHEMA_VERSION`]).
pub fn render_json(report: &Report, out: &mut dyn Write) -> crate::Result<()> {
    let doc = Doc {
        schema: "usagestats-report",
        version: JSON_SCHEMA_VERSION,
        title: report.title.as_deref(),
        period: period_of(report.period),
        incomplete: report.incomplete.map(|_| true),
        cycle: report.incomplete.map(period_of),
        generated_at: report.generated_at.to_string(),
        groups: &report.groups,
        body: body(report),
    };
    write_pretty(&doc, out)
}

/// Writes several periods' reports as one JSON document: `periods` holds each period's
/// figures, oldest first (`docs/report-json.md`, "Series"). The title, generation time and
/// groups are those of the last report.
pub(crate) fn render_json_series(reports: &[Report], out: &mut dyn Write) -> crate::Result<()> {
    let Some(last) = reports.last() else {
        return Ok(());
    };
    let doc = SeriesDoc {
        schema: "usagestats-report",
        version: JSON_SCHEMA_VERSION,
        title: last.title.as_deref(),
        generated_at: last.generated_at.to_string(),
        groups: &last.groups,
        periods: reports
            .iter()
            .map(|r| SeriesEntry {
                period: period_of(r.period),
                incomplete: r.incomplete.map(|_| true),
                cycle: r.incomplete.map(period_of),
                body: body(r),
            })
            .collect(),
    };
    write_pretty(&doc, out)
}

fn write_pretty<T: Serialize>(doc: &T, out: &mut dyn Write) -> crate::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, doc)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}
