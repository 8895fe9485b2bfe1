//! Import of a database made by the original `usagestats.py` (its `DB_VERSION` 4).
//!
//! The original's layout: `config(id, dbversion INTEGER, groups TEXT, filter TEXT)`,
//! `groups(id, groupid INTEGER, groupname TEXT, subnets TEXT)`,
//! `organizations(id, orgid TEXT, orgname TEXT)`, `networks(id, netid TEXT, netname TEXT,
//! netorgid TEXT)` and one `data_<netid>(id, date TEXT, groupid TEXT, up TEXT, down TEXT)`
//! table per network, one row per day and group, integers stored as text.
//!
//! Direction: the original summed the API's `sent` into the column it named `up` and `recv`
//! into `down`, and its report printed them crossed back (its *up kB* column is the sum of
//! `down`). Its report's up is therefore `recv` and down is `sent`, which is exactly our
//! [`usage_model::Traffic::from_sent_recv`]; so our `up` = its `down` column and our `down` =
//! its `up` column, and our reports show the figures its reports showed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use jiff::civil::Date;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, Connection};
use usage_model::{Kb, Traffic};

use crate::convert::{now_unix, position_to_sql};
use crate::error::{Error, Result};
use crate::records::{DayOrigin, ImportSummary, NetworkRecord, Settings, TimeZoneMode};
use crate::rows::SqlDay;
use crate::sqlite::{SqliteStore, check_header, check_kind};

/// The only version of the original's database format this import reads.
pub const LEGACY_DB_VERSION: i64 = 4;

/// `date, groupid, up, down` of a `data_<netid>` row, each as the text the original stored.
type DataRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

struct LegacyNetwork {
    id: String,
    name: String,
    org_id: String,
    /// (day, group position) → summed traffic; several rows for one key are summed, as the
    /// original report did.
    usage: BTreeMap<(Date, usize), Traffic>,
    days: BTreeSet<Date>,
}

struct LegacyData {
    settings: Settings,
    groups: Vec<String>,
    organizations: Vec<(String, String)>,
    networks: Vec<LegacyNetwork>,
    skipped: Vec<String>,
}

/// Converts a database made by the original `usagestats.py` at `old` into a new usagestats
/// database at `new` (which must not exist). `old` is only read. On the command line:
/// `usagestats -d NEW import-legacy OLD`.
///
/// Imported: the stored configuration (groups and filter; days are cut in the machine's local
/// time zone, as the original did), the ordered groups, organizations, networks and every
/// `data_<netid>` row, each imported day marked complete with source `legacy`. Rows the
/// original's report could never show (a group id no longer defined, a network whose
/// organization is missing, unreadable dates or numbers) are left out and listed in
/// [`ImportSummary::skipped`]. The import is one transaction: on failure `new` is removed.
pub async fn import_legacy(old: &Path, new: &Path) -> Result<ImportSummary> {
    if new.exists() {
        return Err(Error::ImportTargetExists {
            path: new.to_path_buf(),
        });
    }
    check_kind(new)?;
    check_kind(old)?;
    if !old.is_file() {
        return Err(Error::NotFound {
            path: old.to_path_buf(),
        });
    }
    check_header(old)?;
    let data = read_legacy(old).await?;
    let store = SqliteStore::open(new).await?;
    let result = write_import(&store, data).await;
    store.close().await;
    if result.is_err() {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = new.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
    result
}

fn not_legacy(old: &Path, reason: impl Into<String>) -> Error {
    Error::NotLegacy {
        path: old.to_path_buf(),
        reason: reason.into(),
    }
}

async fn read_legacy(old: &Path) -> Result<LegacyData> {
    let options = SqliteConnectOptions::new().filename(old).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await?;
    let has = |name: &str| tables.iter().any(|t| t == name);
    if has("_sqlx_migrations") {
        return Err(not_legacy(old, "it is already a usagestats database"));
    }
    if !has("config") {
        return Err(not_legacy(old, "it has no `config` table"));
    }
    let config: Option<(Option<i64>, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT dbversion, groups, filter FROM config ORDER BY id LIMIT 1")
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| not_legacy(old, format!("its `config` table is unreadable: {e}")))?;
    let Some((version, group_string, filter)) = config else {
        return Err(not_legacy(old, "its `config` table is empty"));
    };
    if version != Some(LEGACY_DB_VERSION) {
        return Err(not_legacy(
            old,
            format!(
                "its database version is {}, only version {LEGACY_DB_VERSION} is supported",
                version.map_or("missing".to_string(), |v| v.to_string())
            ),
        ));
    }
    let group_string = group_string.unwrap_or_default();
    let mut skipped = Vec::new();

    // Group ids as the data tables hold them (text) → our positions.
    let groups: Vec<(String, String)> = if has("groups") {
        sqlx::query_as("SELECT CAST(groupid AS TEXT), groupname FROM groups ORDER BY groupid, id")
            .fetch_all(&mut conn)
            .await?
            .into_iter()
            .map(|(id, name): (Option<String>, Option<String>)| {
                (id.unwrap_or_default(), name.unwrap_or_default())
            })
            .collect()
    } else {
        // The original wrote `groups` on its first sync; before that only config has them.
        group_string
            .split(';')
            .enumerate()
            .map(|(i, g)| {
                let name = g.split('=').next().unwrap_or("").trim().to_string();
                (i.to_string(), name)
            })
            .collect()
    };
    let position_of: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(pos, (id, _))| (id.as_str(), pos))
        .collect();

    let organizations: Vec<(String, String)> = if has("organizations") {
        sqlx::query_as::<_, (Option<String>, Option<String>)>(
            "SELECT CAST(orgid AS TEXT), orgname FROM organizations ORDER BY id",
        )
        .fetch_all(&mut conn)
        .await?
        .into_iter()
        .filter_map(|(id, name)| Some((id?, name.unwrap_or_default())))
        .collect()
    } else {
        Vec::new()
    };
    let org_ids: BTreeSet<&str> = organizations.iter().map(|(id, _)| id.as_str()).collect();

    let raw_networks: Vec<(Option<String>, Option<String>, Option<String>)> = if has("networks") {
        sqlx::query_as(
            "SELECT CAST(netid AS TEXT), netname, CAST(netorgid AS TEXT) FROM networks ORDER BY id",
        )
        .fetch_all(&mut conn)
        .await?
    } else {
        Vec::new()
    };
    let mut networks = Vec::new();
    let mut negative = 0usize;
    for (id, name, org_id) in raw_networks {
        let (Some(id), name, Some(org_id)) = (id, name.unwrap_or_default(), org_id) else {
            skipped.push("a network row without id or organization".to_string());
            continue;
        };
        if !org_ids.contains(org_id.as_str()) {
            skipped.push(format!(
                "network {id} ({name}): its organization {org_id} is not in the database \
                 (the original report did not show it either)"
            ));
            continue;
        }
        let mut network = LegacyNetwork {
            id,
            name,
            org_id,
            usage: BTreeMap::new(),
            days: BTreeSet::new(),
        };
        let table = format!("data_{}", network.id);
        if tables.contains(&table) {
            // Table names cannot be bound as parameters. This one is an existing table's name
            // taken from sqlite_master (checked just above), quoted as an identifier.
            let sql = format!(
                "SELECT date, CAST(groupid AS TEXT), CAST(up AS TEXT), CAST(down AS TEXT) \
                 FROM \"{}\" ORDER BY id",
                table.replace('"', "\"\"")
            );
            let rows: Vec<DataRow> = sqlx::query_as(AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await?;
            let mut bad = 0usize;
            let mut orphan = 0usize;
            for (date, group, up_col, down_col) in rows {
                let date = date.and_then(|d| Date::strptime("%Y-%m-%d", d.trim()).ok());
                let up_col = up_col.as_deref().and_then(legacy_kb);
                let down_col = down_col.as_deref().and_then(legacy_kb);
                let (Some(date), Some(up_col), Some(down_col)) = (date, up_col, down_col) else {
                    bad += 1;
                    continue;
                };
                let Some(&position) = group.as_deref().and_then(|g| position_of.get(g)) else {
                    orphan += 1;
                    continue;
                };
                if up_col < Kb::ZERO || down_col < Kb::ZERO {
                    negative += 1;
                }
                network.days.insert(date);
                // The crossing described in the module comment.
                let t = Traffic {
                    up: down_col,
                    down: up_col,
                };
                *network.usage.entry((date, position)).or_default() += t;
            }
            if bad > 0 {
                skipped.push(format!(
                    "{table}: {bad} rows with an unreadable date or number"
                ));
            }
            if orphan > 0 {
                skipped.push(format!(
                    "{table}: {orphan} rows of group ids that are not defined any more \
                     (the original report did not show them either)"
                ));
            }
        }
        networks.push(network);
    }
    if negative > 0 {
        skipped.push(format!(
            "nothing skipped, but {negative} rows hold negative values (the original stored \
             unclamped differences); they were kept so that reports agree"
        ));
    }
    conn.close().await?;
    Ok(LegacyData {
        settings: Settings {
            groups: group_string,
            filter: filter.unwrap_or_default(),
            time_zone_mode: TimeZoneMode::Local,
            // The original read every selected device's client list.
            source: usage_model::Source::Device,
        },
        groups: groups.into_iter().map(|(_, name)| name).collect(),
        organizations,
        networks,
        skipped,
    })
}

/// The original wrote `str(int(x))` and read back with `int(...)`: whole kB, maybe negative.
fn legacy_kb(text: &str) -> Option<Kb> {
    let v: i64 = text.trim().parse().ok()?;
    v.checked_mul(1000).map(Kb::from_millis)
}

async fn write_import(store: &SqliteStore, data: LegacyData) -> Result<ImportSummary> {
    let mut summary = ImportSummary {
        groups: data.groups.len(),
        organizations: data.organizations.len(),
        networks: data.networks.len(),
        skipped: data.skipped,
        ..ImportSummary::default()
    };
    store.save_settings(&data.settings, &data.groups).await?;
    let mut tx = store.pool.begin_with("BEGIN IMMEDIATE").await?;
    for (id, name) in &data.organizations {
        sqlx::query(
            "INSERT INTO organizations (id, name) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )
        .bind(id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    let now = now_unix();
    for network in &data.networks {
        let record = NetworkRecord {
            id: network.id.clone(),
            organization_id: network.org_id.clone(),
            name: network.name.clone(),
            tags: Vec::new(),
            time_zone: String::new(),
        };
        sqlx::query(
            "INSERT INTO networks (id, organization_id, name, tags, time_zone)
             VALUES (?1, ?2, ?3, '[]', '')
             ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id,
                 name = excluded.name",
        )
        .bind(&record.id)
        .bind(&record.organization_id)
        .bind(&record.name)
        .execute(&mut *tx)
        .await?;
        for ((day, position), t) in &network.usage {
            sqlx::query(
                "INSERT INTO daily_usage (day, network_id, group_position, up_mkb, down_mkb)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(SqlDay(*day))
            .bind(&network.id)
            .bind(position_to_sql(*position)?)
            .bind(t.up.millis())
            .bind(t.down.millis())
            .execute(&mut *tx)
            .await?;
            summary.rows += 1;
        }
        for day in &network.days {
            sqlx::query(
                "INSERT INTO synced_days (network_id, day, synced_at, source)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(&network.id)
            .bind(SqlDay(*day))
            .bind(now)
            .bind(DayOrigin::Legacy.as_str())
            .execute(&mut *tx)
            .await?;
            summary.days += 1;
        }
    }
    tx.commit().await?;
    Ok(summary)
}
