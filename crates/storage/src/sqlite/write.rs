//! Configuration, organizations, networks and whole-day writes (SQLite).

use std::collections::BTreeSet;

use jiff::civil::Date;
use sqlx::{Sqlite, Transaction};

use super::SqliteStore;
use crate::assemble::{GroupRowValue, group_row_values};
use crate::convert::{now_unix, position_to_sql};
use crate::error::{Error, Result};
use crate::records::{ClientDayRecord, DayOrigin, DayRecord, NetworkRecord, RunId, Settings};
use crate::rows::{NetworkRow, SettingsRow, SqlDay};

impl SqliteStore {
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO settings (id, groups, filter, time_zone_mode, updated_at, source)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)
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
            "INSERT INTO organizations (id, name) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
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
        // ON CONFLICT ... UPDATE, never REPLACE: REPLACE deletes the row first, which the
        // foreign keys of the usage tables would refuse.
        sqlx::query(
            "INSERT INTO networks (id, organization_id, name, tags, time_zone)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id,
                 name = excluded.name, tags = excluded.tags, time_zone = excluded.time_zone",
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
            sqlx::query_scalar("SELECT day FROM synced_days WHERE network_id = ?1 ORDER BY day")
                .bind(network_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(days.into_iter().map(|d| d.0).collect())
    }

    /// [`crate::Store::write_day`], counted in `run` when given.
    pub(crate) async fn write_day(&self, day: &DayRecord, run: Option<RunId>) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        write_day_in(&mut tx, day, DayOrigin::Sync).await?;
        if let Some(run) = run {
            let counted =
                sqlx::query("UPDATE sync_runs SET days_written = days_written + 1 WHERE id = ?1")
                    .bind(run.0)
                    .execute(&mut *tx)
                    .await?;
            if counted.rows_affected() == 0 {
                return Err(Error::InvalidInput(format!("no sync run with id {run}")));
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn replace_groups(
    tx: &mut Transaction<'static, Sqlite>,
    group_names: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM groups").execute(&mut **tx).await?;
    for (position, name) in group_names.iter().enumerate() {
        sqlx::query("INSERT INTO groups (position, name) VALUES (?1, ?2)")
            .bind(position_to_sql(position)?)
            .bind(name)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Replaces the usage rows of one network-day inside the caller's transaction.
pub(crate) async fn write_day_in(
    tx: &mut Transaction<'static, Sqlite>,
    day: &DayRecord,
    origin: DayOrigin,
) -> Result<()> {
    let rows = group_row_values(&day.groups, day.unmatched, &day.bounds, day.unmatched_bound)?;
    let key = SqlDay(day.day);
    replace_group_rows_in(tx, &day.network_id, key, &rows).await?;
    sqlx::query("DELETE FROM client_daily_usage WHERE network_id = ?1 AND day = ?2")
        .bind(&day.network_id)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    let (clients, pseudonymized) =
        crate::privacy::sqlite::clients_to_store(&mut *tx, &day.clients).await?;
    for client in &clients {
        insert_client(tx, &day.network_id, key, client, pseudonymized).await?;
    }
    sqlx::query(
        "INSERT INTO synced_days (network_id, day, synced_at, source, usage_source)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (network_id, day) DO UPDATE
             SET synced_at = excluded.synced_at, source = excluded.source,
                 usage_source = excluded.usage_source",
    )
    .bind(&day.network_id)
    .bind(key)
    .bind(now_unix())
    .bind(origin.as_str())
    .bind(day.source.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the `daily_usage` rows (groups and unmatched) of one network-day.
pub(crate) async fn replace_group_rows_in(
    tx: &mut Transaction<'static, Sqlite>,
    network_id: &str,
    day: SqlDay,
    rows: &[GroupRowValue],
) -> Result<()> {
    sqlx::query("DELETE FROM daily_usage WHERE day = ?1 AND network_id = ?2")
        .bind(day)
        .bind(network_id)
        .execute(&mut **tx)
        .await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO daily_usage (day, network_id, group_position, up_mkb, down_mkb,
                 up_bound_mkb, down_bound_mkb)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(day)
        .bind(network_id)
        .bind(row.position)
        .bind(row.traffic.up.millis())
        .bind(row.traffic.down.millis())
        .bind(row.bound.up.millis())
        .bind(row.bound.down.millis())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_client(
    tx: &mut Transaction<'static, Sqlite>,
    network_id: &str,
    day: SqlDay,
    c: &ClientDayRecord,
    pseudonymized: bool,
) -> Result<()> {
    let group = c.group.map(position_to_sql).transpose()?;
    sqlx::query(
        "INSERT INTO client_daily_usage (network_id, day, client_id, mac, ip, ip6, vlan,
             named_vlan, group_position, up_mkb, down_mkb, up_bound_mkb, down_bound_mkb, ssid,
             description, \"user\", pseudonymized)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )
    .bind(network_id)
    .bind(day)
    .bind(&c.client_id)
    .bind(&c.mac)
    .bind(&c.ip)
    .bind(&c.ip6)
    .bind(c.vlan.map(i64::from))
    .bind(&c.named_vlan)
    .bind(group)
    .bind(c.traffic.up.millis())
    .bind(c.traffic.down.millis())
    .bind(c.bound.up.millis())
    .bind(c.bound.down.millis())
    .bind(&c.ssid)
    .bind(&c.description)
    .bind(&c.user)
    .bind(i64::from(pseudonymized))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
