//! `/periods`: the last N periods of one kind side by side (billing cycles by default), per
//! group — `usagestats report --periods N`. Its CSV and JSON are that command's.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use maud::html;
use report_render::Report;
use usage_model::Traffic;

use super::{generated_at, period_of, report_download, respond};
use crate::Shared;
use crate::chart::{self, Series};
use crate::error::WebError;
use crate::page::{self, View, amount, note};
use crate::query::{PERIOD_KEYS, PeriodChoice, key};

/// `GET /periods`.
pub(crate) async fn page(State(app): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let result = build(&app, raw.as_deref()).await;
    respond(&app, result)
}

/// A period's short name on the chart's axis.
fn short(r: &Report) -> String {
    let (a, b) = (r.period.start, r.period.end);
    if a.day() == 1 && b == a.last_of_month() {
        a.strftime("%b %Y").to_string()
    } else {
        format!("{}…{}", a.strftime("%b %-d"), b.strftime("%b %-d"))
    }
}

async fn build(app: &Shared, raw: Option<&str>) -> Result<Response, WebError> {
    let mut allowed = PERIOD_KEYS.to_vec();
    allowed.extend([key::FORMAT, key::PERIODS]);
    let (query, today, range) = period_of(app, raw, &allowed, PeriodChoice::Billing(1)).await?;
    let period = query.period.period(today);
    let reports = usage_sync::build_reports(
        &app.store,
        &period,
        today,
        query.periods,
        generated_at(app),
        None,
    )
    .await?;
    let (Some(first), Some(last)) = (reports.first(), reports.last()) else {
        return Err(WebError::Unavailable("no period was built".to_string()));
    };
    let name = format!(
        "usagestats-{}-periods-{}-{}",
        reports.len(),
        first.period.start,
        last.period.end
    );
    if let Some(file) = report_download(query.format, &name, &reports)? {
        return Ok(file);
    }
    let base = app.options.base();
    let groups = &last.groups;
    let series: Vec<Series> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| Series {
            name: g.name.clone(),
            color: report_render::group_color(i),
            values: reports.iter().map(|r| r.group_total(i).total()).collect(),
        })
        .collect();
    let categories: Vec<String> = reports.iter().map(short).collect();
    let any_unmatched = reports
        .iter()
        .any(|r| r.unmatched_total() != Traffic::default());
    let mut state = query.period_pairs();
    state.push((key::PERIODS, query.periods.to_string()));
    let presets = [
        PeriodChoice::Billing(query.period.billing_day().unwrap_or(1)),
        PeriodChoice::ThisBilling(query.period.billing_day().unwrap_or(1)),
        PeriodChoice::LastMonth,
        PeriodChoice::LastWeek,
        PeriodChoice::Days(7),
    ];
    let missing: usize = reports.iter().map(Report::missing_day_count).sum();
    let body = html! {
        (page::period_picker(&query, range, &[], &presets, Some(query.periods)))
        p.period {
            (reports.len()) " periods of the kind “" (query.period.label()) "”, oldest first: "
            (first.period.start) " to " (last.period.end) "."
        }
        @for r in &reports {
            @if let Some(n) = r.incomplete_note() { (note(&n)) }
        }
        @if missing > 0 {
            (note(&format!("{missing} network-days of these periods have no data; the overview of each period lists them.")))
        }
        section aria-labelledby="chart-h" {
            h2 id="chart-h" { "Each group per period" }
            figure.chart {
                (chart::legend(&series))
                (chart::bar_chart("periods-chart", "Traffic of each group per period", &categories, &series))
                figcaption { "Up plus down, summed over every network." }
            }
        }
        section aria-labelledby="table-h" {
            h2 id="table-h" { "Table" }
            div.scroll {
                table {
                    caption { "Total traffic (up plus down) of each group per period" }
                    thead { tr {
                        th scope="col" { "Group" }
                        @for r in &reports {
                            th.num scope="col" {
                                (r.period.start) " to " (r.period.end)
                                @if r.incomplete.is_some() { " (so far)" }
                            }
                        }
                    } }
                    tbody {
                        @for (i, g) in groups.iter().enumerate() {
                            tr {
                                th scope="row" { bdi { (g.name) } }
                                @for r in &reports { td.num { (amount(r.group_total(i).total())) } }
                            }
                        }
                    }
                    tfoot {
                        tr.total {
                            th scope="row" { "All groups" }
                            @for r in &reports { td.num { (amount(r.grand_total().total())) } }
                        }
                        @if any_unmatched {
                            tr {
                                th scope="row" { "Unmatched (no group)" }
                                @for r in &reports { td.num { (amount(r.unmatched_total().total())) } }
                            }
                        }
                    }
                }
            }
        }
        (page::downloads(base, "/periods", &state))
    };
    Ok(page::layout(
        base,
        View::Periods,
        "Periods side by side",
        Some(&query),
        body,
    )
    .into_response())
}
