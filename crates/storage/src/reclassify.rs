//! Recomputing group rows from stored client rows after the groups changed.

use usage_model::Traffic;

use crate::convert::{position_to_sql, traffic};
use crate::error::{Error, Result};
use crate::records::{ClientDayRecord, NetworkRecord, ReclassifySummary};
use crate::store::Store;
use crate::write::{GroupRows, network_from_row, replace_group_rows_in};

type ClientRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Re-classifies every stored client row with `classify` (which returns the new group
    /// position, `None` = unmatched) and recomputes each synced network-day's group rows from
    /// them, for every group in the current `groups` table (zeros included).
    ///
    /// Runs in one write transaction: either the whole history is re-classified or nothing
    /// changes. Days imported from the original script have no client rows and are left as
    /// they are (counted in [`ReclassifySummary::days_without_clients`]). A position beyond the
    /// defined groups is an error.
    pub async fn reclassify<F>(&self, mut classify: F) -> Result<ReclassifySummary>
    where
        F: FnMut(&ClientDayRecord, &NetworkRecord) -> Option<usize>,
    {
        let mut summary = ReclassifySummary::default();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let group_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM groups")
            .fetch_one(&mut *tx)
            .await?;
        let group_count = usize::try_from(group_count).unwrap_or(0);
        let networks: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, organization_id, name, tags, time_zone FROM networks ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in networks {
            let network = network_from_row(row)?;
            let days: Vec<(String, String)> = sqlx::query_as(
                "SELECT day, source FROM synced_days WHERE network_id = ?1 ORDER BY day",
            )
            .bind(&network.id)
            .fetch_all(&mut *tx)
            .await?;
            for (day, source) in days {
                if source == "legacy" {
                    summary.days_without_clients += 1;
                    continue;
                }
                let clients: Vec<ClientRow> = sqlx::query_as(
                    "SELECT client_id, mac, ip, ip6, vlan, named_vlan, group_position, up_mkb,
                         down_mkb, up_bound_mkb, down_bound_mkb, ssid, description, user
                     FROM client_daily_usage WHERE network_id = ?1 AND day = ?2
                     ORDER BY client_id",
                )
                .bind(&network.id)
                .bind(&day)
                .fetch_all(&mut *tx)
                .await?;
                if clients.is_empty() {
                    // No client rows: the day's clients were deleted by the retention or never
                    // stored (client detail `none`). Its group rows are all there is; keep them.
                    summary.days_without_clients += 1;
                    continue;
                }
                let mut sums = vec![Traffic::default(); group_count];
                let mut bounds = vec![Traffic::default(); group_count];
                let mut unmatched = Traffic::default();
                let mut unmatched_bound = Traffic::default();
                for c in clients {
                    let record = ClientDayRecord {
                        client_id: c.0,
                        mac: c.1,
                        ip: c.2,
                        ip6: c.3,
                        vlan: c.4.and_then(|v| u16::try_from(v).ok()),
                        named_vlan: c.5,
                        ssid: c.11,
                        description: c.12,
                        user: c.13,
                        group: c.6.and_then(|g| usize::try_from(g).ok()),
                        traffic: traffic(c.7, c.8),
                        bound: traffic(c.9, c.10),
                    };
                    let group = classify(&record, &network);
                    match group {
                        Some(g) => match (sums.get_mut(g), bounds.get_mut(g)) {
                            (Some(sum), Some(bound)) => {
                                *sum += record.traffic;
                                *bound += record.bound;
                            }
                            _ => {
                                return Err(Error::InvalidInput(format!(
                                    "classifier returned group position {g}, but only \
                                     {group_count} groups are defined"
                                )));
                            }
                        },
                        None => {
                            unmatched += record.traffic;
                            unmatched_bound += record.bound;
                        }
                    }
                    if group != record.group {
                        sqlx::query(
                            "UPDATE client_daily_usage SET group_position = ?1
                             WHERE network_id = ?2 AND day = ?3 AND client_id = ?4",
                        )
                        .bind(group.map(position_to_sql).transpose()?)
                        .bind(&network.id)
                        .bind(&day)
                        .bind(&record.client_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    summary.clients += 1;
                }
                let groups: Vec<(usize, Traffic)> = sums.into_iter().enumerate().collect();
                let bounds: Vec<(usize, Traffic)> = bounds
                    .into_iter()
                    .enumerate()
                    .filter(|(_, b)| *b != Traffic::default())
                    .collect();
                let rows = GroupRows {
                    groups: &groups,
                    unmatched,
                    bounds: &bounds,
                    unmatched_bound,
                };
                replace_group_rows_in(&mut tx, &network.id, &day, &rows).await?;
                summary.days += 1;
            }
        }
        tx.commit().await?;
        Ok(summary)
    }
}
