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

/// How deep the threshold ranking reads each list before it gives way to the full ranking
/// ([`RANK_SQL`]).
pub(crate) const MAX_DEPTH: i64 = 16_384;

/// One piece of a period the threshold ranking reads as a list of clients, largest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slice {
    /// A calendar month the period covers whole (`YYYY-MM`).
    Month(String),
    /// An ISO week the period covers whole, outside its whole months (its Monday).
    Week(Date),
    /// A day in neither.
    Day(Date),
}

/// A period cut into whole calendar months, then whole ISO weeks, then single days: each
/// day of the period in exactly one slice.
pub(crate) fn slices(start: Date, end: Date) -> Vec<Slice> {
    let mut out = Vec::new();
    let mut d = start;
    while d <= end {
        let month_end = d.last_of_month();
        let to_sunday = i64::from(7 - d.weekday().to_monday_one_offset());
        let week_end = d.checked_add(to_sunday.days()).unwrap_or(d);
        // A week that reaches into a month the period covers whole is left as days, so that
        // the month stays one slice.
        let splits_a_month = week_end.first_of_month() > d && week_end.last_of_month() <= end;
        let (slice, last) = if d.day() == 1 && month_end <= end {
            (Slice::Month(month_text(d)), month_end)
        } else if to_sunday == 6 && week_end <= end && !splits_a_month {
            (Slice::Week(d), week_end)
        } else {
            (Slice::Day(d), d)
        };
        out.push(slice);
        match last.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    out
}

/// The exact sums of the clients a threshold round has seen (`$1`, a JSON array of
/// `[network id, client id]`) over the whole months (`$2`), weeks (`$3`, Mondays) and days
/// (`$4`) of the period (JSON arrays of text) in group `$5`, each row a primary-key lookup:
/// SQLite's `CROSS JOIN` fixes the join order (client, slice, row), without which it scanned
/// each network's days.
const SEEN_SUMS_SQLITE: &str = "
WITH seen AS (
    SELECT json_extract(value, '$[0]') AS n, json_extract(value, '$[1]') AS c FROM json_each($1)
),
parts AS (
    SELECT seen.n, seen.c, m.up_mkb AS up, m.down_mkb AS down
    FROM seen CROSS JOIN json_each($2) AS s CROSS JOIN client_monthly_usage AS m
    WHERE m.month = s.value AND m.group_position = $5
      AND m.network_id = seen.n AND m.client_id = seen.c
    UNION ALL
    SELECT seen.n, seen.c, w.up_mkb, w.down_mkb
    FROM seen CROSS JOIN json_each($3) AS s CROSS JOIN client_weekly_usage AS w
    WHERE w.week = s.value AND w.group_position = $5
      AND w.network_id = seen.n AND w.client_id = seen.c
    UNION ALL
    SELECT seen.n, seen.c, u.up_mkb, u.down_mkb
    FROM seen CROSS JOIN json_each($4) AS s CROSS JOIN client_daily_usage AS u
    WHERE u.network_id = seen.n AND u.day = s.value AND u.client_id = seen.c
      AND u.group_position = $5
)
SELECT n, c, SUM(up), SUM(down) FROM parts GROUP BY n, c";

/// [`SEEN_SUMS_SQLITE`] for PostgreSQL (`jsonb`, dates cast, the keys' `C` collation).
#[cfg(feature = "postgres")]
const SEEN_SUMS_POSTGRES: &str = "
WITH seen AS (
    SELECT (value->>0) COLLATE \"C\" AS n, (value->>1) COLLATE \"C\" AS c
    FROM jsonb_array_elements(CAST($1 AS jsonb))
),
parts AS (
    SELECT seen.n, seen.c, m.up_mkb AS up, m.down_mkb AS down
    FROM seen CROSS JOIN jsonb_array_elements_text(CAST($2 AS jsonb)) AS s(value)
    JOIN client_monthly_usage AS m
      ON m.month = s.value COLLATE \"C\" AND m.group_position = $5
     AND m.network_id = seen.n AND m.client_id = seen.c
    UNION ALL
    SELECT seen.n, seen.c, w.up_mkb, w.down_mkb
    FROM seen CROSS JOIN jsonb_array_elements_text(CAST($3 AS jsonb)) AS s(value)
    JOIN client_weekly_usage AS w
      ON w.week = CAST(s.value AS date) AND w.group_position = $5
     AND w.network_id = seen.n AND w.client_id = seen.c
    UNION ALL
    SELECT seen.n, seen.c, u.up_mkb, u.down_mkb
    FROM seen CROSS JOIN jsonb_array_elements_text(CAST($4 AS jsonb)) AS s(value)
    JOIN client_daily_usage AS u
      ON u.network_id = seen.n AND u.day = CAST(s.value AS date) AND u.client_id = seen.c
    WHERE u.group_position = $5
)
SELECT n, c, CAST(SUM(up) AS BIGINT), CAST(SUM(down) AS BIGINT) FROM parts GROUP BY n, c";

/// The queries of [`crate::Store::top_clients`], the same for both backends (`$n`
/// placeholders), expanded once per backend.
macro_rules! top_backend {
    ($module:ident, $db:ty, $store:ty, $seen_sums:expr) => {
        mod $module {
            use std::collections::HashMap;

            use jiff::civil::Date;

            use super::{
                ClientPlan, MAX_DEPTH, RANK_DAILY_SQL, RANK_SQL, Ranked, Slice, TopClient, slices,
            };
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
                    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
                    let cut = slices(start, end);
                    let mut tx = self.pool.begin().await?;
                    let positions = group_positions(&mut tx, group).await?;
                    // A period that is exactly one month or one ISO week reads the largest
                    // clients straight from the rollup's index on the total.
                    let ranked: Vec<Ranked> = if let [unit @ (Slice::Month(_) | Slice::Week(_))] =
                        cut.as_slice()
                    {
                        let mut out = Vec::new();
                        for p in positions {
                            let rows: Vec<Ranked> = match unit {
                                Slice::Month(month) => {
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
                                Slice::Week(monday) => {
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
                                // Not reached: the pattern above takes months and weeks only.
                                Slice::Day(_) => Vec::new(),
                            };
                            out.extend(rows);
                        }
                        out
                    } else {
                        match threshold_rank(&mut tx, &cut, &positions, limit).await? {
                            Some(ranked) => ranked,
                            None => {
                                let plan = ClientPlan::new(start, end);
                                full_rank(&mut tx, &plan, group, limit).await?
                            }
                        }
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

            impl $store {
                /// [`crate::Store::top_clients_by_full_sums`].
                pub(crate) async fn top_clients_by_full_sums(
                    &self,
                    start: Date,
                    end: Date,
                    group: Option<usize>,
                    limit: usize,
                ) -> Result<Vec<TopClient>> {
                    let plan = ClientPlan::new(start, end);
                    let mut tx = self.pool.begin().await?;
                    let ranked = full_rank(&mut tx, &plan, group, limit).await?;
                    let out = describe(&mut tx, ranked, start, end).await?;
                    tx.commit().await?;
                    Ok(out)
                }
            }

            /// The positions to rank: `group` alone, or every group of the database.
            async fn group_positions(conn: &mut Conn, group: Option<usize>) -> Result<Vec<i64>> {
                Ok(match group {
                    Some(g) => vec![position_to_sql(g)?],
                    None => {
                        sqlx::query_scalar("SELECT position FROM groups ORDER BY position")
                            .fetch_all(&mut *conn)
                            .await?
                    }
                })
            }

            /// The ranking summed over every client of the period ([`RANK_SQL`]).
            async fn full_rank(
                conn: &mut Conn,
                plan: &ClientPlan,
                group: Option<usize>,
                limit: usize,
            ) -> Result<Vec<Ranked>> {
                let mut q = sqlx::query_as(RANK_SQL)
                    .bind(plan.months.0.clone())
                    .bind(plan.months.1.clone());
                for (a, b) in plan.weeks.iter().chain(plan.days.iter()) {
                    q = q.bind(SqlDay(*a)).bind(SqlDay(*b));
                }
                Ok(q.bind(group.map(position_to_sql).transpose()?)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&mut *conn)
                    .await?)
            }

            /// The ranking of a period that is not exactly one month or one week, by the
            /// threshold algorithm (Fagin, Lotem and Naor) over [`slices`] of the period:
            /// whole months from the per-client month rollup, whole weeks from the week
            /// rollup, other days from the client rows, each read largest first from its
            /// index on the total, `depth` clients per slice. The clients seen are summed
            /// exactly over every slice (by primary key); a client not seen in a slice's list
            /// has at most the smallest total read there, so once the `limit`-th sum is larger
            /// than the sum of those smallest totals, no unseen client can rank among the
            /// first `limit` and the ranking is exact. Otherwise the lists are read deeper.
            /// Traffic is heavy-tailed, so a few hundred clients per slice usually settle a
            /// group; `None` when [`MAX_DEPTH`] is not enough, and the caller sums every
            /// client instead.
            async fn threshold_rank(
                conn: &mut Conn,
                slices: &[Slice],
                positions: &[i64],
                limit: usize,
            ) -> Result<Option<Vec<Ranked>>> {
                if limit == 0 {
                    return Ok(Some(Vec::new()));
                }
                let (mut months, mut weeks, mut days) = (Vec::new(), Vec::new(), Vec::new());
                for s in slices {
                    match s {
                        Slice::Month(m) => months.push(m.clone()),
                        Slice::Week(w) => weeks.push(w.to_string()),
                        Slice::Day(d) => days.push(d.to_string()),
                    }
                }
                let json = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
                let (months_json, weeks_json, days_json) = (json(&months), json(&weeks), json(&days));
                let mut out = Vec::new();
                for &g in positions {
                    let mut depth = i64::try_from(limit.saturating_mul(4))
                        .unwrap_or(i64::MAX)
                        .max(64);
                    loop {
                        if depth > MAX_DEPTH {
                            return Ok(None);
                        }
                        // Sorted access: each slice's `depth` largest clients of the group.
                        let mut seen: Vec<(String, String)> = Vec::new();
                        let mut bound: i128 = 0;
                        let mut exhausted = true;
                        for slice in slices {
                            let rows: Vec<(String, String, i64)> = match slice {
                                Slice::Month(m) => sqlx::query_as(
                                    "SELECT network_id, client_id, up_mkb + down_mkb
                                     FROM client_monthly_usage
                                     WHERE month = $1 AND group_position = $2
                                     ORDER BY up_mkb + down_mkb DESC LIMIT $3",
                                )
                                .bind(m.clone()),
                                Slice::Week(w) => sqlx::query_as(
                                    "SELECT network_id, client_id, up_mkb + down_mkb
                                     FROM client_weekly_usage
                                     WHERE week = $1 AND group_position = $2
                                     ORDER BY up_mkb + down_mkb DESC LIMIT $3",
                                )
                                .bind(SqlDay(*w)),
                                Slice::Day(d) => sqlx::query_as(
                                    "SELECT network_id, client_id, up_mkb + down_mkb
                                     FROM client_daily_usage
                                     WHERE day = $1 AND group_position = $2
                                       AND group_position IS NOT NULL
                                     ORDER BY up_mkb + down_mkb DESC LIMIT $3",
                                )
                                .bind(SqlDay(*d)),
                            }
                            .bind(g)
                            .bind(depth)
                            .fetch_all(&mut *conn)
                            .await?;
                            if i64::try_from(rows.len()).unwrap_or(i64::MAX) == depth {
                                exhausted = false;
                                bound += rows.last().map_or(0, |r| i128::from(r.2.max(0)));
                            }
                            seen.extend(rows.into_iter().map(|(n, c, _)| (n, c)));
                        }
                        seen.sort_unstable();
                        seen.dedup();
                        let seen_json =
                            serde_json::to_string(&seen).unwrap_or_else(|_| "[]".into());
                        // Random access: the exact sums of the clients seen over every slice;
                        // clients without a row in the period drop out.
                        let mut sums: Vec<(String, String, i64, i64)> = sqlx::query_as($seen_sums)
                            .bind(&seen_json)
                            .bind(&months_json)
                            .bind(&weeks_json)
                            .bind(&days_json)
                            .bind(g)
                            .fetch_all(&mut *conn)
                            .await?;
                        sums.sort_by(|a, b| {
                            (i128::from(b.2) + i128::from(b.3))
                                .cmp(&(i128::from(a.2) + i128::from(a.3)))
                                .then_with(|| a.0.cmp(&b.0))
                                .then_with(|| a.1.cmp(&b.1))
                        });
                        sums.truncate(limit);
                        let settled = exhausted
                            || (sums.len() == limit
                                && sums
                                    .last()
                                    .is_some_and(|k| i128::from(k.2) + i128::from(k.3) > bound));
                        if settled {
                            out.extend(sums.into_iter().map(|(n, c, up, down)| (g, n, c, up, down)));
                            break;
                        }
                        depth = depth.saturating_mul(4);
                    }
                }
                Ok(Some(out))
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

top_backend!(
    sqlite,
    sqlx::Sqlite,
    crate::sqlite::SqliteStore,
    super::SEEN_SUMS_SQLITE
);
#[cfg(feature = "postgres")]
top_backend!(
    postgres,
    sqlx::Postgres,
    crate::postgres::PgStore,
    super::SEEN_SUMS_POSTGRES
);

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::{Date, date};

    use super::{Slice, slices};

    /// The days a slice stands for.
    fn days_of(slice: &Slice) -> Vec<Date> {
        let (first, n) = match slice {
            Slice::Month(m) => {
                let first: Date = format!("{m}-01").parse().unwrap();
                (first, i64::from(first.days_in_month()))
            }
            Slice::Week(monday) => {
                assert_eq!(monday.weekday(), jiff::civil::Weekday::Monday, "{monday}");
                (*monday, 7)
            }
            Slice::Day(d) => (*d, 1),
        };
        (0..n)
            .map(|i| first.checked_add(i.days()).unwrap())
            .collect()
    }

    /// Every period starting on any day of two years (a leap February included, every weekday
    /// and month length) and lasting 1 to 400 days is cut into slices that cover each of its
    /// days exactly once, in order, and every month it covers whole is one slice.
    #[test]
    fn slices_cover_every_day_of_a_period_exactly_once() {
        let mut start = date(2027, 12, 20);
        while start <= date(2029, 1, 10) {
            for len in [
                1i64, 2, 6, 7, 8, 13, 27, 28, 29, 30, 31, 32, 45, 62, 91, 365, 400,
            ] {
                let end = start.checked_add((len - 1).days()).unwrap();
                let cut = slices(start, end);
                let days: Vec<Date> = cut.iter().flat_map(days_of).collect();
                let want: Vec<Date> = (0..len)
                    .map(|i| start.checked_add(i.days()).unwrap())
                    .collect();
                assert_eq!(days, want, "{start} + {len} days: {cut:?}");
                let mut m = start.first_of_month();
                while m <= end {
                    if m >= start && m.last_of_month() <= end {
                        let key = m.strftime("%Y-%m").to_string();
                        assert!(cut.contains(&Slice::Month(key)), "{start} + {len}: {m}");
                    }
                    m = m.last_of_month().tomorrow().unwrap();
                }
            }
            start = start.checked_add(3.days()).unwrap();
        }
    }
}
