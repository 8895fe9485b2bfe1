//! The largest clients of each group: the model, the plain-text table of `usagestats top`, and
//! the section of the HTML report (the JSON report carries the same data, see
//! `docs/report-json.md`).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;
use usage_model::Traffic;

use crate::figures::{grouped_int, shown};
use crate::html::escape;
use crate::model::{DateRange, human_whole_kb};

/// One client among the largest of its group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopClient {
    /// 1 for the largest.
    pub rank: usize,
    /// Organization name.
    pub organization: String,
    /// Network name.
    pub network: String,
    /// Description (a pseudonym when [`TopClient::pseudonymous`]).
    pub description: Option<String>,
    /// User (likewise).
    pub user: Option<String>,
    /// MAC address (likewise).
    pub mac: Option<String>,
    /// IPv4 address of the client's latest day in the period (likewise).
    pub ip: Option<String>,
    /// IPv6 address of that day (likewise).
    pub ip6: Option<String>,
    /// VLAN id of that day.
    pub vlan: Option<u16>,
    /// Whether the identifying fields are pseudonyms (the database keeps clients
    /// pseudonymous).
    pub pseudonymous: bool,
    /// The client's traffic within the group over the period, exact.
    pub traffic: Traffic,
}

/// The largest clients of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopGroup {
    /// Group name.
    pub group: String,
    /// Its largest clients, largest first (at most [`TopClients::limit`]).
    pub clients: Vec<TopClient>,
}

/// The largest clients of each group over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopClients {
    /// How many clients per group were asked for.
    pub limit: usize,
    /// One entry per group, in group order.
    pub groups: Vec<TopGroup>,
}

impl TopClient {
    /// Client number `rank` of `network` in `organization`, with its `traffic`; no
    /// description, user, address or VLAN until set, not pseudonymous.
    pub fn new(
        rank: usize,
        organization: impl Into<String>,
        network: impl Into<String>,
        traffic: Traffic,
    ) -> TopClient {
        TopClient {
            rank,
            organization: organization.into(),
            network: network.into(),
            description: None,
            user: None,
            mac: None,
            ip: None,
            ip6: None,
            vlan: None,
            pseudonymous: false,
            traffic,
        }
    }
}

impl TopGroup {
    /// The largest `clients` of the group named `group`, largest first.
    pub fn new(group: impl Into<String>, clients: Vec<TopClient>) -> TopGroup {
        TopGroup {
            group: group.into(),
            clients,
        }
    }
}

impl TopClients {
    /// The `limit` largest clients of each of `groups`.
    pub fn new(limit: usize, groups: Vec<TopGroup>) -> TopClients {
        TopClients { limit, groups }
    }
}

/// The client's last known address: IPv4, else IPv6.
fn address(c: &TopClient) -> Option<&str> {
    c.ip.as_deref().or(c.ip6.as_deref())
}

/// Writes `top` as plain text: per group a table of rank, description, MAC, last IP, VLAN,
/// network, up, down and total kB (whole kB, the total being up plus down as shown).
pub fn render_top_text(period: DateRange, top: &TopClients, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Top clients: {} to {} (the {} largest of each group by total traffic)",
        period.start, period.end, top.limit
    )?;
    let header = [
        "#",
        "description",
        "MAC",
        "last IP",
        "VLAN",
        "network",
        "up kB",
        "down kB",
        "total kB",
    ];
    for g in &top.groups {
        writeln!(out, "\nGroup \"{}\"", g.group)?;
        if g.clients.is_empty() {
            writeln!(out, "  no client traffic stored for this period")?;
            continue;
        }
        let rows: Vec<[String; 9]> = g
            .clients
            .iter()
            .map(|c| {
                let kb = shown(c.traffic);
                let dash = || "-".to_string();
                [
                    c.rank.to_string(),
                    c.description.clone().unwrap_or_else(dash),
                    c.mac.clone().unwrap_or_else(dash),
                    address(c).map_or_else(dash, str::to_string),
                    c.vlan.map_or_else(dash, |v| v.to_string()),
                    format!("{} / {}", c.organization, c.network),
                    grouped_int(kb.up),
                    grouped_int(kb.down),
                    grouped_int(kb.total()),
                ]
            })
            .collect();
        let mut widths = header.map(UnicodeWidthStr::width);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.width());
            }
        }
        let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
            let mut text = String::new();
            for (i, (w, c)) in widths.iter().zip(cells).enumerate() {
                let pad = " ".repeat(w.saturating_sub(c.width()));
                // Numbers right-aligned, text left-aligned.
                if i == 0 || i >= 6 {
                    let _ = write!(text, "{pad}{c}  ");
                } else {
                    let _ = write!(text, "{c}{pad}  ");
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &header.map(str::to_string))?;
        for r in &rows {
            line(out, r)?;
        }
    }
    if top
        .groups
        .iter()
        .flat_map(|g| &g.clients)
        .any(|c| c.pseudonymous)
    {
        writeln!(
            out,
            "\nDescriptions, MAC and IP addresses are pseudonyms: this database keeps clients \
             pseudonymous (forget one with: usagestats forget-client PSEUDONYM)."
        )?;
    }
    Ok(())
}

/// The HTML section of a report's top clients, under a heading the caller writes.
pub(crate) fn html_section(
    h: &mut String,
    top: &TopClients,
    th: &str,
    th_l: &str,
    td: &str,
    td_l: &str,
) {
    let _ = write!(
        h,
        "<p style=\"margin:0;font-size:13px;color:#666;\">The {} largest clients of each group by total traffic over the period; address and VLAN of each client's latest day.</p>",
        top.limit
    );
    for g in &top.groups {
        let _ = write!(
            h,
            "<h3 style=\"margin:16px 0 6px 0;font-size:16px;font-weight:600;color:#333;\">{}</h3>",
            escape(&g.group)
        );
        if g.clients.is_empty() {
            h.push_str("<p style=\"margin:0;font-size:13px;color:#666;\">No client traffic stored for this period.</p>");
            continue;
        }
        let _ = write!(
            h,
            "<div style=\"overflow-x:auto;\"><table role=\"table\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;width:100%;font-size:13px;\"><tr>"
        );
        for (c, left) in [
            ("#", false),
            ("Client", true),
            ("MAC", true),
            ("Last IP", true),
            ("VLAN", false),
            ("Network", true),
            ("up kB", false),
            ("down kB", false),
            ("total kB", false),
            ("total", false),
        ] {
            let _ = write!(h, "<th style=\"{}\">{c}</th>", if left { th_l } else { th });
        }
        h.push_str("</tr>");
        for c in &g.clients {
            let kb = shown(c.traffic);
            let opt = |v: Option<&str>| v.map_or_else(|| "–".to_string(), escape);
            let _ = write!(
                h,
                "<tr><td style=\"{td}\">{}</td><td style=\"{td_l}\">{}</td><td style=\"{td_l}font-family:monospace;\">{}</td><td style=\"{td_l}font-family:monospace;\">{}</td><td style=\"{td}\">{}</td><td style=\"{td_l}\">{} / {}</td><td style=\"{td}\">{}</td><td style=\"{td}\">{}</td><td style=\"{td}\">{}</td><td style=\"{td}\">{}</td></tr>",
                c.rank,
                opt(c.description.as_deref()),
                opt(c.mac.as_deref()),
                opt(address(c)),
                c.vlan.map_or_else(|| "–".to_string(), |v| v.to_string()),
                escape(&c.organization),
                escape(&c.network),
                grouped_int(kb.up),
                grouped_int(kb.down),
                grouped_int(kb.total()),
                human_whole_kb(kb.total()),
            );
        }
        h.push_str("</table></div>");
    }
    if top
        .groups
        .iter()
        .flat_map(|g| &g.clients)
        .any(|c| c.pseudonymous)
    {
        h.push_str("<p style=\"margin:4px 0;font-size:12px;color:#555;\">Client names and addresses are pseudonyms: this database keeps clients pseudonymous.</p>");
    }
}

/// The JSON form of [`TopClients`] (`docs/report-json.md`).
#[derive(Serialize)]
pub(crate) struct TopJson<'a> {
    limit: usize,
    groups: Vec<TopGroupJson<'a>>,
}

#[derive(Serialize)]
struct TopGroupJson<'a> {
    group: &'a str,
    clients: Vec<TopClientJson<'a>>,
}

#[derive(Serialize)]
struct TopClientJson<'a> {
    rank: usize,
    organization: &'a str,
    network: &'a str,
    description: Option<&'a str>,
    user: Option<&'a str>,
    mac: Option<&'a str>,
    ip: Option<&'a str>,
    ip6: Option<&'a str>,
    vlan: Option<u16>,
    pseudonymous: bool,
    up_kb: String,
    down_kb: String,
    total_kb: String,
}

impl<'a> TopJson<'a> {
    pub(crate) fn new(top: &'a TopClients) -> TopJson<'a> {
        TopJson {
            limit: top.limit,
            groups: top
                .groups
                .iter()
                .map(|g| TopGroupJson {
                    group: &g.group,
                    clients: g
                        .clients
                        .iter()
                        .map(|c| TopClientJson {
                            rank: c.rank,
                            organization: &c.organization,
                            network: &c.network,
                            description: c.description.as_deref(),
                            user: c.user.as_deref(),
                            mac: c.mac.as_deref(),
                            ip: c.ip.as_deref(),
                            ip6: c.ip6.as_deref(),
                            vlan: c.vlan,
                            pseudonymous: c.pseudonymous,
                            up_kb: c.traffic.up.to_string(),
                            down_kb: c.traffic.down.to_string(),
                            total_kb: c.traffic.total().to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Writes `top` as a JSON document (`schema` `usagestats-top`, the `top_clients` object of the
/// report JSON with the period).
pub fn render_top_json(
    period: DateRange,
    top: &TopClients,
    out: &mut dyn Write,
) -> crate::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        schema: &'static str,
        version: u32,
        period: DateRange,
        #[serde(flatten)]
        top: TopJson<'a>,
    }
    let doc = Doc {
        schema: "usagestats-top",
        version: crate::JSON_SCHEMA_VERSION,
        period,
        top: TopJson::new(top),
    };
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, &doc)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}
