//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong in [`crate::Store`] and [`crate::import_legacy`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file was made by the original `usagestats.py`; it must be converted first.
    #[error(
        "{path} is a database made by the original usagestats.py; convert it with \
         `usagestats -d NEW.db import-legacy {path}` and use NEW.db from then on",
        path = path.display()
    )]
    LegacyDatabase {
        /// The file that was opened.
        path: PathBuf,
    },

    /// The database was written by a newer usagestats whose schema this version does not know.
    #[error(
        "{location} uses database schema version {found}, newer than this usagestats supports \
         ({supported}); upgrade usagestats"
    )]
    NewerSchema {
        /// The database that was opened (a file name, or a URL without its password).
        location: String,
        /// The newest migration applied to the file.
        found: i64,
        /// The newest migration this build knows.
        supported: i64,
    },

    /// The file exists but is not an SQLite database.
    #[error("{path} is not an SQLite database", path = path.display())]
    NotADatabase {
        /// The file that was opened.
        path: PathBuf,
    },

    /// The file is an SQLite database, but neither a usagestats nor a usagestats.py one.
    #[error(
        "{path} is an SQLite database that usagestats did not create; refusing to add tables \
         to it (choose a new file name)",
        path = path.display()
    )]
    ForeignDatabase {
        /// The file that was opened.
        path: PathBuf,
    },

    /// SQLite could not open or create the file (no permission, ...).
    #[error("cannot open database {path}: {}", describe(error), path = path.display())]
    CannotOpen {
        /// The file that was opened.
        path: PathBuf,
        /// What SQLite said (shown in the message, so not a separate source).
        error: sqlx::Error,
    },

    /// The path names a directory, a device or another file that is not a regular file.
    #[error("{path} is {what}", path = path.display())]
    NotAFile {
        /// The path given.
        path: PathBuf,
        /// What it is instead, e.g. "a directory, not a database file".
        what: &'static str,
    },

    /// SQLite takes file names in UTF-8 only.
    #[error(
        "the file name {path} is not valid UTF-8, which SQLite requires; use a name (and \
         directory) in UTF-8",
        path = path.display()
    )]
    NonUtf8Path {
        /// The path given (shown with replacement characters).
        path: PathBuf,
    },

    /// The directory a new database was to be created in does not exist.
    #[error(
        "cannot create the database {path}: the directory {dir} {what}",
        path = path.display(),
        dir = dir.display()
    )]
    MissingDirectory {
        /// The database file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// "does not exist" or "is not a directory".
        what: &'static str,
    },

    /// A file with an older schema was opened for reading, and upgrading it failed (typically:
    /// no write access).
    #[error(
        "{location} has the schema of an older usagestats and must be upgraded once, which \
         needs write access ({cause}); run `usagestats -d {location} sync` as a user who may \
         write it"
    )]
    UpgradeNeedsWriteAccess {
        /// The database (a file name, or a URL without its password).
        location: String,
        /// Why the upgrade failed.
        cause: String,
    },

    /// [`crate::Store::open_existing`] was given a path where there is no file.
    #[error("database file {path} does not exist", path = path.display())]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },

    /// The import target already exists; an import only ever creates a new file.
    #[error(
        "{path} already exists; import-legacy writes a new database and never overwrites one",
        path = path.display()
    )]
    ImportTargetExists {
        /// The existing file.
        path: PathBuf,
    },

    /// The target of a backup already exists; a backup only ever creates a new file.
    #[error(
        "{path} already exists; a backup is written to a new file and never overwrites one",
        path = path.display()
    )]
    BackupTargetExists {
        /// The existing file.
        path: PathBuf,
    },

    /// A file to be written is the database or one of its side files (`-wal`, `-shm`,
    /// `-journal`, `.lock`), by any name: writing it would destroy the database or block every
    /// later command.
    #[error(
        "{path} is {file}; write to another file",
        path = path.display()
    )]
    DatabaseFileAsTarget {
        /// The file that was to be written, as given.
        path: PathBuf,
        /// Which file of which database it is, e.g. "the -wal file of the database usage.db".
        file: String,
    },

    /// The source of an import is not a database made by `usagestats.py` version 4.
    #[error("{path} cannot be imported: {reason}", path = path.display())]
    NotLegacy {
        /// The file given as the old database.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// Another process holds the sync lock.
    #[error(
        "another sync is running on this database ({holder}); wait for it to finish \
         ({lock}, released automatically when that process exits)"
    )]
    SyncInProgress {
        /// The lock: `lock file PATH` (SQLite) or `advisory lock of the database` (PostgreSQL).
        lock: String,
        /// What the holder wrote into the lock file (process id and start time), if readable.
        holder: String,
    },

    /// The PostgreSQL server could not be reached or refused the connection (wrong password,
    /// unknown database, TLS required, ...). The message names the database without its
    /// password.
    #[error("cannot connect to the database {location}: {cause}")]
    CannotConnect {
        /// The URL without its password.
        location: String,
        /// What went wrong, in words (never containing the password).
        cause: String,
    },

    /// The PostgreSQL database holds no usagestats schema (a command that needs an existing
    /// database was given an empty one).
    #[error(
        "the database {location} holds no usagestats data yet; create it with a sync \
         (usagestats -d URL sync) or copy a database into it (usagestats -d FILE copy-db --to URL)"
    )]
    NoSchema {
        /// The URL without its password.
        location: String,
    },

    /// The PostgreSQL database (its current schema) holds tables of another program.
    #[error(
        "the database {location} holds tables that usagestats did not create; refusing to add \
         its own among them (use an empty database, or another schema through the URL's \
         options=-csearch_path=NAME)"
    )]
    ForeignSchema {
        /// The URL without its password.
        location: String,
    },

    /// The `-d` value looks like a PostgreSQL URL but is not a valid one. The message never
    /// repeats the URL (it may hold a password).
    #[error("{reason}")]
    InvalidLocation {
        /// What is wrong.
        reason: String,
    },

    /// A PostgreSQL URL was given to a build without PostgreSQL support.
    #[error(
        "{location} is a PostgreSQL database, but this usagestats was built without PostgreSQL \
         support (cargo feature `postgres`)"
    )]
    PostgresNotBuilt {
        /// The database, without its password.
        location: String,
    },

    /// The target of a copy already holds data; a copy only fills an empty database.
    #[error(
        "{location} already holds usagestats data; copy-db only fills a new file or an empty \
         database"
    )]
    CopyTargetNotEmpty {
        /// The target, without its password.
        location: String,
    },

    /// After a copy, a row count or sum differs between the source and the copy.
    #[error("the copy does not match its source ({what})")]
    CopyMismatch {
        /// Which check, with both values.
        what: String,
    },

    /// What was asked cannot be done on this backend.
    #[error("{what}")]
    Unsupported {
        /// What, and what to do instead.
        what: String,
    },

    /// A day record, group list or classification result the caller passed is inconsistent.
    #[error("invalid data for the database: {0}")]
    InvalidInput(String),

    /// A value read from the database does not have the documented form.
    #[error("database content is damaged: {0}")]
    Corrupt(String),

    /// Writing the dump failed.
    #[error("writing the database dump failed: {0}")]
    Io(#[from] std::io::Error),

    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// SQLite reported an error. Shown as SQLite's message, its code and what it usually
    /// means for a user (full disk, read-only file, ...); the inner error is not repeated as a
    /// source.
    #[error("{}", describe(.0))]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Sqlx(e)
    }
}

/// A database error in words a user can act on: the database's message, its code and, for the
/// codes a user meets, what to check. SQLite reports numeric (extended) result codes,
/// PostgreSQL five-character SQLSTATE codes.
pub(crate) fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let message = db.message();
            // SQLite's extended result codes have at most four digits; SQLSTATEs have five.
            if code.len() == 5 {
                let hint = postgres_hint(&code);
                return if hint.is_empty() {
                    format!("{message} (PostgreSQL error {code})")
                } else {
                    format!("{message} (PostgreSQL error {code}): {hint}")
                };
            }
            // The primary result code is the low byte of the extended one.
            let hint = match code.parse::<i32>().map(|c| c & 0xff) {
                Ok(13) => "the disk is full",
                Ok(10) => {
                    "the disk refused the write (full disk, file size limit or hardware fault)"
                }
                Ok(8) => {
                    "the database is read-only: check the permissions of the file and its directory"
                }
                Ok(14) => {
                    "the file cannot be opened: check that its directory exists and is writable"
                }
                Ok(5 | 6) => "another process keeps the database locked",
                Ok(11 | 26) => "the file is damaged or not a database",
                _ => "",
            };
            match (code.is_empty(), hint.is_empty()) {
                (true, _) => message.to_string(),
                (false, true) => format!("{message} (SQLite error {code})"),
                (false, false) => format!("{message} (SQLite error {code}): {hint}"),
            }
        }
        sqlx::Error::PoolTimedOut => "timed out waiting for a database connection".to_string(),
        other => other.to_string(),
    }
}

fn postgres_hint(code: &str) -> &'static str {
    match code {
        "28P01" | "28000" => {
            "check the user and the password (PGPASSWORD, ~/.pgpass, or the URL) and pg_hba.conf"
        }
        "3D000" => "the database does not exist: create it first (createdb NAME)",
        "42501" => "permission denied: the user needs rights on the database and its schema",
        "53100" => "the server's disk is full",
        "53300" => "the server has too many connections",
        "25006" => "the connection is read-only (a standby, or default_transaction_read_only)",
        "57P01" | "57P02" | "57P03" => "the server is shutting down or starting up",
        "40P01" => "a deadlock between concurrent writers (retried; report it if it persists)",
        _ if code.starts_with("08") => "the connection to the server failed",
        _ => "",
    }
}

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
