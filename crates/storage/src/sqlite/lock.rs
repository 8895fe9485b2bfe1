//! The sync lock: at most one sync per database at a time.
//!
//! An OS advisory lock (`flock`) on `<database>.lock`. The kernel drops it when the holding
//! process exits for any reason, SIGKILL included, so a killed sync never leaves a stale lock
//! behind; no lease or heartbeat is needed. The file itself is left in place on release:
//! deleting it could let a waiter lock an unlinked file while a newcomer locks a new one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::SqliteStore;
use crate::error::{Error, Result};

/// Held while a sync runs; dropping it releases the lock.
#[derive(Debug)]
pub struct SyncLock {
    _held: Held,
    path: Option<PathBuf>,
}

/// What holds the lock: the locked file (SQLite), or the connection that holds PostgreSQL's
/// session advisory lock (closed, and so released, on drop or when the process dies).
#[derive(Debug)]
enum Held {
    File(#[allow(dead_code)] File),
    #[cfg(feature = "postgres")]
    Postgres(#[allow(dead_code)] sqlx::PgConnection),
}

impl SyncLock {
    /// The lock file (SQLite); `None` for PostgreSQL's advisory lock.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(conn: sqlx::PgConnection) -> SyncLock {
        SyncLock {
            _held: Held::Postgres(conn),
            path: None,
        }
    }
}

/// `<database>.lock`, next to the database.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    super::DatabaseFile::Lock.of(db)
}

impl SqliteStore {
    pub(crate) async fn try_lock_sync(&self) -> Result<SyncLock> {
        let Some(db) = self.location().path() else {
            return Err(Error::InvalidInput("an SQLite store without a file".into()));
        };
        let path = lock_path(db);
        let lock = try_lock_file(&path)?;
        self.abort_stale_runs().await?;
        Ok(lock)
    }

    pub(crate) async fn lock_sync_waiting(&self, timeout: Duration) -> Result<SyncLock> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.try_lock_sync().await {
                Err(Error::SyncInProgress { .. }) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                other => return other,
            }
        }
    }
}

fn try_lock_file(path: &Path) -> Result<SyncLock> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for the message a second process shows.
            let note = format!(
                "pid {} since {}",
                std::process::id(),
                jiff::Timestamp::now()
                    .round(jiff::Unit::Second)
                    .unwrap_or_default()
            );
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(note.as_bytes())?;
            file.flush()?;
            Ok(SyncLock {
                _held: Held::File(file),
                path: Some(path.to_path_buf()),
            })
        }
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = if holder.trim().is_empty() {
                "holder unknown".to_string()
            } else {
                holder.trim().to_string()
            };
            Err(Error::SyncInProgress {
                lock: format!("lock file {}", path.display()),
                holder,
            })
        }
        Err(TryLockError::Error(e)) => Err(e.into()),
    }
}
