//! Organization leases (PostgreSQL): how several syncs share one database.
//!
//! A claim takes one free organization among the caller's candidates with
//! `FOR UPDATE SKIP LOCKED` (two workers never wait on, or take, the same row) and sets the
//! caller as holder until the server's clock passes `expires_at`. Times are the server's
//! (`clock_timestamp()`), so the workers' own clocks never matter.

use std::time::Duration;

use super::PgStore;
use crate::error::Result;
use crate::records::{RunId, RunStatus};

impl PgStore {
    pub(crate) async fn claim_organization(
        &self,
        holder: &str,
        run: Option<RunId>,
        candidates: &[String],
        lease: Duration,
    ) -> Result<Option<String>> {
        let mut ids = candidates.to_vec();
        // Inserted in one order by every worker, so concurrent inserts never deadlock.
        ids.sort();
        ids.dedup();
        sqlx::query(
            "INSERT INTO organization_leases (organization_id)
             SELECT id FROM UNNEST($1::text[]) AS id ORDER BY id
             ON CONFLICT (organization_id) DO NOTHING",
        )
        .bind(&ids)
        .execute(&self.pool)
        .await?;
        let mut tx = self.pool.begin().await?;
        let claimed: Option<(String, String, Option<i64>)> = sqlx::query_as(
            "WITH free AS (
                 SELECT organization_id, holder AS previous_holder, run_id AS previous_run
                 FROM organization_leases
                 WHERE organization_id = ANY($1::text[]) AND expires_at < clock_timestamp()
                 ORDER BY organization_id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED
             )
             UPDATE organization_leases AS l
             SET holder = $2, run_id = $4,
                 expires_at = clock_timestamp() + make_interval(secs => $3)
             FROM free WHERE l.organization_id = free.organization_id
             RETURNING l.organization_id, free.previous_holder, free.previous_run",
        )
        .bind(&ids)
        .bind(holder)
        .bind(lease.as_secs_f64())
        .bind(run.map(|r| r.0))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((organization, previous_holder, previous_run)) = claimed else {
            tx.commit().await?;
            return Ok(None);
        };
        // Taken over from a sync whose lease expired without a release: that sync died, and
        // its run would stay `running` for ever.
        if !previous_holder.is_empty()
            && let Some(dead) = previous_run.filter(|r| Some(*r) != run.map(|r| r.0))
        {
            sqlx::query(
                "UPDATE sync_runs SET status = $1, error = $2 WHERE id = $3 AND status = $4",
            )
            .bind(RunStatus::Aborted.as_str())
            .bind(crate::records::ABORTED_RUN_ERROR)
            .bind(dead)
            .bind(RunStatus::Running.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(organization))
    }

    pub(crate) async fn renew_leases(
        &self,
        holder: &str,
        organizations: &[String],
        lease: Duration,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE organization_leases
             SET expires_at = clock_timestamp() + make_interval(secs => $3)
             WHERE organization_id = ANY($1::text[]) AND holder = $2
               AND expires_at >= clock_timestamp()",
        )
        .bind(organizations)
        .bind(holder)
        .bind(lease.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn release_organization(
        &self,
        holder: &str,
        organization: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE organization_leases SET holder = '', run_id = NULL, expires_at = '-infinity'
             WHERE organization_id = $1 AND holder = $2",
        )
        .bind(organization)
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
