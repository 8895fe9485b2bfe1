//! `/syncs`: the recent sync runs, the last complete day of each network, and what the
//! database is.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse as _, Response};
use jiff::ToSpan as _;
use jiff::civil::Date;
use maud::html;
use report_render::csv_field;
use serde::Serialize;
use storage::{BackendKind, SyncRunRecord};

use super::{download, respond, today};
use crate::Shared;
use crate::error::WebError;
use crate::page::{self, View, note};
use crate::query::{Format, PeriodChoice, ViewQuery, href, key, segment};

/// Runs listed.
const RUNS: u32 = 50;

/// How far back the last complete day of a network is looked for: the API's window and as
/// much again.
const LOOK_BACK_DAYS: i64 = 62;

/// `GET /syncs`.
pub(crate) async fn page(State(app): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let result = build(&app, raw.as_deref()).await;
    respond(&app, result)
}

/// A network and the last day stored for it in the look-back window.
#[derive(Serialize)]
struct LastDay {
    organization: String,
    network: String,
    network_id: String,
    last_complete_day: Option<String>,
}

/// The database, as the page describes it.
#[derive(Serialize)]
struct Database {
    kind: &'static str,
    location: String,
    schema_version: i64,
    size_bytes: Option<u64>,
    client_rows: u64,
    pseudonymized_client_rows: u64,
    client_detail: String,
    source: Option<String>,
}

#[derive(Serialize)]
struct RunJson<'a> {
    id: i64,
    started_at: String,
    finished_at: Option<String>,
    status: &'static str,
    days_written: u64,
    calls: u64,
    retries: u64,
    rate_limited: u64,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct SyncsDoc<'a> {
    schema: &'static str,
    version: u32,
    runs: Vec<RunJson<'a>>,
    networks: &'a [LastDay],
    database: &'a Database,
}

async fn build(app: &Shared, raw: Option<&str>) -> Result<Response, WebError> {
    let query = ViewQuery::parse(raw, &[key::FORMAT], PeriodChoice::Days(7))?;
    let runs = app.store.recent_runs(RUNS).await?;
    let today = today(app).await?;
    let last_days = last_complete_days(app, today).await?;
    let database = database(app).await?;
    match query.format {
        Format::Csv => return Ok(download(Format::Csv, "usagestats-syncs", runs_csv(&runs))),
        Format::Json => {
            let doc = SyncsDoc {
                schema: "usagestats-dashboard-syncs",
                version: 1,
                runs: runs.iter().map(run_json).collect(),
                networks: &last_days,
                database: &database,
            };
            let out = serde_json::to_vec_pretty(&doc)
                .map_err(|e| WebError::Unavailable(e.to_string()))?;
            return Ok(download(Format::Json, "usagestats-syncs", out));
        }
        Format::Html => {}
    }
    let base = app.options.base();
    let body = html! {
        section aria-labelledby="runs-h" {
            h2 id="runs-h" { "Recent syncs" }
            @if runs.is_empty() {
                p { "No sync has run on this database yet." }
            } @else {
                div.scroll {
                    table {
                        caption {
                            @if runs.len() == 1 { "The last sync run" } @else { "The last " (runs.len()) " sync runs, newest first" }
                        }
                        thead { tr {
                            th.num scope="col" { "Run" }
                            th scope="col" { "Started" }
                            th scope="col" { "Ended" }
                            th scope="col" { "Status" }
                            th.num scope="col" { "Days written" }
                            th.num scope="col" { "API calls" }
                            th.num scope="col" { "Retries" }
                            th.num scope="col" { "429s" }
                            th scope="col" { "Error" }
                        } }
                        tbody {
                            @for r in &runs {
                                tr {
                                    td.num { (r.id) }
                                    td { (timestamp(r.started_at)) }
                                    td { @if let Some(f) = r.finished_at { (timestamp(f)) } @else { "—" } }
                                    td { span class={ "status " (r.status.as_str()) } { (r.status.as_str()) } }
                                    td.num { (r.days_written) }
                                    td.num { (r.calls) }
                                    td.num { (r.retries) }
                                    td.num { (r.rate_limited) }
                                    td.error { @if let Some(e) = &r.error { (e) } }
                                }
                            }
                        }
                    }
                }
                (note("Days skipped per run are not recorded yet."))
            }
        }
        section aria-labelledby="last-h" {
            h2 id="last-h" { "Last complete day per network" }
            table {
                caption { "The newest day stored for each network, within the last " (LOOK_BACK_DAYS) " days" }
                thead { tr {
                    th scope="col" { "Organization" }
                    th scope="col" { "Network" }
                    th scope="col" { "Last complete day" }
                } }
                tbody {
                    @for n in &last_days {
                        tr {
                            td { bdi { (n.organization) } }
                            th scope="row" { a href=(href(base, &format!("/networks/{}", segment(&n.network_id)), &[])) { bdi { (n.network) } } }
                            td { @match &n.last_complete_day { Some(d) => (d), None => { "none in the last " (LOOK_BACK_DAYS) " days" } } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="db-h" {
            h2 id="db-h" { "Database" }
            dl.facts {
                dt { "Kind" } dd { (database.kind) }
                dt { "Location" } dd { code { (database.location) } }
                dt { "Schema version" } dd { (database.schema_version) }
                dt { "Size" }
                dd {
                    @match database.size_bytes {
                        Some(b) => { (report_render::human_kb(usage_model::Kb::from_millis(i64::try_from(b).unwrap_or(i64::MAX)))) }
                        None => { "not available yet for PostgreSQL" }
                    }
                }
                dt { "Client rows" } dd { (database.client_rows) " (" (database.pseudonymized_client_rows) " pseudonymized)" }
                dt { "Client detail" } dd { (database.client_detail) }
                dt { "Source" } dd { @match &database.source { Some(s) => (s), None => "not configured yet" } }
            }
        }
        (page::downloads(base, "/syncs", &[]))
    };
    Ok(page::layout(base, View::Syncs, "Syncs", None, body).into_response())
}

fn timestamp(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second).unwrap_or(t).to_string()
}

/// The newest complete day of every known network in the look-back window, from the missing
/// days of the window: a network missing none has yesterday; one missing some has the newest
/// day not among them.
async fn last_complete_days(app: &Shared, today: Date) -> Result<Vec<LastDay>, WebError> {
    let end = today.yesterday().unwrap_or(today);
    let start = end
        .checked_sub((LOOK_BACK_DAYS - 1).days())
        .unwrap_or(Date::MIN);
    let missing: HashMap<String, Vec<Date>> = app
        .store
        .missing_days(start, end)
        .await?
        .into_iter()
        .map(|(id, _, days)| (id, days))
        .collect();
    // report_rows of one day lists every known network with its organization's name.
    let rows = app.store.report_rows(end, end).await?;
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<LastDay> = Vec::new();
    for row in rows {
        if !seen.insert(row.network_id.clone()) {
            continue;
        }
        let last = match missing.get(&row.network_id) {
            None => Some(end),
            Some(days) => {
                let mut d = end;
                loop {
                    if days.binary_search(&d).is_err() {
                        break Some(d);
                    }
                    match d.yesterday() {
                        Ok(y) if y >= start => d = y,
                        _ => break None,
                    }
                }
            }
        };
        out.push(LastDay {
            organization: row.organization_name,
            network: row.network_name,
            network_id: row.network_id,
            last_complete_day: last.map(|d| d.to_string()),
        });
    }
    Ok(out)
}

async fn database(app: &Shared) -> Result<Database, WebError> {
    let store = &app.store;
    let (client_rows, pseudonymized) = store.client_row_counts().await?;
    let size_bytes = store.path().map(|p| {
        let size = |suffix: &str| {
            let mut name = p.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(std::path::Path::new(&name)).map_or(0, |m| m.len())
        };
        size("") + size("-wal")
    });
    Ok(Database {
        kind: match store.kind() {
            BackendKind::Sqlite => "SQLite",
            BackendKind::Postgres => "PostgreSQL",
        },
        location: store.location().to_string(),
        schema_version: store.schema_version().await?,
        size_bytes,
        client_rows,
        pseudonymized_client_rows: pseudonymized,
        client_detail: store.privacy().await?.detail.to_string(),
        source: store.settings().await?.map(|s| s.source.to_string()),
    })
}

fn run_json(r: &SyncRunRecord) -> RunJson<'_> {
    RunJson {
        id: r.id.0,
        started_at: timestamp(r.started_at),
        finished_at: r.finished_at.map(timestamp),
        status: r.status.as_str(),
        days_written: r.days_written,
        calls: r.calls,
        retries: r.retries,
        rate_limited: r.rate_limited,
        error: r.error.as_deref(),
    }
}

fn runs_csv(runs: &[SyncRunRecord]) -> Vec<u8> {
    let mut out = String::from(
        "run,started_at,finished_at,status,days_written,calls,retries,rate_limited,error\r\n",
    );
    for r in runs {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            r.id,
            timestamp(r.started_at),
            r.finished_at.map(timestamp).unwrap_or_default(),
            r.status.as_str(),
            r.days_written,
            r.calls,
            r.retries,
            r.rate_limited,
            csv_field(r.error.as_deref().unwrap_or("")),
        ));
    }
    out.into_bytes()
}
