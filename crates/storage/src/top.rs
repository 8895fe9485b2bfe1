//! The largest clients of each group over a period (`usagestats top`, the reports'
//! top-clients section), from the stored client rows; no API call.
//!
//! A client's traffic within a group is the sum of its rows classified into that group: a
//! client that moved between groups during the period is ranked in each with the traffic of
//! its days there, so the clients of a group add up to the group's traffic. Clients are keyed
//! per network by the API's client id (or its pseudonym).
//!
//! Sums are read from the per-client rollups (`client_monthly_usage`, `client_weekly_usage`)
//! for the whole months and ISO weeks of the period and from `client_daily_usage` for the
//! days left over, split as the group reports do. A period that is exactly one calendar month
//! or one ISO week (last-month, last-week) reads the largest clients straight from the
//! rollup's index on the total. The description, MAC, addresses and VLAN shown are those of
//! the client's latest day in the period (within the group).

use std::collections::HashMap;

use jiff::civil::Date;
use usage_model::Traffic;

use crate::convert::{day_text, parse_day, position_to_sql, traffic};
use crate::error::Result;
use crate::report::{PeriodPlan, empty, ordered};
use crate::store::Store;

/// One client among the largest of its group over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopClient {
    /// The group's position.
    pub group_position: usize,
    /// 1 for the largest client of the group.
    pub rank: usize,
    /// Organization name.
    pub organization_name: String,
    /// Network id.
    pub network_id: String,
    /// Network name.
    pub network_name: String,
    /// The API's client id, or its pseudonym.
    pub client_id: String,
    /// Description (pseudonym when pseudonymized).
    pub description: Option<String>,
    /// User (pseudonym when pseudonymized).
    pub user: Option<String>,
    /// MAC address (pseudonym when pseudonymized).
    pub mac: Option<String>,
    /// IPv4 address of the client's latest day in the period (pseudonym when pseudonymized).
    pub ip: Option<String>,
    /// IPv6 address of that day (pseudonym when pseudonymized).
    pub ip6: Option<String>,
    /// VLAN id of that day.
    pub vlan: Option<u16>,
    /// VLAN name of that day.
    pub named_vlan: Option<String>,
    /// Whether the identifying fields are pseudonyms (client detail `pseudonymous`).
    pub pseudonymized: bool,
    /// The client's latest day in the period (within the group).
    pub last_day: Date,
    /// The client's traffic within the group over the period, exact.
    pub traffic: Traffic,
}

type Ranked = (i64, String, String, i64, i64);

type LatestRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// The general ranking: sums over the period's months, weeks and days, per group and client,
/// ranked by total within each group. `?15` is the group (NULL: every group).
const RANK_SQL: &str = "
SELECT g, network_id, client_id, up, down FROM (
    SELECT g, network_id, client_id, up, down,
           ROW_NUMBER() OVER (PARTITION BY g ORDER BY up + down DESC, network_id, client_id) AS r
    FROM (
        SELECT g, network_id, client_id, SUM(up_mkb) AS up, SUM(down_mkb) AS down FROM (
            SELECT group_position AS g, network_id, client_id, up_mkb, down_mkb
                FROM client_monthly_usage WHERE month >= ?1 AND month <= ?2
            UNION ALL
            SELECT group_position, network_id, client_id, up_mkb, down_mkb
                FROM client_weekly_usage WHERE week >= ?3 AND week <= ?4
            UNION ALL
            SELECT group_position, network_id, client_id, up_mkb, down_mkb
                FROM client_weekly_usage WHERE week >= ?5 AND week <= ?6
            UNION ALL
            SELECT COALESCE(c.group_position, -1), c.network_id, c.client_id, c.up_mkb, c.down_mkb
                FROM networks AS n JOIN client_daily_usage AS c
                ON c.network_id = n.id AND ((c.day >= ?7 AND c.day <= ?8)
                    OR (c.day >= ?9 AND c.day <= ?10) OR (c.day >= ?11 AND c.day <= ?12)
                    OR (c.day >= ?13 AND c.day <= ?14))
        )
        WHERE g >= 0 AND (?15 IS NULL OR g = ?15)
        GROUP BY g, network_id, client_id
    )
)
WHERE r <= ?16
ORDER BY g, r";

/// The same ranking from the daily rows alone (what the rollups replace).
const RANK_DAILY_SQL: &str = "
SELECT g, network_id, client_id, up, down FROM (
    SELECT g, network_id, client_id, up, down,
           ROW_NUMBER() OVER (PARTITION BY g ORDER BY up + down DESC, network_id, client_id) AS r
    FROM (
        SELECT COALESCE(c.group_position, -1) AS g, c.network_id, c.client_id,
               SUM(c.up_mkb) AS up, SUM(c.down_mkb) AS down
        FROM networks AS n JOIN client_daily_usage AS c
            ON c.network_id = n.id AND c.day >= ?1 AND c.day <= ?2
        WHERE COALESCE(c.group_position, -1) >= 0
          AND (?3 IS NULL OR COALESCE(c.group_position, -1) = ?3)
        GROUP BY 1, 2, 3
    )
)
WHERE r <= ?4
ORDER BY g, r";

impl Store {
    /// The `limit` largest clients of each group (or of group `group` alone) over the
    /// inclusive period `start..=end` (either order), ranked by total traffic within the
    /// group; ties are broken by network id, then client id. Ordered by group position, then
    /// rank. Clients that matched no group are not ranked.
    pub async fn top_clients(
        &self,
        start: Date,
        end: Date,
        group: Option<usize>,
        limit: usize,
    ) -> Result<Vec<TopClient>> {
        let (start, end) = ordered(start, end);
        let plan = PeriodPlan::new(start, end);
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        let single = single_unit(&plan);
        let ranked: Vec<Ranked> = if let Some((table, unit)) = single {
            let positions: Vec<i64> = match group {
                Some(g) => vec![position_to_sql(g)?],
                None => {
                    sqlx::query_scalar("SELECT position FROM groups ORDER BY position")
                        .fetch_all(&mut *tx)
                        .await?
                }
            };
            let sql = match table {
                Unit::Month => {
                    "SELECT group_position, network_id, client_id, up_mkb, down_mkb
                     FROM client_monthly_usage WHERE month = ?1 AND group_position = ?2
                     ORDER BY up_mkb + down_mkb DESC, network_id, client_id LIMIT ?3"
                }
                Unit::Week => {
                    "SELECT group_position, network_id, client_id, up_mkb, down_mkb
                     FROM client_weekly_usage WHERE week = ?1 AND group_position = ?2
                     ORDER BY up_mkb + down_mkb DESC, network_id, client_id LIMIT ?3"
                }
            };
            let mut out = Vec::new();
            for p in positions {
                let rows: Vec<Ranked> = sqlx::query_as(sql)
                    .bind(&unit)
                    .bind(p)
                    .bind(limit_sql)
                    .fetch_all(&mut *tx)
                    .await?;
                out.extend(rows);
            }
            out
        } else {
            sqlx::query_as(RANK_SQL)
                .bind(&plan.months.0)
                .bind(&plan.months.1)
                .bind(&plan.weeks[0].0)
                .bind(&plan.weeks[0].1)
                .bind(&plan.weeks[1].0)
                .bind(&plan.weeks[1].1)
                .bind(&plan.days[0].0)
                .bind(&plan.days[0].1)
                .bind(&plan.days[1].0)
                .bind(&plan.days[1].1)
                .bind(&plan.days[2].0)
                .bind(&plan.days[2].1)
                .bind(&plan.days[3].0)
                .bind(&plan.days[3].1)
                .bind(group.map(position_to_sql).transpose()?)
                .bind(limit_sql)
                .fetch_all(&mut *tx)
                .await?
        };
        let out = self.describe(&mut tx, ranked, start, end).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// [`Store::top_clients`] computed from the daily client rows alone, without the rollups:
    /// the same answer, slower on long histories. Kept to check the rollups and to measure
    /// what they save (`benches/top_clients.rs`).
    #[doc(hidden)]
    pub async fn top_clients_from_daily_rows(
        &self,
        start: Date,
        end: Date,
        group: Option<usize>,
        limit: usize,
    ) -> Result<Vec<TopClient>> {
        let (start, end) = ordered(start, end);
        let mut tx = self.pool.begin().await?;
        let ranked: Vec<Ranked> = sqlx::query_as(RANK_DAILY_SQL)
            .bind(day_text(start))
            .bind(day_text(end))
            .bind(group.map(position_to_sql).transpose()?)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await?;
        let out = self.describe(&mut tx, ranked, start, end).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Adds names and the latest day's details to ranked (group, network, client, sums) rows.
    async fn describe(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        ranked: Vec<Ranked>,
        start: Date,
        end: Date,
    ) -> Result<Vec<TopClient>> {
        let names: HashMap<String, (String, String)> =
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT n.id, n.name, o.name FROM networks AS n
             JOIN organizations AS o ON o.id = n.organization_id",
            )
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, net, org)| (id, (net, org)))
            .collect();
        let (from, to) = (day_text(start), day_text(end));
        let mut out = Vec::with_capacity(ranked.len());
        let mut rank = 0usize;
        let mut previous: Option<i64> = None;
        for (position, network_id, client_id, up, down) in ranked {
            rank = if previous == Some(position) {
                rank + 1
            } else {
                1
            };
            previous = Some(position);
            // The client's latest day in the period within the group: the (network, day) key
            // is walked backwards from the period's end until the client's row turns up.
            let latest: Option<LatestRow> = sqlx::query_as(
                "SELECT day, mac, ip, ip6, vlan, named_vlan, description, user, pseudonymized
                 FROM client_daily_usage
                 WHERE network_id = ?1 AND day >= ?2 AND day <= ?3 AND client_id = ?4
                   AND COALESCE(group_position, -1) = ?5
                 ORDER BY day DESC LIMIT 1",
            )
            .bind(&network_id)
            .bind(&from)
            .bind(&to)
            .bind(&client_id)
            .bind(position)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((day, mac, ip, ip6, vlan, named_vlan, description, user, pseudo)) = latest
            else {
                // A rollup row without its daily rows cannot be: the triggers keep them equal.
                continue;
            };
            let (network_name, organization_name) =
                names.get(&network_id).cloned().unwrap_or_default();
            out.push(TopClient {
                group_position: usize::try_from(position).unwrap_or(0),
                rank,
                organization_name,
                network_id,
                network_name,
                client_id,
                description,
                user,
                mac,
                ip,
                ip6,
                vlan: vlan.and_then(|v| u16::try_from(v).ok()),
                named_vlan,
                pseudonymized: pseudo != 0,
                last_day: parse_day(&day)?,
                traffic: traffic(up, down),
            });
        }
        Ok(out)
    }
}

enum Unit {
    Month,
    Week,
}

/// The one rollup unit a period is made of, when it is exactly one calendar month or one ISO
/// week.
fn single_unit(plan: &PeriodPlan) -> Option<(Unit, String)> {
    let no_days = plan.days.iter().all(|d| *d == empty());
    if !no_days {
        return None;
    }
    let (m, w0, w1) = (&plan.months, &plan.weeks[0], &plan.weeks[1]);
    if *m != empty() && m.0 == m.1 && *w0 == empty() && *w1 == empty() {
        return Some((Unit::Month, m.0.clone()));
    }
    if *m == empty() && *w1 == empty() && *w0 != empty() && w0.0 == w0.1 {
        return Some((Unit::Week, w0.0.clone()));
    }
    None
}
