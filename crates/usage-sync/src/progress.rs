//! Progress events and the summary a sync returns.

use std::time::Duration;

use jiff::civil::Date;
use usage_model::{Source, Traffic};

/// Something that happened during a sync, for a progress display.
///
/// Events arrive from several organizations at once and in no particular order between them;
/// a display should only accumulate them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// Discovery finished: what the filter selected.
    Discovered {
        /// Organizations selected.
        organizations: usize,
        /// Networks to read.
        networks: usize,
        /// Devices whose client lists are read (none with the network source).
        devices: usize,
    },
    /// The calls the plan needs, discovery included (sent once, after planning).
    Planned {
        /// API calls planned in total.
        calls: u64,
    },
    /// More calls than planned are needed: a device or network is read again because of a
    /// large error bound, or a network's client list has another page. Add them to the
    /// planned count.
    MoreCalls {
        /// Additional calls.
        calls: u64,
    },
    /// One planned API call completed (successfully or not).
    CallDone,
    /// One (network, day) was stored.
    DayWritten {
        /// Network id.
        network_id: String,
        /// The day.
        day: Date,
    },
    /// The host's clock (the configured [`Clock`](crate::Clock)) and the Dashboard's, read
    /// from its first answer, differ by more than a minute. Sent at most once per sync; the
    /// sync goes by the Dashboard's clock.
    ClockSkew {
        /// The host's instant.
        host: jiff::Timestamp,
        /// The Dashboard's instant.
        dashboard: jiff::Timestamp,
    },
    /// A planned day's start left the API's 31-day window before it could be read (the
    /// window moves while a sync runs): the day is skipped, the network's other days stored.
    DaySkipped {
        /// Network id.
        network_id: String,
        /// Network name.
        network_name: String,
        /// The day.
        day: Date,
    },
    /// A network could not be synced; others continue.
    NetworkFailed {
        /// Network id.
        network_id: String,
        /// Network name.
        network_name: String,
        /// Why (one line).
        error: String,
    },
}

/// Receives progress events. Must be cheap and must not block: it is called from the tasks
/// doing the requests.
pub trait ProgressSink: Send + Sync {
    /// Called for each event.
    fn event(&self, event: &Progress);
}

impl<F: Fn(&Progress) + Send + Sync> ProgressSink for F {
    fn event(&self, event: &Progress) {
        self(event)
    }
}

/// A sink that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn event(&self, _event: &Progress) {}
}

/// How a sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncStatus {
    /// Every selected network was synced.
    Complete,
    /// Some networks (or organizations) failed; the rest was synced.
    Partial,
}

/// `complete` or `partial`, as the sync summary line and the run record say it.
impl std::fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SyncStatus::Complete => "complete",
            SyncStatus::Partial => "partial",
        })
    }
}

/// A network that could not be synced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkFailure {
    /// Organization name.
    pub organization: String,
    /// Network id (empty when the whole organization failed during discovery).
    pub network_id: String,
    /// Network name (empty when the whole organization failed during discovery).
    pub network_name: String,
    /// Why, as one line.
    pub error: String,
}

/// What a sync cost with the device source, and what the network source would have needed
/// for the same days: the same discovery and lists, one read of each network's list (assuming
/// one page, i.e. at most 5000 clients per network) instead of each selected device's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceCalls {
    /// Networks with days to read.
    pub networks: usize,
    /// Devices of those networks the device source reads.
    pub devices: usize,
    /// Networks where the device source reads more than one device.
    pub networks_with_several_devices: usize,
    /// Every call this sync made with the device source: discovery, VLAN lists, snapshot and
    /// bound reads, and the re-reads that tightened a large bound.
    pub device_source: u64,
    /// The calls the network source would have needed: the same discovery and lists, and one
    /// snapshot per network and boundary with its two bound reads (re-reads left out: they
    /// depend on the traffic flowing during the reads).
    pub network_source: u64,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SyncSummary {
    /// Complete or partial.
    pub status: SyncStatus,
    /// Organizations selected.
    pub organizations: usize,
    /// Networks read.
    pub networks: usize,
    /// Devices whose client lists were read (0 with the network source).
    pub devices: usize,
    /// Where usage was read from.
    pub source: Source,
    /// The minimal number of calls the plan needs (discovery, plus one per device — or per
    /// network with the network source — per day boundary, plus VLAN and SSID lists where
    /// needed).
    pub calls_planned: u64,
    /// Planned calls the sync made (each counted once however many attempts the client
    /// needed).
    pub calls_done: u64,
    /// Snapshot reads beyond the plan: the two reads of each device's (or network's) newest
    /// boundary that measure the error bound, and whole re-reads of devices (networks) whose
    /// bound was too large.
    pub extra_reads: u64,
    /// Pages beyond the first of network client lists (the plan counts one page per read;
    /// a network of more than 5000 clients needs more). Always 0 with the device source.
    pub extra_pages: u64,
    /// Devices (or networks) whose run was read again because of a large error bound.
    pub rereads: u64,
    /// Set when the device source read more than one device of some network with a filter
    /// other than the default `dtype:mx`: what this sync's reads cost, and what the network
    /// source would have needed (a hint for the user; the source is never switched).
    pub source_calls: Option<SourceCalls>,
    /// HTTP requests sent, attempts and pages included (from the client's metrics).
    pub requests: u64,
    /// Retries the client made.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// (network, day) pairs stored.
    pub days_written: u64,
    /// Planned (network, day) pairs whose start left the API's 31-day window before they could
    /// be read (each also named in a warning).
    pub days_skipped: u64,
    /// Stored (network, day) pairs with a non-zero error bound.
    pub bounded_days: u64,
    /// Counter resets: a client's cumulative usage read since an earlier midnight smaller than
    /// since the next one by more than what flowed while the target was read — its counters
    /// went back. The day's difference is clamped to zero.
    pub counter_resets: u64,
    /// Negative per-client day differences that the traffic flowing between the day's two
    /// reads explains (within the client's error bound, which is stored with the day): a
    /// moving clock's doing, not a reset. Clamped to zero as well.
    pub clamped_within_bound: u64,
    /// The host's clock minus the Dashboard's, when they differ by more than a minute (see
    /// [`Progress::ClockSkew`]); the sync went by the Dashboard's.
    pub clock_skew: Option<jiff::SignedDuration>,
    /// `ssid:` rules naming an SSID that no client of the networks read was on, each as one
    /// line naming the group, the rule and the nearest SSID names.
    pub unmatched_ssid_rules: Vec<String>,
    /// Client rows older than the database's client retention, deleted after the sync in one
    /// transaction and recorded in the run's `sync_runs` row (0 without a retention).
    pub client_rows_expired: u64,
    /// Traffic of clients that matched no group, over all days written.
    pub unmatched: Traffic,
    /// Non-fatal problems (unresolved VLAN names, unknown time zones, ...), deduplicated.
    pub warnings: Vec<String>,
    /// Networks that could not be synced.
    pub failures: Vec<NetworkFailure>,
    /// Organizations skipped because their Dashboard API access is disabled (the filter did
    /// not name them).
    pub skipped_organizations: Vec<String>,
    /// Wall time of the sync.
    pub elapsed: Duration,
}
