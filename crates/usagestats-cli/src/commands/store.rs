//! Opening the database the way the original did: configuration lives in it once created.

use std::path::Path;

use anyhow::Context as _;
use usage_model::{Filter, Groups, InitConfig};

use crate::cli::GlobalArgs;
use crate::config::{self, DbConfig};
use crate::error::UsageError;

fn open_error(path: &Path, e: storage::Error) -> anyhow::Error {
    let shown = config::shown(path);
    match e {
        storage::Error::LegacyDatabase { .. } => UsageError::new(format!(
            "{shown} was made by the original usagestats.py; convert it with: usagestats -d NEW_FILE import-legacy {shown}"
        ))
        .into(),
        storage::Error::NewerSchema { .. } => UsageError::new(format!(
            "{shown} was written by a newer usagestats; use that version or start a new database ({e})"
        ))
        .into(),
        other => anyhow::Error::new(other).context(format!("opening the database {shown}")),
    }
}

/// Opens a database that must exist (report-offline, dump, reconfigure).
pub async fn open_existing(path: &Path) -> anyhow::Result<storage::Store> {
    if !path.exists() {
        return Err(UsageError::new(format!(
            "the database {} does not exist; create it with a sync (usagestats -d {} sync)",
            config::shown(path),
            config::shown(path)
        ))
        .into());
    }
    storage::Store::open_existing(path)
        .await
        .map_err(|e| open_error(path, e))
}

/// The settings of an open database.
pub async fn settings(store: &storage::Store) -> anyhow::Result<DbConfig> {
    let s = store
        .settings()
        .await
        .context("reading the configuration stored in the database")?
        .ok_or_else(|| {
            UsageError::new(format!(
                "{} holds no configuration (it was never set up); run a sync on it or reconfigure it",
                config::shown(store.path())
            ))
        })?;
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        UsageError::new(format!(
            "the {what} stored in {} is invalid ({e}); fix it with -c dbreconfigure",
            config::shown(store.path())
        ))
    };
    let groups = Groups::parse(&s.groups).map_err(|e| bad("groups", &e))?;
    let filter = Filter::parse(&s.filter).map_err(|e| bad("filter", &e))?;
    let timezone = match s.time_zone_mode.trim() {
        "" | TZ_NETWORK => None,
        other => {
            config::parse_timezone(other).map_err(|e| bad("time zone", &e))?;
            Some(other.to_string())
        }
    };
    s.source
        .check(&groups, &filter)
        .map_err(|e| bad("configuration", &e))?;
    Ok(DbConfig {
        groups,
        filter,
        timezone,
        source: s.source,
        filter_written: None,
    })
}

/// `time_zone_mode` meaning "each network's own zone".
const TZ_NETWORK: &str = "network";

pub async fn save(store: &storage::Store, new: &DbConfig) -> anyhow::Result<()> {
    let settings = storage::Settings {
        groups: new.groups.to_string(),
        filter: new.filter.to_string(),
        time_zone_mode: new
            .timezone
            .clone()
            .unwrap_or_else(|| TZ_NETWORK.to_string()),
        source: new.source,
    };
    let names: Vec<String> = new.groups.iter().map(|g| g.name.clone()).collect();
    store
        .save_settings(&settings, &names)
        .await
        .context("storing the configuration in the database")?;
    Ok(())
}

/// Opens the database for a sync: an existing one keeps its configuration (flags that would
/// change it are ignored with a warning); a new one is created with the configuration from
/// the flags, the init file or the defaults.
pub async fn open_or_create(
    g: &GlobalArgs,
    path: &Path,
    init: Option<&InitConfig>,
) -> anyhow::Result<(storage::Store, DbConfig, bool)> {
    if path.exists() {
        let store = open_existing(path).await?;
        // A database whose creation was interrupted (killed before its configuration was
        // stored) is set up now, as if new.
        if store
            .settings()
            .await
            .context("reading the configuration stored in the database")?
            .is_none()
        {
            let new = config::new_config(g, init)?;
            config::check_source(&new)?;
            save(&store, &new).await?;
            return Ok((store, new, false));
        }
        let settings = settings(&store).await?;
        let init_config = init.is_some_and(|i| i.groups.is_some() || i.filter.is_some());
        if config::gave_creation_options(g) || init_config {
            tracing::warn!(
                "{} already exists and keeps its stored groups, filter, time zone and source; \
                 use -c dbreconfigure (or `usagestats reconfigure`) to change them",
                config::shown(path)
            );
        }
        return Ok((store, settings, false));
    }
    // Validate everything before creating a file, so a typo leaves nothing behind.
    let new = config::new_config(g, init)?;
    config::check_source(&new)?;
    let store = storage::Store::open(path)
        .await
        .map_err(|e| open_error(path, e))?;
    save(&store, &new).await?;
    tracing::info!(
        "created {} with groups {}, filter {} and source {}",
        config::shown(path),
        new.groups,
        new.filter,
        new.source
    );
    Ok((store, new, true))
}

/// `dbreconfigure`: replaces the stored configuration, optionally recomputing group rows.
///
/// The source changes only when `--source` is given: unlike groups, filter and time zone (which
/// fall back to the defaults, as in the original), an omitted source keeps the stored one, so
/// a reconfigure of the groups never silently changes how later days are counted.
pub async fn reconfigure(
    g: &GlobalArgs,
    path: &Path,
    new: &DbConfig,
    reclassify: bool,
) -> anyhow::Result<()> {
    let store = open_existing(path).await?;
    let mut new = new.clone();
    if g.source.is_none()
        && let Some(stored) = store
            .settings()
            .await
            .context("reading the configuration stored in the database")?
    {
        new.source = stored.source;
    }
    config::check_source(&new)?;
    let new = &new;
    // Without --reclassify the original's behaviour: stored rows keep their positions.
    save(&store, new).await?;
    if reclassify {
        // VLAN-name and SSID-number rules are resolved through the networks' lists when a key
        // is at hand; reclassifying works offline too, with a warning.
        let client = if new.groups.needs_vlan_table() || new.groups.needs_ssid_list() {
            match config::client(g) {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!("reclassifying offline: {}", crate::error::one_line(&e));
                    None
                }
            }
        } else {
            None
        };
        let (days, warnings) = usage_sync::reclassify(&store, &new.groups, client.as_ref())
            .await
            .context("recomputing the stored group rows")?;
        for w in warnings {
            tracing::warn!("{w}");
        }
        tracing::info!("reclassified {days} stored (network, day) rows");
    }
    Ok(())
}

/// `import-legacy`: converts a usagestats.py database into a new one.
pub async fn import_legacy(legacy: &Path, target: &Path) -> anyhow::Result<()> {
    if !legacy.exists() {
        return Err(UsageError::new(format!(
            "the legacy database {} does not exist",
            config::shown(legacy)
        ))
        .into());
    }
    if target.exists() {
        return Err(UsageError::new(format!(
            "{} already exists; import-legacy writes a new database, give a new file name with -d",
            config::shown(target)
        ))
        .into());
    }
    let summary = storage::import_legacy(legacy, target)
        .await
        .with_context(|| format!("importing {}", config::shown(legacy)))?;
    for skipped in &summary.skipped {
        tracing::warn!("import: {skipped}");
    }
    tracing::info!(
        "imported {} organizations, {} networks, {} groups and {} network-days into {}",
        summary.organizations,
        summary.networks,
        summary.groups,
        summary.days,
        config::shown(target)
    );
    Ok(())
}

/// When this run created the database and the Dashboard then refused the key or access, the
/// new file holds nothing but the configuration typed with the refused key: remove it, so a
/// refused first sync leaves nothing behind (and the corrected command starts afresh).
pub async fn discard_if_refused(
    store: storage::Store,
    path: &Path,
    created: bool,
    result: anyhow::Result<()>,
) -> anyhow::Result<()> {
    let refused = result.as_ref().err().is_some_and(|e| {
        e.chain().any(|c| {
            matches!(
                c.downcast_ref::<usage_sync::Error>(),
                Some(usage_sync::Error::Access(_))
            )
        })
    });
    if created && refused {
        store.close().await;
        for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(p));
        }
    }
    result
}
