//! Report queries (SQLite): period sums per network and group, daily totals, missing days.

use std::collections::BTreeSet;

use jiff::ToSpan;
use jiff::civil::Date;
use usage_model::{Source, Traffic};

use super::SqliteStore;
use crate::convert::day_text;
use crate::error::Result;
use crate::records::ReportRow;
use crate::rows::{
    BoundRow, DayGroupRow, GroupRow, GroupSumRow, ReportNetworkRow, SqlDay, source_from_sql,
};

/// A period split so that whole calendar months are read from `monthly_usage`, whole ISO
/// weeks of the remaining edges from `weekly_usage` and only the leftover days (at most six at
/// each end of an edge) from `daily_usage`. Empty ranges are `("1", "0")`: no text is both
/// `>= "1"` and `<= "0"`, so that branch reads nothing.
struct PeriodPlan {
    months: (String, String),
    /// Mondays of the first and last whole week, per edge.
    weeks: [(String, String); 2],
    days: [(String, String); 4],
}

fn empty() -> (String, String) {
    ("1".to_string(), "0".to_string())
}

fn month_text(d: Date) -> String {
    d.strftime("%Y-%m").to_string()
}

fn range(a: Date, b: Date) -> (String, String) {
    (day_text(a), day_text(b))
}

/// Splits `a..=b` into whole ISO weeks (as Monday..=last Monday) and the days before and after.
fn split_weeks(a: Date, b: Date) -> ((String, String), (String, String), (String, String)) {
    let to_monday = (7 - i64::from(a.weekday().to_monday_zero_offset())) % 7;
    let back_to_sunday = i64::from(b.weekday().to_sunday_zero_offset());
    let (Ok(first_monday), Ok(last_sunday)) = (
        a.checked_add(to_monday.days()),
        b.checked_sub(back_to_sunday.days()),
    ) else {
        return (empty(), range(a, b), empty());
    };
    let Ok(last_monday) = last_sunday.checked_sub(6.days()) else {
        return (empty(), range(a, b), empty());
    };
    if first_monday > last_monday {
        return (empty(), range(a, b), empty());
    }
    let head = match first_monday.yesterday() {
        Ok(h) if h >= a => range(a, h),
        _ => empty(),
    };
    let tail = match last_sunday.tomorrow() {
        Ok(t) if t <= b => range(t, b),
        _ => empty(),
    };
    (range(first_monday, last_monday), head, tail)
}

impl PeriodPlan {
    fn new(start: Date, end: Date) -> PeriodPlan {
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
            _ => (empty(), [Some((start, end)), None]),
        };
        let mut weeks = [empty(), empty()];
        let mut days = [empty(), empty(), empty(), empty()];
        for (i, edge) in edges.iter().enumerate() {
            if let Some((a, b)) = edge {
                let (w, head, tail) = split_weeks(*a, *b);
                weeks[i] = w;
                days[2 * i] = head;
                days[2 * i + 1] = tail;
            }
        }
        PeriodPlan {
            months,
            weeks,
            days,
        }
    }
}

impl SqliteStore {
    pub(crate) async fn report_rows(&self, start: Date, end: Date) -> Result<Vec<ReportRow>> {
        let plan = PeriodPlan::new(start, end);
        // One read transaction, so sums, networks and groups come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        let sums: Vec<GroupSumRow> = sqlx::query_as(
            "SELECT network_id, group_position, SUM(up_mkb) AS up_mkb, SUM(down_mkb) AS down_mkb,
                 COUNT(*) AS rows FROM (
                 SELECT network_id, group_position, up_mkb, down_mkb FROM monthly_usage
                     WHERE month >= ?1 AND month <= ?2
                 UNION ALL
                 SELECT network_id, group_position, up_mkb, down_mkb FROM weekly_usage
                     WHERE week >= ?3 AND week <= ?4
                 UNION ALL
                 SELECT network_id, group_position, up_mkb, down_mkb FROM weekly_usage
                     WHERE week >= ?5 AND week <= ?6
                 UNION ALL
                 SELECT network_id, group_position, up_mkb, down_mkb FROM daily_usage
                     WHERE day >= ?7 AND day <= ?8
                 UNION ALL
                 SELECT network_id, group_position, up_mkb, down_mkb FROM daily_usage
                     WHERE day >= ?9 AND day <= ?10
                 UNION ALL
                 SELECT network_id, group_position, up_mkb, down_mkb FROM daily_usage
                     WHERE day >= ?11 AND day <= ?12
                 UNION ALL
                 SELECT network_id, group_position, up_mkb, down_mkb FROM daily_usage
                     WHERE day >= ?13 AND day <= ?14
             ) GROUP BY network_id, group_position",
        )
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
        // Through the (network_id, day) key: one short index range per network.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT s.usage_source, COUNT(*)
             FROM networks AS n JOIN synced_days AS s
                 ON s.network_id = n.id AND s.day >= ?1 AND s.day <= ?2
             GROUP BY s.usage_source",
        )
        .bind(day_text(start))
        .bind(day_text(end))
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .into_iter()
            .map(|(source, n)| Ok((source_from_sql(&source)?, u64::try_from(n).unwrap_or(0))))
            .collect::<Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
    }

    pub(crate) async fn missing_days(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(String, String, Vec<Date>)>> {
        let (from, to) = (day_text(start), day_text(end));
        let period: Vec<Date> = start.series(1.day()).take_while(|d| *d <= end).collect();
        let mut tx = self.pool.begin().await?;
        // Counting through the (network_id, day) key is one short index range per network, so
        // complete networks (the usual case) cost almost nothing.
        let counts: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT n.id, n.name, (SELECT COUNT(*) FROM synced_days AS s
                                   WHERE s.network_id = n.id AND s.day >= ?1 AND s.day <= ?2)
             FROM networks AS n JOIN organizations AS o ON o.id = n.organization_id
             ORDER BY o.name, o.id, n.name, n.id",
        )
        .bind(&from)
        .bind(&to)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::new();
        for (id, name, count) in counts {
            if usize::try_from(count).unwrap_or(0) >= period.len() {
                continue;
            }
            let have: Vec<SqlDay> = sqlx::query_scalar(
                "SELECT day FROM synced_days WHERE network_id = ?1 AND day >= ?2 AND day <= ?3",
            )
            .bind(&id)
            .bind(&from)
            .bind(&to)
            .fetch_all(&mut *tx)
            .await?;
            let have: BTreeSet<Date> = have.into_iter().map(|d| d.0).collect();
            let missing = period
                .iter()
                .filter(|d| !have.contains(d))
                .copied()
                .collect();
            out.push((id, name, missing));
        }
        tx.commit().await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Every day of the period is covered exactly once by the plan's months, weeks and days.
    fn covered(a: Date, b: Date) -> Vec<Date> {
        let p = PeriodPlan::new(a, b);
        let mut out = Vec::new();
        let all = date(2020, 1, 1).series(1.day()).take(3_000);
        for x in all {
            let text = day_text(x);
            let mut n = 0;
            if month_text(x) >= p.months.0 && month_text(x) <= p.months.1 {
                n += 1;
            }
            let monday = x
                .checked_sub(i64::from(x.weekday().to_monday_zero_offset()).days())
                .unwrap();
            for w in &p.weeks {
                if day_text(monday) >= w.0 && day_text(monday) <= w.1 {
                    n += 1;
                }
            }
            for r in &p.days {
                if text >= r.0 && text <= r.1 {
                    n += 1;
                }
            }
            assert!(n <= 1, "{x} read twice for {a} to {b}");
            if n == 1 {
                out.push(x);
            }
        }
        out
    }

    #[test]
    fn every_day_of_a_period_is_read_exactly_once() {
        let starts = [
            date(2025, 12, 29),
            date(2026, 1, 1),
            date(2026, 1, 15),
            date(2026, 2, 2),
        ];
        for a in starts {
            for len in [0, 1, 6, 7, 13, 27, 30, 31, 45, 59, 90, 364, 400] {
                let b = a.checked_add(jiff::Span::new().days(len)).unwrap();
                let want: Vec<Date> = a.series(1.day()).take_while(|x| *x <= b).collect();
                assert_eq!(covered(a, b), want, "{a} to {b}");
            }
        }
    }

    #[test]
    fn whole_months_and_weeks_come_from_the_rollups() {
        let p = PeriodPlan::new(date(2026, 10, 1), date(2026, 10, 31));
        assert_eq!(p.months, ("2026-10".into(), "2026-10".into()));
        assert!(p.days.iter().all(|d| *d == empty()));
        // Monday 2026-10-19 to Sunday 2026-10-25: one week, no days.
        let p = PeriodPlan::new(date(2026, 10, 19), date(2026, 10, 25));
        assert_eq!(p.months, empty());
        assert_eq!(p.weeks[0], ("2026-10-19".into(), "2026-10-19".into()));
        assert!(p.days.iter().all(|d| *d == empty()));
        // A ragged year: 11 months, whole weeks at the edges, a few days.
        let p = PeriodPlan::new(date(2025, 10, 15), date(2026, 10, 14));
        assert_eq!(p.months, ("2025-11".into(), "2026-09".into()));
        assert_eq!(p.weeks[0], ("2025-10-20".into(), "2025-10-20".into()));
        assert_eq!(p.days[0], ("2025-10-15".into(), "2025-10-19".into()));
        assert_eq!(p.days[1], ("2025-10-27".into(), "2025-10-31".into()));
    }
}
