//! Copying a whole database into another, of either backend: [`copy_database`].
//!
//! The stored tables are copied row by row, values unchanged, in one write transaction of the
//! target; the rollups are not copied but rebuilt by the target's own triggers as the rows
//! arrive, so the copy is checked against the source on them too. Table and column names are
//! fixed here (never user input); every value is a bound parameter.

use futures::StreamExt;
use futures::stream::BoxStream;
use jiff::civil::Date;

use crate::error::{Error, Result};
use crate::store::Store;

/// One stored value, as both backends hold it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// SQL NULL.
    Null,
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(String),
    /// A calendar day (`TEXT` in SQLite, `date` in PostgreSQL).
    Day(Date),
    /// Bytes (`BLOB` in SQLite, `bytea` in PostgreSQL).
    Bytes(Vec<u8>),
}

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
    Day,
    Bytes,
}

/// A copied table: its name and columns, the same in both schemas.
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [(&'static str, Kind)],
    /// Primary-key order, for a deterministic read.
    pub(crate) order: &'static str,
}

use Kind::{Bytes, Day, Int, Text};

/// Every stored table, parents first (foreign keys). The rollup tables are left out: the
/// target's triggers rebuild them.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "settings",
        columns: &[
            ("id", Int),
            ("groups", Text),
            ("filter", Text),
            ("time_zone_mode", Text),
            ("updated_at", Int),
            ("demo", Int),
            ("source", Text),
            ("client_detail", Text),
            ("client_retention_days", Int),
        ],
        order: "id",
    },
    // The pseudonym key goes with the rows it made: in the copy, a client's MAC still finds its
    // pseudonymized rows (forget-client) and new days get the same pseudonyms.
    Table {
        name: "client_pseudonym_key",
        columns: &[("id", Int), ("key", Bytes)],
        order: "id",
    },
    Table {
        name: "groups",
        columns: &[("position", Int), ("name", Text)],
        order: "position",
    },
    Table {
        name: "organizations",
        columns: &[("id", Text), ("name", Text)],
        order: "id",
    },
    Table {
        name: "networks",
        columns: &[
            ("id", Text),
            ("organization_id", Text),
            ("name", Text),
            ("tags", Text),
            ("time_zone", Text),
        ],
        order: "id",
    },
    Table {
        name: "sync_runs",
        columns: &[
            ("id", Int),
            ("started_at", Int),
            ("finished_at", Int),
            ("status", Text),
            ("pid", Int),
            ("calls", Int),
            ("retries", Int),
            ("rate_limited", Int),
            ("days_written", Int),
            ("error", Text),
            ("client_rows_expired", Int),
        ],
        order: "id",
    },
    Table {
        name: "daily_usage",
        columns: &[
            ("day", Day),
            ("network_id", Text),
            ("group_position", Int),
            ("up_mkb", Int),
            ("down_mkb", Int),
            ("up_bound_mkb", Int),
            ("down_bound_mkb", Int),
        ],
        order: "day, network_id, group_position",
    },
    Table {
        name: "client_daily_usage",
        columns: &[
            ("network_id", Text),
            ("day", Day),
            ("client_id", Text),
            ("mac", Text),
            ("ip", Text),
            ("ip6", Text),
            ("vlan", Int),
            ("named_vlan", Text),
            ("group_position", Int),
            ("up_mkb", Int),
            ("down_mkb", Int),
            ("up_bound_mkb", Int),
            ("down_bound_mkb", Int),
            ("ssid", Text),
            ("description", Text),
            ("user", Text),
            ("pseudonymized", Int),
        ],
        order: "network_id, day, client_id",
    },
    Table {
        name: "synced_days",
        columns: &[
            ("network_id", Text),
            ("day", Day),
            ("synced_at", Int),
            ("source", Text),
            ("usage_source", Text),
        ],
        order: "network_id, day",
    },
];

/// The checks run on both databases after a copy, each one integer: row counts of every
/// stored table and of the rollups, and sums of every usage column (in thousandths of a kB),
/// stored and rolled up. Fixed SQL, valid in both dialects.
pub(crate) const CHECKS: &[(&str, &str)] = &[
    ("settings rows", "SELECT COUNT(*) FROM settings"),
    ("groups rows", "SELECT COUNT(*) FROM groups"),
    ("organizations rows", "SELECT COUNT(*) FROM organizations"),
    ("networks rows", "SELECT COUNT(*) FROM networks"),
    ("sync_runs rows", "SELECT COUNT(*) FROM sync_runs"),
    (
        "sync_runs days",
        "SELECT COALESCE(SUM(days_written), 0) FROM sync_runs",
    ),
    ("synced_days rows", "SELECT COUNT(*) FROM synced_days"),
    ("daily_usage rows", "SELECT COUNT(*) FROM daily_usage"),
    (
        "daily_usage up",
        "SELECT COALESCE(SUM(up_mkb), 0) FROM daily_usage",
    ),
    (
        "daily_usage down",
        "SELECT COALESCE(SUM(down_mkb), 0) FROM daily_usage",
    ),
    (
        "daily_usage bounds",
        "SELECT COALESCE(SUM(up_bound_mkb + down_bound_mkb), 0) FROM daily_usage",
    ),
    (
        "client_daily_usage rows",
        "SELECT COUNT(*) FROM client_daily_usage",
    ),
    (
        "client_daily_usage up",
        "SELECT COALESCE(SUM(up_mkb), 0) FROM client_daily_usage",
    ),
    (
        "client_daily_usage down",
        "SELECT COALESCE(SUM(down_mkb), 0) FROM client_daily_usage",
    ),
    (
        "client_daily_usage bounds",
        "SELECT COALESCE(SUM(up_bound_mkb + down_bound_mkb), 0) FROM client_daily_usage",
    ),
    (
        "monthly_usage up+down",
        "SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM monthly_usage",
    ),
    (
        "weekly_usage up+down",
        "SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM weekly_usage",
    ),
    (
        "usage_year up+down",
        "SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM usage_year",
    ),
    (
        "usage_year_to_month up+down",
        "SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM usage_year_to_month",
    ),
    (
        "usage_month_to_day up+down",
        "SELECT COALESCE(SUM(up_mkb + down_mkb), 0) FROM usage_month_to_day",
    ),
    (
        "synced_year days",
        "SELECT COALESCE(SUM(days), 0) FROM synced_year",
    ),
];

/// What [`copy_database`] copied: rows per table, in copy order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopySummary {
    /// `(table, rows)` for every copied table.
    pub tables: Vec<(String, u64)>,
    /// How many checks (row counts and sums, stored and rolled up) agreed afterwards.
    pub checks: usize,
}

/// Rows of one table, read in batches.
pub(crate) type RowStream<'a> = BoxStream<'a, Result<Vec<Value>>>;

/// How many rows one INSERT statement carries (SQLite allows 32,766 parameters; PostgreSQL
/// 65,535): 14 columns × 500 rows stays under both.
pub(crate) const BATCH: usize = 500;

/// Copies every row of `source` into `target`, a database of either backend that holds no
/// data (a new SQLite file, or a PostgreSQL database with no usagestats data), in one
/// transaction of the target: on any failure the target is left as it was. Afterwards row
/// counts and sums of every table, rollups included, are compared on both sides.
///
/// # Errors
/// [`Error::CopyTargetNotEmpty`] when the target holds any data; [`Error::CopyMismatch`] when
/// a check disagrees (the copy is then already committed: report it); database errors.
pub async fn copy_database(source: &Store, target: &Store) -> Result<CopySummary> {
    if !target.is_empty().await? {
        return Err(Error::CopyTargetNotEmpty {
            location: target.location().to_string(),
        });
    }
    let mut writer = target.begin_copy().await?;
    let mut tables = Vec::new();
    for table in TABLES {
        let mut rows = source.read_table(table);
        let mut batch = Vec::with_capacity(BATCH);
        let mut count = 0u64;
        while let Some(row) = rows.next().await {
            batch.push(row?);
            if batch.len() == BATCH {
                writer.insert(table, &batch).await?;
                count += batch.len() as u64;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            writer.insert(table, &batch).await?;
            count += batch.len() as u64;
        }
        tables.push((table.name.to_string(), count));
    }
    writer.commit().await?;
    let mut checks = 0;
    for (what, sql) in CHECKS {
        let want = source.check_value(sql).await?;
        let got = target.check_value(sql).await?;
        if want != got {
            return Err(Error::CopyMismatch {
                what: format!("{what}: {want} in the source, {got} in the copy"),
            });
        }
        checks += 1;
    }
    Ok(CopySummary { tables, checks })
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for `rows` rows, with placeholders made by
/// `placeholder(n)` (1-based): `?n` for SQLite, `$n` for PostgreSQL.
pub(crate) fn insert_sql(table: &Table, rows: usize, placeholder: fn(usize) -> String) -> String {
    // Quoted: `user` is a reserved word in PostgreSQL.
    let names: Vec<String> = table
        .columns
        .iter()
        .map(|(n, _)| format!("\"{n}\""))
        .collect();
    let width = names.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = (0..width).map(|c| placeholder(r * width + c + 1)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        names.join(", "),
        values.join(", ")
    )
}

/// `SELECT columns FROM table ORDER BY key`, made once per table (a stream of rows borrows
/// its statement for as long as it runs).
pub(crate) fn select_sql(table: &Table) -> &'static str {
    static SELECTS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        TABLES
            .iter()
            .map(|t| {
                let names: Vec<String> =
                    t.columns.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                format!(
                    "SELECT {} FROM {} ORDER BY {}",
                    names.join(", "),
                    t.name,
                    t.order
                )
            })
            .collect()
    });
    let i = TABLES
        .iter()
        .position(|t| t.name == table.name)
        .unwrap_or_default();
    &SELECTS[i]
}

/// A check of [`CHECKS`] as one BIGINT in both dialects (PostgreSQL's SUM of a bigint is a
/// numeric).
pub(crate) fn check_sql(sql: &str) -> String {
    format!("SELECT CAST(({sql}) AS BIGINT)")
}

/// Whether a database holds no data at all: no configuration, group, organization or run
/// (a pseudonym key alone, made by a failed first sync, is data too).
pub(crate) const IS_EMPTY: &str = "SELECT CAST((SELECT COUNT(*) FROM settings) \
     + (SELECT COUNT(*) FROM groups) + (SELECT COUNT(*) FROM organizations) \
     + (SELECT COUNT(*) FROM sync_runs) + (SELECT COUNT(*) FROM client_pseudonym_key) AS BIGINT)";

/// The target of a copy, inside its one transaction.
pub(crate) enum CopyWriter {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl CopyWriter {
    async fn insert(&mut self, table: &Table, rows: &[Vec<Value>]) -> Result<()> {
        match self {
            CopyWriter::Sqlite(tx) => {
                let sql = insert_sql(table, rows.len(), |n| format!("?{n}"));
                // Fixed table and column names and numbered placeholders only: values are bound.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in rows {
                    for (value, (_, kind)) in row.iter().zip(table.columns) {
                        q = match (value, kind) {
                            (Value::Null, Kind::Int) => q.bind(None::<i64>),
                            (Value::Null, Kind::Bytes) => q.bind(None::<Vec<u8>>),
                            (Value::Null, _) => q.bind(None::<String>),
                            (Value::Bytes(v), _) => q.bind(v.clone()),
                            (Value::Int(v), _) => q.bind(*v),
                            (Value::Text(v), _) => q.bind(v.clone()),
                            (Value::Day(d), _) => q.bind(crate::rows::SqlDay(*d)),
                        };
                    }
                }
                q.execute(&mut **tx).await?;
            }
            #[cfg(feature = "postgres")]
            CopyWriter::Postgres(tx) => {
                let sql = insert_sql(table, rows.len(), |n| format!("${n}"));
                // Fixed table and column names and numbered placeholders only: values are bound.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in rows {
                    for (value, (_, kind)) in row.iter().zip(table.columns) {
                        q = match (value, kind) {
                            (Value::Null, Kind::Int) => q.bind(None::<i64>),
                            (Value::Null, Kind::Day) => q.bind(None::<crate::rows::SqlDay>),
                            (Value::Null, Kind::Text) => q.bind(None::<String>),
                            (Value::Null, Kind::Bytes) => q.bind(None::<Vec<u8>>),
                            (Value::Bytes(v), _) => q.bind(v.clone()),
                            (Value::Int(v), _) => q.bind(*v),
                            (Value::Text(v), _) => q.bind(v.clone()),
                            (Value::Day(d), _) => q.bind(crate::rows::SqlDay(*d)),
                        };
                    }
                }
                q.execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    async fn commit(self) -> Result<()> {
        match self {
            CopyWriter::Sqlite(tx) => tx.commit().await?,
            #[cfg(feature = "postgres")]
            CopyWriter::Postgres(mut tx) => {
                // Runs were inserted with their ids: the next run continues after them.
                sqlx::query(
                    "SELECT setval(pg_get_serial_sequence('sync_runs', 'id'),
                                   COALESCE(MAX(id), 0) + 1, false) FROM sync_runs",
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?
            }
        }
        Ok(())
    }
}

/// Reads one column of a row as [`Value`], for SQLite and PostgreSQL rows alike.
macro_rules! read_value {
    ($row:expr, $i:expr, $kind:expr) => {{
        use sqlx::Row as _;
        match $kind {
            Kind::Int => $row
                .try_get::<Option<i64>, _>($i)?
                .map_or(Value::Null, Value::Int),
            Kind::Text => $row
                .try_get::<Option<String>, _>($i)?
                .map_or(Value::Null, Value::Text),
            Kind::Day => $row
                .try_get::<Option<crate::rows::SqlDay>, _>($i)?
                .map_or(Value::Null, |d| Value::Day(d.0)),
            Kind::Bytes => $row
                .try_get::<Option<Vec<u8>>, _>($i)?
                .map_or(Value::Null, Value::Bytes),
        }
    }};
}
pub(crate) use read_value;
