//! `/`: one period over everything — group totals and shares, each group per day,
//! organizations and networks, unmatched traffic, missing days, error bounds and the notes the
//! reports print. Its CSV and JSON are `usagestats report --format csv|json` of the period.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use maud::{Markup, html};
use report_render::{Percent, Report};
use usage_model::Traffic;

use super::{period_of, report_download, respond};
use crate::Shared;
use crate::error::WebError;
use crate::page::{self, View, amount, note, percent};
use crate::query::{PERIOD_KEYS, PeriodChoice, href, key, segment};

/// Networks per page of the networks table.
pub(crate) const NETWORKS_PER_PAGE: usize = 100;

/// Networks whose missing days are listed before "and N more".
const MISSING_LISTED: usize = 50;

/// `GET /`.
pub(crate) async fn page(State(app): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let result = build(&app, raw.as_deref()).await;
    respond(&app, result)
}

async fn build(app: &Shared, raw: Option<&str>) -> Result<Response, WebError> {
    let mut allowed = PERIOD_KEYS.to_vec();
    allowed.extend([key::FORMAT, key::PAGE]);
    let (query, today, range) = period_of(app, raw, &allowed, PeriodChoice::Days(7)).await?;
    let report = super::report(app, &query, today).await?;
    let name = format!("usagestats-{}-{}", range.start, range.end);
    if let Some(file) = report_download(query.format, &name, std::slice::from_ref(&report))? {
        return Ok(file);
    }
    let base = app.options.base();
    let networks: Vec<(&report_render::OrgReport, &report_render::NetworkReport)> = report
        .organizations
        .iter()
        .flat_map(|o| o.networks.iter().map(move |n| (o, n)))
        .collect();
    let pages = networks.len().div_ceil(NETWORKS_PER_PAGE).max(1);
    if query.page > pages {
        return Err(WebError::bad(
            key::PAGE,
            format!(
                "page {} of {pages}: there are {} networks",
                query.page,
                networks.len()
            ),
        ));
    }
    let shown = networks
        .iter()
        .skip((query.page - 1) * NETWORKS_PER_PAGE)
        .take(NETWORKS_PER_PAGE);
    let period = query.period_pairs();
    let link_to = |path: &str| href(base, path, &period);
    let page_link = |n: usize| {
        let mut p = period.clone();
        if n > 1 {
            p.push((key::PAGE, n.to_string()));
        }
        href(base, "/", &p)
    };
    let grand = report.grand_total();
    let body = html! {
        (page::period_picker(&query, range, &[], &PeriodChoice::presets(query.period.billing_day().unwrap_or(1)), None))
        (page::period_line(&query, range))
        (notes(&report))
        section aria-labelledby="groups-h" {
            h2 id="groups-h" { "Groups" }
            (super::group_table(base, &report.groups, &super::Figures::of_report(&report), &period))
        }
        section aria-labelledby="daily-h" {
            h2 id="daily-h" { "Each group per " (super::trend_step(range).word()) }
            (super::daily_chart("daily-chart", &report, range, None))
        }
        section aria-labelledby="orgs-h" {
            h2 id="orgs-h" { "Organizations" }
            table {
                caption { "Traffic of the groups per organization" }
                thead { tr {
                    th scope="col" { "Organization" }
                    th.num scope="col" { "Networks" }
                    th.num scope="col" { "Total" }
                    th.num scope="col" { "Share" }
                    th.num scope="col" { "Unmatched" }
                } }
                tbody {
                    @for org in &report.organizations {
                        tr {
                            th scope="row" { bdi { (org.name) } }
                            td.num { (org.networks.len()) }
                            td.num { (amount(org.total().total())) }
                            td.num { (percent(Percent::of(org.total().total(), grand.total()))) }
                            td.num { (amount(org.unmatched().total())) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="nets-h" {
            h2 id="nets-h" { "Networks" }
            table {
                caption {
                    "Traffic of the groups per network"
                    @if pages > 1 { " (page " (query.page) " of " (pages) ")" }
                }
                thead { tr {
                    th scope="col" { "Organization" }
                    th scope="col" { "Network" }
                    th.num scope="col" { "Total" }
                    th.num scope="col" { "Share" }
                    th.num scope="col" { "Unmatched" }
                    th.num scope="col" { "Missing days" }
                } }
                tbody {
                    @for (org, net) in shown {
                        tr {
                            td { bdi { (org.name) } }
                            th scope="row" {
                                a href=(link_to(&format!("/networks/{}", segment(&net.id)))) { bdi { (net.name) } }
                            }
                            td.num { (amount(net.total().total())) }
                            td.num { (percent(Percent::of(net.total().total(), grand.total()))) }
                            td.num { (amount(net.unmatched.total())) }
                            td.num { (net.missing_days.len()) }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pages aria-label="Pages of networks" {
                    @if query.page > 1 { a href=(page_link(query.page - 1)) rel="prev" { "Previous" } " " }
                    "Page " (query.page) " of " (pages)
                    @if query.page < pages { " " a href=(page_link(query.page + 1)) rel="next" { "Next" } }
                }
            }
        }
        section aria-labelledby="missing-h" {
            h2 id="missing-h" { "Missing days" }
            (missing(&report))
        }
        (page::downloads(base, "/", &period))
    };
    Ok(page::layout(base, View::Overview, "Overview", Some(&query), body).into_response())
}

/// The notes of the text and HTML reports: an incomplete cycle, mixed sources, traffic of
/// removed groups, error bounds.
pub(crate) fn notes(report: &Report) -> Markup {
    let removed = report.removed_groups_total();
    html! {
        @if let Some(n) = report.incomplete_note() { (note(&n)) }
        @if let Some(n) = report.sources_note() { (note(&n)) }
        @if removed != Traffic::default() {
            (note(&format!(
                "Traffic of groups no longer defined: {} (stored before a reconfigure removed \
                 groups; reconfigure --reclassify recomputes it). It is not in the shares.",
                amount(removed.total())
            )))
        }
        @if report.has_bounds() {
            (note("Some figures carry an error bound (±): traffic that flowed while the sync \
                   read a day's snapshots may be counted on the neighbouring day."))
        }
    }
}

/// Networks with missing days, each as runs of days.
fn missing(report: &Report) -> Markup {
    let rows: Vec<(&str, &str, &[jiff::civil::Date])> = report.missing_data().collect();
    let days = report.missing_day_count();
    html! {
        @if rows.is_empty() {
            p { "Every network has every day of the period." }
        } @else {
            p {
                (days) " network-day" @if days != 1 { "s" } " of the period have no data, in "
                (rows.len()) " network" @if rows.len() != 1 { "s" } ":"
            }
            ul.missing {
                @for (org, net, list) in rows.iter().take(MISSING_LISTED) {
                    li { bdi { (org) } " / " bdi { (net) } ": " (report_render::describe_missing(list)) }
                }
            }
            @if rows.len() > MISSING_LISTED {
                p { "and " (rows.len() - MISSING_LISTED) " more networks (the CSV and JSON list every one)." }
            }
        }
    }
}
