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

use sqlx::Connection as _;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

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
        let options = connect_options(url, &shown)?
            .application_name(&format!("usagestats pid {}", std::process::id()));
        // One connection first, outside a pool: a pool retries a refused connection until its
        // acquire timeout (30 s), while a server that is not there should be said at once.
        let mut conn = first_connection(&options, &shown).await?;
        // Probing and migrating under one lock of this database: of several processes opening
        // a new database at once (workers started together), one creates the schema and the
        // others then find it complete (never half made, which would look foreign).
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(SCHEMA_LOCK_KEY)
            .execute(&mut conn)
            .await?;
        let probed = probe(&mut conn).await;
        let result = async {
            match probed? {
                Probe::Foreign => Err(Error::ForeignSchema {
                    location: shown.clone(),
                }),
                Probe::Empty if mode != OpenMode::Create => Err(Error::NoSchema {
                    location: shown.clone(),
                }),
                Probe::Empty => migrate(&mut conn).await,
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
                        && let Err(e) = migrate(&mut conn).await
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
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
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

/// How long opening a connection may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The parameters a PostgreSQL URL may carry: those the driver reads (sqlx's
/// `PgConnectOptions::parse_from_url`). The driver only logs a warning for any other and goes
/// on without it, so a misspelt `sslmod=require` would connect without TLS unnoticed.
const URL_PARAMETERS: [&str; 19] = [
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
    "options[NAME]",
];

/// The driver's connection options for `url` (`shown`: the URL without its password, for
/// messages).
///
/// # Errors
/// [`Error::InvalidLocation`] for a parameter the driver does not know or a value it refuses
/// (`sslmode=bogus`), in one line without the URL's password.
fn connect_options(url: &PostgresUrl, shown: &str) -> Result<PgConnectOptions> {
    let invalid = |what: String| Error::InvalidLocation {
        reason: format!("the PostgreSQL URL {shown} is not valid: {what}"),
    };
    for key in url.parameter_names() {
        let known = URL_PARAMETERS.contains(&key.as_str())
            || (key.starts_with("options[") && key.ends_with(']'));
        if !known {
            return Err(invalid(format!(
                "unknown parameter {key:?}; known: {}",
                URL_PARAMETERS.join(", ")
            )));
        }
    }
    let options = PgConnectOptions::from_str(url.expose_secret())
        .map_err(|e| invalid(innermost_cause(&e)))?;
    // The URL crate gives an IPv6 literal host with its brackets, which the driver would look
    // up as a host name ("failed to lookup address information").
    let host = options.get_host();
    Ok(
        match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(address) => {
                let address = address.to_string();
                options.host(&address)
            }
            None => options,
        },
    )
}

/// The deepest cause of an error: the driver wraps a configuration error in another, and both
/// print "error with configuration:".
fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Where `options` connect to, for messages: `HOST:PORT` (`[ADDRESS]:PORT` for IPv6), or the
/// Unix socket directory and port.
fn server_address(options: &PgConnectOptions) -> String {
    let port = options.get_port();
    match options.get_socket() {
        Some(dir) => format!("the socket in {} (port {port})", dir.display()),
        None if options.get_host().contains(':') => format!("[{}]:{port}", options.get_host()),
        None => format!("{}:{port}", options.get_host()),
    }
}

/// Opens one connection, failing at once when the server refuses it and after
/// [`CONNECT_TIMEOUT`] when nothing answers.
///
/// # Errors
/// [`Error::CannotConnect`], naming the server's address for a failure to reach it (refused,
/// unknown host, unreachable, no answer) and saying what the server said otherwise (a wrong
/// password, an unknown database).
async fn first_connection(options: &PgConnectOptions, shown: &str) -> Result<PgConnection> {
    let failed = |cause: String| Error::CannotConnect {
        location: shown.to_string(),
        cause,
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(sqlx::Error::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(failed(format!(
                "{} refused the connection (is the PostgreSQL server running and listening \
                 there?)",
                server_address(options)
            )))
        }
        Ok(Err(sqlx::Error::Io(e))) => Err(failed(format!(
            "cannot reach {}: {e}",
            server_address(options)
        ))),
        Ok(Err(e)) => Err(failed(describe(&e))),
        Err(_) => Err(failed(format!(
            "{} did not answer within {} s",
            server_address(options),
            CONNECT_TIMEOUT.as_secs()
        ))),
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
async fn probe(conn: &mut PgConnection) -> Result<Probe> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await?;
    if tables.iter().any(|t| t == "_sqlx_migrations") {
        let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&mut *conn)
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
async fn migrate(conn: &mut PgConnection) -> Result<()> {
    MIGRATOR.run(conn).await?;
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
