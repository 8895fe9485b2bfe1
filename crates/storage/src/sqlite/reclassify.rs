//! Recomputing group rows from stored client rows after the groups changed (SQLite).

use super::SqliteStore;
use super::write::replace_group_rows_in;
use crate::assemble::reclassify_day;
use crate::error::Result;
use crate::records::{ClientDayRecord, DayOrigin, NetworkRecord, ReclassifySummary};
use crate::rows::{ClientRow, NetworkRow, SyncedDayRow};

impl SqliteStore {
    pub(crate) async fn reclassify<F>(&self, mut classify: F) -> Result<ReclassifySummary>
    where
        F: FnMut(&ClientDayRecord, &NetworkRecord) -> Option<usize>,
    {
        let mut summary = ReclassifySummary::default();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let group_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM groups")
            .fetch_one(&mut *tx)
            .await?;
        let group_count = usize::try_from(group_count).unwrap_or(0);
        let networks: Vec<NetworkRow> = sqlx::query_as(
            "SELECT id, organization_id, name, tags, time_zone FROM networks ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in networks {
            let network = NetworkRecord::try_from(row)?;
            let days: Vec<SyncedDayRow> = sqlx::query_as(
                "SELECT day, source FROM synced_days WHERE network_id = ?1 ORDER BY day",
            )
            .bind(&network.id)
            .fetch_all(&mut *tx)
            .await?;
            for day in days {
                if day.origin()? == DayOrigin::Legacy {
                    summary.days_without_clients += 1;
                    continue;
                }
                let clients: Vec<ClientRow> = sqlx::query_as(
                    "SELECT client_id, mac, ip, ip6, vlan, named_vlan, ssid, description,
                         \"user\", group_position, up_mkb, down_mkb, up_bound_mkb, down_bound_mkb
                     FROM client_daily_usage WHERE network_id = ?1 AND day = ?2
                     ORDER BY client_id",
                )
                .bind(&network.id)
                .bind(day.day)
                .fetch_all(&mut *tx)
                .await?;
                if clients.is_empty() {
                    // No client rows: the day's clients were deleted by the retention or never
                    // stored (client detail `none`). Its group rows are all there is; keep them.
                    summary.days_without_clients += 1;
                    continue;
                }
                let done = reclassify_day(clients, &network, group_count, &mut classify)?;
                for (client_id, group) in &done.changed {
                    sqlx::query(
                        "UPDATE client_daily_usage SET group_position = ?1
                         WHERE network_id = ?2 AND day = ?3 AND client_id = ?4",
                    )
                    .bind(group)
                    .bind(&network.id)
                    .bind(day.day)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await?;
                }
                replace_group_rows_in(&mut tx, &network.id, day.day, &done.rows).await?;
                summary.clients += done.clients;
                summary.days += 1;
            }
        }
        tx.commit().await?;
        Ok(summary)
    }
}
