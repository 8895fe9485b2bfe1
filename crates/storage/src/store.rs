//! Opening a database: file checks, legacy and version detection, pragmas, migrations.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Row};

use crate::error::{Error, Result};

/// The schema, embedded at build time from `crates/storage/migrations/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a statement waits for another connection's write lock before failing. Long, because
/// a report may run while a sync commits days, and waiting is better than failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A usagestats database: a pool of SQLite connections to one file. Cheap to clone.
///
/// Every connection runs with `journal_mode=WAL` (readers never block the writer),
/// `busy_timeout=30s`, `foreign_keys=ON` and `synchronous=NORMAL` (safe with WAL: a crash never
/// corrupts the file or splits a transaction).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
    path: Arc<PathBuf>,
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

impl Store {
    /// Creates the database file if needed, checks what it is and applies pending migrations.
    ///
    /// Errors: [`Error::LegacyDatabase`] for a file made by the original `usagestats.py` (it
    /// must be converted with `usagestats import-legacy OLD NEW`), [`Error::NewerSchema`] for a
    /// file written by a newer usagestats, [`Error::NotADatabase`] for a file that is not
    /// SQLite and [`Error::ForeignDatabase`] for an unrelated SQLite database.
    pub async fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, true).await
    }

    /// Like [`Store::open`], but fails with [`Error::NotFound`] instead of creating a file
    /// (for commands that only read, such as offline reports and dumps).
    pub async fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::NotFound {
                path: path.to_path_buf(),
            });
        }
        Store::open_with(path, false).await
    }

    async fn open_with(path: &Path, create: bool) -> Result<Store> {
        let non_empty = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        if non_empty {
            check_header(path)?;
            match probe(path).await? {
                Probe::Legacy => {
                    return Err(Error::LegacyDatabase {
                        path: path.to_path_buf(),
                    });
                }
                Probe::Foreign => {
                    return Err(Error::ForeignDatabase {
                        path: path.to_path_buf(),
                    });
                }
                Probe::Ours(Some(found)) if found > supported_version() => {
                    return Err(Error::NewerSchema {
                        path: path.to_path_buf(),
                        found,
                        supported: supported_version(),
                    });
                }
                Probe::Ours(_) | Probe::Empty => {}
            }
        }
        let options = connect_options(path).create_if_missing(create);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| Error::CannotOpen {
                path: path.to_path_buf(),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Store {
            pool,
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (newest applied migration) of the open database.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Waits for running statements and closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The newest migration this build carries.
pub(crate) fn supported_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

pub(crate) fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal)
        // Report queries return ~10^4 rows; sqlx hands rows from its SQLite worker thread
        // through this channel, and the default of 50 makes the two threads take turns.
        .row_buffer_size(4096)
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
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(BUSY_TIMEOUT)
        .create_if_missing(false);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| {
            if is_not_a_database(&e) {
                Error::NotADatabase {
                    path: path.to_path_buf(),
                }
            } else {
                e.into()
            }
        })?;
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
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), supported_version());
        let (up, down): (i64, i64) = sqlx::query_as(
            "SELECT up_mkb, down_mkb FROM monthly_usage WHERE month = '2026-01' AND network_id = 'n'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((up, down), (2000, 3000));
        // 2026-01-02 and 01-03 are a Friday and a Saturday of the week of Monday 12-29.
        let (up, down): (i64, i64) = sqlx::query_as(
            "SELECT up_mkb, down_mkb FROM weekly_usage WHERE week = '2025-12-29' AND network_id = 'n'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((up, down), (2000, 3000));
        let (up, down, rows): (i64, i64, i64) = sqlx::query_as(
            "SELECT up_mkb, down_mkb, rows FROM day_group_usage
             WHERE day = '2026-01-02' AND group_position = 0",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((up, down, rows), (1500, 2500, 1));
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
            "INSERT INTO settings VALUES (1, 'Corp=sub:10.0.0.0/8', 'dtype:all', 'network', 0)",
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

        let store = Store::open(&path).await.unwrap();
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
                20261130200000,
                "652792d0ab5d9fac92e8bc22845faf6e0a8f09134b9804c5a2d39cf32a10326eb1212c55f2dabd1c4087257e7c0c5da8",
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
