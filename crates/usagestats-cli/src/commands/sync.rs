//! `sync` / `-c sync`: runs the engine with a progress bar and reports the summary.

use std::io::IsTerminal as _;

use meraki_client::Client;
use usage_model::Source;
use usage_sync::{Clock, SourceCalls, SyncConfig, SyncStatus};

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
    let mut config = SyncConfig::new(settings.groups.clone(), settings.filter.clone())
        .with_source(settings.source);
    config.clock = clock;
    config.lookback_days = lookback_days;
    if let Some(seconds) = g.lease {
        config.lease = std::time::Duration::from_secs(u64::from(seconds));
    }
    if let Some(n) = g.orgs_at_once {
        config.shared_org_concurrency = usize::try_from(n).unwrap_or(usize::MAX);
    }
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
            store.location()
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
    // The device source reads devices; the network source reads each network's list whole.
    let (read, again) = match summary.source {
        Source::Device => (format!("{} devices", summary.devices), "devices"),
        Source::Network => ("network client lists".to_string(), "networks"),
    };
    let pages = if summary.extra_pages > 0 {
        format!(" + {} more pages", summary.extra_pages)
    } else {
        String::new()
    };
    let line = format!(
        "sync {}: {} orgs, {} networks, {read}; {} days written ({} with an error bound), {} skipped; {} calls (plan {}) + {} bound reads ({} {again} read again){pages}, {} requests, {} retries, {} rate-limited; {} counter resets, {} differences clamped within their bound; unmatched up {} kB down {} kB; {:.1} s",
        summary.status,
        summary.organizations,
        summary.networks,
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
        summary.counter_resets,
        summary.clamped_within_bound,
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
    if let Some(calls) = &summary.source_calls {
        tracing::warn!("{}", source_hint(calls));
    }
    for line in &summary.unmatched_ssid_rules {
        tracing::warn!("{line}");
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

/// The one-line hint after a sync whose device source read several devices of a network.
fn source_hint(c: &SourceCalls) -> String {
    format!(
        "hint: this sync read {} devices in {} networks with {} calls; reading each network's \
         client list instead (--source network, set with reconfigure) would take about {} and \
         count every client once (see \"Sources\" in the manual)",
        c.devices, c.networks, c.device_source, c.network_source
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_gives_both_call_counts_on_one_line() {
        let calls = SourceCalls {
            networks: 20,
            devices: 260,
            networks_with_several_devices: 20,
            device_source: 8580,
            network_source: 660,
        };
        let hint = source_hint(&calls);
        assert_eq!(
            hint,
            "hint: this sync read 260 devices in 20 networks with 8580 calls; reading each \
             network's client list instead (--source network, set with reconfigure) would take \
             about 660 and count every client once (see \"Sources\" in the manual)"
        );
        assert!(!hint.contains('\n'));
    }
}
