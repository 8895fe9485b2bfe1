//! The privacy flags of `reconfigure` (`--client-detail`, `--client-retention`,
//! `--apply-to-existing`) and `forget-client`.

use anyhow::Context as _;
use usage_model::{ClientDetail, Privacy, RuleKind};

use crate::cli::GlobalArgs;
use crate::config::{self, DbConfig};
use crate::error::UsageError;

/// The privacy settings `reconfigure` is to store, `None` when no privacy flag was given.
/// A change that would erase client data already stored is refused (a usage error naming
/// what it would erase) unless `apply_to_existing` confirms it.
pub async fn plan(
    g: &GlobalArgs,
    store: &storage::Store,
    apply_to_existing: bool,
) -> anyhow::Result<Option<Privacy>> {
    if !config::privacy_given(g) {
        if apply_to_existing {
            return Err(UsageError::new(
                "--apply-to-existing confirms a stricter --client-detail or --client-retention; give one of them",
            )
            .into());
        }
        return Ok(None);
    }
    let current = store
        .privacy()
        .await
        .context("reading the privacy settings stored in the database")?;
    let wanted = config::privacy(g, current);
    let impact = store
        .privacy_impact(&wanted)
        .await
        .context("counting the client rows the new privacy settings affect")?;
    if !impact.is_empty() && !apply_to_existing {
        return Err(UsageError::new(format!(
            "{} would erase stored client data: {}; nothing was changed; to confirm, run the same \
             command with --apply-to-existing",
            describe(&wanted),
            erased(&impact)
        ))
        .into());
    }
    Ok(Some(wanted))
}

/// `client detail pseudonymous, client rows kept 30 days`.
fn describe(p: &Privacy) -> String {
    format!(
        "client detail {}, client rows kept {}",
        p.detail,
        match p.retention_days {
            Some(1) => "1 day".to_string(),
            Some(d) => format!("{d} days"),
            None => "forever".to_string(),
        }
    )
}

/// What a privacy change erases, in words.
fn erased(i: &storage::PrivacyImpact) -> String {
    let mut parts = Vec::new();
    if i.deleted > 0 {
        parts.push(format!("all {} client rows deleted", i.deleted));
    }
    if i.expired > 0 {
        parts.push(format!(
            "{} client rows older than the retention deleted",
            i.expired
        ));
    }
    if i.pseudonymized > 0 {
        parts.push(format!(
            "the client id, MAC, IP addresses, description and user of {} client rows replaced by pseudonyms",
            i.pseudonymized
        ));
    }
    parts.join(", ")
}

/// Refuses `--reclassify` when the stored client rows cannot say which group a client
/// belongs to: none are kept (client detail `none`), or their IP addresses are pseudonyms and
/// the groups have `sub:` rules.
pub async fn check_reclassify(
    store: &storage::Store,
    new_privacy: Option<&Privacy>,
    new: &DbConfig,
    reclassify: bool,
) -> anyhow::Result<()> {
    if !reclassify {
        return Ok(());
    }
    let privacy = match new_privacy {
        Some(p) => *p,
        None => store
            .privacy()
            .await
            .context("reading the privacy settings stored in the database")?,
    };
    if privacy.detail == ClientDetail::None {
        return Err(UsageError::new(
            "cannot reclassify: this database keeps no client rows (client detail none), and \
             group rows cannot be split into new groups without them; nothing was changed",
        )
        .into());
    }
    let (_, pseudonymized) = store
        .client_row_counts()
        .await
        .context("counting the stored client rows")?;
    let subnet = new
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .find(|r| matches!(r.kind, RuleKind::Subnet(_)));
    if let (true, Some(rule)) = (pseudonymized > 0, subnet) {
        return Err(UsageError::new(format!(
            "cannot reclassify with the rule {rule}: {pseudonymized} stored client rows are \
             pseudonymous, their IP addresses are keyed hashes that no subnet matches (vid:, \
             vname: and ssid: rules still work); nothing was changed"
        ))
        .into());
    }
    Ok(())
}

/// Stores `p` and applies it to the stored client rows, saying what was erased.
pub async fn apply(store: &storage::Store, p: &Privacy) -> anyhow::Result<()> {
    let impact = store
        .apply_privacy(p)
        .await
        .context("applying the privacy settings to the stored client rows")?;
    if impact.is_empty() {
        tracing::info!("{}; no stored client row changed", describe(p));
    } else {
        tracing::warn!("{}: {}", describe(p), erased(&impact));
    }
    Ok(())
}

/// `forget-client MAC|PSEUDONYM`: erases the client's rows in one transaction and says how
/// many went (standard output).
pub async fn forget_client(path: &storage::Location, who: &str) -> anyhow::Result<()> {
    let store = crate::commands::store::open_existing(path).await?;
    let result = store.forget_client(who).await;
    store.close().await;
    let summary = result.map_err(|e| match e {
        storage::Error::InvalidInput(m) => anyhow::Error::new(UsageError::new(m)),
        other => anyhow::Error::new(other).context("erasing the client's rows"),
    })?;
    let who = who.trim();
    if summary.rows == 0 {
        println!("no client rows of {who} are stored; nothing was erased");
    } else {
        println!(
            "erased {} client rows of {who} ({} network{}); group totals keep its traffic",
            summary.rows,
            summary.networks,
            if summary.networks == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Refuses a command that ranks clients when the database keeps none.
pub async fn require_client_rows(store: &storage::Store, what: &str) -> anyhow::Result<()> {
    let privacy = store
        .privacy()
        .await
        .context("reading the privacy settings stored in the database")?;
    if privacy.detail == ClientDetail::None {
        return Err(UsageError::new(format!(
            "{what} needs client rows, and this database keeps none (client detail none; \
             change it with reconfigure --client-detail full or pseudonymous, which applies to \
             days synced afterwards)"
        ))
        .into());
    }
    Ok(())
}
