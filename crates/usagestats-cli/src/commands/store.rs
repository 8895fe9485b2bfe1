//! Opening the database the way the original did: configuration lives in it once created.

use std::path::Path;

use anyhow::Context as _;
use storage::{Location, OpenMode};
use usage_model::{Filter, Groups, InitConfig};

use crate::cli::GlobalArgs;
use crate::config::{self, DbConfig};
use crate::error::UsageError;

fn open_error(db: &Location, e: storage::Error) -> anyhow::Error {
    let shown = db.to_string();
    match e {
        storage::Error::LegacyDatabase { .. } => UsageError::new(format!(
            "{shown} was made by the original usagestats.py; convert it with: usagestats -d NEW_FILE import-legacy {shown}"
        ))
        .into(),
        storage::Error::NewerSchema { .. } => UsageError::new(format!(
            "{shown} was written by a newer usagestats; use that version or start a new database ({e})"
        ))
        .into(),
        // The user pointed -d at the wrong thing: bad usage (exit 2). Each message names it.
        storage::Error::NotADatabase { .. }
        | storage::Error::ForeignDatabase { .. }
        | storage::Error::NotAFile { .. }
        | storage::Error::MissingDirectory { .. }
        | storage::Error::NonUtf8Path { .. }
        | storage::Error::NotFound { .. }
        | storage::Error::NoSchema { .. }
        | storage::Error::ForeignSchema { .. }
        | storage::Error::InvalidLocation { .. }
        | storage::Error::PostgresNotBuilt { .. } => UsageError::new(e.to_string()).into(),
        // These name the database themselves.
        storage::Error::CannotOpen { .. }
        | storage::Error::CannotConnect { .. }
        | storage::Error::UpgradeNeedsWriteAccess { .. } => e.into(),
        other => anyhow::Error::new(other).context(format!("opening the database {shown}")),
    }
}

fn missing(db: &Location) -> anyhow::Error {
    UsageError::new(format!(
        "the database {db} does not exist; create it with a sync (usagestats -d {db} sync)"
    ))
    .into()
}

/// Whether `db` is an SQLite file that does not exist (not even as a dangling link).
fn missing_file(db: &Location) -> bool {
    db.path()
        .is_some_and(|p| std::fs::symlink_metadata(p).is_err())
}

/// Opens a database that must exist, for a command that changes it (reconfigure).
pub async fn open_existing(db: &Location) -> anyhow::Result<storage::Store> {
    if missing_file(db) {
        return Err(missing(db));
    }
    storage::Store::connect(db, OpenMode::Existing)
        .await
        .map_err(|e| open_error(db, e))
}

/// Opens a database that must exist, for a command that only reads it (report --offline,
/// dump, backup): works on a file the user may only read.
pub async fn open_read_only(db: &Location) -> anyhow::Result<storage::Store> {
    if missing_file(db) {
        return Err(missing(db));
    }
    storage::Store::connect(db, OpenMode::ReadOnly)
        .await
        .map_err(|e| open_error(db, e))
}

/// Warns, in the same words for every command, when `-g`, `-f`, `--timezone` or an init
/// file's groups or filter are given for an existing database by a command that does not
/// store them (only a new database and `reconfigure` take them).
pub fn warn_kept_configuration(g: &GlobalArgs, init: Option<&InitConfig>, db: &Location) {
    let given: Vec<&str> = [
        (g.groups.is_some(), "-g"),
        (g.filter.is_some(), "-f"),
        (g.timezone.is_some(), "--timezone"),
        (g.source.is_some(), "--source"),
        (g.client_detail.is_some(), "--client-detail"),
        (g.client_retention.is_some(), "--client-retention"),
        (
            init.is_some_and(|i| i.groups.is_some() || i.filter.is_some()),
            "-i",
        ),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();
    if !given.is_empty() {
        tracing::warn!(
            "{} ignored for the existing database {}: stored groups, filter, time zone, \
             source and privacy settings kept; use reconfigure (-c dbreconfigure) to change them",
            given.join(", "),
            db
        );
    }
}

/// Refuses to sync a database made by `usagestats demo` (its data are simulated), before an
/// API key is asked for: says what it is and how to report it.
pub async fn refuse_demo(db: &Location) -> anyhow::Result<()> {
    let store = match db.path() {
        Some(path) if !path.is_file() => return Ok(()),
        Some(_) => open_read_only(db).await?,
        // A PostgreSQL database without our schema yet is new: nothing to refuse.
        None => match storage::Store::connect(db, OpenMode::ReadOnly).await {
            Err(storage::Error::NoSchema { .. }) => return Ok(()),
            other => other.map_err(|e| open_error(db, e))?,
        },
    };
    let demo = store.is_demo().await;
    store.close().await;
    if demo.context("reading the configuration stored in the database")? {
        return Err(UsageError::new(format!(
            "{db} was made by `usagestats demo` from its built-in simulator, so it cannot be \
             synced with a Dashboard; report it offline: usagestats -d {db} report --offline \
             (or -c report-offline:last-week)"
        ))
        .into());
    }
    Ok(())
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
                store.location()
            ))
        })?;
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        UsageError::new(format!(
            "the {what} stored in {} is invalid ({e}); fix it with -c dbreconfigure",
            store.location()
        ))
    };
    let groups = Groups::parse(&s.groups).map_err(|e| bad("groups", &e))?;
    let filter = Filter::parse(&s.filter).map_err(|e| bad("filter", &e))?;
    let timezone = match &s.time_zone_mode {
        storage::TimeZoneMode::Network => None,
        other => {
            config::parse_timezone(other.as_str()).map_err(|e| bad("time zone", &e))?;
            Some(other.as_str().to_string())
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

pub async fn save(store: &storage::Store, new: &DbConfig) -> anyhow::Result<()> {
    let settings = storage::Settings {
        groups: new.groups.to_string(),
        filter: new.filter.to_string(),
        time_zone_mode: new
            .timezone
            .as_deref()
            .map_or(storage::TimeZoneMode::Network, storage::TimeZoneMode::parse),
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
/// the flags, the init file or the defaults. The flag says whether this very command created
/// the file (see [`finish`]).
pub async fn open_or_create(
    g: &GlobalArgs,
    db: &Location,
    init: Option<&InitConfig>,
) -> anyhow::Result<(storage::Store, DbConfig, bool)> {
    let Some(path) = db.path() else {
        // PostgreSQL. Validate everything before creating the schema, so a typo leaves nothing behind.
        // Of several commands creating the schema at once, one does (the migrator's lock);
        // the configuration is stored by whichever finds none below.
        let new = config::new_config(g, init)?;
        config::check_source(&new)?;
        let store = storage::Store::connect(db, OpenMode::Create)
            .await
            .map_err(|e| open_error(db, e))?;
        return configured(g, db, init, store).await;
    };
    if std::fs::symlink_metadata(path).is_err() {
        // Validate everything before creating a file, so a typo leaves nothing behind.
        let new = config::new_config(g, init)?;
        config::check_source(&new)?;
        // Claim the name with O_EXCL: of several commands started at once on a new file,
        // exactly one creates it (and may remove it again, see `finish`); the others open it
        // as an existing database below.
        let claimed = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path);
        match claimed {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            other => {
                let store = match storage::Store::open(path).await {
                    Ok(store) => store,
                    Err(e) => {
                        if other.is_ok() {
                            remove_database_files(path);
                        }
                        return Err(open_error(db, e));
                    }
                };
                let privacy = config::privacy(g, usage_model::Privacy::default());
                let saved = match save(&store, &new).await {
                    Ok(()) => store
                        .apply_privacy(&privacy)
                        .await
                        .map(|_| ())
                        .context("storing the privacy settings in the database"),
                    Err(e) => Err(e),
                };
                if let Err(e) = saved {
                    store.close().await;
                    remove_database_files(path);
                    return Err(e);
                }
                tracing::info!(
                    "created {} with groups {}, filter {} and source {}",
                    db,
                    new.groups,
                    new.filter,
                    new.source
                );
                return Ok((store, new, true));
            }
        }
    }
    let store = open_existing(db).await?;
    configured(g, db, init, store).await
}

/// An open database with its configuration: the stored one, or (none stored yet) the one of
/// the flags, which is stored.
async fn configured(
    g: &GlobalArgs,
    db: &Location,
    init: Option<&InitConfig>,
    store: storage::Store,
) -> anyhow::Result<(storage::Store, DbConfig, bool)> {
    // A database whose creation was interrupted (killed before its configuration was
    // stored), or that another command is creating right now, is set up as if new.
    let stored = match store.settings().await {
        Ok(s) => s,
        Err(e) => {
            store.close().await;
            return Err(
                anyhow::Error::new(e).context("reading the configuration stored in the database")
            );
        }
    };
    let result = match stored {
        None => match config::new_config(g, init) {
            Ok(new) => match config::check_source(&new) {
                Ok(()) => match save(&store, &new).await {
                    Ok(()) => store
                        .apply_privacy(&config::privacy(g, usage_model::Privacy::default()))
                        .await
                        .map(|_| new)
                        .context("storing the privacy settings in the database"),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e),
        },
        Some(_) => {
            warn_kept_configuration(g, init, db);
            settings(&store).await
        }
    };
    match result {
        Ok(settings) => Ok((store, settings, false)),
        Err(e) => {
            store.close().await;
            Err(e)
        }
    }
}

/// Ends a command that synced: closes the store (which checkpoints it). When this very command
/// created the file and then failed before writing a single day — a refused key, no
/// connection, a filter that selects nothing — the file holds nothing but the configuration
/// typed with the failed command: it is removed, so the corrected command starts afresh and a
/// failed first run leaves nothing behind. A file another sync is using is never removed.
pub async fn finish(
    store: storage::Store,
    db: &Location,
    created: bool,
    result: anyhow::Result<()>,
) -> anyhow::Result<()> {
    if let Some(path) = db.path()
        && created
        && result.is_err()
        && store.has_synced_days().await.ok() == Some(false)
    {
        // Held while removing: a second sync that opened the file meanwhile keeps it.
        if let Ok(lock) = store.try_lock_sync().await {
            store.close().await;
            remove_database_files(path);
            drop(lock);
            return result;
        }
    }
    store.close().await;
    result
}

fn remove_database_files(path: &Path) {
    for file in storage::DatabaseFile::ALL {
        let _ = std::fs::remove_file(file.of(path));
    }
}

/// `dbreconfigure`: replaces the stored configuration, optionally recomputing group rows.
///
/// The source changes only when `--source` is given: unlike groups, filter and time zone (which
/// fall back to the defaults, as in the original), an omitted source keeps the stored one, so
/// a reconfigure of the groups never silently changes how later days are counted.
pub async fn reconfigure(
    g: &GlobalArgs,
    db: &Location,
    new: &DbConfig,
    reclassify: bool,
    apply_to_existing: bool,
) -> anyhow::Result<()> {
    let store = open_existing(db).await?;
    let result = async {
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
        // Privacy first: everything it could refuse is checked before anything is saved.
        let privacy = crate::commands::privacy::plan(g, &store, apply_to_existing).await?;
        crate::commands::privacy::check_reclassify(&store, privacy.as_ref(), &new, reclassify)
            .await?;
        reconfigure_store(g, &store, &new, reclassify).await?;
        if let Some(p) = privacy {
            crate::commands::privacy::apply(&store, &p).await?;
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}

async fn reconfigure_store(
    g: &GlobalArgs,
    store: &storage::Store,
    new: &DbConfig,
    reclassify: bool,
) -> anyhow::Result<()> {
    // Without --reclassify the original's behaviour: stored rows keep their positions.
    save(store, new).await?;
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
        let (days, warnings) = usage_sync::reclassify(store, &new.groups, client.as_ref())
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
        .map_err(|e| match e {
            // Files the user pointed at that cannot be used: bad usage (exit 2).
            storage::Error::NotLegacy { .. }
            | storage::Error::NotADatabase { .. }
            | storage::Error::NotAFile { .. }
            | storage::Error::NotFound { .. }
            | storage::Error::MissingDirectory { .. }
            | storage::Error::NonUtf8Path { .. }
            | storage::Error::ImportTargetExists { .. } => UsageError::new(e.to_string()).into(),
            other => {
                anyhow::Error::new(other).context(format!("importing {}", config::shown(legacy)))
            }
        })?;
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

/// `copy-db --to TARGET`: copies the whole database into a new SQLite file or an empty
/// PostgreSQL database, checked at the end (row counts and sums on both sides).
pub async fn copy_db(source: &Location, target: &Location) -> anyhow::Result<()> {
    if source == target {
        return Err(
            UsageError::new(format!("copy-db --to names the database itself ({source})")).into(),
        );
    }
    if let (Some(from), Some(to)) = (source.path(), target.path()) {
        storage::refuse_database_file(from, to)
            .map_err(|e| UsageError::new(format!("copy-db --to {e}")))?;
    }
    let from = open_read_only(source).await?;
    // A new file is ours to remove again when the copy fails; an existing one is only used
    // when it holds nothing.
    let new_file = target
        .path()
        .filter(|p| std::fs::symlink_metadata(p).is_err())
        .map(Path::to_path_buf);
    let result = async {
        let to = storage::Store::connect(target, OpenMode::Create)
            .await
            .map_err(|e| open_error(target, e))?;
        let copied = storage::copy_database(&from, &to).await;
        to.close().await;
        copied.map_err(|e| match e {
            storage::Error::CopyTargetNotEmpty { .. } => UsageError::new(e.to_string()).into(),
            other => anyhow::Error::new(other).context(format!("copying {source} to {target}")),
        })
    }
    .await;
    from.close().await;
    match result {
        Ok(summary) => {
            let rows: Vec<String> = summary
                .tables
                .iter()
                .map(|(table, n)| format!("{n} {table}"))
                .collect();
            tracing::info!(
                "copied {source} to {target}: {} rows; {} counts and sums agree",
                rows.join(", "),
                summary.checks
            );
            Ok(())
        }
        Err(e) => {
            if let Some(path) = new_file {
                remove_database_files(&path);
            }
            Err(e)
        }
    }
}
