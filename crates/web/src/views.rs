//! The views, one module each, and what they share: the period a request asks for, the
//! downloads, the 404 page and `/healthz`.

pub(crate) mod group;
pub(crate) mod network;
pub(crate) mod overview;
pub(crate) mod periods;
pub(crate) mod syncs;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use report_render::{GroupDef, NetworkReport, Percent, Report};
use usage_model::{DateRange, Traffic};

use crate::Shared;
use crate::chart::{self, Series, Step};
use crate::error::{ErrorPage, WebError};
use crate::page::{amount, bound, percent, traffic_cells};
use crate::query::{Format, PeriodChoice, ViewQuery, href, segment};

/// Answers with the view `result`, or with the page of its error.
pub(crate) fn respond(app: &Shared, result: Result<Response, WebError>) -> Response {
    match result {
        Ok(r) => r,
        Err(e) => ErrorPage(app.options.base(), e).into_response(),
    }
}

/// Today where report periods are counted, as the CLI counts them: in the database's time
/// zone setting when it names one (`utc` or a zone), else this computer's zone.
pub(crate) async fn today(app: &Shared) -> Result<Date, WebError> {
    let mode = app.store.settings().await?.map(|s| s.time_zone_mode);
    let zone = match mode {
        Some(storage::TimeZoneMode::Utc) => TimeZone::UTC,
        Some(storage::TimeZoneMode::Zone(name)) => {
            TimeZone::get(&name).unwrap_or_else(|_| system_zone())
        }
        _ => system_zone(),
    };
    Ok(app.options.now().to_zoned(zone).date())
}

fn system_zone() -> TimeZone {
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// The query of a view of one period, today, and the period's days.
pub(crate) async fn period_of(
    app: &Shared,
    raw: Option<&str>,
    allowed: &[&str],
    default: PeriodChoice,
) -> Result<(ViewQuery, Date, DateRange), WebError> {
    let query = ViewQuery::parse(raw, allowed, default)?;
    let today = today(app).await?;
    let range = query.period.range(today);
    Ok((query, today, range))
}

/// The report of the query's period, as `usagestats report` builds it (an unfinished billing
/// cycle marked incomplete).
pub(crate) async fn report(
    app: &Shared,
    query: &ViewQuery,
    today: Date,
) -> Result<Report, WebError> {
    let period = query.period.period(today);
    let mut reports =
        usage_sync::build_reports(&app.store, &period, today, 1, generated_at(app), None).await?;
    reports
        .pop()
        .ok_or_else(|| WebError::Unavailable("no report was built".to_string()))
}

/// The figures of a group table: each group's traffic and bound, unmatched traffic and traffic
/// of groups no longer defined (each with its bound).
pub(crate) struct Figures {
    pub(crate) groups: Vec<(Traffic, Traffic)>,
    pub(crate) unmatched: (Traffic, Traffic),
    pub(crate) removed: (Traffic, Traffic),
}

impl Figures {
    /// Over every network of `report`.
    pub(crate) fn of_report(report: &Report) -> Figures {
        Figures {
            groups: (0..report.groups.len())
                .map(|i| (report.group_total(i), report.group_total_bound(i)))
                .collect(),
            unmatched: (report.unmatched_total(), report.unmatched_total_bound()),
            removed: (
                report.removed_groups_total(),
                report.removed_groups_total_bound(),
            ),
        }
    }

    /// Of one network with `groups` groups.
    pub(crate) fn of_network(net: &NetworkReport, groups: usize) -> Figures {
        Figures {
            groups: (0..groups).map(|i| (net.group(i), net.bound(i))).collect(),
            unmatched: (net.unmatched, net.unmatched_bound),
            removed: (net.removed_groups, net.removed_groups_bound),
        }
    }

    fn total(&self) -> (Traffic, Traffic) {
        self.groups.iter().fold(
            (Traffic::default(), Traffic::default()),
            |(t, b), (gt, gb)| (t + *gt, b + *gb),
        )
    }
}

/// The table of groups: up, down, total, share of all groups' traffic and error bound per
/// group (each name linking to the group's view), then all groups, unmatched traffic and
/// traffic of groups no longer defined.
pub(crate) fn group_table(
    base: &str,
    groups: &[GroupDef],
    figures: &Figures,
    period: &[(&'static str, String)],
) -> Markup {
    let (total, total_bound) = figures.total();
    let any_bound = figures
        .groups
        .iter()
        .chain([&figures.unmatched, &figures.removed])
        .any(|(_, b)| *b != Traffic::default());
    let row = |t: Traffic, b: Traffic, share: Option<Percent>| {
        html! {
            (traffic_cells(t))
            td.num { @if let Some(s) = share { (percent(s)) } }
            @if any_bound { td.num { (bound(b)) } }
        }
    };
    html! {
        table.groups {
            caption { "Traffic per group: up, down and total, and each group's share of all groups" }
            thead { tr {
                th scope="col" { "Group" }
                th.num scope="col" { "Up" }
                th.num scope="col" { "Down" }
                th.num scope="col" { "Total" }
                th.num scope="col" { "Share" }
                @if any_bound { th.num scope="col" { "Error bound" } }
            } }
            tbody {
                @for (i, g) in groups.iter().enumerate() {
                    @let (t, b) = figures.groups.get(i).copied().unwrap_or_default();
                    tr {
                        th scope="row" {
                            svg.swatch width="12" height="12" aria-hidden="true" {
                                rect width="12" height="12" rx="2" fill=(report_render::group_color(i)) {}
                            }
                            " "
                            a href=(href(base, &format!("/groups/{}", segment(&g.name)), period)) { bdi { (g.name) } }
                        }
                        (row(t, b, Some(Percent::of(t.total(), total.total()))))
                    }
                }
            }
            tfoot {
                tr.total {
                    th scope="row" { "All groups" }
                    (row(total, total_bound, None))
                }
                tr {
                    th scope="row" { "Unmatched (no group)" }
                    (row(figures.unmatched.0, figures.unmatched.1, None))
                }
                @if figures.removed.0 != Traffic::default() {
                    tr {
                        th scope="row" { "Groups no longer defined" }
                        (row(figures.removed.0, figures.removed.1, None))
                    }
                }
            }
        }
    }
}

/// How finely the trend of `range` is drawn.
pub(crate) fn trend_step(range: DateRange) -> Step {
    Step::for_days(i64::try_from(range.len()).unwrap_or(i64::MAX))
}

/// The chart of each group's traffic per day (week, month for long periods) over every
/// network — or of group `only` alone — with its legend and its table.
pub(crate) fn daily_chart(
    id: &str,
    report: &Report,
    range: DateRange,
    only: Option<usize>,
) -> Markup {
    let step = trend_step(range);
    let buckets = chart::buckets(
        range.start,
        range.end,
        step,
        report.groups.len(),
        &report.daily,
    );
    let positions: Vec<usize> = match only {
        Some(i) => vec![i],
        None => (0..report.groups.len()).collect(),
    };
    let series: Vec<Series> = positions
        .iter()
        .map(|&i| Series {
            name: report.groups[i].name.clone(),
            color: report_render::group_color(i),
            values: buckets.iter().map(|b| b.groups[i].total()).collect(),
        })
        .collect();
    let ticks: Vec<String> = buckets.iter().map(|b| b.tick(step)).collect();
    let stored: Vec<bool> = buckets.iter().map(|b| b.stored).collect();
    let title = match only {
        Some(i) => format!("Traffic of {} per {}", report.groups[i].name, step.word()),
        None => format!("Traffic of each group per {}", step.word()),
    };
    html! {
        figure.chart {
            (chart::legend(&series))
            (chart::line_chart(id, &title, &ticks, &stored, &series))
            figcaption {
                "Up plus down, summed over every network."
                @if stored.contains(&false) { " Gaps: no network has data stored for those days." }
            }
        }
        details {
            summary { "Table of this chart" }
            table {
                caption { (title) }
                thead { tr {
                    th scope="col" { (step.word()) }
                    @for s in &series { th.num scope="col" { bdi { (s.name) } } }
                } }
                tbody {
                    @for (b, label) in buckets.iter().zip(buckets.iter().map(|b| b.label(step))) {
                        tr {
                            th scope="row" { (label) @if step != chart::Step::Day && b.first != b.last { " (to " (b.last) ")" } }
                            @for &i in &positions {
                                td.num { @if b.stored { (amount(b.groups[i].total())) } @else { "no data" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// When the page was made: whole seconds, as reports say it.
pub(crate) fn generated_at(app: &Shared) -> jiff::Timestamp {
    let now = app.options.now();
    now.round(jiff::Unit::Second).unwrap_or(now)
}

/// A download: `body` in `format`, saved as `name` plus the format's extension (`name` must
/// be ASCII letters, digits, `-` and `_`).
pub(crate) fn download(format: Format, name: &str, body: Vec<u8>) -> Response {
    let (content_type, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
        Format::Html => ("text/html; charset=utf-8", "html"),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// The download of `reports` (one period, or several side by side) in `format`, exactly as
/// `usagestats report --format csv|json` (with `--periods`) writes it; `None` for the page.
pub(crate) fn report_download(
    format: Format,
    name: &str,
    reports: &[Report],
) -> Result<Option<Response>, WebError> {
    let render = match format {
        Format::Csv => report_render::Format::Csv,
        Format::Json => report_render::Format::Json,
        Format::Html => return Ok(None),
    };
    let mut out = Vec::new();
    report_render::render_series(reports, render, &mut out)?;
    Ok(Some(download(format, name, out)))
}

/// A piece of a file name from a name of the database: ASCII letters, digits and `_` kept,
/// anything else a `-`.
pub(crate) fn file_part(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').chars().take(40).collect()
}

/// Any path that is no view.
pub(crate) async fn not_found(State(app): State<Shared>) -> Response {
    respond(
        &app,
        Err(WebError::NotFound(
            "There is no such page on this dashboard.".to_string(),
        )),
    )
}

/// `GET /healthz`: 200 `ok` when the database answers, 503 otherwise. Needs no token: it shows
/// nothing of the data.
pub(crate) async fn healthz(State(app): State<Shared>) -> Response {
    match app.store.schema_version().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!("healthz: database unavailable: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_parts_keep_only_safe_characters() {
        assert_eq!(file_part("L_123 <script>"), "L_123--script");
        assert_eq!(file_part("שלום"), "");
    }
}
