//! `/networks/{id}`: one network over a period — its groups, missing days and source. Its CSV
//! and JSON are the report's, restricted to the network (the rows of `usagestats report` for
//! it).

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use maud::html;
use report_render::{OrgReport, Report};

use super::{Figures, file_part, period_of, report_download, respond};
use crate::Shared;
use crate::chart::{self, Series};
use crate::error::WebError;
use crate::page::{self, View, note};
use crate::query::{PERIOD_KEYS, PeriodChoice, key, segment};

/// `GET /networks/{id}`.
pub(crate) async fn page(
    State(app): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = build(&app, &id, raw.as_deref()).await;
    respond(&app, result)
}

async fn build(app: &Shared, id: &str, raw: Option<&str>) -> Result<Response, WebError> {
    let mut allowed = PERIOD_KEYS.to_vec();
    allowed.push(key::FORMAT);
    let (query, today, range) = period_of(app, raw, &allowed, PeriodChoice::Days(7)).await?;
    let Some(record) = app.store.networks().await?.into_iter().find(|n| n.id == id) else {
        return Err(WebError::NotFound(format!(
            "There is no network with id {id:?} in this database."
        )));
    };
    let full = super::report(app, &query, today).await?;
    let found = full.organizations.iter().find_map(|o| {
        o.networks
            .iter()
            .find(|n| n.id == id)
            .map(|n| (o, n.clone()))
    });
    let Some((org, net)) = found else {
        // Every known network is in the report; one missing there appeared since.
        return Err(WebError::NotFound(format!(
            "The network {id:?} has no data to show."
        )));
    };
    let mut report = Report::new(
        full.period,
        full.groups.clone(),
        vec![{
            let mut o = OrgReport::new(org.name.clone(), vec![net.clone()]);
            o.id.clone_from(&org.id);
            o
        }],
        full.generated_at,
    );
    report.incomplete = full.incomplete;
    let name = format!(
        "usagestats-network-{}-{}-{}",
        file_part(id),
        range.start,
        range.end
    );
    if let Some(file) = report_download(query.format, &name, std::slice::from_ref(&report))? {
        return Ok(file);
    }
    let base = app.options.base();
    let period = query.period_pairs();
    let source = app.store.settings().await?.map(|s| s.source);
    let series: Vec<Series> = report
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Series {
            name: g.name.clone(),
            color: report_render::group_color(i),
            values: vec![net.group(i).total()],
        })
        .collect();
    let title = format!("Network {}", net.name);
    let body = html! {
        dl.facts {
            dt { "Organization" } dd { bdi { (org.name) } }
            dt { "Network id" } dd { code { (record.id) } }
            dt { "Time zone" } dd { @if record.time_zone.is_empty() { "unknown" } @else { (record.time_zone) } }
            @if !record.tags.is_empty() {
                dt { "Tags" } dd { @for (i, t) in record.tags.iter().enumerate() { @if i > 0 { ", " } bdi { (t) } } }
            }
            dt { "Source" }
            dd {
                @match source {
                    Some(s) => { "this database reads usage per " (s) }
                    None => { "not configured yet" }
                }
            }
        }
        (page::period_picker(&query, range, &[], &PeriodChoice::presets(query.period.billing_day().unwrap_or(1)), None))
        (page::period_line(&query, range))
        (super::overview::notes(&report))
        section aria-labelledby="groups-h" {
            h2 id="groups-h" { "Groups" }
            (super::group_table(base, &report.groups, &Figures::of_network(&net, report.groups.len()), &period))
        }
        section aria-labelledby="chart-h" {
            h2 id="chart-h" { "Each group over the period" }
            figure.chart {
                (chart::legend(&series))
                (chart::bar_chart("network-chart", &format!("Traffic of each group on {}", net.name), &[format!("{} to {}", range.start, range.end)], &series))
                figcaption { "Up plus down over the period; the table above has the figures." }
            }
            (note("Each group per day for a single network is not available yet: it needs a \
                   storage query that is being added. The totals above are exact."))
        }
        section aria-labelledby="missing-h" {
            h2 id="missing-h" { "Missing days" }
            @if net.missing_days.is_empty() {
                p { "Every day of the period is stored." }
            } @else {
                p { (report_render::describe_missing(&net.missing_days)) }
            }
        }
        (page::downloads(base, &format!("/networks/{}", segment(id)), &period))
    };
    Ok(page::layout(base, View::Network, &title, Some(&query), body).into_response())
}
