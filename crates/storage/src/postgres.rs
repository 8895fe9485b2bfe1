//! The PostgreSQL backend (cargo feature `postgres`): a database named by a URL, its own
//! forward-only migrations (`migrations/postgres/`), the same schema and meanings as SQLite,
//! and organization leases instead of a file lock so that several syncs can share it.

mod dump;
mod lease;
mod lock;
mod reclassify;
mod report;
mod runs;
mod write;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::error::{Error, Result, describe};
use crate::location::{Location, PostgresUrl};
use crate::store::OpenMode;

/// The schema, embedded at build time from `crates/storage/migrations/postgres/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL backend: a pool of connections to one database. Cheap to clone. Its `Debug`
/// shows the URL without the password (the connection options, which hold it, never show).
#[derive(Clone)]
pub(crate) struct PgStore {
    pub(crate) pool: PgPool,
    location: Arc<Location>,
    read_only: bool,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// What the database's current schema holds before we touch it.
enum Probe {
    /// No tables at all: ours to create.
    Empty,
    /// Our migrations table, with the applied versions and checksums.
    Ours(Vec<(i64, Vec<u8>)>),
    /// Tables of another program.
    Foreign,
}

impl PgStore {
    pub(crate) async fn connect(
        location: &Location,
        url: &PostgresUrl,
        mode: OpenMode,
    ) -> Result<PgStore> {
        let shown = location.to_string();
        let cannot_connect = |e: sqlx::Error| Error::CannotConnect {
            location: shown.clone(),
            cause: describe(&e),
        };
        let options = PgConnectOptions::from_str(url.expose_secret())
            .map_err(|e| Error::InvalidLocation {
                reason: format!("the PostgreSQL URL {shown} is not valid: {}", describe(&e)),
            })?
            .application_name(&format!("usagestats pid {}", std::process::id()));
        let writer = pool(options.clone(), 3).await.map_err(cannot_connect)?;
        // Probing and migrating under one lock of this database: of several processes opening
        // a new database at once (workers started together), one creates the schema and the
        // others then find it complete (never half made, which would look foreign).
        let mut guard = writer.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(SCHEMA_LOCK_KEY)
            .execute(&mut *guard)
            .await?;
        let probed = probe(&writer).await;
        let result = async {
            match probed? {
                Probe::Foreign => Err(Error::ForeignSchema {
                    location: shown.clone(),
                }),
                Probe::Empty if mode != OpenMode::Create => Err(Error::NoSchema {
                    location: shown.clone(),
                }),
                Probe::Empty => migrate(&writer).await,
                Probe::Ours(applied) => {
                    let newest = applied.iter().map(|(v, _)| *v).max().unwrap_or(0);
                    if newest > supported_version() {
                        return Err(Error::NewerSchema {
                            location: shown.clone(),
                            found: newest,
                            supported: supported_version(),
                        });
                    }
                    if !up_to_date(&applied)
                        && let Err(e) = migrate(&writer).await
                    {
                        return Err(match mode {
                            OpenMode::ReadOnly => Error::UpgradeNeedsWriteAccess {
                                location: shown.clone(),
                                cause: e.to_string(),
                            },
                            _ => e,
                        });
                    }
                    Ok(())
                }
            }
        }
        .await;
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(SCHEMA_LOCK_KEY)
            .execute(&mut *guard)
            .await;
        drop(guard);
        writer.close().await;
        result?;
        let read_only = mode == OpenMode::ReadOnly;
        let options = if read_only {
            // Every transaction of a report, dump or backup is read-only: the server refuses
            // a write, whatever a bug would try.
            options.options([("default_transaction_read_only", "on")])
        } else {
            options
        };
        let pool = pool(options, 8).await.map_err(cannot_connect)?;
        Ok(PgStore {
            pool,
            location: Arc::new(location.clone()),
            read_only,
        })
    }

    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    pub(crate) fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn pool(options: PgConnectOptions, max: u32) -> std::result::Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    // A first round trip, so that a refused password or a missing database fails here.
    sqlx::query("SELECT 1").execute(&pool).await?;
    Ok(pool)
}

/// The advisory lock key held while the schema is probed and migrated ("usagesch").
const SCHEMA_LOCK_KEY: i64 = 0x7573_6167_6573_6368;

/// The newest migration this build carries.
pub(crate) fn supported_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Whether `applied` is exactly this build's migrations with their checksums.
fn up_to_date(applied: &[(i64, Vec<u8>)]) -> bool {
    applied.len() == MIGRATOR.iter().count()
        && applied
            .iter()
            .zip(MIGRATOR.iter())
            .all(|((version, checksum), m)| *version == m.version && checksum[..] == m.checksum[..])
}

/// Looks at the current schema (the first of the search path) without changing it.
async fn probe(pool: &PgPool) -> Result<Probe> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema()",
    )
    .fetch_all(pool)
    .await?;
    if tables.iter().any(|t| t == "_sqlx_migrations") {
        let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(pool)
        .await?;
        // Another sqlx program's migrations in this schema are not ours.
        let ours = |v: i64| MIGRATOR.iter().any(|m| m.version == v) || v > supported_version();
        if applied.iter().all(|(v, _)| ours(*v)) && tables.iter().any(|t| t == "daily_usage") {
            return Ok(Probe::Ours(applied));
        }
        return Ok(Probe::Foreign);
    }
    Ok(if tables.is_empty() {
        Probe::Empty
    } else {
        Probe::Foreign
    })
}

/// Applies the pending migrations. sqlx's PostgreSQL migrator holds an advisory lock while it
/// works, so several processes opening one new database at once create the schema once.
async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Whether a failed statement is worth running again: a deadlock or a serialization failure
/// between concurrent writers (the transaction was rolled back and nothing of it remains).
pub(crate) fn is_retryable(e: &Error) -> bool {
    match e {
        Error::Sqlx(sqlx::Error::Database(db)) => {
            matches!(db.code().as_deref(), Some("40P01") | Some("40001"))
        }
        _ => false,
    }
}
