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

use jiff::ToSpan;
use jiff::civil::{Date, date};
use usage_model::Traffic;

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

pub(crate) type Ranked = (i64, String, String, i64, i64);

/// The general ranking: sums over the period's months, weeks and days, per group and client,
/// ranked by total within each group. `$15` is the group (NULL: every group).
pub(crate) const RANK_SQL: &str = "
SELECT g, network_id, client_id, up, down FROM (
    SELECT g, network_id, client_id, up, down,
           ROW_NUMBER() OVER (PARTITION BY g ORDER BY up + down DESC, network_id, client_id) AS r
    FROM (
        SELECT g, network_id, client_id, CAST(SUM(up_mkb) AS BIGINT) AS up, CAST(SUM(down_mkb) AS BIGINT) AS down FROM (
            SELECT group_position AS g, network_id, client_id, up_mkb, down_mkb
                FROM client_monthly_usage WHERE month >= $1 AND month <= $2
            UNION ALL
            SELECT group_position, network_id, client_id, up_mkb, down_mkb
                FROM client_weekly_usage WHERE week >= $3 AND week <= $4
            UNION ALL
            SELECT group_position, network_id, client_id, up_mkb, down_mkb
                FROM client_weekly_usage WHERE week >= $5 AND week <= $6
            UNION ALL
            SELECT COALESCE(c.group_position, -1), c.network_id, c.client_id, c.up_mkb, c.down_mkb
                FROM networks AS n JOIN client_daily_usage AS c
                ON c.network_id = n.id AND ((c.day >= $7 AND c.day <= $8)
                    OR (c.day >= $9 AND c.day <= $10) OR (c.day >= $11 AND c.day <= $12)
                    OR (c.day >= $13 AND c.day <= $14))
        ) AS parts
        WHERE g >= 0 AND (CAST($15 AS BIGINT) IS NULL OR g = $15)
        GROUP BY g, network_id, client_id
    ) AS sums
) AS ranked
WHERE r <= $16
ORDER BY g, r";

/// The same ranking from the daily rows alone (what the rollups replace).
pub(crate) const RANK_DAILY_SQL: &str = "
SELECT g, network_id, client_id, up, down FROM (
    SELECT g, network_id, client_id, up, down,
           ROW_NUMBER() OVER (PARTITION BY g ORDER BY up + down DESC, network_id, client_id) AS r
    FROM (
        SELECT COALESCE(c.group_position, -1) AS g, c.network_id, c.client_id,
               CAST(SUM(c.up_mkb) AS BIGINT) AS up, CAST(SUM(c.down_mkb) AS BIGINT) AS down
        FROM networks AS n JOIN client_daily_usage AS c
            ON c.network_id = n.id AND c.day >= $1 AND c.day <= $2
        WHERE COALESCE(c.group_position, -1) >= 0
          AND (CAST($3 AS BIGINT) IS NULL OR COALESCE(c.group_position, -1) = $3)
        GROUP BY 1, 2, 3
    ) AS sums
) AS ranked
WHERE r <= $4
ORDER BY g, r";

/// A period split so that whole calendar months are read from `client_monthly_usage`, whole
/// ISO weeks of the remaining edges from `client_weekly_usage` and only the leftover days (at
/// most six at each end of an edge) from `client_daily_usage`. An empty range is `("1", "0")`
/// for months and `EMPTY_DAYS` for days and weeks: nothing is both at or after its start and at
/// or before its end.
pub(crate) struct ClientPlan {
    pub(crate) months: (String, String),
    /// Mondays of the first and last whole week, per edge.
    pub(crate) weeks: [(Date, Date); 2],
    pub(crate) days: [(Date, Date); 4],
}

fn empty_months() -> (String, String) {
    ("1".to_string(), "0".to_string())
}

const EMPTY_DAYS: (Date, Date) = (date(9999, 12, 31), date(1, 1, 1));

fn month_text(d: Date) -> String {
    d.strftime("%Y-%m").to_string()
}

/// Splits `a..=b` into whole ISO weeks (as Monday..=last Monday) and the days before and after.
fn split_weeks(a: Date, b: Date) -> ((Date, Date), (Date, Date), (Date, Date)) {
    let to_monday = (7 - i64::from(a.weekday().to_monday_zero_offset())) % 7;
    let back_to_sunday = i64::from(b.weekday().to_sunday_zero_offset());
    let (Ok(first_monday), Ok(last_sunday)) = (
        a.checked_add(to_monday.days()),
        b.checked_sub(back_to_sunday.days()),
    ) else {
        return (EMPTY_DAYS, (a, b), EMPTY_DAYS);
    };
    let Ok(last_monday) = last_sunday.checked_sub(6.days()) else {
        return (EMPTY_DAYS, (a, b), EMPTY_DAYS);
    };
    if first_monday > last_monday {
        return (EMPTY_DAYS, (a, b), EMPTY_DAYS);
    }
    let head = match first_monday.yesterday() {
        Ok(h) if h >= a => (a, h),
        _ => EMPTY_DAYS,
    };
    let tail = match last_sunday.tomorrow() {
        Ok(t) if t <= b => (t, b),
        _ => EMPTY_DAYS,
    };
    ((first_monday, last_monday), head, tail)
}

impl ClientPlan {
    pub(crate) fn new(start: Date, end: Date) -> ClientPlan {
        let first_full = if start.day() == 1 {
            Some(start)
        } else {
            start.last_of_month().tomorrow().ok()
        };
        let last_full_end = if end == end.last_of_month() {
            Some(end)
        } else {
            end.first_of_month().yesterday().ok()
        };
        let (months, edges) = match (first_full, last_full_end) {
            (Some(first), Some(last)) if first < last => {
                let head = first.yesterday().ok().filter(|h| *h >= start);
                let tail = last.tomorrow().ok().filter(|t| *t <= end);
                (
                    (month_text(first), month_text(last)),
                    [head.map(|h| (start, h)), tail.map(|t| (t, end))],
                )
            }
            _ => (empty_months(), [Some((start, end)), None]),
        };
        let mut weeks = [EMPTY_DAYS, EMPTY_DAYS];
        let mut days = [EMPTY_DAYS; 4];
        for (i, edge) in edges.iter().enumerate() {
            if let Some((a, b)) = edge {
                let (w, head, tail) = split_weeks(*a, *b);
                weeks[i] = w;
                days[2 * i] = head;
                days[2 * i + 1] = tail;
            }
        }
        ClientPlan {
            months,
            weeks,
            days,
        }
    }
}

/// The one rollup unit a period is exactly, if any.
pub(crate) enum Unit {
    /// One calendar month (`'YYYY-MM'`).
    Month(String),
    /// One ISO week (its Monday).
    Week(Date),
}

/// The one rollup unit a period is made of, when it is exactly one calendar month or one ISO
/// week.
pub(crate) fn single_unit(plan: &ClientPlan) -> Option<Unit> {
    if !plan.days.iter().all(|d| *d == EMPTY_DAYS) {
        return None;
    }
    let (m, w0, w1) = (&plan.months, &plan.weeks[0], &plan.weeks[1]);
    if *m != empty_months() && m.0 == m.1 && *w0 == EMPTY_DAYS && *w1 == EMPTY_DAYS {
        return Some(Unit::Month(m.0.clone()));
    }
    if *m == empty_months() && *w1 == EMPTY_DAYS && *w0 != EMPTY_DAYS && w0.0 == w0.1 {
        return Some(Unit::Week(w0.0));
    }
    None
}

/// The queries of [`crate::Store::top_clients`], the same for both backends (`$n`
/// placeholders), expanded once per backend.
macro_rules! top_backend {
    ($module:ident, $db:ty, $store:ty) => {
        mod $module {
            use std::collections::HashMap;

            use jiff::civil::Date;

            use super::{ClientPlan, RANK_DAILY_SQL, RANK_SQL, Ranked, TopClient, Unit, single_unit};
            use crate::convert::{position_to_sql, traffic};
            use crate::error::Result;
            use crate::rows::SqlDay;

            type Conn = <$db as sqlx::Database>::Connection;

            type LatestRow = (
                SqlDay,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<i64>,
                Option<String>,
                Option<String>,
                Option<String>,
                i64,
            );

            impl $store {
                pub(crate) async fn top_clients(
                    &self,
                    start: Date,
                    end: Date,
                    group: Option<usize>,
                    limit: usize,
                ) -> Result<Vec<TopClient>> {
                    let plan = ClientPlan::new(start, end);
                    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
                    let mut tx = self.pool.begin().await?;
                    let ranked: Vec<Ranked> = if let Some(unit) = single_unit(&plan) {
                        let positions: Vec<i64> = match group {
                            Some(g) => vec![position_to_sql(g)?],
                            None => {
                                sqlx::query_scalar("SELECT position FROM groups ORDER BY position")
                                    .fetch_all(&mut *tx)
                                    .await?
                            }
                        };
                        let mut out = Vec::new();
                        for p in positions {
                            let rows: Vec<Ranked> = match &unit {
                                Unit::Month(month) => {
                                    sqlx::query_as(
                                        "SELECT group_position, network_id, client_id, up_mkb,
                                             down_mkb
                                         FROM client_monthly_usage
                                         WHERE month = $1 AND group_position = $2
                                         ORDER BY up_mkb + down_mkb DESC, network_id, client_id
                                         LIMIT $3",
                                    )
                                    .bind(month)
                                    .bind(p)
                                    .bind(limit_sql)
                                    .fetch_all(&mut *tx)
                                    .await?
                                }
                                Unit::Week(monday) => {
                                    sqlx::query_as(
                                        "SELECT group_position, network_id, client_id, up_mkb,
                                             down_mkb
                                         FROM client_weekly_usage
                                         WHERE week = $1 AND group_position = $2
                                         ORDER BY up_mkb + down_mkb DESC, network_id, client_id
                                         LIMIT $3",
                                    )
                                    .bind(SqlDay(*monday))
                                    .bind(p)
                                    .bind(limit_sql)
                                    .fetch_all(&mut *tx)
                                    .await?
                                }
                            };
                            out.extend(rows);
                        }
                        out
                    } else {
                        let mut q = sqlx::query_as(RANK_SQL)
                            .bind(plan.months.0.clone())
                            .bind(plan.months.1.clone());
                        for (a, b) in plan.weeks.iter().chain(plan.days.iter()) {
                            q = q.bind(SqlDay(*a)).bind(SqlDay(*b));
                        }
                        q.bind(group.map(position_to_sql).transpose()?)
                            .bind(limit_sql)
                            .fetch_all(&mut *tx)
                            .await?
                    };
                    let out = describe(&mut tx, ranked, start, end).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                pub(crate) async fn top_clients_from_daily_rows(
                    &self,
                    start: Date,
                    end: Date,
                    group: Option<usize>,
                    limit: usize,
                ) -> Result<Vec<TopClient>> {
                    let mut tx = self.pool.begin().await?;
                    let ranked: Vec<Ranked> = sqlx::query_as(RANK_DAILY_SQL)
                        .bind(SqlDay(start))
                        .bind(SqlDay(end))
                        .bind(group.map(position_to_sql).transpose()?)
                        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                        .fetch_all(&mut *tx)
                        .await?;
                    let out = describe(&mut tx, ranked, start, end).await?;
                    tx.commit().await?;
                    Ok(out)
                }
            }

            /// Adds names and the latest day's details to ranked (group, network, client,
            /// sums) rows.
            async fn describe(
                conn: &mut Conn,
                ranked: Vec<Ranked>,
                start: Date,
                end: Date,
            ) -> Result<Vec<TopClient>> {
                let names: HashMap<String, (String, String)> =
                    sqlx::query_as::<_, (String, String, String)>(
                        "SELECT n.id, n.name, o.name FROM networks AS n
                         JOIN organizations AS o ON o.id = n.organization_id",
                    )
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|(id, net, org)| (id, (net, org)))
                    .collect();
                let mut out = Vec::with_capacity(ranked.len());
                let mut rank = 0usize;
                let mut previous: Option<i64> = None;
                for (position, network_id, client_id, up, down) in ranked {
                    rank = if previous == Some(position) { rank + 1 } else { 1 };
                    previous = Some(position);
                    // The client's latest day in the period within the group.
                    let latest: Option<LatestRow> = sqlx::query_as(
                        "SELECT day, mac, ip, ip6, vlan, named_vlan, description, \"user\",
                             pseudonymized
                         FROM client_daily_usage
                         WHERE network_id = $1 AND day >= $2 AND day <= $3 AND client_id = $4
                           AND COALESCE(group_position, -1) = $5
                         ORDER BY day DESC LIMIT 1",
                    )
                    .bind(&network_id)
                    .bind(SqlDay(start))
                    .bind(SqlDay(end))
                    .bind(&client_id)
                    .bind(position)
                    .fetch_optional(&mut *conn)
                    .await?;
                    let Some((day, mac, ip, ip6, vlan, named_vlan, description, user, pseudo)) =
                        latest
                    else {
                        // A rollup row without its daily rows cannot be: the triggers keep them
                        // equal.
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
                        last_day: day.0,
                        traffic: traffic(up, down),
                    });
                }
                Ok(out)
            }
        }
    };
}

top_backend!(sqlite, sqlx::Sqlite, crate::sqlite::SqliteStore);
#[cfg(feature = "postgres")]
top_backend!(postgres, sqlx::Postgres, crate::postgres::PgStore);
