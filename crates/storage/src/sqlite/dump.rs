//! `dbdump` (SQLite): every table's raw contents as readable text.

use std::io::Write;

use futures::TryStreamExt;
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::SqliteStore;
use crate::error::Result;

/// Dumped tables and their order. Fixed names (never user input), so formatting them into the
/// statement is safe; the view is left out because it only repeats `daily_usage`.
const TABLES: &[(&str, &str)] = &[
    ("settings", "SELECT * FROM settings ORDER BY id"),
    ("groups", "SELECT * FROM groups ORDER BY position"),
    ("organizations", "SELECT * FROM organizations ORDER BY id"),
    ("networks", "SELECT * FROM networks ORDER BY id"),
    ("sync_runs", "SELECT * FROM sync_runs ORDER BY id"),
    (
        "synced_days",
        "SELECT * FROM synced_days ORDER BY network_id, day",
    ),
    (
        "daily_usage",
        "SELECT * FROM daily_usage ORDER BY network_id, day, group_position",
    ),
    (
        "monthly_usage",
        "SELECT * FROM monthly_usage ORDER BY network_id, month, group_position",
    ),
    (
        "weekly_usage",
        "SELECT * FROM weekly_usage ORDER BY network_id, week, group_position",
    ),
    (
        "client_daily_usage",
        "SELECT * FROM client_daily_usage ORDER BY network_id, day, client_id",
    ),
];

impl SqliteStore {
    pub(crate) async fn dump(&self, out: &mut dyn Write) -> Result<()> {
        for (table, sql) in TABLES {
            writeln!(out, "---")?;
            let mut rows = sqlx::query(*sql).fetch(&self.pool);
            let mut header = false;
            while let Some(row) = rows.try_next().await? {
                if !header {
                    let cols: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
                    writeln!(out, "TABLE {table} ({})", cols.join(", "))?;
                    header = true;
                }
                let mut values = Vec::with_capacity(row.len());
                for i in 0..row.len() {
                    values.push(value_text(&row, i)?);
                }
                writeln!(out, "({})", values.join(", "))?;
            }
            if !header {
                writeln!(out, "TABLE {table} (empty)")?;
            }
        }
        Ok(())
    }
}

fn value_text(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<String> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok("NULL".to_string());
    }
    let kind = raw.type_info().name().to_string();
    Ok(match kind.as_str() {
        "INTEGER" => row.try_get::<i64, _>(i)?.to_string(),
        "REAL" => row.try_get::<f64, _>(i)?.to_string(),
        "BLOB" => {
            let bytes: Vec<u8> = row.try_get(i)?;
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("x'{hex}'")
        }
        _ => format!("{:?}", row.try_get::<String, _>(i)?),
    })
}
