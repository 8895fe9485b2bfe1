//! `/groups/{name}`: one group over a period — its traffic per day, the networks ranked by
//! it, and its largest clients as `usagestats top` ranks them (pseudonyms in a pseudonymous
//! database; no section but the reason in a database that keeps no client rows).

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use report_render::{Percent, TopClients, csv_field};
use serde::Serialize;
use usage_model::{ClientDetail, Traffic};

use super::{download, file_part, period_of, respond};
use crate::Shared;
use crate::error::WebError;
use crate::page::{self, View, amount, bound, note, percent, traffic_cells};
use crate::query::{Format, PERIOD_KEYS, PeriodChoice, href, key, segment};

/// `GET /groups/{name}`.
pub(crate) async fn page(
    State(app): State<Shared>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = build(&app, &name, raw.as_deref()).await;
    respond(&app, result)
}

/// A network's line in the ranking.
struct Ranked<'a> {
    rank: usize,
    organization: &'a str,
    network: &'a str,
    id: &'a str,
    traffic: Traffic,
    bound: Traffic,
}

/// What the group's largest clients are, or why there are none to show.
enum Clients {
    Ranked(TopClients),
    NotKept,
}

async fn build(app: &Shared, name: &str, raw: Option<&str>) -> Result<Response, WebError> {
    let mut allowed = PERIOD_KEYS.to_vec();
    allowed.extend([key::FORMAT, key::TOP]);
    let (query, today, range) = period_of(app, raw, &allowed, PeriodChoice::Days(7)).await?;
    let names = app.store.group_names().await?;
    let Some(position) = names.iter().position(|n| n == name) else {
        return Err(WebError::NotFound(format!(
            "There is no group named {name:?}; the groups are {}.",
            names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let report = super::report(app, &query, today).await?;
    let mut ranked: Vec<Ranked<'_>> = report
        .organizations
        .iter()
        .flat_map(|o| {
            o.networks.iter().map(move |n| Ranked {
                rank: 0,
                organization: &o.name,
                network: &n.name,
                id: &n.id,
                traffic: n.group(position),
                bound: n.bound(position),
            })
        })
        .collect();
    // Largest first; ties in the report's order (organization, then network name).
    ranked.sort_by_key(|r| std::cmp::Reverse(r.traffic.total()));
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    let group_total = report.group_total(position);
    let clients = match app.store.privacy().await?.detail {
        ClientDetail::None => Clients::NotKept,
        _ => Clients::Ranked(
            usage_sync::top_clients(&app.store, range, Some(position), query.top).await?,
        ),
    };
    let file = format!(
        "usagestats-group-{}-{}-{}",
        file_part(name),
        range.start,
        range.end
    );
    match query.format {
        Format::Csv => return Ok(download(Format::Csv, &file, csv(&ranked, group_total))),
        Format::Json => {
            let top = match &clients {
                Clients::Ranked(top) => {
                    let mut out = Vec::new();
                    report_render::render_top_json(
                        report_render::DateRange::new(range.start, range.end),
                        top,
                        &mut out,
                    )?;
                    serde_json::from_slice::<serde_json::Value>(&out)
                        .map_err(|e| WebError::Unavailable(e.to_string()))?
                }
                Clients::NotKept => serde_json::Value::Null,
            };
            let doc = GroupDoc {
                schema: "usagestats-dashboard-group",
                version: 1,
                period: PeriodJson {
                    start: range.start.to_string(),
                    end: range.end.to_string(),
                },
                group: name,
                total: Amounts::of(group_total),
                networks: ranked
                    .iter()
                    .map(|r| NetworkJson {
                        rank: r.rank,
                        organization: r.organization,
                        network: r.network,
                        network_id: r.id,
                        amounts: Amounts::of(r.traffic),
                        share_pct: Percent::of(r.traffic.total(), group_total.total()),
                        bound: Amounts::of(r.bound),
                    })
                    .collect(),
                top_clients: top,
            };
            let out = serde_json::to_vec_pretty(&doc)
                .map_err(|e| WebError::Unavailable(e.to_string()))?;
            return Ok(download(Format::Json, &file, out));
        }
        Format::Html => {}
    }
    let base = app.options.base();
    let period = query.period_pairs();
    let any_bound = ranked.iter().any(|r| r.bound != Traffic::default());
    let mut state = period.clone();
    if query.top != 10 {
        state.push((key::TOP, query.top.to_string()));
    }
    let hidden: Vec<(&str, String)> = if query.top != 10 {
        vec![(key::TOP, query.top.to_string())]
    } else {
        Vec::new()
    };
    let body = html! {
        (page::period_picker(&query, range, &hidden, &PeriodChoice::presets(query.period.billing_day().unwrap_or(1)), None))
        (page::period_line(&query, range))
        p { "Traffic of the group over the period: " strong { (amount(group_total.total())) }
            " (" (amount(group_total.up)) " up, " (amount(group_total.down)) " down), "
            (percent(Percent::of(group_total.total(), report.grand_total().total()))) " of all groups." }
        section aria-labelledby="daily-h" {
            h2 id="daily-h" { "Per " (super::trend_step(range).word()) }
            (super::daily_chart("group-chart", &report, range, Some(position)))
        }
        section aria-labelledby="nets-h" {
            h2 id="nets-h" { "Networks ranked by the group's traffic" }
            table {
                caption { "Networks by traffic of the group" }
                thead { tr {
                    th.num scope="col" { "Rank" }
                    th scope="col" { "Organization" }
                    th scope="col" { "Network" }
                    th.num scope="col" { "Up" }
                    th.num scope="col" { "Down" }
                    th.num scope="col" { "Total" }
                    th.num scope="col" { "Share of the group" }
                    @if any_bound { th.num scope="col" { "Error bound" } }
                } }
                tbody {
                    @for r in &ranked {
                        tr {
                            td.num { (r.rank) }
                            td { bdi { (r.organization) } }
                            th scope="row" { a href=(href(base, &format!("/networks/{}", segment(r.id)), &period)) { bdi { (r.network) } } }
                            (traffic_cells(r.traffic))
                            td.num { (percent(Percent::of(r.traffic.total(), group_total.total()))) }
                            @if any_bound { td.num { (bound(r.bound)) } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="clients-h" {
            h2 id="clients-h" { "Largest clients" }
            (clients_section(&clients))
        }
        (page::downloads(base, &format!("/groups/{}", segment(name)), &state))
    };
    let title = format!("Group {name}");
    Ok(page::layout(base, View::Group, &title, Some(&query), body).into_response())
}

fn clients_section(clients: &Clients) -> Markup {
    match clients {
        Clients::NotKept => note(
            "This database keeps no client rows (client detail none), so it cannot rank \
             clients. reconfigure --client-detail full or pseudonymous keeps them for the days \
             synced afterwards.",
        ),
        Clients::Ranked(top) => {
            let list = top
                .groups
                .first()
                .map(|g| g.clients.as_slice())
                .unwrap_or(&[]);
            let pseudonymous = list.iter().any(|c| c.pseudonymous);
            html! {
                @if pseudonymous {
                    (note("This database keeps clients pseudonymous: descriptions, users, MAC \
                           and IP addresses are keyed hashes."))
                }
                @if list.is_empty() {
                    p { "No client of the group has traffic stored for the period." }
                } @else {
                    table {
                        caption { "The " (top.limit) " largest clients of the group" }
                        thead { tr {
                            th.num scope="col" { "Rank" }
                            th scope="col" { "Client" }
                            th scope="col" { "MAC" }
                            th scope="col" { "IP" }
                            th.num scope="col" { "VLAN" }
                            th scope="col" { "Network" }
                            th.num scope="col" { "Up" }
                            th.num scope="col" { "Down" }
                            th.num scope="col" { "Total" }
                        } }
                        tbody {
                            @for c in list {
                                tr {
                                    td.num { (c.rank) }
                                    th scope="row" {
                                        bdi { (c.description.as_deref().or(c.user.as_deref()).unwrap_or("—")) }
                                        @if let (Some(_), Some(u)) = (&c.description, &c.user) { " (" bdi { (u) } ")" }
                                    }
                                    td { code { (c.mac.as_deref().unwrap_or("—")) } }
                                    td { code { (c.ip.as_deref().or(c.ip6.as_deref()).unwrap_or("—")) } }
                                    td.num { @if let Some(v) = c.vlan { (v) } }
                                    td { bdi { (c.organization) } " / " bdi { (c.network) } }
                                    (traffic_cells(c.traffic))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The networks table as CSV (RFC 4180, CRLF, exact kB like the report's CSV).
fn csv(ranked: &[Ranked<'_>], group_total: Traffic) -> Vec<u8> {
    let mut out = String::from(
        "rank,organization,network,network_id,up_kb,down_kb,total_kb,share_pct,up_bound_kb,down_bound_kb,total_bound_kb\r\n",
    );
    for r in ranked {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\r\n",
            r.rank,
            csv_field(r.organization),
            csv_field(r.network),
            csv_field(r.id),
            r.traffic.up,
            r.traffic.down,
            r.traffic.total(),
            Percent::of(r.traffic.total(), group_total.total()),
            r.bound.up,
            r.bound.down,
            r.bound.total(),
        ));
    }
    out.into_bytes()
}

#[derive(Serialize)]
struct GroupDoc<'a> {
    schema: &'static str,
    version: u32,
    period: PeriodJson,
    group: &'a str,
    total: Amounts,
    networks: Vec<NetworkJson<'a>>,
    /// `usagestats top --format json` of the group; `null` when the database keeps no clients.
    top_clients: serde_json::Value,
}

#[derive(Serialize)]
struct PeriodJson {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct NetworkJson<'a> {
    rank: usize,
    organization: &'a str,
    network: &'a str,
    network_id: &'a str,
    #[serde(flatten)]
    amounts: Amounts,
    share_pct: Percent,
    bound: Amounts,
}

/// Exact kB as decimal strings, as in the report's JSON.
#[derive(Serialize)]
struct Amounts {
    up_kb: String,
    down_kb: String,
    total_kb: String,
}

impl Amounts {
    fn of(t: Traffic) -> Amounts {
        Amounts {
            up_kb: t.up.to_string(),
            down_kb: t.down.to_string(),
            total_kb: t.total().to_string(),
        }
    }
}
