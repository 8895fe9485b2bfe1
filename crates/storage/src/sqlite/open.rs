//! Opening an SQLite database: file checks, legacy and version detection, pragmas, migrations.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row};

use crate::error::{Error, Result};
use crate::location::Location;

/// The schema, embedded at build time from `crates/storage/migrations/sqlite/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for another connection's write lock before failing. Long, because
/// a report may run while a sync commits days, and waiting is better than failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The SQLite backend: a pool of connections to one file. Cheap to clone.
///
/// Every connection runs with `journal_mode=WAL` (readers never block the writer),
/// `busy_timeout=30s`, `foreign_keys=ON` and `synchronous=NORMAL` (safe with WAL: a crash never
/// corrupts the file or splits a transaction).
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pub(crate) pool: SqlitePool,
    location: Arc<Location>,
    read_only: bool,
}

/// What a file on disk turned out to be before we touch it.
enum Probe {
    /// A new or empty database: ours to create.
    Empty,
    /// Has our migrations table; the newest applied version.
    Ours(Option<i64>),
    /// Has the original script's `config` table.
    Legacy,
    /// Some other SQLite database.
    Foreign,
}

impl SqliteStore {
    /// Creates the database file if needed, checks what it is and applies pending migrations.
    ///
    /// Safe to call from several processes at once on the same new file: the schema is
    /// created by exactly one of them, the others wait for its commit (docs/schema.md,
    /// "Connection settings").
    ///
    /// Errors: [`Error::LegacyDatabase`] for a file made by the original `usagestats.py` (it
    /// must be converted with `usagestats -d NEW import-legacy OLD`), [`Error::NewerSchema`]
    /// for a file written by a newer usagestats, [`Error::NotADatabase`] for a file that is not
    /// SQLite, [`Error::ForeignDatabase`] for an unrelated SQLite database,
    /// [`Error::NotAFile`] for a directory or device, [`Error::MissingDirectory`] when the
    /// directory to create it in does not exist.
    pub(crate) async fn open(path: &Path) -> Result<SqliteStore> {
        check_kind(path)?;
        if !path.exists() {
            check_directory(path)?;
        }
        SqliteStore::open_with(path, true).await
    }

    /// Like [`Store::open`], but fails with [`Error::NotFound`] instead of creating a file.
    pub(crate) async fn open_existing(path: &Path) -> Result<SqliteStore> {
        check_kind(path)?;
        if !path.is_file() {
            return Err(Error::NotFound {
                path: path.to_path_buf(),
            });
        }
        SqliteStore::open_with(path, false).await
    }

    /// Opens an existing database for reading only (reports, dumps, backups): nothing is
    /// written, so it works on a file the user may only read, in a directory the user cannot
    /// write.
    ///
    /// A file with an older schema is upgraded first when it can be written; otherwise
    /// [`Error::UpgradeNeedsWriteAccess`].
    pub(crate) async fn open_read_only(path: &Path) -> Result<SqliteStore> {
        check_kind(path)?;
        if !path.is_file() {
            return Err(Error::NotFound {
                path: path.to_path_buf(),
            });
        }
        check_header_if_not_empty(path)?;
        let current = match probe_kind(path).await? {
            Probe::Ours(Some(v)) => v == supported_version() && applied_match(path).await?,
            _ => false,
        };
        if !current {
            // A new build's first use of an older file: upgrade it once, if we may.
            match SqliteStore::open_existing(path).await {
                Ok(store) => store.close().await,
                Err(e @ (Error::Sqlx(_) | Error::CannotOpen { .. } | Error::Io(_))) => {
                    return Err(Error::UpgradeNeedsWriteAccess {
                        location: path.display().to_string(),
                        cause: e.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        let options = base_options(path).read_only(true);
        let pool = match read_pool(options.clone()).await {
            Ok(pool) => pool,
            Err(e) if wal_is_empty(path) && cannot_init_wal_index(&e) => {
                // A WAL database is read through its `-shm` index, which SQLite must create
                // next to the file when it is missing; in a directory we cannot write, it
                // cannot. Then the file is read as immutable (no locks, no index). That is
                // safe here: without a `-wal` file (or with an empty one) every committed
                // transaction is in the main file, and no writer can be at work, since a
                // writer would have created the `-wal`.
                read_pool(options.immutable(true))
                    .await
                    .map_err(|error| Error::CannotOpen {
                        path: path.to_path_buf(),
                        error,
                    })?
            }
            Err(error) => {
                return Err(Error::CannotOpen {
                    path: path.to_path_buf(),
                    error,
                });
            }
        };
        Ok(SqliteStore {
            pool,
            location: Arc::new(Location::Sqlite(path.to_path_buf())),
            read_only: true,
        })
    }

    async fn open_with(path: &Path, create: bool) -> Result<SqliteStore> {
        check_header_if_not_empty(path)?;
        probe_kind(path).await?;
        let cannot_open = |error| Error::CannotOpen {
            path: path.to_path_buf(),
            error,
        };
        let mut setup =
            SqliteConnection::connect_with(&base_options(path).create_if_missing(create))
                .await
                .map_err(cannot_open)?;
        let migrated = async {
            ensure_wal(&mut setup).await?;
            migrate(&mut setup, path).await
        }
        .await;
        let _ = setup.close().await;
        migrated?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(base_options(path))
            .await
            .map_err(cannot_open)?;
        Ok(SqliteStore {
            pool,
            location: Arc::new(Location::Sqlite(path.to_path_buf())),
            read_only: false,
        })
    }

    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    /// The schema version (newest applied migration) of the open database.
    pub(crate) async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Moves everything committed into the database file itself and closes every connection.
    ///
    /// With WAL, commits land in `<db>-wal` first and reach the main file only at a
    /// checkpoint; a copy of the main file alone would miss them. So a store opened for
    /// writing checkpoints (`wal_checkpoint(TRUNCATE)`) before it closes. The checkpoint waits
    /// at most a few seconds for other processes' readers; if they are still busy, the data
    /// stays safely in the WAL for the next checkpoint.
    pub(crate) async fn close(&self) {
        if !self.read_only
            && !self.pool.is_closed()
            && let Ok(mut conn) = self.pool.acquire().await
        {
            let _ = sqlx::query("PRAGMA busy_timeout = 3000")
                .execute(&mut *conn)
                .await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await
            {
                tracing::debug!("checkpoint of {} on close: {e}", self.location);
            }
        }
        self.pool.close().await;
    }

    /// Writes a consistent copy of the whole database to `target`, a new file (SQLite's
    /// `VACUUM INTO`: a snapshot of one read transaction, so a sync committing meanwhile is
    /// either in the copy or not, never in part). Works on a read-only store.
    ///
    /// # Errors
    /// [`Error::DatabaseFileAsTarget`] when `target` is the database or one of its side files
    /// (by any name, existing or not); [`Error::BackupTargetExists`] when `target` exists (it
    /// is never overwritten); [`Error::MissingDirectory`] when its directory does not exist;
    /// database errors. On failure no file is left at `target`.
    pub(crate) async fn backup_to(&self, target: &Path) -> Result<()> {
        if let Some(db) = self.location.path() {
            super::refuse_database_file(db, target)?;
        }
        if target.symlink_metadata().is_ok() {
            return Err(Error::BackupTargetExists {
                path: target.to_path_buf(),
            });
        }
        let name = target.to_str().ok_or_else(|| Error::NonUtf8Path {
            path: target.to_path_buf(),
        })?;
        check_directory(target)?;
        let result = sqlx::query("VACUUM INTO ?1")
            .bind(name)
            .execute(&self.pool)
            .await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(target);
            return Err(e.into());
        }
        Ok(())
    }

    /// Whether this store was opened with [`SqliteStore::open_read_only`].
    pub(crate) fn is_read_only(&self) -> bool {
        self.read_only
    }
}

/// The newest migration this build carries.
pub(crate) fn supported_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Options of every connection. The journal mode is not among them: WAL is set once, by the
/// connection that creates or migrates the file ([`ensure_wal`]), and then belongs to the
/// file; setting it on every connection would need an exclusive lock that concurrent openers
/// could not wait for.
pub(crate) fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal)
        // Deleted and overwritten content is zeroed, not left in free space: erasing a
        // client (forget-client, retention, a stricter client detail) must really erase it.
        .pragma("secure_delete", "on")
        // Report queries return ~10^4 rows; sqlx hands rows from its SQLite worker thread
        // through this channel, and the default of 50 makes the two threads take turns.
        .row_buffer_size(4096)
}

/// [`base_options`] with WAL, for tests that build a database by hand.
#[cfg(test)]
pub(crate) fn connect_options(path: &Path) -> SqliteConnectOptions {
    base_options(path).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
}

/// Switches the file to WAL (a no-op when it already is). The switch needs an exclusive lock
/// that SQLite's busy handler does not wait for, so a concurrent opener's brief read is
/// waited out here.
async fn ensure_wal(conn: &mut SqliteConnection) -> Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = WAL")
            .fetch_one(&mut *conn)
            .await
        {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(Error::Corrupt(format!(
                    "SQLite kept the journal mode {mode:?} instead of WAL"
                )));
            }
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Applies the pending migrations, serialized across processes by SQLite's own write lock.
///
/// sqlx's SQLite migrator takes no lock: two processes creating one new file would both see
/// no schema and both try to create it, and the second fails ("table … already exists"). So
/// the migrations run inside one `BEGIN IMMEDIATE` transaction on this connection: the first
/// opener holds the write lock while it checks and applies them; the others wait on
/// `busy_timeout`, then find nothing left to do. Each migration is still recorded in
/// `_sqlx_migrations` by sqlx itself (as a savepoint inside ours), exactly as before, so
/// databases stay compatible. Up-to-date files (every open but the first after an upgrade)
/// are recognized by a plain read and take no write lock at all, so opening never waits for
/// a running sync.
async fn migrate(conn: &mut SqliteConnection, path: &Path) -> Result<()> {
    if applied_migrations_match(conn).await? {
        return Ok(());
    }
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // Checked again under the lock: another process may have got here first.
    if let Some(found) = newest_applied(&mut tx).await?
        && found > supported_version()
    {
        return Err(Error::NewerSchema {
            location: path.display().to_string(),
            found,
            supported: supported_version(),
        });
    }
    MIGRATOR.run_direct(None, &mut *tx, false).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `_sqlx_migrations` lists exactly this build's migrations with their checksums.
async fn applied_migrations_match(conn: &mut SqliteConnection) -> Result<bool> {
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let applied: Vec<(i64, Vec<u8>, bool)> =
        sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?;
    Ok(applied.len() == MIGRATOR.iter().count()
        && applied
            .iter()
            .zip(MIGRATOR.iter())
            .all(|((version, checksum, success), m)| {
                *success && *version == m.version && checksum[..] == m.checksum[..]
            }))
}

/// [`applied_migrations_match`] through a short read-only connection.
async fn applied_match(path: &Path) -> Result<bool> {
    let mut conn = read_connection(path).await?;
    let result = applied_migrations_match(&mut conn).await;
    let _ = conn.close().await;
    result
}

/// A connection that only reads, for looking at a file before opening it for real. Falls
/// back to reading the file as immutable where [`Store::open_read_only`] does.
async fn read_connection(path: &Path) -> Result<SqliteConnection> {
    let options = base_options(path).read_only(true);
    let first = async {
        let mut conn = SqliteConnection::connect_with(&options).await?;
        match sqlx::query("SELECT COUNT(*) FROM sqlite_master")
            .execute(&mut conn)
            .await
        {
            Ok(_) => Ok(conn),
            Err(e) => {
                let _ = conn.close().await;
                Err(e)
            }
        }
    }
    .await;
    match first {
        Ok(conn) => Ok(conn),
        Err(e) if cannot_init_wal_index(&e) && wal_is_empty(path) => {
            Ok(SqliteConnection::connect_with(&options.immutable(true)).await?)
        }
        Err(e) if is_not_a_database(&e) => Err(Error::NotADatabase {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(e.into()),
    }
}

async fn newest_applied(conn: &mut SqliteConnection) -> Result<Option<i64>> {
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_none() {
        return Ok(None);
    }
    Ok(
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// A read-only pool, with a first query so that a file SQLite cannot read fails here.
async fn read_pool(options: SqliteConnectOptions) -> std::result::Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    if let Err(e) = sqlx::query("SELECT COUNT(*) FROM sqlite_master")
        .execute(&pool)
        .await
    {
        pool.close().await;
        return Err(e);
    }
    Ok(pool)
}

/// `<db>-wal` is missing or empty: every committed transaction is in the main file.
fn wal_is_empty(path: &Path) -> bool {
    std::fs::metadata(super::DatabaseFile::Wal.of(path)).map_or(true, |m| m.len() == 0)
}

/// SQLite could not create or open the WAL index (`-shm`) of a read-only connection:
/// `SQLITE_READONLY` (8, with its extended codes such as `READONLY_CANTINIT`) or
/// `SQLITE_CANTOPEN` (14).
fn cannot_init_wal_index(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 8 | 14)),
        _ => false,
    }
}

fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

/// A path that exists must be a regular file (following links): a directory or a device
/// gets its own message instead of SQLite's "unable to open database file".
pub(crate) fn check_kind(path: &Path) -> Result<()> {
    if path.to_str().is_none() {
        return Err(Error::NonUtf8Path {
            path: path.to_path_buf(),
        });
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) => Err(Error::NotAFile {
            path: path.to_path_buf(),
            what: if m.is_dir() {
                "a directory, not a database file"
            } else {
                "not a regular file (a device, pipe or socket), so not a database file"
            },
        }),
        Err(_) => Ok(()),
    }
}

/// The directory a new database goes into must exist.
fn check_directory(path: &Path) -> Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::MissingDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            what: "is not a directory",
        }),
        Err(_) => Err(Error::MissingDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            what: "does not exist",
        }),
    }
}

fn check_header_if_not_empty(path: &Path) -> Result<()> {
    let non_empty = std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if non_empty {
        check_header(path)
    } else {
        Ok(())
    }
}

/// What the file is, and an error for a newer schema; an empty or missing file is `Empty`.
async fn probe_kind(path: &Path) -> Result<Probe> {
    let non_empty = std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if !non_empty {
        return Ok(Probe::Empty);
    }
    let found = probe(path).await?;
    match found {
        Probe::Legacy => Err(Error::LegacyDatabase {
            path: path.to_path_buf(),
        }),
        Probe::Foreign => Err(Error::ForeignDatabase {
            path: path.to_path_buf(),
        }),
        Probe::Ours(Some(found)) if found > supported_version() => Err(Error::NewerSchema {
            location: path.display().to_string(),
            found,
            supported: supported_version(),
        }),
        other => Ok(other),
    }
}

/// Every SQLite 3 file starts with these 16 bytes; checking them gives a clear error instead of
/// SQLite's "file is not a database" on the first query.
pub(crate) fn check_header(path: &Path) -> Result<()> {
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    let ok = match file.read_exact(&mut header) {
        Ok(()) => &header == b"SQLite format 3\0",
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => false,
        Err(e) => return Err(e.into()),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::NotADatabase {
            path: path.to_path_buf(),
        })
    }
}

/// Looks at the tables of an existing file without changing it (no journal-mode switch, no
/// migrations), so a legacy or foreign file is left exactly as it was.
async fn probe(path: &Path) -> Result<Probe> {
    let mut conn = read_connection(path).await?;
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await?;
    let has = |name: &str| tables.iter().any(|t| t == name);
    let result = if has("_sqlx_migrations") {
        let row = sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations")
            .fetch_one(&mut conn)
            .await?;
        Probe::Ours(row.try_get::<Option<i64>, _>("v")?)
    } else if has("config") && legacy_config(&mut conn).await {
        Probe::Legacy
    } else if tables.iter().any(|t| !t.starts_with("sqlite_")) {
        Probe::Foreign
    } else {
        Probe::Empty
    };
    conn.close().await?;
    Ok(result)
}

/// The original's `config` table has a `dbversion` column (it refused other versions).
pub(crate) async fn legacy_config(conn: &mut SqliteConnection) -> bool {
    sqlx::query("SELECT dbversion FROM config LIMIT 1")
        .fetch_optional(conn)
        .await
        .is_ok()
}

fn is_not_a_database(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.code().as_deref() == Some("26"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A database made by a build that only had the first migration must gain the monthly,
    /// weekly and per-day group rollups, filled from the rows already there.
    #[tokio::test]
    async fn an_older_schema_is_migrated_and_backfilled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let first = MIGRATOR.iter().next().unwrap().clone();
        let mut old = Migrator::DEFAULT;
        old.migrations = Cow::Owned(vec![first]);
        let pool = SqlitePool::connect_with(connect_options(&path).create_if_missing(true))
            .await
            .unwrap();
        old.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO organizations VALUES ('o', 'Org')",
            "INSERT INTO networks (id, organization_id, name) VALUES ('n', 'o', 'Net')",
            "INSERT INTO daily_usage VALUES ('2026-01-02', 'n', 0, 1500, 2500)",
            "INSERT INTO daily_usage VALUES ('2026-01-03', 'n', 0, 500, 500)",
            // Another year, another group, a gap (01-04) and a later day: the prefix rollups
            // must come out of the backfill dense and exact.
            "INSERT INTO daily_usage VALUES ('2025-12-30', 'n', 0, 7, 7)",
            "INSERT INTO daily_usage VALUES ('2026-01-05', 'n', 0, 30, 40)",
            "INSERT INTO daily_usage VALUES ('2026-03-09', 'n', -1, 1, 2)",
            "INSERT INTO synced_days VALUES ('n', '2025-12-30', 0, 'sync')",
            "INSERT INTO synced_days VALUES ('n', '2026-01-02', 0, 'sync')",
            "INSERT INTO synced_days VALUES ('n', '2026-01-05', 0, 'sync')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), supported_version());
        let (up, down): (i64, i64) = sqlx::query_as(
            "SELECT up_mkb, down_mkb FROM monthly_usage WHERE month = '2026-01' AND network_id = 'n'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((up, down), (2030, 3040));
        // 2025-12-30, 2026-01-02 and 01-03 are in the week of Monday 12-29 (01-05 is the next).
        let (up, down): (i64, i64) = sqlx::query_as(
            "SELECT up_mkb, down_mkb FROM weekly_usage WHERE week = '2025-12-29' AND network_id = 'n'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((up, down), (2007, 3007));
        let (up, down, rows): (i64, i64, i64) = sqlx::query_as(
            "SELECT up_mkb, down_mkb, rows FROM day_group_usage
             WHERE day = '2026-01-02' AND group_position = 0",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((up, down, rows), (1500, 2500, 1));

        // The prefix rollups: every period sums its days, across the gap and the year end.
        let corp = |rows: Vec<crate::records::ReportRow>| {
            rows.iter()
                .filter(|r| r.group_position == Some(0))
                .map(|r| (r.traffic.up.millis(), r.traffic.down.millis()))
                .next()
        };
        let d = jiff::civil::date;
        for (a, b, want) in [
            (d(2025, 12, 1), d(2026, 12, 31), Some((2037, 3047))),
            (d(2025, 12, 31), d(2026, 1, 4), Some((2000, 3000))),
            (d(2026, 1, 3), d(2026, 1, 5), Some((530, 540))),
            // No group is defined here, so a day without rows has no row for position 0.
            (d(2026, 1, 4), d(2026, 1, 4), None),
            (d(2025, 12, 30), d(2025, 12, 30), Some((7, 7))),
        ] {
            let rows = store.report_rows(a, b).await.unwrap();
            assert_eq!(corp(rows), want, "{a} to {b}");
        }
        let missing = store
            .missing_days(d(2025, 12, 30), d(2026, 1, 5))
            .await
            .unwrap();
        assert_eq!(
            missing[0].2,
            [d(2025, 12, 31), d(2026, 1, 1), d(2026, 1, 3), d(2026, 1, 4)]
        );
    }
}

#[cfg(test)]
mod before_sources {
    use std::borrow::Cow;

    use super::*;

    /// A database written before sources existed: its settings and every stored day mean
    /// `device`, the only source there was.
    #[tokio::test]
    async fn existing_days_and_settings_mean_device() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let mut old = Migrator::DEFAULT;
        old.migrations = Cow::Owned(
            MIGRATOR
                .iter()
                .filter(|m| m.version < 20261130200000)
                .cloned()
                .collect(),
        );
        let pool = SqlitePool::connect_with(connect_options(&path).create_if_missing(true))
            .await
            .unwrap();
        old.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO settings (id, groups, filter, time_zone_mode, updated_at)
             VALUES (1, 'Corp=sub:10.0.0.0/8', 'dtype:all', 'network', 0)",
            "INSERT INTO organizations VALUES ('o', 'Org')",
            "INSERT INTO networks (id, organization_id, name) VALUES ('n', 'o', 'Net')",
            "INSERT INTO synced_days VALUES ('n', '2026-01-02', 0, 'sync')",
            "INSERT INTO synced_days VALUES ('n', '2026-01-03', 0, 'legacy')",
            "INSERT INTO client_daily_usage (network_id, day, client_id, up_mkb, down_mkb)
             VALUES ('n', '2026-01-02', 'k1', 1, 2)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = SqliteStore::open(&path).await.unwrap();
        let settings = store.settings().await.unwrap().unwrap();
        assert_eq!(settings.source, usage_model::Source::Device);
        let start = jiff::civil::date(2026, 1, 1);
        let end = jiff::civil::date(2026, 1, 31);
        assert_eq!(
            store.report_sources(start, end).await.unwrap(),
            vec![(usage_model::Source::Device, 2)]
        );
        let ssid: Option<String> = sqlx::query_scalar("SELECT ssid FROM client_daily_usage")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(ssid, None);
    }
}

#[cfg(test)]
mod tidy {
    use super::MIGRATOR;

    /// Released migrations are applied by checksum: editing one would break every existing
    /// database ("migration was previously applied but has been modified"). Change the schema
    /// with a new file; when adding one, add its version and checksum here.
    #[test]
    fn released_migrations_are_never_edited() {
        let known: &[(i64, &str)] = &[
            (
                20261125170000,
                "7d520b13a4065e688a29198328cd3ad8a6dfc5d84671f6a5760078a49ed76a595ea9cd81b5a0b796eac1e0847442ea8f",
            ),
            (
                20261125170100,
                "76d49bea3688ff205f502fd9e231a4e300afba2f95ddeb051238270e7e14cd8fb84d2c0b93fba4bd038f565295889511",
            ),
            (
                20261125180000,
                "db65f08ca3fee95d09652a920f359c132152a5adead59ae164ff02456767dcc6ef02fe0fa57554642ce5238b489e96b1",
            ),
            (
                20261125183000,
                "a837ef008e222af423d20ce489dc2d62900271499f9e18dc12d8f94c9ce54ea04ca1db47e7373547993e7951203b9a7d",
            ),
            (
                20261129200000,
                "a439ce6f00a1ce4540bd72362c2566c59488d32e36ce776e0cb980fa11a4aa5cf66ad4da4b8bbe6b64314c94f8a03a20",
            ),
            (
                20261130100000,
                "e87425dbc1fc23f5f16ddf82e9adfca7cf4b65302dce2782dd13caf620da62a20ebc55b0255aad1776ee8313448c7f57",
            ),
            (
                20261130200000,
                "652792d0ab5d9fac92e8bc22845faf6e0a8f09134b9804c5a2d39cf32a10326eb1212c55f2dabd1c4087257e7c0c5da8",
            ),
            (
                20261201100000,
                "b5e8275534c395fa9b734826ea59795369e41d36e5d24019d0b3f9357aea2e9ccc5872919c5e7fd32430d057ee03921e",
            ),
            (
                20261201100100,
                "922ac1d1017a49192dd126b39fdf9536a23655d35cb22c3c24dcf735ad924a5237fa446fdc1e34c629b00174402789e0",
            ),
            (
                20261201100200,
                "014b95475a343a81d00e6ef2dbb25fb390d26cbc5232b2648c0bd67a02ac5eef9324bfed4670c5f5be5f783f58826432",
            ),
            (
                20261202100000,
                "20ad9ea0dbce486c8786d390d36e81b3a6849bb00fd9e7c36a43755b349689b33ac971acfb5a28d168163546acd95736",
            ),
        ];
        let actual: Vec<(i64, String)> = MIGRATOR
            .iter()
            .map(|m| {
                let hex: String = m.checksum.iter().map(|b| format!("{b:02x}")).collect();
                (m.version, hex)
            })
            .collect();
        let expected: Vec<(i64, String)> = known.iter().map(|(v, h)| (*v, h.to_string())).collect();
        assert_eq!(actual, expected);
    }
}
