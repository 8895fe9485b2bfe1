//! Report queries (PostgreSQL): the same as SQLite's (`crate::sqlite`), from the prefix-sum
//! rollups ([`crate::period`]).

use std::collections::BTreeMap;

use jiff::civil::Date;
use usage_model::{Source, Traffic};

use super::PgStore;
use crate::error::Result;
use crate::period::PrefixPlan;
use crate::records::ReportRow;
use crate::rows::{
    BoundRow, DayGroupRow, GroupRow, GroupSumRow, ReportNetworkRow, SqlDay, SyncedCountRow,
    source_from_sql,
};

const PERIOD_SUMS: &str = "
    SELECT network_id, group_position, SUM(up)::bigint AS up_mkb, SUM(down)::bigint AS down_mkb,
           SUM(n)::bigint AS rows
    FROM (
        SELECT network_id, group_position, up_mkb AS up, down_mkb AS down, rows AS n
            FROM usage_year WHERE year >= $1 AND year < $2
        UNION ALL
        SELECT network_id, group_position, up_mkb, down_mkb, rows
            FROM usage_year_to_month WHERE month = $3
        UNION ALL
        SELECT network_id, group_position, up_mkb, down_mkb, rows
            FROM usage_month_to_day WHERE day = $4
        UNION ALL
        SELECT network_id, group_position, -up_mkb, -down_mkb, -rows
            FROM usage_year_to_month WHERE month = $5
        UNION ALL
        SELECT network_id, group_position, -up_mkb, -down_mkb, -rows
            FROM usage_month_to_day WHERE day = $6
    ) AS slices
    GROUP BY network_id, group_position";

const PERIOD_SYNCED: &str = "
    SELECT network_id, usage_source, SUM(n)::bigint AS days
    FROM (
        SELECT network_id, usage_source, days AS n
            FROM synced_year WHERE year >= $1 AND year < $2
        UNION ALL
        SELECT network_id, usage_source, days FROM synced_year_to_month WHERE month = $3
        UNION ALL
        SELECT network_id, usage_source, days FROM synced_month_to_day WHERE day = $4
        UNION ALL
        SELECT network_id, usage_source, -days FROM synced_year_to_month WHERE month = $5
        UNION ALL
        SELECT network_id, usage_source, -days FROM synced_month_to_day WHERE day = $6
    ) AS slices
    GROUP BY network_id, usage_source
    HAVING SUM(n) <> 0";

const NETWORKS_IN_ORDER: &str = "
    SELECT o.id AS organization_id, o.name AS organization_name, n.id AS network_id,
           n.name AS network_name
    FROM networks AS n JOIN organizations AS o ON o.id = n.organization_id
    ORDER BY o.name, o.id, n.name, n.id";

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

impl PgStore {
    pub(crate) async fn report_rows(&self, start: Date, end: Date) -> Result<Vec<ReportRow>> {
        let plan = PrefixPlan::new(start, end);
        // One snapshot for sums, networks and groups.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let sums: Vec<GroupSumRow> = bind_plan!(sqlx::query_as(PERIOD_SUMS), plan)
            .fetch_all(&mut *tx)
            .await?;
        let networks: Vec<ReportNetworkRow> = sqlx::query_as(NETWORKS_IN_ORDER)
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
        // The WHERE clause repeats the partial index's condition so the planner uses it.
        let rows: Vec<BoundRow> = sqlx::query_as(
            "SELECT network_id, group_position, SUM(up_bound_mkb)::bigint AS up_bound_mkb,
                 SUM(down_bound_mkb)::bigint AS down_bound_mkb
             FROM daily_usage
             WHERE (up_bound_mkb <> 0 OR down_bound_mkb <> 0) AND day >= $1 AND day <= $2
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
            "SELECT day, group_position, up_mkb, down_mkb FROM day_group_usage
             WHERE day >= $1 AND day <= $2
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
        let plan = PrefixPlan::new(start, end);
        let rows: Vec<SyncedCountRow> = bind_plan!(sqlx::query_as(PERIOD_SYNCED), plan)
            .fetch_all(&self.pool)
            .await?;
        let mut per_source: BTreeMap<Source, u64> = BTreeMap::new();
        for row in rows {
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
        let plan = PrefixPlan::new(start, end);
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let counts: Vec<SyncedCountRow> = bind_plan!(sqlx::query_as(PERIOD_SYNCED), plan)
            .fetch_all(&mut *tx)
            .await?;
        let mut complete: BTreeMap<String, i64> = BTreeMap::new();
        for row in counts {
            *complete.entry(row.network_id).or_default() += row.days;
        }
        let networks: Vec<ReportNetworkRow> = sqlx::query_as(NETWORKS_IN_ORDER)
            .fetch_all(&mut *tx)
            .await?;
        let gaps: Vec<&ReportNetworkRow> = networks
            .iter()
            .filter(|n| complete.get(&n.network_id).copied().unwrap_or(0) < period_days)
            .collect();
        // The period's days without a mark, for every network with gaps at once.
        let rows: Vec<(String, SqlDay)> = sqlx::query_as(
            "SELECT n.id, ($2::date + k)::date AS day
             FROM UNNEST($1::text[]) AS n(id), generate_series(0, $3::date - $2::date) AS k
             WHERE NOT EXISTS (SELECT 1 FROM synced_days AS s
                               WHERE s.network_id = n.id AND s.day = $2::date + k)
             ORDER BY 1, 2",
        )
        .bind(
            gaps.iter()
                .map(|n| n.network_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(SqlDay(start))
        .bind(SqlDay(end))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut missing: BTreeMap<String, Vec<Date>> = BTreeMap::new();
        for (network, day) in rows {
            missing.entry(network).or_default().push(day.0);
        }
        Ok(gaps
            .into_iter()
            .map(|n| {
                let days = missing.remove(&n.network_id).unwrap_or_default();
                (n.network_id.clone(), n.network_name.clone(), days)
            })
            .collect())
    }
}
