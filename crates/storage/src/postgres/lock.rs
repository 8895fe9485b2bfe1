//! The sync lock of a PostgreSQL database: a session advisory lock.
//!
//! Held by one connection taken out of the pool for the sync's duration. The server releases
//! it when that connection closes — the lock dropped, or the process killed (its TCP
//! connection goes away) — so, as with SQLite's `flock`, a killed sync never leaves a stale
//! lock. Advisory locks are per database: two schemas of one database share this lock.

use std::time::{Duration, Instant};

use super::PgStore;
use crate::error::{Error, Result};
use crate::records::RunStatus;
use crate::sqlite::SyncLock;

/// The advisory lock key: "usagesta" in ASCII, unlikely to meet another program's key.
const SYNC_LOCK_KEY: i64 = 0x7573_6167_6573_7461;

impl PgStore {
    pub(crate) async fn try_lock_sync(&self) -> Result<SyncLock> {
        let mut conn = self.pool.acquire().await?.detach();
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SYNC_LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if !got {
            // Who holds it, from the server's own view: the holder's application name carries
            // its process id (set on connect), plus its address and start time.
            let holder: Option<String> = sqlx::query_scalar(
                "SELECT a.application_name || ' from '
                        || COALESCE(host(a.client_addr), 'a local socket')
                        || ' since ' || to_char(a.backend_start AT TIME ZONE 'UTC',
                                                'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                 FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
                 WHERE l.locktype = 'advisory' AND l.granted
                   AND l.database = (SELECT oid FROM pg_database
                                     WHERE datname = current_database())
                   AND (l.classid::bigint << 32) | l.objid::bigint = $1
                 LIMIT 1",
            )
            .bind(SYNC_LOCK_KEY)
            .fetch_optional(&mut conn)
            .await?;
            return Err(Error::SyncInProgress {
                lock: "advisory lock of the database".to_string(),
                holder: holder.unwrap_or_else(|| "holder unknown".to_string()),
            });
        }
        // Under the lock, a run still `running` belongs to a sync that died.
        sqlx::query("UPDATE sync_runs SET status = $1, error = $2 WHERE status = $3")
            .bind(RunStatus::Aborted.as_str())
            .bind(crate::records::ABORTED_RUN_ERROR)
            .bind(RunStatus::Running.as_str())
            .execute(&mut conn)
            .await?;
        Ok(SyncLock::postgres(conn))
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
