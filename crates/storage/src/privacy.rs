//! Privacy of client rows: what a client row keeps (`settings.client_detail`), the keyed
//! pseudonyms, the retention of client rows, and erasing one client. Group rows
//! (`daily_usage` and its rollups) are never touched here.
//!
//! Pseudonyms are HMAC-SHA256 over a field name and the value, keyed with the database's own
//! secret (`client_pseudonym_key`, 32 bytes from the operating system's random generator),
//! cut to 128 bits and written as 32 lowercase hex digits. The same value always gives the
//! same pseudonym in one database (so a client is still recognised from day to day), and a
//! different one in another database. The key never leaves this module: it is not in any
//! error, log, `Debug` output or dump.

use std::fmt;

use hmac::{KeyInit, Mac};
use usage_model::{ClientDetail, Privacy};

use crate::error::{Error, Result};
use crate::records::ClientDayRecord;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The per-database secret of the pseudonyms. Its `Debug` never shows the bytes.
pub(crate) struct PseudonymKey([u8; 32]);

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<redacted>)")
    }
}

impl PseudonymKey {
    /// The pseudonym of `value` in the column `field` (the field name keeps equal texts of
    /// different columns apart).
    pub(crate) fn pseudonym(&self, field: &str, value: &str) -> String {
        // A 32-byte key is always accepted by HMAC; the fallback is unreachable.
        let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `client` with its identifying fields replaced by pseudonyms.
    pub(crate) fn pseudonymize(&self, c: &ClientDayRecord) -> ClientDayRecord {
        let p = |field: &str, v: &Option<String>| v.as_deref().map(|v| self.pseudonym(field, v));
        ClientDayRecord {
            client_id: self.pseudonym("client", &c.client_id),
            mac: c
                .mac
                .as_deref()
                .map(|m| self.pseudonym("mac", &normalize_mac(m).unwrap_or_else(|| m.to_string()))),
            ip: p("ip", &c.ip),
            ip6: p("ip6", &c.ip6),
            description: p("description", &c.description),
            user: p("user", &c.user),
            ..c.clone()
        }
    }
}

/// A MAC address in the form the Dashboard writes it (`00:18:0a:12:34:56`), from `00:18:0A:…`,
/// `00-18-0a-…` or `00180a123456`; `None` for anything else.
pub fn normalize_mac(text: &str) -> Option<String> {
    let hex: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    let separators = text
        .trim()
        .chars()
        .filter(|c| matches!(c, ':' | '-' | '.'))
        .count();
    if hex.len() != 12
        || !hex.bytes().all(|b| b.is_ascii_hexdigit())
        || !matches!(separators, 0 | 2 | 5)
    {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    Some(
        (0..6)
            .map(|i| &lower[2 * i..2 * i + 2])
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// Whether `text` has the form of a pseudonym (32 lowercase hex digits).
pub(crate) fn is_pseudonym(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What applying a privacy setting to the stored client rows does (or did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrivacyImpact {
    /// Client rows whose client id, MAC, addresses, description and user are (to be) replaced
    /// by pseudonyms.
    pub pseudonymized: u64,
    /// Client rows (to be) deleted because the client detail becomes `none`.
    pub deleted: u64,
    /// Client rows (to be) deleted because they are older than the retention.
    pub expired: u64,
}

impl PrivacyImpact {
    /// Whether nothing stored changes.
    pub fn is_empty(&self) -> bool {
        *self == PrivacyImpact::default()
    }
}

/// What [`crate::Store::forget_client`] erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ForgetSummary {
    /// Client rows deleted (one per network and day the client had traffic).
    pub rows: u64,
    /// Networks the client was seen on.
    pub networks: u64,
}

fn detail_from_sql(text: &str) -> Result<ClientDetail> {
    ClientDetail::parse(text).map_err(|e| Error::Corrupt(format!("settings.client_detail: {e}")))
}

pub(crate) fn privacy_from_row(detail: &str, retention: Option<i64>) -> Result<Privacy> {
    Ok(Privacy {
        detail: detail_from_sql(detail)?,
        retention_days: retention
            .map(|d| {
                u32::try_from(d).map_err(|_| {
                    Error::Corrupt(format!(
                        "settings.client_retention_days {d} is out of range"
                    ))
                })
            })
            .transpose()?,
    })
}

/// The SQL of this module, the same for both backends (`$n` placeholders, which sqlx's SQLite
/// driver reads as positions too; `"user"` quoted, a reserved word in PostgreSQL), expanded
/// once per backend: `$db` is the sqlx database, `$store` the backend's store type and the
/// bracketed call how its pool opens a write transaction.
macro_rules! privacy_backend {
    ($module:ident, $db:ty, $store:ty, [$($begin:tt)*]) => {
        pub(crate) mod $module {
            use jiff::ToSpan;
            use sqlx::Acquire as _;
            use usage_model::{ClientDetail, Privacy};

            use super::{
                ForgetSummary, PrivacyImpact, PseudonymKey, is_pseudonym, normalize_mac,
                privacy_from_row,
            };
            use crate::convert::to_sql_count;
            use crate::error::{Error, Result};
            use crate::records::{ClientDayRecord, RunId};
            use crate::rows::SqlDay;

            type Conn = <$db as sqlx::Database>::Connection;

            async fn privacy_in(conn: &mut Conn) -> Result<Privacy> {
                let row: Option<(String, Option<i64>)> = sqlx::query_as(
                    "SELECT client_detail, client_retention_days FROM settings WHERE id = 1",
                )
                .fetch_optional(&mut *conn)
                .await?;
                match row {
                    Some((detail, retention)) => privacy_from_row(&detail, retention),
                    None => Ok(Privacy::default()),
                }
            }

            /// The database's pseudonym key, created (from the operating system's random
            /// generator) when it has none yet.
            async fn key_in(conn: &mut Conn) -> Result<PseudonymKey> {
                let existing: Option<Vec<u8>> =
                    sqlx::query_scalar("SELECT key FROM client_pseudonym_key WHERE id = 1")
                        .fetch_optional(&mut *conn)
                        .await?;
                if let Some(bytes) = existing {
                    let key: [u8; 32] = bytes.try_into().map_err(|_| {
                        Error::Corrupt("the pseudonym key is not 32 bytes long".into())
                    })?;
                    return Ok(PseudonymKey(key));
                }
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| {
                    Error::InvalidInput(format!(
                        "the operating system's random generator failed, so no pseudonym key \
                         could be made: {e}"
                    ))
                })?;
                sqlx::query("INSERT INTO client_pseudonym_key (id, key) VALUES (1, $1)")
                    .bind(&key[..])
                    .execute(&mut *conn)
                    .await?;
                Ok(PseudonymKey(key))
            }

            /// A network-day's client rows as the database's client detail allows them: as
            /// read (`full`), pseudonymized (the flag), or none (`none`).
            pub(crate) async fn clients_to_store(
                conn: &mut Conn,
                clients: &[ClientDayRecord],
            ) -> Result<(Vec<ClientDayRecord>, bool)> {
                if clients.is_empty() {
                    return Ok((Vec::new(), false));
                }
                Ok(match privacy_in(conn).await?.detail {
                    ClientDetail::None => (Vec::new(), false),
                    ClientDetail::Full => (clients.to_vec(), false),
                    ClientDetail::Pseudonymous => {
                        let key = key_in(conn).await?;
                        (clients.iter().map(|c| key.pseudonymize(c)).collect(), true)
                    }
                })
            }

            /// Per network, the first day whose client rows a retention of `days` keeps:
            /// `days` days ending at the network's newest synced day.
            async fn retention_cutoffs(conn: &mut Conn, days: u32) -> Result<Vec<(String, SqlDay)>> {
                let newest: Vec<(String, SqlDay)> = sqlx::query_as(
                    "SELECT network_id, MAX(day) FROM synced_days GROUP BY network_id",
                )
                .fetch_all(&mut *conn)
                .await?;
                Ok(newest
                    .into_iter()
                    .map(|(network, day)| {
                        let back = i64::from(days.saturating_sub(1));
                        let first = day.0.checked_sub(back.days()).unwrap_or(jiff::civil::Date::MIN);
                        (network, SqlDay(first))
                    })
                    .collect())
            }

            /// Deletes (or, with `count_only`, counts) the client rows older than the
            /// retention.
            async fn expire_in(conn: &mut Conn, days: u32, count_only: bool) -> Result<u64> {
                let mut total = 0u64;
                for (network, first) in retention_cutoffs(conn, days).await? {
                    let n = if count_only {
                        let n: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM client_daily_usage
                             WHERE network_id = $1 AND day < $2",
                        )
                        .bind(&network)
                        .bind(first)
                        .fetch_one(&mut *conn)
                        .await?;
                        u64::try_from(n).unwrap_or(0)
                    } else {
                        sqlx::query("DELETE FROM client_daily_usage WHERE network_id = $1 AND day < $2")
                            .bind(&network)
                            .bind(first)
                            .execute(&mut *conn)
                            .await?
                            .rows_affected()
                    };
                    total += n;
                }
                Ok(total)
            }

            type PlainRow = (
                String,
                SqlDay,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            );

            /// Applies `to` to the stored client rows (or only counts what would change).
            async fn apply_in(conn: &mut Conn, to: &Privacy, count_only: bool) -> Result<PrivacyImpact> {
                let mut impact = PrivacyImpact::default();
                match to.detail {
                    ClientDetail::Full => {}
                    ClientDetail::None => {
                        impact.deleted = if count_only {
                            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM client_daily_usage")
                                .fetch_one(&mut *conn)
                                .await?;
                            u64::try_from(n).unwrap_or(0)
                        } else {
                            sqlx::query("DELETE FROM client_daily_usage")
                                .execute(&mut *conn)
                                .await?
                                .rows_affected()
                        };
                        return Ok(impact);
                    }
                    ClientDetail::Pseudonymous => {
                        if let Some(days) = to.retention_days {
                            impact.expired = expire_in(conn, days, count_only).await?;
                        }
                        if count_only {
                            let n: i64 = sqlx::query_scalar(
                                "SELECT COUNT(*) FROM client_daily_usage WHERE pseudonymized = 0",
                            )
                            .fetch_one(&mut *conn)
                            .await?;
                            impact.pseudonymized = u64::try_from(n).unwrap_or(0);
                            return Ok(impact);
                        }
                        let key = key_in(conn).await?;
                        let networks: Vec<String> = sqlx::query_scalar(
                            "SELECT DISTINCT network_id FROM client_daily_usage
                             WHERE pseudonymized = 0",
                        )
                        .fetch_all(&mut *conn)
                        .await?;
                        for network in networks {
                            let rows: Vec<PlainRow> = sqlx::query_as(
                                "SELECT network_id, day, client_id, mac, ip, ip6, description, \"user\"
                                 FROM client_daily_usage WHERE network_id = $1 AND pseudonymized = 0",
                            )
                            .bind(&network)
                            .fetch_all(&mut *conn)
                            .await?;
                            for (network_id, day, client_id, mac, ip, ip6, description, user) in rows {
                                let plain = ClientDayRecord {
                                    client_id: client_id.clone(),
                                    mac,
                                    ip,
                                    ip6,
                                    vlan: None,
                                    named_vlan: None,
                                    ssid: None,
                                    description,
                                    user,
                                    group: None,
                                    traffic: usage_model::Traffic::default(),
                                    bound: usage_model::Traffic::default(),
                                };
                                let p = key.pseudonymize(&plain);
                                sqlx::query(
                                    "UPDATE client_daily_usage SET client_id = $1, mac = $2, ip = $3,
                                         ip6 = $4, description = $5, \"user\" = $6, pseudonymized = 1
                                     WHERE network_id = $7 AND day = $8 AND client_id = $9",
                                )
                                .bind(&p.client_id)
                                .bind(&p.mac)
                                .bind(&p.ip)
                                .bind(&p.ip6)
                                .bind(&p.description)
                                .bind(&p.user)
                                .bind(&network_id)
                                .bind(day)
                                .bind(&client_id)
                                .execute(&mut *conn)
                                .await?;
                                impact.pseudonymized += 1;
                            }
                        }
                        return Ok(impact);
                    }
                }
                if let Some(days) = to.retention_days {
                    impact.expired = expire_in(conn, days, count_only).await?;
                }
                Ok(impact)
            }

            impl $store {
                pub(crate) async fn privacy(&self) -> Result<Privacy> {
                    let mut conn = self.pool.acquire().await?;
                    privacy_in(&mut conn).await
                }

                pub(crate) async fn privacy_impact(&self, to: &Privacy) -> Result<PrivacyImpact> {
                    let mut tx = self.pool.begin().await?;
                    let impact = apply_in(tx.acquire().await?, to, true).await?;
                    tx.rollback().await?;
                    Ok(impact)
                }

                pub(crate) async fn apply_privacy(&self, to: &Privacy) -> Result<PrivacyImpact> {
                    let mut tx = self.pool.$($begin)*.await?;
                    let retention = to.retention_days.map(i64::from);
                    let saved = sqlx::query(
                        "UPDATE settings SET client_detail = $1, client_retention_days = $2
                         WHERE id = 1",
                    )
                    .bind(to.detail.as_str())
                    .bind(retention)
                    .execute(&mut *tx)
                    .await?;
                    if saved.rows_affected() == 0 {
                        return Err(Error::InvalidInput(
                            "privacy settings need the configuration saved first".to_string(),
                        ));
                    }
                    key_in(&mut tx).await?;
                    let impact = apply_in(&mut tx, to, false).await?;
                    tx.commit().await?;
                    Ok(impact)
                }

                pub(crate) async fn expire_client_rows(&self, run: Option<RunId>) -> Result<u64> {
                    let mut tx = self.pool.$($begin)*.await?;
                    let Some(days) = privacy_in(&mut tx).await?.retention_days else {
                        tx.rollback().await?;
                        return Ok(0);
                    };
                    let expired = expire_in(&mut tx, days, false).await?;
                    if let Some(run) = run {
                        sqlx::query("UPDATE sync_runs SET client_rows_expired = $1 WHERE id = $2")
                            .bind(to_sql_count(expired))
                            .bind(run.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(expired)
                }

                pub(crate) async fn forget_client(&self, who: &str) -> Result<ForgetSummary> {
                    let mut tx = self.pool.$($begin)*.await?;
                    let (plain, hashed) = match normalize_mac(who) {
                        Some(mac) => {
                            let hashed = key_in(&mut tx).await?.pseudonym("mac", &mac);
                            (mac, hashed)
                        }
                        None if is_pseudonym(who.trim()) => (String::new(), who.trim().to_string()),
                        None => {
                            return Err(Error::InvalidInput(format!(
                                "{who:?} is neither a MAC address (such as 00:18:0a:12:34:56) nor \
                                 a pseudonym (32 hexadecimal digits, as top shows it)"
                            )));
                        }
                    };
                    let networks: i64 = sqlx::query_scalar(
                        "SELECT COUNT(DISTINCT network_id) FROM client_daily_usage
                         WHERE (pseudonymized = 0 AND lower(mac) = $1)
                            OR (pseudonymized = 1 AND mac = $2)",
                    )
                    .bind(&plain)
                    .bind(&hashed)
                    .fetch_one(&mut *tx)
                    .await?;
                    let rows = sqlx::query(
                        "DELETE FROM client_daily_usage
                         WHERE (pseudonymized = 0 AND lower(mac) = $1)
                            OR (pseudonymized = 1 AND mac = $2)",
                    )
                    .bind(&plain)
                    .bind(&hashed)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    Ok(ForgetSummary {
                        rows,
                        networks: u64::try_from(networks).unwrap_or(0),
                    })
                }

                pub(crate) async fn client_row_counts(&self) -> Result<(u64, u64)> {
                    let (all, pseudo): (i64, i64) = sqlx::query_as(
                        "SELECT COUNT(*), CAST(COALESCE(SUM(pseudonymized), 0) AS BIGINT)
                         FROM client_daily_usage",
                    )
                    .fetch_one(&self.pool)
                    .await?;
                    Ok((u64::try_from(all).unwrap_or(0), u64::try_from(pseudo).unwrap_or(0)))
                }
            }
        }
    };
}

privacy_backend!(
    sqlite,
    sqlx::Sqlite,
    crate::sqlite::SqliteStore,
    [begin_with("BEGIN IMMEDIATE")]
);
#[cfg(feature = "postgres")]
privacy_backend!(
    postgres,
    sqlx::Postgres,
    crate::postgres::PgStore,
    [begin()]
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_are_normalized_and_pseudonyms_recognised() {
        for text in [
            "00:18:0a:12:34:56",
            "00:18:0A:12:34:56",
            "00-18-0a-12-34-56",
            "00180a123456",
            " 00:18:0a:12:34:56 ",
        ] {
            assert_eq!(
                normalize_mac(text).as_deref(),
                Some("00:18:0a:12:34:56"),
                "{text}"
            );
        }
        for bad in [
            "",
            "00:18:0a:12:34",
            "00:18:0a:12:34:5g",
            "k74272e",
            "00:18:0a-123456",
        ] {
            assert_eq!(normalize_mac(bad), None, "{bad}");
        }
        assert!(is_pseudonym("0123456789abcdef0123456789abcdef"));
        assert!(!is_pseudonym("0123456789ABCDEF0123456789ABCDEF"));
    }

    #[test]
    fn pseudonyms_depend_on_key_field_and_value_and_the_key_is_never_shown() {
        let a = PseudonymKey([7; 32]);
        let b = PseudonymKey([8; 32]);
        let p = a.pseudonym("mac", "00:18:0a:12:34:56");
        assert!(is_pseudonym(&p), "{p}");
        assert_eq!(p, a.pseudonym("mac", "00:18:0a:12:34:56"));
        assert_ne!(p, b.pseudonym("mac", "00:18:0a:12:34:56"));
        assert_ne!(p, a.pseudonym("ip", "00:18:0a:12:34:56"));
        assert_eq!(format!("{a:?}"), "PseudonymKey(<redacted>)");
    }
}
