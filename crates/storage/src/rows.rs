//! Rows as the queries return them, mapped by column name (`sqlx::FromRow`), shared by both
//! backends; each converts into a domain type of [`crate::records`]. A column keeps one meaning
//! in both schemas: integers are 64-bit (`INTEGER` in SQLite, `bigint` in PostgreSQL), text is
//! text, and a calendar day is [`SqlDay`] (`TEXT 'YYYY-MM-DD'` in SQLite, `date` in
//! PostgreSQL).

use jiff::civil::Date;
use usage_model::Source;

use crate::convert::{count, position_from_sql, timestamp, traffic};
use crate::error::{Error, Result};
use crate::records::{
    DayOrigin, NetworkRecord, RunId, RunStatus, Settings, SyncRunRecord, TimeZoneMode,
};

/// A calendar day as a query parameter or column: `TEXT 'YYYY-MM-DD'` in SQLite (sorts and
/// compares like the dates), `date` in PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SqlDay(pub(crate) Date);

mod sqlite_day {
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
    use sqlx::{Decode, Encode, Type};

    use super::SqlDay;
    use crate::convert::{day_text, parse_day};

    impl Type<Sqlite> for SqlDay {
        fn type_info() -> SqliteTypeInfo {
            <String as Type<Sqlite>>::type_info()
        }

        fn compatible(ty: &SqliteTypeInfo) -> bool {
            <String as Type<Sqlite>>::compatible(ty)
        }
    }

    impl Encode<'_, Sqlite> for SqlDay {
        fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
            <String as Encode<'_, Sqlite>>::encode(day_text(self.0), buf)
        }
    }

    impl<'r> Decode<'r, Sqlite> for SqlDay {
        fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
            let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
            Ok(SqlDay(parse_day(text)?))
        }
    }
}

#[cfg(feature = "postgres")]
mod postgres_day {
    use jiff::civil::{Date, date};
    use jiff::{ToSpan, Unit};
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::types::Oid;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueFormat, PgValueRef, Postgres};
    use sqlx::{Decode, Encode, Type};

    use super::SqlDay;
    use crate::convert::parse_day;

    /// PostgreSQL's `date` type; its binary form counts days from 2000-01-01.
    const DATE_OID: Oid = Oid(1082);
    const EPOCH: Date = date(2000, 1, 1);

    impl Type<Postgres> for SqlDay {
        fn type_info() -> PgTypeInfo {
            PgTypeInfo::with_oid(DATE_OID)
        }
    }

    impl Encode<'_, Postgres> for SqlDay {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            let days = self.0.since((Unit::Day, EPOCH))?.get_days();
            <i32 as Encode<'_, Postgres>>::encode(days, buf)
        }

        fn size_hint(&self) -> usize {
            4
        }
    }

    impl<'r> Decode<'r, Postgres> for SqlDay {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            match value.format() {
                PgValueFormat::Binary => {
                    let days = <i32 as Decode<'r, Postgres>>::decode(value)?;
                    Ok(SqlDay(EPOCH.checked_add(i64::from(days).days())?))
                }
                PgValueFormat::Text => Ok(SqlDay(parse_day(value.as_str()?)?)),
            }
        }
    }
}

/// `settings`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SettingsRow {
    pub(crate) groups: String,
    pub(crate) filter: String,
    pub(crate) time_zone_mode: String,
    pub(crate) source: String,
}

impl TryFrom<SettingsRow> for Settings {
    type Error = Error;

    fn try_from(row: SettingsRow) -> Result<Settings> {
        Ok(Settings {
            groups: row.groups,
            filter: row.filter,
            time_zone_mode: TimeZoneMode::parse(&row.time_zone_mode),
            source: source_from_sql(&row.source)?,
        })
    }
}

/// `networks`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct NetworkRow {
    pub(crate) id: String,
    pub(crate) organization_id: String,
    pub(crate) name: String,
    pub(crate) tags: String,
    pub(crate) time_zone: String,
}

impl TryFrom<NetworkRow> for NetworkRecord {
    type Error = Error;

    fn try_from(row: NetworkRow) -> Result<NetworkRecord> {
        let tags: Vec<String> = serde_json::from_str(&row.tags)
            .map_err(|e| Error::Corrupt(format!("tags of network {}: {e}", row.id)))?;
        Ok(NetworkRecord {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            tags,
            time_zone: row.time_zone,
        })
    }
}

/// `sync_runs`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct RunRow {
    pub(crate) id: i64,
    pub(crate) started_at: i64,
    pub(crate) finished_at: Option<i64>,
    pub(crate) status: String,
    pub(crate) pid: i64,
    pub(crate) calls: i64,
    pub(crate) retries: i64,
    pub(crate) rate_limited: i64,
    pub(crate) days_written: i64,
    pub(crate) error: Option<String>,
}

impl TryFrom<RunRow> for SyncRunRecord {
    type Error = Error;

    fn try_from(r: RunRow) -> Result<SyncRunRecord> {
        Ok(SyncRunRecord {
            id: RunId(r.id),
            started_at: timestamp(r.started_at)?,
            finished_at: r.finished_at.map(timestamp).transpose()?,
            status: RunStatus::parse(&r.status)
                .ok_or_else(|| Error::Corrupt(format!("run {}: status {:?}", r.id, r.status)))?,
            pid: r.pid,
            calls: count(r.calls),
            retries: count(r.retries),
            rate_limited: count(r.rate_limited),
            days_written: count(r.days_written),
            error: r.error,
        })
    }
}

/// `client_daily_usage`, as reclassification reads it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ClientRow {
    pub(crate) client_id: String,
    pub(crate) mac: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) ip6: Option<String>,
    pub(crate) vlan: Option<i64>,
    pub(crate) named_vlan: Option<String>,
    pub(crate) ssid: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) group_position: Option<i64>,
    pub(crate) up_mkb: i64,
    pub(crate) down_mkb: i64,
    pub(crate) up_bound_mkb: i64,
    pub(crate) down_bound_mkb: i64,
}

impl From<ClientRow> for crate::records::ClientDayRecord {
    fn from(c: ClientRow) -> Self {
        crate::records::ClientDayRecord {
            client_id: c.client_id,
            mac: c.mac,
            ip: c.ip,
            ip6: c.ip6,
            vlan: c.vlan.and_then(|v| u16::try_from(v).ok()),
            named_vlan: c.named_vlan,
            ssid: c.ssid,
            description: c.description,
            user: c.user,
            group: c.group_position.and_then(|g| usize::try_from(g).ok()),
            traffic: traffic(c.up_mkb, c.down_mkb),
            bound: traffic(c.up_bound_mkb, c.down_bound_mkb),
        }
    }
}

/// A network's sum for one group position over a period; `rows` counts the `daily_usage`
/// rows summed (0 = the period holds no row of that position).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct GroupSumRow {
    pub(crate) network_id: String,
    pub(crate) group_position: i64,
    pub(crate) up_mkb: i64,
    pub(crate) down_mkb: i64,
    pub(crate) rows: i64,
}

/// A network with its organization, in report order.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ReportNetworkRow {
    pub(crate) organization_id: String,
    pub(crate) organization_name: String,
    pub(crate) network_id: String,
    pub(crate) network_name: String,
}

/// `groups`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct GroupRow {
    pub(crate) position: i64,
    pub(crate) name: String,
}

/// A network's error bounds for one group position, summed over a period.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BoundRow {
    pub(crate) network_id: String,
    pub(crate) group_position: i64,
    pub(crate) up_bound_mkb: i64,
    pub(crate) down_bound_mkb: i64,
}

impl BoundRow {
    pub(crate) fn into_domain(self) -> Result<(String, Option<usize>, usage_model::Traffic)> {
        Ok((
            self.network_id,
            position_from_sql(self.group_position)?,
            traffic(self.up_bound_mkb, self.down_bound_mkb),
        ))
    }
}

/// `day_group_usage`: one day's sum over all networks for one group position.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DayGroupRow {
    pub(crate) day: SqlDay,
    pub(crate) group_position: i64,
    pub(crate) up_mkb: i64,
    pub(crate) down_mkb: i64,
}

impl DayGroupRow {
    pub(crate) fn into_domain(self) -> Result<(Date, Option<usize>, usage_model::Traffic)> {
        Ok((
            self.day.0,
            position_from_sql(self.group_position)?,
            traffic(self.up_mkb, self.down_mkb),
        ))
    }
}

/// Complete days of a network over a period, per source.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SyncedCountRow {
    pub(crate) network_id: String,
    pub(crate) usage_source: String,
    pub(crate) days: i64,
}

/// One stored day of a network and who wrote it, as reclassification walks them.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SyncedDayRow {
    pub(crate) day: SqlDay,
    pub(crate) source: String,
}

impl SyncedDayRow {
    pub(crate) fn origin(&self) -> Result<DayOrigin> {
        DayOrigin::parse(&self.source)
            .ok_or_else(|| Error::Corrupt(format!("stored day origin {:?}", self.source)))
    }
}

/// A stored `source`/`usage_source` value.
pub(crate) fn source_from_sql(text: &str) -> Result<Source> {
    Source::parse(text).map_err(|e| Error::Corrupt(format!("stored source: {e}")))
}
