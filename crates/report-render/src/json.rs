//! JSON rendering; the schema is documented in `docs/report-json.md`.

use std::io::Write;

use jiff::civil::Date;
use serde::Serialize;
use usage_model::Traffic;

use crate::model::{GroupDef, Percent, Report, Shares};

/// Version of the JSON schema written by [`render_json`]. Bumped on any incompatible change
/// (a field removed, renamed or its meaning changed); adding fields does not bump it.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    version: u32,
    title: Option<&'a str>,
    period: Period,
    generated_at: String,
    groups: &'a [GroupDef],
    organizations: Vec<Org<'a>>,
    group_totals: Vec<Row<'a>>,
    total: Amounts,
    unmatched: Amounts,
    removed_groups: Amounts,
    daily: Vec<Day<'a>>,
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
    total: Amounts,
    share_of_all: Shares,
    unmatched: Amounts,
    removed_groups: Amounts,
}

#[derive(Serialize)]
struct Net<'a> {
    name: &'a str,
    groups: Vec<Row<'a>>,
    total: Amounts,
    unmatched: Amounts,
    removed_groups: Amounts,
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

fn rows<'a>(report: &'a Report, get: impl Fn(usize) -> Traffic, whole: Traffic) -> Vec<Row<'a>> {
    report
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let t = get(i);
            let s = Shares::of(t, whole);
            Row {
                group: &g.name,
                amounts: t.into(),
                up_pct: s.up,
                down_pct: s.down,
                total_pct: s.total,
            }
        })
        .collect()
}

/// Writes the report as pretty-printed JSON (schema version [`JSON_SCHEMA_VERSION`]).
pub fn render_json(report: &Report, out: &mut dyn Write) -> crate::Result<()> {
    let grand = report.grand_total();
    let doc = Doc {
        schema: "usagestats-report",
        version: JSON_SCHEMA_VERSION,
        title: report.title.as_deref(),
        period: Period {
            start: report.period.start,
            end: report.period.end,
            days: report.period.len_days(),
        },
        generated_at: report.generated_at.to_string(),
        groups: &report.groups,
        organizations: report
            .organizations
            .iter()
            .map(|o| Org {
                name: &o.name,
                networks: o
                    .networks
                    .iter()
                    .map(|n| Net {
                        name: &n.name,
                        groups: rows(report, |i| n.group(i), n.total()),
                        total: n.total().into(),
                        unmatched: n.unmatched.into(),
                        removed_groups: n.removed_groups.into(),
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
                total: o.total().into(),
                share_of_all: Shares::of(o.total(), grand),
                unmatched: o.unmatched().into(),
                removed_groups: o.removed_groups().into(),
            })
            .collect(),
        group_totals: rows(report, |i| report.group_total(i), grand),
        total: grand.into(),
        unmatched: report.unmatched_total().into(),
        removed_groups: report.removed_groups_total().into(),
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
    };
    let mut w = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}
