//! CSV for spreadsheets: one row per organization, network and group, plus one `unmatched`
//! row per network that saw unmatched traffic and one `removed` row per network with traffic
//! of groups no longer defined.

use std::io::Write;

use usage_model::Traffic;

use crate::figures::exact_shares;
use crate::model::Report;

const HEADER: &str = "period_start,period_end,organization,network,kind,group,up_kb,up_pct,down_kb,down_pct,total_kb,total_pct,up_bound_kb,down_bound_kb,total_bound_kb";

/// A CSV field quoted per RFC 4180 when it needs it (a comma, a quote, a line break, or a
/// leading or trailing space), as every CSV of usagestats quotes names.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The three bound columns of a row.
fn bound_fields(b: Traffic) -> String {
    format!("{},{},{}", b.up, b.down, b.total())
}

/// Writes the report as CSV (RFC 4180, CRLF line ends, header row first). kB values are exact
/// decimals, so each row's `total_kb` is its `up_kb` plus its `down_kb`; percentages have two
/// decimals, are the group rows' shares of their network's exact traffic, rounded so that they
/// add up to 100.00 per network and column (largest remainder), and are empty on `unmatched`
/// and `removed` rows.
///
/// Row kinds (`kind` column): `group` (one per group; `group` names it), `unmatched` (clients
/// in no group) and `removed` (rows stored for groups no longer defined, left by a
/// reconfiguration without `--reclassify`); the last two have an empty `group` and appear
/// only when not zero. The last three columns are the row's error bound (exact kB; `0` in the
/// usual case), see [`crate::NetworkReport`].
pub fn render_csv(report: &Report, out: &mut dyn Write) -> crate::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    write!(w, "{HEADER}\r\n")?;
    let (start, end) = (report.period.start, report.period.end);
    for org in &report.organizations {
        for net in &org.networks {
            let prefix = format!(
                "{start},{end},{},{}",
                csv_field(&org.name),
                csv_field(&net.name)
            );
            let groups: Vec<Traffic> = (0..report.groups.len()).map(|i| net.group(i)).collect();
            for (i, (g, s)) in report.groups.iter().zip(exact_shares(&groups)).enumerate() {
                let t = groups[i];
                write!(
                    w,
                    "{prefix},group,{},{},{},{},{},{},{},{}\r\n",
                    csv_field(&g.name),
                    t.up,
                    s.up,
                    t.down,
                    s.down,
                    t.total(),
                    s.total,
                    bound_fields(net.bound(i)),
                )?;
            }
            for (kind, t, b) in [
                ("unmatched", net.unmatched, net.unmatched_bound),
                ("removed", net.removed_groups, net.removed_groups_bound),
            ] {
                if t != Traffic::default() {
                    write!(
                        w,
                        "{prefix},{kind},,{},,{},,{},,{}\r\n",
                        t.up,
                        t.down,
                        t.total(),
                        bound_fields(b),
                    )?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
