//! Configuration, organizations, networks and whole-day writes (PostgreSQL).

use std::collections::BTreeSet;

use jiff::civil::Date;
use sqlx::{PgConnection, Postgres, Transaction};

use super::{PgStore, is_retryable};
use crate::assemble::{GroupRowValue, group_row_values};
use crate::convert::{now_unix, position_to_sql};
use crate::error::{Error, Result};
use crate::records::{DayOrigin, DayRecord, NetworkRecord, RunId, Settings};
use crate::rows::{NetworkRow, SettingsRow, SqlDay};

/// How often a day's transaction is tried when concurrent writers deadlock.
const WRITE_ATTEMPTS: usize = 5;

/// Advisory-lock class of day writes: writers of one day (any network) take turns, because
/// every network's day updates the same `day_group_usage` rows.
const DAY_LOCK_CLASS: i32 = 0x5553_0001;

impl PgStore {
    pub(crate) async fn settings(&self) -> Result<Option<Settings>> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT groups, filter, time_zone_mode, source FROM settings WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(Settings::try_from).transpose()
    }

    pub(crate) async fn save_settings(
        &self,
        settings: &Settings,
        group_names: &[String],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO settings (id, groups, filter, time_zone_mode, updated_at, source)
             VALUES (1, $1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET groups = excluded.groups, filter = excluded.filter,
                 time_zone_mode = excluded.time_zone_mode, updated_at = excluded.updated_at,
                 source = excluded.source",
        )
        .bind(&settings.groups)
        .bind(&settings.filter)
        .bind(settings.time_zone_mode.as_str())
        .bind(now_unix())
        .bind(settings.source.as_str())
        .execute(&mut *tx)
        .await?;
        replace_groups(&mut tx, group_names).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn mark_demo(&self) -> Result<()> {
        let done = sqlx::query("UPDATE settings SET demo = 1 WHERE id = 1")
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::InvalidInput(
                "mark_demo needs the configuration saved first".to_string(),
            ));
        }
        Ok(())
    }

    pub(crate) async fn is_demo(&self) -> Result<bool> {
        let demo: Option<i64> = sqlx::query_scalar("SELECT demo FROM settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(demo == Some(1))
    }

    pub(crate) async fn group_names(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM groups ORDER BY position")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub(crate) async fn upsert_organization(&self, id: &str, name: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO organizations (id, name) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name
             WHERE organizations.name IS DISTINCT FROM excluded.name",
        )
        .bind(id)
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn upsert_network(&self, network: &NetworkRecord) -> Result<()> {
        let tags = serde_json::to_string(&network.tags)
            .map_err(|e| Error::InvalidInput(format!("network tags: {e}")))?;
        // Only a change is written, so workers upserting the same networks at the start of
        // their syncs do not queue behind each other's row locks for nothing.
        sqlx::query(
            "INSERT INTO networks (id, organization_id, name, tags, time_zone)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id,
                 name = excluded.name, tags = excluded.tags, time_zone = excluded.time_zone
             WHERE (networks.organization_id, networks.name, networks.tags, networks.time_zone)
                 IS DISTINCT FROM (excluded.organization_id, excluded.name, excluded.tags,
                                   excluded.time_zone)",
        )
        .bind(&network.id)
        .bind(&network.organization_id)
        .bind(&network.name)
        .bind(tags)
        .bind(&network.time_zone)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn networks(&self) -> Result<Vec<NetworkRecord>> {
        let rows: Vec<NetworkRow> = sqlx::query_as(
            "SELECT id, organization_id, name, tags, time_zone FROM networks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(NetworkRecord::try_from).collect()
    }

    pub(crate) async fn has_synced_days(&self) -> Result<bool> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM synced_days)")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub(crate) async fn complete_days(&self, network_id: &str) -> Result<BTreeSet<Date>> {
        let days: Vec<SqlDay> =
            sqlx::query_scalar("SELECT day FROM synced_days WHERE network_id = $1 ORDER BY day")
                .bind(network_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(days.into_iter().map(|d| d.0).collect())
    }

    pub(crate) async fn write_day(&self, day: &DayRecord, run: Option<RunId>) -> Result<()> {
        let mut attempt = 1;
        loop {
            let result = async {
                let mut tx = self.pool.begin().await?;
                lock_day(&mut tx, day.day).await?;
                write_day_in(&mut tx, day, DayOrigin::Sync).await?;
                if let Some(run) = run {
                    count_day(&mut tx, run).await?;
                }
                tx.commit().await?;
                Ok(())
            }
            .await;
            match result {
                Err(e) if attempt < WRITE_ATTEMPTS && is_retryable(&e) => {
                    tracing::debug!("writing {} {} again: {e}", day.network_id, day.day);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// Takes the day's advisory lock until the end of the transaction.
pub(crate) async fn lock_day(tx: &mut PgConnection, day: Date) -> Result<()> {
    let key = day
        .since((jiff::Unit::Day, jiff::civil::date(1970, 1, 1)))
        .map_or(0, |span| span.get_days());
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(DAY_LOCK_CLASS)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Counts one stored day in a run, in the day's transaction.
pub(crate) async fn count_day(tx: &mut PgConnection, run: RunId) -> Result<()> {
    let counted = sqlx::query("UPDATE sync_runs SET days_written = days_written + 1 WHERE id = $1")
        .bind(run.0)
        .execute(&mut *tx)
        .await?;
    if counted.rows_affected() == 0 {
        return Err(Error::InvalidInput(format!("no sync run with id {run}")));
    }
    Ok(())
}

pub(crate) async fn replace_groups(
    tx: &mut Transaction<'static, Postgres>,
    group_names: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM groups").execute(&mut **tx).await?;
    let positions = (0..group_names.len())
        .map(position_to_sql)
        .collect::<Result<Vec<i64>>>()?;
    sqlx::query(
        "INSERT INTO groups (position, name) SELECT * FROM UNNEST($1::bigint[], $2::text[])",
    )
    .bind(positions)
    .bind(group_names)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the usage rows of one network-day inside the caller's transaction: a handful of
/// statements whatever the number of clients (rows go in as arrays).
pub(crate) async fn write_day_in(
    tx: &mut PgConnection,
    day: &DayRecord,
    origin: DayOrigin,
) -> Result<()> {
    let rows = group_row_values(&day.groups, day.unmatched, &day.bounds, day.unmatched_bound)?;
    let key = SqlDay(day.day);
    replace_group_rows_in(tx, &day.network_id, key, &rows).await?;
    sqlx::query("DELETE FROM client_daily_usage WHERE network_id = $1 AND day = $2")
        .bind(&day.network_id)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    let (clients, pseudonymized) =
        crate::privacy::postgres::clients_to_store(&mut *tx, &day.clients).await?;
    if !clients.is_empty() {
        let c = &clients;
        let groups = c
            .iter()
            .map(|c| c.group.map(position_to_sql).transpose())
            .collect::<Result<Vec<Option<i64>>>>()?;
        sqlx::query(
            "INSERT INTO client_daily_usage (network_id, day, client_id, mac, ip, ip6, vlan,
                 named_vlan, group_position, up_mkb, down_mkb, up_bound_mkb, down_bound_mkb, ssid,
                 description, \"user\", pseudonymized)
             SELECT $1, $2, *, $17 FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[],
                 $7::bigint[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[],
                 $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::text[])",
        )
        .bind(&day.network_id)
        .bind(key)
        .bind(c.iter().map(|c| c.client_id.clone()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.mac.clone()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.ip.clone()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.ip6.clone()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.vlan.map(i64::from)).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.named_vlan.clone()).collect::<Vec<_>>())
        .bind(groups)
        .bind(c.iter().map(|c| c.traffic.up.millis()).collect::<Vec<_>>())
        .bind(
            c.iter()
                .map(|c| c.traffic.down.millis())
                .collect::<Vec<_>>(),
        )
        .bind(c.iter().map(|c| c.bound.up.millis()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.bound.down.millis()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.ssid.clone()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.description.clone()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.user.clone()).collect::<Vec<_>>())
        .bind(i64::from(pseudonymized))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO synced_days (network_id, day, synced_at, source, usage_source)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (network_id, day) DO UPDATE
             SET synced_at = excluded.synced_at, source = excluded.source,
                 usage_source = excluded.usage_source",
    )
    .bind(&day.network_id)
    .bind(key)
    .bind(now_unix())
    .bind(origin.as_str())
    .bind(day.source.as_str())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Replaces the `daily_usage` rows (groups and unmatched) of one network-day: one delete and
/// one insert, so the rollup triggers run once each.
pub(crate) async fn replace_group_rows_in(
    tx: &mut PgConnection,
    network_id: &str,
    day: SqlDay,
    rows: &[GroupRowValue],
) -> Result<()> {
    sqlx::query("DELETE FROM daily_usage WHERE day = $1 AND network_id = $2")
        .bind(day)
        .bind(network_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO daily_usage (day, network_id, group_position, up_mkb, down_mkb,
             up_bound_mkb, down_bound_mkb)
         SELECT $1, $2, * FROM UNNEST($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
             $7::bigint[])",
    )
    .bind(day)
    .bind(network_id)
    .bind(rows.iter().map(|r| r.position).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|r| r.traffic.up.millis())
            .collect::<Vec<_>>(),
    )
    .bind(
        rows.iter()
            .map(|r| r.traffic.down.millis())
            .collect::<Vec<_>>(),
    )
    .bind(rows.iter().map(|r| r.bound.up.millis()).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|r| r.bound.down.millis())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
