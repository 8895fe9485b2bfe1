//! The values callers pass to and get from the store.

use std::fmt;

use jiff::civil::Date;
use usage_model::{Source, Traffic};

/// The configuration kept in the database (`settings` table), as the original kept `-g`/`-f`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The canonical group definition string (`-g` syntax).
    pub groups: String,
    /// The device filter string (`-f` syntax).
    pub filter: String,
    /// In which time zone days are cut.
    pub time_zone_mode: TimeZoneMode,
    /// Where syncs read usage from (`device` for databases made before sources existed).
    pub source: Source,
}

/// In which time zone a database cuts its days (`settings.time_zone_mode`, stored as
/// `network`, `utc`, `local` or an IANA zone name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimeZoneMode {
    /// Each network's own zone, as the Dashboard reports it (the default).
    Network,
    /// UTC for every network.
    Utc,
    /// The zone of the machine that runs the sync (the original script's behaviour, and what
    /// databases imported from it mean).
    Local,
    /// One IANA zone for every network, e.g. `Europe/Amsterdam`. Not checked here: the name
    /// is what was stored; the caller resolves it.
    Zone(String),
}

impl TimeZoneMode {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            TimeZoneMode::Network => "network",
            TimeZoneMode::Utc => "utc",
            TimeZoneMode::Local => "local",
            TimeZoneMode::Zone(name) => name,
        }
    }

    /// Reads a stored (or typed) value: `network` (or empty), `utc` and `local` in any case,
    /// anything else is a zone name (surrounding spaces removed).
    pub fn parse(text: &str) -> TimeZoneMode {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("network") {
            TimeZoneMode::Network
        } else if t.eq_ignore_ascii_case("utc") {
            TimeZoneMode::Utc
        } else if t.eq_ignore_ascii_case("local") {
            TimeZoneMode::Local
        } else {
            TimeZoneMode::Zone(t.to_string())
        }
    }
}

impl fmt::Display for TimeZoneMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A network as stored in the `networks` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRecord {
    /// Dashboard network id.
    pub id: String,
    /// Dashboard id of the organization the network belongs to.
    pub organization_id: String,
    /// Network name.
    pub name: String,
    /// Network tags.
    pub tags: Vec<String>,
    /// The network's IANA time zone as the API reports it (empty when unknown, e.g. imported).
    pub time_zone: String,
}

/// One client's usage on one network and day, with what it was classified by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDayRecord {
    /// The key the client is known by (the API's client `id`).
    pub client_id: String,
    /// MAC address.
    pub mac: Option<String>,
    /// Last IPv4 address.
    pub ip: Option<String>,
    /// Last IPv6 address.
    pub ip6: Option<String>,
    /// VLAN id.
    pub vlan: Option<u16>,
    /// VLAN name.
    pub named_vlan: Option<String>,
    /// The SSID of a wireless client (read from network-level lists only).
    pub ssid: Option<String>,
    /// The client's description as the Dashboard reports it (often its host name).
    pub description: Option<String>,
    /// The client's user (802.1X or splash login).
    pub user: Option<String>,
    /// Position of the group the client was classified into; `None` = unmatched.
    pub group: Option<usize>,
    /// The client's traffic on that day.
    pub traffic: Traffic,
    /// The most that `traffic` could be off: the client's traffic that flowed while the sync
    /// read the snapshots the day was computed from (zero in the usual case). A client row may
    /// carry a bound and no traffic.
    pub bound: Traffic,
}

/// Everything stored for one network and one complete day; written in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRecord {
    /// Dashboard network id (must have been stored with `upsert_network`).
    pub network_id: String,
    /// The calendar day.
    pub day: Date,
    /// Where every figure of the day was read from (recorded with the day's completion mark).
    pub source: Source,
    /// Traffic per group position (each position at most once).
    pub groups: Vec<(usize, Traffic)>,
    /// Traffic of clients that matched no group.
    pub unmatched: Traffic,
    /// The per-client rows the group sums came from.
    pub clients: Vec<ClientDayRecord>,
    /// Error bounds per group position, for the positions whose bound is not zero (each
    /// position at most once; see [`ClientDayRecord::bound`]).
    pub bounds: Vec<(usize, Traffic)>,
    /// Error bound of the unmatched traffic.
    pub unmatched_bound: Traffic,
}

/// Identifies a row of `sync_runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The state of a sync run (`sync_runs.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// The run has begun and not ended (or its process died and no sync has noticed yet).
    Running,
    /// Every planned day was written.
    Ok,
    /// Some days were written, some failed.
    Partial,
    /// The run failed.
    Failed,
    /// The process died without finishing the run (set by a later sync that noticed).
    Aborted,
}

impl RunStatus {
    /// The stored form: `running`, `ok`, `partial`, `failed` or `aborted`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Aborted => "aborted",
        }
    }

    /// Reads a stored value; `None` for anything else.
    pub fn parse(text: &str) -> Option<RunStatus> {
        Some(match text {
            "running" => RunStatus::Running,
            "ok" => RunStatus::Ok,
            "partial" => RunStatus::Partial,
            "failed" => RunStatus::Failed,
            "aborted" => RunStatus::Aborted,
            _ => return None,
        })
    }

    /// Whether the run has ended (every status but [`RunStatus::Running`]).
    pub fn is_final(self) -> bool {
        self != RunStatus::Running
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error recorded for a run whose process died before it ended.
pub(crate) const ABORTED_RUN_ERROR: &str =
    "the syncing process ended without finishing the run (killed or crashed)";

/// Who wrote a stored (network, day) (`synced_days.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DayOrigin {
    /// A sync.
    Sync,
    /// The import of a database made by the original script (no client rows).
    Legacy,
}

impl DayOrigin {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DayOrigin::Sync => "sync",
            DayOrigin::Legacy => "legacy",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<DayOrigin> {
        match text {
            "sync" => Some(DayOrigin::Sync),
            "legacy" => Some(DayOrigin::Legacy),
            _ => None,
        }
    }
}

/// What a finished sync run reports into `sync_runs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Outcome: [`RunStatus::Ok`], [`RunStatus::Partial`] or [`RunStatus::Failed`].
    pub status: RunStatus,
    /// API calls made.
    pub calls: u64,
    /// Retries made.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Network-days written.
    pub days_written: u64,
    /// The error that ended or degraded the run.
    pub error: Option<String>,
}

/// A row of `sync_runs` as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRunRecord {
    /// Run id.
    pub id: RunId,
    /// When the run began.
    pub started_at: jiff::Timestamp,
    /// When it finished (`None` while running or when aborted by a kill).
    pub finished_at: Option<jiff::Timestamp>,
    /// Its state ([`RunStatus::Aborted`]: a process that died mid-run).
    pub status: RunStatus,
    /// Process id of the syncing process.
    pub pid: i64,
    /// API calls made.
    pub calls: u64,
    /// Retries made.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Network-days written.
    pub days_written: u64,
    /// Error text.
    pub error: Option<String>,
}

/// One line of a report: a network's total for one group over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// Organization id.
    pub organization_id: String,
    /// Organization name.
    pub organization_name: String,
    /// Network id.
    pub network_id: String,
    /// Network name.
    pub network_name: String,
    /// Group position; `None` = traffic of clients that matched no group.
    pub group_position: Option<usize>,
    /// Group name; `None` for unmatched traffic and for positions no longer defined (rows
    /// stored before a reconfigure that removed groups).
    pub group_name: Option<String>,
    /// Sum over the period.
    pub traffic: Traffic,
}

/// What [`crate::import_legacy`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Organizations imported.
    pub organizations: usize,
    /// Networks imported.
    pub networks: usize,
    /// Groups imported.
    pub groups: usize,
    /// Network-days imported (each marked complete, source `legacy`).
    pub days: usize,
    /// `daily_usage` rows written.
    pub rows: usize,
    /// Human-readable notes on what was left out and why (the original report ignored the
    /// same data, so reports still agree).
    pub skipped: Vec<String>,
}

/// What [`crate::Store::reclassify`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReclassifySummary {
    /// Network-days whose group rows were recomputed.
    pub days: u64,
    /// Client rows classified.
    pub clients: u64,
    /// Complete network-days left as they were because they have no client rows: imported
    /// from the original script, older than the client retention, or stored with client
    /// detail `none`.
    pub days_without_clients: u64,
}
