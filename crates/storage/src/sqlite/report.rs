//! Report queries (SQLite): period sums per network and group, daily totals, missing days,
//! sources. Periods are read from the prefix-sum rollups ([`crate::period`]).

use std::collections::BTreeMap;

use jiff::civil::Date;
use usage_model::{Source, Traffic};

use super::SqliteStore;
use crate::error::Result;
use crate::period::PrefixPlan;
use crate::records::ReportRow;
use crate::rows::{
    BoundRow, DayGroupRow, GroupRow, GroupSumRow, ReportNetworkRow, SqlDay, SyncedCountRow,
    source_from_sql,
};

/// A period's sums per network and group position: the year totals between, plus the end's
/// prefix, minus the prefix before the start ([`PrefixPlan`]).
const PERIOD_SUMS: &str = "
    SELECT network_id, group_position, SUM(up) AS up_mkb, SUM(down) AS down_mkb, SUM(n) AS rows
    FROM (
        SELECT network_id, group_position, up_mkb AS up, down_mkb AS down, rows AS n
            FROM usage_year WHERE year >= ?1 AND year < ?2
        UNION ALL
        SELECT network_id, group_position, up_mkb, down_mkb, rows
            FROM usage_year_to_month WHERE month = ?3
        UNION ALL
        SELECT network_id, group_position, up_mkb, down_mkb, rows
            FROM usage_month_to_day WHERE day = ?4
        UNION ALL
        SELECT network_id, group_position, -up_mkb, -down_mkb, -rows
            FROM usage_year_to_month WHERE month = ?5
        UNION ALL
        SELECT network_id, group_position, -up_mkb, -down_mkb, -rows
            FROM usage_month_to_day WHERE day = ?6
    )
    GROUP BY network_id, group_position";

/// A period's complete days per network and source, the same way.
const PERIOD_SYNCED: &str = "
    SELECT network_id, usage_source, SUM(n) AS days
    FROM (
        SELECT network_id, usage_source, days AS n
            FROM synced_year WHERE year >= ?1 AND year < ?2
        UNION ALL
        SELECT network_id, usage_source, days FROM synced_year_to_month WHERE month = ?3
        UNION ALL
        SELECT network_id, usage_source, days FROM synced_month_to_day WHERE day = ?4
        UNION ALL
        SELECT network_id, usage_source, -days FROM synced_year_to_month WHERE month = ?5
        UNION ALL
        SELECT network_id, usage_source, -days FROM synced_month_to_day WHERE day = ?6
    )
    GROUP BY network_id, usage_source
    HAVING SUM(n) <> 0";

macro_rules! bind_plan {
    ($query:expr, $plan:expr) => {
        $query
            .bind($plan.years.0)
            .bind($plan.years.1)
            .bind($plan.plus_month.as_deref())
            .bind(SqlDay($plan.plus_day))
            .bind($plan.minus_month.as_deref())
            .bind($plan.minus_day.map(SqlDay))
    };
}

impl SqliteStore {
    pub(crate) async fn report_rows(&self, start: Date, end: Date) -> Result<Vec<ReportRow>> {
        let plan = PrefixPlan::new(start, end);
        // One read transaction, so sums, networks and groups come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        let sums: Vec<GroupSumRow> = bind_plan!(sqlx::query_as(PERIOD_SUMS), plan)
            .fetch_all(&mut *tx)
            .await?;
        let networks: Vec<ReportNetworkRow> = sqlx::query_as(
            "SELECT o.id AS organization_id, o.name AS organization_name, n.id AS network_id,
                 n.name AS network_name
             FROM networks AS n JOIN organizations AS o ON o.id = n.organization_id
             ORDER BY o.name, o.id, n.name, n.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let groups: Vec<GroupRow> =
            sqlx::query_as("SELECT position, name FROM groups ORDER BY position")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        crate::assemble::report_rows(sums, networks, &groups)
    }

    pub(crate) async fn report_bounds(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(String, Option<usize>, Traffic)>> {
        // The WHERE clause repeats the partial index's condition so SQLite can use it.
        let rows: Vec<BoundRow> = sqlx::query_as(
            "SELECT network_id, group_position, SUM(up_bound_mkb) AS up_bound_mkb,
                 SUM(down_bound_mkb) AS down_bound_mkb
             FROM daily_usage INDEXED BY daily_usage_with_bound
             WHERE (up_bound_mkb <> 0 OR down_bound_mkb <> 0) AND day >= ?1 AND day <= ?2
             GROUP BY network_id, group_position
             ORDER BY network_id, group_position",
        )
        .bind(SqlDay(start))
        .bind(SqlDay(end))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(BoundRow::into_domain).collect()
    }

    pub(crate) async fn daily_totals(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(Date, Option<usize>, Traffic)>> {
        let rows: Vec<DayGroupRow> = sqlx::query_as(
            // day_group_usage holds exactly this GROUP BY over daily_usage, kept by triggers.
            "SELECT day, group_position, up_mkb, down_mkb FROM day_group_usage
             WHERE day >= ?1 AND day <= ?2
             ORDER BY day, group_position < 0, group_position",
        )
        .bind(SqlDay(start))
        .bind(SqlDay(end))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DayGroupRow::into_domain).collect()
    }

    pub(crate) async fn report_sources(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(Source, u64)>> {
        let mut per_source: BTreeMap<Source, u64> = BTreeMap::new();
        for row in synced_counts(&self.pool, start, end).await? {
            *per_source
                .entry(source_from_sql(&row.usage_source)?)
                .or_default() += u64::try_from(row.days).unwrap_or(0);
        }
        Ok(per_source.into_iter().filter(|(_, n)| *n > 0).collect())
    }

    pub(crate) async fn missing_days(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(String, String, Vec<Date>)>> {
        let period_days = crate::assemble::days_in(start, end);
        let mut tx = self.pool.begin().await?;
        let mut complete: BTreeMap<String, i64> = BTreeMap::new();
        for row in synced_counts(&mut *tx, start, end).await? {
            *complete.entry(row.network_id).or_default() += row.days;
        }
        let networks: Vec<ReportNetworkRow> = sqlx::query_as(
            "SELECT o.id AS organization_id, o.name AS organization_name, n.id AS network_id,
                 n.name AS network_name
             FROM networks AS n JOIN organizations AS o ON o.id = n.organization_id
             ORDER BY o.name, o.id, n.name, n.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::new();
        for net in networks {
            if complete.get(&net.network_id).copied().unwrap_or(0) >= period_days {
                continue;
            }
            // The period's days without a mark, generated and probed one by one through the
            // (network_id, day) key: cheap even for years.
            let missing: Vec<SqlDay> = sqlx::query_scalar(
                "WITH RECURSIVE period(day) AS (
                     SELECT ?2 UNION ALL SELECT date(day, '+1 day') FROM period WHERE day < ?3
                 )
                 SELECT day FROM period
                 WHERE NOT EXISTS (SELECT 1 FROM synced_days AS s
                                   WHERE s.network_id = ?1 AND s.day = period.day)
                 ORDER BY day",
            )
            .bind(&net.network_id)
            .bind(SqlDay(start))
            .bind(SqlDay(end))
            .fetch_all(&mut *tx)
            .await?;
            out.push((
                net.network_id,
                net.network_name,
                missing.into_iter().map(|d| d.0).collect(),
            ));
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// Complete days of `start..=end` per network and source (non-zero counts only).
async fn synced_counts<'e, E>(executor: E, start: Date, end: Date) -> Result<Vec<SyncedCountRow>>
where
    E: sqlx::SqliteExecutor<'e>,
{
    let plan = PrefixPlan::new(start, end);
    Ok(bind_plan!(sqlx::query_as(PERIOD_SYNCED), plan)
        .fetch_all(executor)
        .await?)
}
