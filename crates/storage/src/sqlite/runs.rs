//! The audit trail of sync runs (SQLite).

use super::SqliteStore;
use crate::convert::{now_unix, to_sql_count};
use crate::error::{Error, Result};
use crate::records::{RunId, RunStatus, RunSummary, SyncRunRecord};
use crate::rows::RunRow;

impl SqliteStore {
    pub(crate) async fn begin_run(&self) -> Result<RunId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sync_runs (started_at, status, pid) VALUES (?1, ?2, ?3) RETURNING id",
        )
        .bind(now_unix())
        .bind(RunStatus::Running.as_str())
        .bind(i64::from(std::process::id()))
        .fetch_one(&self.pool)
        .await?;
        Ok(RunId(id))
    }

    pub(crate) async fn finish_run(&self, run: RunId, summary: &RunSummary) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sync_runs SET finished_at = ?1, status = ?2, calls = ?3, retries = ?4,
                 rate_limited = ?5, days_written = ?6, error = ?7
             WHERE id = ?8",
        )
        .bind(now_unix())
        .bind(summary.status.as_str())
        .bind(to_sql_count(summary.calls))
        .bind(to_sql_count(summary.retries))
        .bind(to_sql_count(summary.rate_limited))
        .bind(to_sql_count(summary.days_written))
        .bind(&summary.error)
        .bind(run.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::InvalidInput(format!("no sync run with id {run}")));
        }
        Ok(())
    }

    pub(crate) async fn recent_runs(&self, limit: u32) -> Result<Vec<SyncRunRecord>> {
        let rows: Vec<RunRow> = sqlx::query_as(
            "SELECT id, started_at, finished_at, status, pid, calls, retries, rate_limited,
                 days_written, error
             FROM sync_runs ORDER BY id DESC LIMIT ?1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SyncRunRecord::try_from).collect()
    }

    /// Marks runs still `running` as `aborted`. Only called while holding the sync lock: then
    /// no other process can be syncing, so such a run belongs to a process that died.
    pub(crate) async fn abort_stale_runs(&self) -> Result<u64> {
        let done = sqlx::query("UPDATE sync_runs SET status = ?1, error = ?2 WHERE status = ?3")
            .bind(RunStatus::Aborted.as_str())
            .bind(crate::records::ABORTED_RUN_ERROR)
            .bind(RunStatus::Running.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
