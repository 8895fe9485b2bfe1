//! Plain text in the layout of the original `usagestats.py`, so scripts that parsed it keep
//! working.
//!
//! The first part reproduces the original byte for byte except for line endings (`\n` instead
//! of `\r\n`) and the original's leading blank line: header, group definitions, then per
//! organization (`###` separator) and network a seven-column table whose row format is
//! `%-20s %15d %10.2f %15d %10.2f %15d %10.2f`. Columns widen (never truncate) when a name or a
//! number does not fit, for the whole report at once so every table lines up; names are padded
//! by display width. Figures are whole kB from [`crate::figures`]: a row's total is its up
//! plus its down, and the group rows of a network add up to the network's rounded total (the
//! original rounded each figure separately). What the original lacked (totals, unmatched traffic, missing-day
//! warnings) comes after all of it, after a final `###`, so a parser that reads group rows up to
//! a blank line is not disturbed.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;
use usage_model::Traffic;

use crate::figures::{Shown, apportion};
use crate::model::{OrgReport, Report, Shares};

/// Minimum widths: the original's `%-20s` and `%15d`; `%10.2f` never overflows.
const NAME_MIN: usize = 20;
const KB_MIN: usize = 15;
const PCT_W: usize = 10;

const ALL_ORGS: &str = "All organizations";

struct Table {
    name_w: usize,
    kb_w: usize,
}

/// The whole-kB figures of every row of the report, rounded once (see [`crate::figures`]) so
/// widths and rows agree: per network its group rows (parts of the network's total), the
/// organization rows and the per-group rows (parts of the grand total), and the grand total.
struct Rounded {
    /// `[org][network][group]`.
    networks: Vec<Vec<Vec<Shown>>>,
    orgs: Vec<Shown>,
    groups: Vec<Shown>,
    grand: Shown,
}

impl Rounded {
    fn of(r: &Report) -> Rounded {
        let n = r.groups.len();
        let networks = r
            .organizations
            .iter()
            .map(|o| {
                o.networks
                    .iter()
                    .map(|net| apportion(&(0..n).map(|i| net.group(i)).collect::<Vec<_>>()).0)
                    .collect()
            })
            .collect();
        let (orgs, grand) = apportion(
            &r.organizations
                .iter()
                .map(OrgReport::total)
                .collect::<Vec<_>>(),
        );
        let (groups, _) = apportion(&(0..n).map(|i| r.group_total(i)).collect::<Vec<_>>());
        Rounded {
            networks,
            orgs,
            groups,
            grand,
        }
    }
}

impl Table {
    fn for_report(r: &Report, rounded: &Rounded) -> Table {
        let mut name_w = NAME_MIN.max(ALL_ORGS.width());
        for g in &r.groups {
            name_w = name_w.max(g.name.width());
        }
        for o in &r.organizations {
            name_w = name_w.max(o.name.width());
        }
        let mut kb_w = KB_MIN;
        let all = rounded
            .networks
            .iter()
            .flatten()
            .flatten()
            .chain(&rounded.orgs)
            .chain(&rounded.groups)
            .chain([&rounded.grand]);
        for s in all {
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

    /// A row: the shown whole kB `kb`, and the shares of the exact `t` in the exact `whole`.
    fn row(
        &self,
        out: &mut dyn Write,
        name: &str,
        kb: Shown,
        t: Traffic,
        whole: Traffic,
    ) -> io::Result<()> {
        let kw = self.kb_w;
        let s = Shares::of(t, whole);
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

/// Exact amounts (not rounded like the table), so a small but non-zero figure never reads 0.
fn amounts(t: Traffic) -> String {
    format!("up {} kB, down {} kB, total {} kB", t.up, t.down, t.total())
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
    for g in &report.groups {
        writeln!(out, "Group \"{}\": {}", g.name, g.definition)?;
    }
    for (org, org_rounded) in report.organizations.iter().zip(&rounded.networks) {
        write!(out, "\n###\n\nOrganization: \"{}\"\n", org.name)?;
        for (net, shown) in org.networks.iter().zip(org_rounded) {
            write!(out, "\nNetwork: \"{}\"\n", net.name)?;
            table.header(out, "Group name")?;
            let whole = net.total();
            for (i, g) in report.groups.iter().enumerate() {
                table.row(out, &g.name, shown[i], net.group(i), whole)?;
            }
        }
    }

    write!(out, "\n###\n\nTotals (percent of all organizations)\n")?;
    let grand = report.grand_total();
    table.header(out, "Organization")?;
    for (org, shown) in report.organizations.iter().zip(&rounded.orgs) {
        table.row(out, &org.name, *shown, org.total(), grand)?;
    }
    table.row(out, ALL_ORGS, rounded.grand, grand, grand)?;
    writeln!(out)?;
    table.header(out, "Group name")?;
    for (i, g) in report.groups.iter().enumerate() {
        table.row(
            out,
            &g.name,
            rounded.groups[i],
            report.group_total(i),
            grand,
        )?;
    }

    let unmatched_all = report.unmatched_total();
    writeln!(out)?;
    if unmatched_all == Traffic::default() {
        writeln!(
            out,
            "Unmatched traffic: none (every client matched a group)"
        )?;
    } else {
        let seen = grand + unmatched_all;
        writeln!(
            out,
            "Unmatched traffic (clients in no group; not in the percentages above): {} ({}% of all traffic seen)",
            amounts(unmatched_all),
            Shares::of(unmatched_all, seen).total
        )?;
        for org in &report.organizations {
            for net in &org.networks {
                if net.unmatched != Traffic::default() {
                    writeln!(
                        out,
                        "  \"{}\" / \"{}\": {}",
                        org.name,
                        net.name,
                        amounts(net.unmatched)
                    )?;
                }
            }
        }
    }

    let mut missing = report.missing_data().peekable();
    if missing.peek().is_some() {
        writeln!(
            out,
            "\nWARNING: no data stored for some days of the period; figures are incomplete (run sync at least every 29 days):"
        )?;
        for (org, net, days) in missing {
            let list: Vec<String> = days.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "  \"{org}\" / \"{net}\": {} day(s): {}",
                days.len(),
                list.join(", ")
            )?;
        }
    }
    writeln!(out, "\nGenerated at {}", report.generated_at)?;
    Ok(())
}
