//! Plain text: the original `usagestats.py` tables, then a readable appendix.
//!
//! **Two parts, two purposes.** The first part keeps the original's layout so scripts that
//! parsed it keep working: it reproduces the original byte for byte except for line endings
//! (`\n` instead of `\r\n`) and the original's leading blank line — header, group definitions,
//! then per organization (`###` separator) and network a seven-column table whose row format is
//! `%-20s %15d %10.2f %15d %10.2f %15d %10.2f`. Columns widen (never truncate) when a name or a
//! number does not fit, for all of the first part at once so every table lines up; names are
//! padded by display width. Its numbers are plain integers, as a parser expects.
//!
//! Everything after the final `###` is ours and made for people, so a parser that reads group
//! rows up to a blank line is not disturbed: the totals per organization and per group, the
//! unmatched traffic per network, the traffic of groups no longer defined (rows a reconfigure
//! without `--reclassify` left behind), the missing-day warnings (runs of consecutive days, at most a
//! few per network, rather than every date). Its tables share one layout: whole
//! kB with thousands separators (`1,234,567`), percentages with two decimals, and a last column
//! with the total in a human unit (kB, MB, GB, TB; powers of 1000, as in the HTML). One
//! precision throughout: whole kB everywhere (JSON and CSV carry the exact thousandths).
//!
//! Figures in both parts come from [`crate::figures`]: each network's figure of a group is
//! rounded once and every total is the sum of the shown figures it covers (a row's total is
//! its up plus its down; the organizations and the groups add up to "All organizations", the
//! networks' unmatched traffic and that of groups no longer defined to their total rows);
//! each table's percentages add up to 100.00.
//!
//! With top clients asked for ([`Report::top_clients`]), their tables (as `usagestats top`
//! prints them) follow the appendix's tables and notes.
//!
//! When some figure has a non-zero error bound (see [`crate::NetworkReport`]), a footnote
//! after the appendix's tables says by how much the figures may be off, in all and for the
//! networks with the largest bounds; the tables themselves never show bounds. When the
//! period's days were read from more than one source ([`Report::mixes_sources`]), a note
//! follows saying how many from each.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;
use usage_model::Traffic;

use crate::figures::{NetworkShown, Rounded, Shown, bound_note, grouped_int, shares, whole_shares};
use crate::model::{
    NetworkReport, Percent, REMOVED_GROUPS, Report, Shares, days_word, describe_missing,
    human_whole_kb, networks_word,
};

/// Minimum widths: the original's `%-20s` and `%15d`; `%10.2f` never overflows.
const NAME_MIN: usize = 20;
const KB_MIN: usize = 15;
const PCT_W: usize = 10;

const ALL_ORGS: &str = "All organizations";
const ALL_NETWORKS: &str = "All networks";

struct Table {
    name_w: usize,
    kb_w: usize,
}

impl Table {
    /// The layout of the first part's tables: wide enough for every group name and every
    /// network's figures (the appendix has its own layout).
    fn for_report(r: &Report, rounded: &Rounded) -> Table {
        let mut name_w = NAME_MIN;
        for g in &r.groups {
            name_w = name_w.max(g.name.width());
        }
        let mut kb_w = KB_MIN;
        for s in rounded.networks.iter().flatten().flat_map(|n| &n.groups) {
            for k in [s.up, s.down, s.total()] {
                kb_w = kb_w.max(k.to_string().len());
            }
        }
        Table { name_w, kb_w }
    }

    /// `name` left-aligned in the name column by display width (a CJK character takes two
    /// terminal columns; `{:<w$}` would count it as one).
    fn name<'a>(&self, name: &'a str) -> std::borrow::Cow<'a, str> {
        let w = name.width();
        if w >= self.name_w {
            name.into()
        } else {
            format!("{name}{}", " ".repeat(self.name_w - w)).into()
        }
    }

    fn header(&self, out: &mut dyn Write, first: &str) -> io::Result<()> {
        let kw = self.kb_w;
        writeln!(
            out,
            "{} {:>kw$} {:>PCT_W$} {:>kw$} {:>PCT_W$} {:>kw$} {:>PCT_W$}",
            self.name(first),
            "up kB",
            "up %",
            "down kB",
            "down %",
            "total kB",
            "total %"
        )
    }

    /// A row: the shown whole kB `kb` and its shares `s` of the table's whole.
    fn row(&self, out: &mut dyn Write, name: &str, kb: Shown, s: Shares) -> io::Result<()> {
        let kw = self.kb_w;
        writeln!(
            out,
            "{} {:>kw$} {:>PCT_W$} {:>kw$} {:>PCT_W$} {:>kw$} {:>PCT_W$}",
            self.name(name),
            kb.up,
            s.up,
            kb.down,
            s.down,
            kb.total(),
            s.total
        )
    }
}

/// The appendix's columns: name, then up kB, up %, down kB, down %, total kB, total % and
/// the total in a human unit.
const APPENDIX_COLUMNS: [&str; 7] = [
    "up kB", "up %", "down kB", "down %", "total kB", "total %", "total",
];
/// Minimum widths of the appendix's kB, percent and human-unit columns.
const APPENDIX_KB_MIN: usize = 12;
const APPENDIX_PCT_MIN: usize = 8;
const APPENDIX_HUMAN_MIN: usize = 10;

/// A row of an appendix table: shown whole kB, and shares (`None`: not part of the
/// percentages, printed as `–`).
struct AppendixRow {
    name: String,
    kb: Shown,
    shares: Option<Shares>,
}

impl AppendixRow {
    fn cells(&self) -> [String; 7] {
        let pct = |p: Option<crate::Percent>| p.map_or_else(|| "–".to_string(), |p| p.to_string());
        let s = self.shares;
        [
            grouped_int(self.kb.up),
            pct(s.map(|s| s.up)),
            grouped_int(self.kb.down),
            pct(s.map(|s| s.down)),
            grouped_int(self.kb.total()),
            pct(s.map(|s| s.total)),
            human_whole_kb(self.kb.total()),
        ]
    }
}

/// A table of the appendix: the text printed above it, its first column's header, its rows.
struct AppendixTable {
    intro: Vec<String>,
    first: &'static str,
    rows: Vec<AppendixRow>,
}

/// Prints the appendix tables with one layout, wide enough for every cell of every table.
fn write_appendix(out: &mut dyn Write, tables: &[AppendixTable]) -> io::Result<()> {
    let mut name_w = NAME_MIN;
    let mut widths = [0usize; 7];
    for (i, h) in APPENDIX_COLUMNS.iter().enumerate() {
        let min = match i {
            6 => APPENDIX_HUMAN_MIN,
            _ if i % 2 == 1 => APPENDIX_PCT_MIN,
            _ => APPENDIX_KB_MIN,
        };
        widths[i] = min.max(h.width());
    }
    for t in tables {
        name_w = name_w.max(t.first.width());
        for r in &t.rows {
            name_w = name_w.max(r.name.width());
            for (w, c) in widths.iter_mut().zip(r.cells()) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |out: &mut dyn Write, name: &str, cells: &[String]| -> io::Result<()> {
        out.write_all(name.as_bytes())?;
        out.write_all(" ".repeat(name_w.saturating_sub(name.width())).as_bytes())?;
        for (w, c) in widths.iter().zip(cells) {
            write!(out, " {}{c}", " ".repeat(w.saturating_sub(c.width())))?;
        }
        writeln!(out)
    };
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        for l in &t.intro {
            writeln!(out, "{l}")?;
        }
        if t.rows.is_empty() {
            continue;
        }
        let header: Vec<String> = APPENDIX_COLUMNS.iter().map(|h| h.to_string()).collect();
        line(out, t.first, &header)?;
        for r in &t.rows {
            line(out, &r.name, &r.cells())?;
        }
    }
    Ok(())
}

/// The appendix's tables: totals per organization and per group, then unmatched traffic.
fn appendix_tables(report: &Report, rounded: &Rounded) -> Vec<AppendixTable> {
    let mut tables = Vec::new();
    let mut orgs: Vec<AppendixRow> = report
        .organizations
        .iter()
        .zip(&rounded.orgs)
        .zip(shares(&rounded.orgs))
        .map(|((o, kb), s)| AppendixRow {
            name: o.name.clone(),
            kb: *kb,
            shares: Some(s),
        })
        .collect();
    orgs.push(AppendixRow {
        name: ALL_ORGS.to_string(),
        kb: rounded.grand,
        shares: Some(whole_shares(rounded.grand)),
    });
    tables.push(AppendixTable {
        intro: vec!["Totals (percent of all organizations)".to_string()],
        first: "Organization",
        rows: orgs,
    });
    tables.push(AppendixTable {
        intro: vec![],
        first: "Group name",
        rows: report
            .groups
            .iter()
            .zip(&rounded.groups)
            .zip(shares(&rounded.groups))
            .map(|((g, kb), s)| AppendixRow {
                name: g.name.clone(),
                kb: *kb,
                shares: Some(s),
            })
            .collect(),
    });

    let seen = rounded.seen().total();
    if report.unmatched_total() == Traffic::default() {
        tables.push(AppendixTable {
            intro: vec!["Unmatched traffic: none (every client matched a group)".to_string()],
            first: "",
            rows: vec![],
        });
    } else {
        tables.push(per_network_table(
            report,
            rounded,
            |n| n.unmatched != Traffic::default(),
            |s| s.unmatched,
            rounded.unmatched,
            format!(
                "Unmatched traffic (clients in no group; not in the percentages above): {}% of all traffic seen",
                Percent::ratio(rounded.unmatched.total(), seen)
            ),
        ));
    }
    if report.removed_groups_total() != Traffic::default() {
        tables.push(per_network_table(
            report,
            rounded,
            |n| n.removed_groups != Traffic::default(),
            |s| s.removed,
            rounded.removed,
            format!(
                "{REMOVED_GROUPS} (run `usagestats reconfigure --reclassify` to reclassify it; not in the percentages above): {}% of all traffic seen",
                Percent::ratio(rounded.removed.total(), seen)
            ),
        ));
    }
    tables
}

/// A table of one kind of traffic outside the groups, one row per network that has some
/// (`has` says which) showing `get` of its shown figures, and an "All
/// networks" row, `all`, they add up to.
fn per_network_table(
    report: &Report,
    rounded: &Rounded,
    has: impl Fn(&NetworkReport) -> bool,
    get: impl Fn(&NetworkShown) -> Shown,
    all: Shown,
    intro: String,
) -> AppendixTable {
    let mut rows: Vec<AppendixRow> = report
        .organizations
        .iter()
        .zip(&rounded.networks)
        .flat_map(|(o, shown)| {
            o.networks
                .iter()
                .zip(shown)
                .filter(|(n, _)| has(n))
                .map(|(n, s)| AppendixRow {
                    name: format!("\"{}\" / \"{}\"", o.name, n.name),
                    kb: get(s),
                    shares: None,
                })
        })
        .collect();
    rows.push(AppendixRow {
        name: ALL_NETWORKS.to_string(),
        kb: all,
        shares: None,
    });
    AppendixTable {
        intro: vec![intro],
        first: "Network",
        rows,
    }
}

/// Writes the report as plain text.
pub fn render_text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rounded = Rounded::of(report);
    let table = Table::for_report(report, &rounded);
    let p = report.period;
    if let Some(title) = &report.title {
        writeln!(out, "{title}")?;
    }
    writeln!(out, "Usage report: {} to {}", p.start, p.end)?;
    if let Some(note) = report.incomplete_note() {
        writeln!(out, "{note}")?;
    }
    for g in &report.groups {
        writeln!(out, "Group \"{}\": {}", g.name, g.definition)?;
    }
    for (org, org_rounded) in report.organizations.iter().zip(&rounded.networks) {
        write!(out, "\n###\n\nOrganization: \"{}\"\n", org.name)?;
        for (net, shown) in org.networks.iter().zip(org_rounded) {
            write!(out, "\nNetwork: \"{}\"\n", net.name)?;
            table.header(out, "Group name")?;
            for ((g, kb), s) in report
                .groups
                .iter()
                .zip(&shown.groups)
                .zip(shares(&shown.groups))
            {
                table.row(out, &g.name, *kb, s)?;
            }
        }
    }

    write!(out, "\n###\n\n")?;
    write_appendix(out, &appendix_tables(report, &rounded))?;
    if let Some((head, lines)) = bound_note(report) {
        writeln!(out, "\n{head}")?;
        for l in lines {
            writeln!(out, "  {l}")?;
        }
    }
    if let Some(note) = report.sources_note() {
        writeln!(out, "\n{note}")?;
    }
    if let Some(top) = &report.top_clients {
        writeln!(out)?;
        crate::top::render_top_text(p, top, out)?;
    }

    let missing: Vec<_> = report.missing_data().collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "\nWARNING: no data stored for some days of the period ({} in all, over {}); figures are incomplete (run sync at least every 29 days):",
            days_word(report.missing_day_count()),
            networks_word(missing.len()),
        )?;
        for (org, net, days) in missing {
            writeln!(out, "  \"{org}\" / \"{net}\": {}", describe_missing(days))?;
        }
    }
    writeln!(out, "\nGenerated at {}", report.generated_at)?;
    Ok(())
}
