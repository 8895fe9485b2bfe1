//! Configuration, organizations, networks and whole-day writes.

use std::collections::{BTreeSet, HashSet};

use jiff::civil::Date;
use sqlx::{Sqlite, Transaction};

use crate::convert::{day_text, now_unix, parse_day, position_to_sql};
use crate::error::{Error, Result};
use crate::records::{DayRecord, NetworkRecord, RunId, Settings};
use crate::store::Store;
use usage_model::{Source, Traffic};

/// `daily_usage.group_position` of the row holding unmatched traffic.
pub(crate) const UNMATCHED: i64 = -1;

impl Store {
    /// The configuration stored in the database, if any has been saved yet.
    pub async fn settings(&self) -> Result<Option<Settings>> {
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT groups, filter, time_zone_mode, source FROM settings WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(groups, filter, time_zone_mode, source)| {
            Ok(Settings {
                groups,
                filter,
                time_zone_mode,
                source: source_from_sql(&source)?,
            })
        })
        .transpose()
    }

    /// Replaces the stored configuration and, in the same transaction, the ordered `groups`
    /// table: `group_names[i]` becomes the name of group position `i`.
    ///
    /// Usage rows keep their positions; use [`Store::reclassify`] to recompute them from the
    /// client rows when the meaning of the groups changed.
    pub async fn save_settings(&self, settings: &Settings, group_names: &[String]) -> Result<()> {
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
        .bind(&settings.time_zone_mode)
        .bind(now_unix())
        .bind(settings.source.as_str())
        .execute(&mut *tx)
        .await?;
        replace_groups(&mut tx, group_names).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks the database as written by `usagestats demo` (`settings.demo = 1`): its data
    /// are simulated. Needs the configuration saved first; kept by later
    /// [`Store::save_settings`].
    pub async fn mark_demo(&self) -> Result<()> {
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

    /// Whether the database was written by `usagestats demo` (see [`Store::mark_demo`]).
    pub async fn is_demo(&self) -> Result<bool> {
        let demo: Option<i64> = sqlx::query_scalar("SELECT demo FROM settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(demo == Some(1))
    }

    /// The group names in report order (position 0 first).
    pub async fn group_names(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM groups ORDER BY position")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Inserts an organization or renames it.
    pub async fn upsert_organization(&self, id: &str, name: &str) -> Result<()> {
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

    /// Inserts a network or updates its name, organization, tags and time zone.
    pub async fn upsert_network(&self, network: &NetworkRecord) -> Result<()> {
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

    /// Every network in the database, ordered by id.
    pub async fn networks(&self) -> Result<Vec<NetworkRecord>> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, organization_id, name, tags, time_zone FROM networks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(network_from_row).collect()
    }

    /// Whether any (network, day) has been stored at all.
    pub async fn has_synced_days(&self) -> Result<bool> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM synced_days)")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The days of a network that are complete (have a `synced_days` mark).
    pub async fn complete_days(&self, network_id: &str) -> Result<BTreeSet<Date>> {
        let days: Vec<String> =
            sqlx::query_scalar("SELECT day FROM synced_days WHERE network_id = ?1 ORDER BY day")
                .bind(network_id)
                .fetch_all(&self.pool)
                .await?;
        days.iter().map(|d| parse_day(d)).collect()
    }

    /// Stores one network-day in one transaction: its group rows, its unmatched row, its client
    /// rows and the mark that the day is complete, with the day's [`DayRecord::source`].
    /// Anything already stored for that network and day is replaced, so writing a day twice
    /// never duplicates it and a day never mixes two sources; if anything fails, nothing of the
    /// new day is visible and the old one (if any) is kept.
    pub async fn write_day(&self, day: &DayRecord) -> Result<()> {
        self.write_day_with(day, None).await
    }

    /// [`Store::write_day`] for a sync run: the day is also counted in the run's
    /// `days_written`, in the same transaction, so the audit of a run killed mid-way still
    /// says how many days it committed.
    pub async fn write_day_in_run(&self, run: RunId, day: &DayRecord) -> Result<()> {
        self.write_day_with(day, Some(run)).await
    }

    async fn write_day_with(&self, day: &DayRecord, run: Option<RunId>) -> Result<()> {
        for list in [&day.groups, &day.bounds] {
            let mut seen = HashSet::new();
            for (position, _) in list {
                if !seen.insert(*position) {
                    return Err(Error::InvalidInput(format!(
                        "group position {position} appears twice for network {} on {}",
                        day.network_id, day.day
                    )));
                }
            }
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        write_day_in(&mut tx, day, "sync").await?;
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

pub(crate) fn network_from_row(
    (id, organization_id, name, tags, time_zone): (String, String, String, String, String),
) -> Result<NetworkRecord> {
    let tags: Vec<String> = serde_json::from_str(&tags)
        .map_err(|e| Error::Corrupt(format!("tags of network {id}: {e}")))?;
    Ok(NetworkRecord {
        id,
        organization_id,
        name,
        tags,
        time_zone,
    })
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
    source: &str,
) -> Result<()> {
    let day_str = day_text(day.day);
    let rows = GroupRows {
        groups: &day.groups,
        unmatched: day.unmatched,
        bounds: &day.bounds,
        unmatched_bound: day.unmatched_bound,
    };
    replace_group_rows_in(tx, &day.network_id, &day_str, &rows).await?;
    sqlx::query("DELETE FROM client_daily_usage WHERE network_id = ?1 AND day = ?2")
        .bind(&day.network_id)
        .bind(&day_str)
        .execute(&mut **tx)
        .await?;
    crate::privacy::insert_clients(tx, &day.network_id, &day_str, &day.clients).await?;
    sqlx::query(
        "INSERT INTO synced_days (network_id, day, synced_at, source, usage_source)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (network_id, day) DO UPDATE
             SET synced_at = excluded.synced_at, source = excluded.source,
                 usage_source = excluded.usage_source",
    )
    .bind(&day.network_id)
    .bind(&day_str)
    .bind(now_unix())
    .bind(source)
    .bind(day.source.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored `source`/`usage_source` value.
pub(crate) fn source_from_sql(text: &str) -> Result<Source> {
    Source::parse(text).map_err(|e| Error::Corrupt(format!("stored source: {e}")))
}

/// The `daily_usage` rows of one network-day: traffic and error bound per group position and
/// for the unmatched clients. A position missing from `bounds` has a bound of zero.
pub(crate) struct GroupRows<'a> {
    pub(crate) groups: &'a [(usize, Traffic)],
    pub(crate) unmatched: Traffic,
    pub(crate) bounds: &'a [(usize, Traffic)],
    pub(crate) unmatched_bound: Traffic,
}

/// Replaces the `daily_usage` rows (groups and unmatched) of one network-day.
pub(crate) async fn replace_group_rows_in(
    tx: &mut Transaction<'static, Sqlite>,
    network_id: &str,
    day: &str,
    rows: &GroupRows<'_>,
) -> Result<()> {
    sqlx::query("DELETE FROM daily_usage WHERE day = ?1 AND network_id = ?2")
        .bind(day)
        .bind(network_id)
        .execute(&mut **tx)
        .await?;
    let bound_of = |p: usize| {
        rows.bounds
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, b)| *b)
            .unwrap_or_default()
    };
    let positions = rows
        .groups
        .iter()
        .map(|(p, t)| Ok((position_to_sql(*p)?, *t, bound_of(*p))))
        .collect::<Result<Vec<_>>>()?;
    if let Some((p, _)) = rows
        .bounds
        .iter()
        .find(|(p, b)| *b != Traffic::default() && !rows.groups.iter().any(|(q, _)| q == p))
    {
        return Err(Error::InvalidInput(format!(
            "network {network_id} on {day}: an error bound for group position {p}, which has no row"
        )));
    }
    for (position, traffic, bound) in positions.into_iter().chain(std::iter::once((
        UNMATCHED,
        rows.unmatched,
        rows.unmatched_bound,
    ))) {
        sqlx::query(
            "INSERT INTO daily_usage (day, network_id, group_position, up_mkb, down_mkb,
                 up_bound_mkb, down_bound_mkb)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(day)
        .bind(network_id)
        .bind(position)
        .bind(traffic.up.millis())
        .bind(traffic.down.millis())
        .bind(bound.up.millis())
        .bind(bound.down.millis())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
