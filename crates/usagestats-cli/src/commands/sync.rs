//! `sync` / `-c sync`: runs the engine with a progress bar and reports the summary.

use std::io::IsTerminal as _;

use meraki_client::Client;
use usage_sync::{Clock, SyncConfig, SyncStatus};

use crate::cli::GlobalArgs;
use crate::config::DbConfig;
use crate::error::{PartialFailure, UsageError};
use crate::progress::SyncProgress;

/// Syncs `store` and logs the summary; a partial sync is an error (exit 1) after the summary.
pub async fn run(
    g: &GlobalArgs,
    client: &Client,
    store: &storage::Store,
    settings: &DbConfig,
    clock: Clock,
    lookback_days: u32,
) -> anyhow::Result<()> {
    let mut config = SyncConfig::new(settings.groups.clone(), settings.filter.clone());
    config.clock = clock;
    config.lookback_days = lookback_days;
    config.timezone =
        match &settings.timezone {
            Some(t) => Some(crate::config::parse_timezone(t).map_err(|e| {
                UsageError::new(format!("the time zone stored in the database: {e}"))
            })?),
            None => None,
        };
    let progress = SyncProgress::new(g.quiet);
    let result = usage_sync::sync(client, store, &config, &progress).await;
    progress.finish();
    let summary = result.map_err(|e| match e {
        // One line that names the database and the cause, without the engine's wrapper.
        usage_sync::Error::Storage(err) => anyhow::anyhow!(
            "the database {} failed, so the sync stopped (the days already stored are kept): {err}",
            store.path().display()
        ),
        // The stored filter (or -f for a new database) is the user's to correct: exit 2.
        usage_sync::Error::NothingSelected(n) => UsageError::new(n.to_string()).into(),
        other => other.into(),
    })?;
    for org in &summary.skipped_organizations {
        tracing::warn!(
            "organization {org:?} skipped: its Dashboard API access is disabled (Organization > \
             Settings > Dashboard API access)"
        );
    }
    let line = format!(
        "sync {}: {} orgs, {} networks, {} devices; {} days written ({} with an error bound), {} skipped; {} calls (plan {}) + {} bound reads ({} devices read again), {} requests, {} retries, {} rate-limited; {} anomalies; unmatched up {} kB down {} kB; {:.1} s",
        match summary.status {
            SyncStatus::Complete => "complete",
            SyncStatus::Partial => "partial",
        },
        summary.organizations,
        summary.networks,
        summary.devices,
        summary.days_written,
        summary.bounded_days,
        summary.days_skipped,
        summary.calls_done,
        summary.calls_planned,
        summary.extra_reads,
        summary.rereads,
        summary.requests,
        summary.retries,
        summary.rate_limited,
        summary.anomalies,
        summary.unmatched.up,
        summary.unmatched.down,
        summary.elapsed.as_secs_f64(),
    );
    // Someone watching a terminal wants the outcome; scheduled runs get it at -v.
    if !g.quiet && std::io::stderr().is_terminal() {
        crate::progress::print_above(&line);
    } else {
        tracing::info!("{line}");
    }
    if let Some(first) = summary.warnings.first() {
        tracing::warn!(
            "{} configuration warning(s) during the sync, e.g. {first} (run with -v to see all)",
            summary.warnings.len()
        );
    }
    if summary.status == SyncStatus::Partial {
        let first = summary
            .failures
            .first()
            .map(|f| f.error.clone())
            .unwrap_or_default();
        return Err(PartialFailure(format!(
            "sync incomplete: {} network(s) or organization(s) failed, the others were synced (first failure: {first})",
            summary.failures.len()
        ))
        .into());
    }
    Ok(())
}
