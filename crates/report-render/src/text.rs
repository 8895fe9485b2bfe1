//! Plain text in the layout of the original `usagestats.py`, so scripts that parsed it keep
//! working.
//!
//! The first part reproduces the original byte for byte except for line endings (`\n` instead
//! of `\r\n`) and the original's leading blank line: header, group definitions, then per
//! organization (`###` separator) and network a seven-column table whose row format is
//! `%-20s %15d %10.2f %15d %10.2f %15d %10.2f`. Columns widen (never truncate) when a name or a
//! number does not fit, for the whole report at once so every table lines up; names are padded
//! by display width. What the original lacked (totals, unmatched traffic, missing-day
//! warnings) comes after all of it, after a final `###`, so a parser that reads group rows up to
//! a blank line is not disturbed.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;
use usage_model::{Kb, Traffic};

use crate::model::{Report, Shares};

/// Minimum widths: the original's `%-20s` and `%15d`; `%10.2f` never overflows.
const NAME_MIN: usize = 20;
const KB_MIN: usize = 15;
const PCT_W: usize = 10;

const ALL_ORGS: &str = "All organizations";

struct Table {
    name_w: usize,
    kb_w: usize,
}

impl Table {
    fn for_report(r: &Report) -> Table {
        let mut name_w = NAME_MIN.max(ALL_ORGS.width());
        for g in &r.groups {
            name_w = name_w.max(g.name.width());
        }
        for o in &r.organizations {
            name_w = name_w.max(o.name.width());
        }
        let mut kb_w = KB_MIN;
        let mut widen = |t: Traffic| {
            for k in [t.up, t.down, t.total()] {
                kb_w = kb_w.max(k.round_kb().to_string().len());
            }
        };
        for o in &r.organizations {
            for n in &o.networks {
                for i in 0..r.groups.len() {
                    widen(n.group(i));
                }
            }
            widen(o.total());
        }
        widen(r.grand_total());
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

    fn row(&self, out: &mut dyn Write, name: &str, t: Traffic, whole: Traffic) -> io::Result<()> {
        let kw = self.kb_w;
        let s = Shares::of(t, whole);
        writeln!(
            out,
            "{} {:>kw$} {:>PCT_W$} {:>kw$} {:>PCT_W$} {:>kw$} {:>PCT_W$}",
            self.name(name),
            t.up.round_kb(),
            s.up,
            t.down.round_kb(),
            s.down,
            t.total().round_kb(),
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
    let table = Table::for_report(report);
    let p = report.period;
    if let Some(title) = &report.title {
        writeln!(out, "{title}")?;
    }
    writeln!(out, "Usage report: {} to {}", p.start, p.end)?;
    for g in &report.groups {
        writeln!(out, "Group \"{}\": {}", g.name, g.definition)?;
    }
    for org in &report.organizations {
        write!(out, "\n###\n\nOrganization: \"{}\"\n", org.name)?;
        for net in &org.networks {
            write!(out, "\nNetwork: \"{}\"\n", net.name)?;
            table.header(out, "Group name")?;
            let whole = net.total();
            for (i, g) in report.groups.iter().enumerate() {
                table.row(out, &g.name, net.group(i), whole)?;
            }
        }
    }

    write!(out, "\n###\n\nTotals (percent of all organizations)\n")?;
    let grand = report.grand_total();
    table.header(out, "Organization")?;
    for org in &report.organizations {
        table.row(out, &org.name, org.total(), grand)?;
    }
    table.row(out, ALL_ORGS, grand, grand)?;
    writeln!(out)?;
    table.header(out, "Group name")?;
    for (i, g) in report.groups.iter().enumerate() {
        table.row(out, &g.name, report.group_total(i), grand)?;
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

/// Exact kB with thousands separators (`1,234,567.5`), for HTML.
pub(crate) fn grouped(kb: Kb) -> String {
    let s = kb.to_string();
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", s.as_str()),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut g = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{g}.{f}"),
        None => format!("{sign}{g}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping() {
        assert_eq!(grouped(Kb::from_millis(1_234_567_500)), "1,234,567.5");
        assert_eq!(grouped(Kb::from_kb(999)), "999");
        assert_eq!(grouped(Kb::from_kb(-1000)), "-1,000");
    }
}
