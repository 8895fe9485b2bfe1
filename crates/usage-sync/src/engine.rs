//! The sync as its stages: discover ([`crate::discover`]), plan (here, under the lock), read
//! ([`crate::fetch`]), assemble days ([`crate::assemble`]), store (here). This module holds the
//! configuration, the state shared by the tasks of one sync, and the order of the stages.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use meraki_client::{Client, Organization};
use usage_model::{
    Classifier, DayRun, DeviceType, Filter, Groups, NetworkIdentity, Source, SsidInfo, Traffic,
    VlanInfo,
};

use crate::assemble::RunDays;
use crate::clock::Clock;
use crate::discover::{self, Discovered, Listed, NetworkWork, OrgWork};
use crate::error::{Error, Result};
use crate::fetch::{Count, FetchError, RunRead, Target, read_run};
use crate::progress::{
    NetworkFailure, Progress, ProgressSink, SourceCalls, SyncStatus, SyncSummary,
};
use crate::rules::{self, ssid_rules_matching_nothing};

/// What to sync and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncConfig {
    /// The groups clients are classified into.
    pub groups: Groups,
    /// Which organizations, networks and devices to read.
    pub filter: Filter,
    /// Where usage is read from: each selected device's client list (default) or each
    /// network's (see [`usage_model::Source`]). Checked against the groups and the filter
    /// before anything is sent ([`Error::Source`]).
    pub source: Source,
    /// Clients per page of a network's client list (the network source): 5000, the API's
    /// maximum, so a network of up to 5000 clients costs one request per read. Smaller values
    /// (3 at least) only exercise paging.
    pub network_page_size: u32,
    /// The zone that defines a day for every network; `None` uses each network's own
    /// `timeZone` (UTC when the API gives none or an unknown one, with a warning).
    pub timezone: Option<jiff::tz::TimeZone>,
    /// How many complete days back to fill (the API keeps 31; see
    /// [`usage_model::DEFAULT_LOOKBACK_DAYS`]).
    pub lookback_days: u32,
    /// The host's clock. "Now" is the Dashboard's clock, read from its answers (see
    /// [`Clock`]); this one serves before the first answer, and is compared with the
    /// Dashboard's once ([`Progress::ClockSkew`] when they differ by more than a minute).
    pub clock: Clock,
    /// Networks of one organization read at the same time. Their reads share the
    /// organization's request budget, so more of them spread a day's two reads further apart
    /// (a larger error bound) while hiding more round-trip time.
    pub network_concurrency: usize,
    /// Snapshot requests of one device in flight at the same time (default 32: a whole run,
    /// so the two reads of every day go out together). The client's pacing, not this number,
    /// sets the request rate.
    pub request_concurrency: usize,
    /// A device is read again (up to [`SyncConfig::max_rereads`] times, and only while each new
    /// read at least halves the bound) when the traffic that flowed during its reads — its error bound —
    /// exceeds this fraction of its mean daily traffic; the read with the smallest bound is
    /// kept. Default 0.0001 (0.01 %).
    pub reread_above: f64,
    /// At most this many extra reads of one device's run. Default 3.
    pub max_rereads: u32,
    /// How long to wait for another sync of the same database to finish before giving up
    /// with [`Error::Busy`].
    pub lock_wait: Duration,
    /// Several syncs sharing one PostgreSQL database ([`storage::Store::shares_work`]): how
    /// long an organization's lease lasts unless renewed (every third of it while the sync
    /// works on it). A sync that dies holds its organizations this long at most; then
    /// another finishes them. Default 120 s.
    pub lease: Duration,
    /// Several syncs sharing one database: organizations one sync works on at once (each
    /// claimed with a lease). Default 2, so that syncs started together split the estate.
    pub shared_org_concurrency: usize,
}

impl SyncConfig {
    /// Defaults: every network in its own zone, the default look-back, the system clock.
    pub fn new(groups: Groups, filter: Filter) -> SyncConfig {
        SyncConfig {
            groups,
            filter,
            source: Source::Device,
            network_page_size: 5000,
            timezone: None,
            lookback_days: usage_model::DEFAULT_LOOKBACK_DAYS,
            clock: Clock::system(),
            network_concurrency: 3,
            request_concurrency: 32,
            reread_above: 0.0001,
            max_rereads: 3,
            lock_wait: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
            shared_org_concurrency: 2,
        }
    }

    /// The same configuration with the host's clock fixed at `now` (an "as of" run, a test).
    pub fn with_now(mut self, now: jiff::Timestamp) -> SyncConfig {
        self.clock = Clock::fixed(now);
        self
    }

    /// The same configuration reading from `source`.
    pub fn with_source(mut self, source: Source) -> SyncConfig {
        self.source = source;
        self
    }
}

/// Counters and state shared by every task of one sync.
pub(crate) struct Shared<'a> {
    pub(crate) client: &'a Client,
    pub(crate) store: &'a storage::Store,
    pub(crate) config: &'a SyncConfig,
    pub(crate) progress: &'a dyn ProgressSink,
    calls_done: AtomicU64,
    extra_reads: AtomicU64,
    extra_pages: AtomicU64,
    rereads: AtomicU64,
    days_written: AtomicU64,
    days_skipped: AtomicU64,
    bounded_days: AtomicU64,
    counter_resets: AtomicU64,
    clamped_within_bound: AtomicU64,
    unmatched: Mutex<Traffic>,
    /// Per network read with `ssid:<name>` rules in the groups: who it is and the SSIDs its
    /// clients were on (its SSID list's too, when read).
    ssids_seen: Mutex<Vec<(NetworkIdentity, BTreeSet<String>)>>,
    warnings: Mutex<BTreeSet<String>>,
    failures: Mutex<Vec<NetworkFailure>>,
    /// The audit row of this run, set once the lock is taken; each stored day is counted in
    /// it in the day's own transaction.
    run: std::sync::OnceLock<storage::RunId>,
    /// Set when the database failed: no task sends another request.
    abort: AtomicBool,
    storage_failure: Mutex<Option<storage::Error>>,
}

impl Shared<'_> {
    /// "Now" for a decision against the clock: the Dashboard's, as its last answer told it
    /// (the configured clock before the first answer); see [`crate::clock`].
    pub(crate) fn now(&self) -> jiff::Timestamp {
        crate::clock::sync_now(&self.config.clock, self.client.server_time())
    }

    /// A planned day of `net` that left the API's window before it could be read.
    fn skip_day(&self, net: &NetworkWork, day: jiff::civil::Date) {
        self.days_skipped.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            "network {:?}: day {day} left the API's 31-day window before it could be read; skipped",
            net.network.name
        );
        self.progress.event(&Progress::DaySkipped {
            network_id: net.network.id.clone(),
            network_name: net.network.name.clone(),
            day,
        });
    }

    pub(crate) fn call_done(&self, count: Count) {
        match count {
            Count::Planned => &self.calls_done,
            Count::Extra => &self.extra_reads,
            Count::Page => &self.extra_pages,
        }
        .fetch_add(1, Ordering::Relaxed);
        self.progress.event(&Progress::CallDone);
    }

    /// `calls` requests beyond what was announced are about to be sent.
    pub(crate) fn more_calls(&self, calls: u64) {
        self.progress.event(&Progress::MoreCalls { calls });
    }

    pub(crate) fn warn(&self, message: String) {
        // Expected in mixed estates (a VLAN name that only some networks have), so it is
        // info here; the summary carries every warning for the caller to present.
        tracing::info!("{message}");
        if let Ok(mut w) = self.warnings.lock() {
            w.insert(message);
        }
    }

    pub(crate) fn fail(&self, failure: NetworkFailure) {
        tracing::error!(
            organization = %failure.organization,
            network = %failure.network_name,
            "{}",
            failure.error
        );
        self.progress.event(&Progress::NetworkFailed {
            network_id: failure.network_id.clone(),
            network_name: failure.network_name.clone(),
            error: failure.error.clone(),
        });
        if let Ok(mut f) = self.failures.lock() {
            f.push(failure);
        }
    }

    pub(crate) fn aborted(&self) -> bool {
        self.abort.load(Ordering::SeqCst)
    }

    /// The database failed: stop every task before its next request; the first failure is
    /// what the sync returns.
    fn stop_on_storage(&self, err: storage::Error) {
        self.abort.store(true, Ordering::SeqCst);
        // The caller reports the error; other tasks hitting the same failure stay quiet.
        tracing::debug!("the database failed, the sync stops: {err}");
        if let Ok(mut slot) = self.storage_failure.lock()
            && slot.is_none()
        {
            *slot = Some(err);
        }
    }
}

/// Runs one sync: discovers what the filter selects, fetches the complete days missing from
/// `store`, and stores them.
///
/// Days are planned, and judged against the API's window, by the Dashboard's clock as its
/// answers tell it (see [`Clock`]); only days over on that clock, in each network's zone, are
/// stored. A network that still fails after the client's retries is reported in the summary
/// and skipped (the status is then [`SyncStatus::Partial`]); the other networks complete. A
/// day whose start leaves the API's 31-day window before it could be read is skipped
/// ([`Progress::DaySkipped`]) and counted in [`SyncSummary::days_skipped`]. A 401 or 403
/// during discovery stops the sync before anything is written; a database failure stops it at
/// once (no further request), keeping the days already committed.
///
/// # Errors
/// [`Error::Source`] when the groups or the filter do not suit [`SyncConfig::source`]
/// (nothing is sent), [`Error::Access`] / [`Error::Discovery`] when the organizations cannot
/// be listed or access is refused during discovery, [`Error::Busy`] when another sync holds
/// the database, [`Error::Storage`] when the database fails.
pub async fn sync(
    client: &Client,
    store: &storage::Store,
    config: &SyncConfig,
    progress: &dyn ProgressSink,
) -> Result<SyncSummary> {
    config.source.check(&config.groups, &config.filter)?;
    let started = Instant::now();
    let metrics_before = client.metrics();
    let shared = Shared {
        client,
        store,
        config,
        progress,
        calls_done: AtomicU64::new(0),
        extra_reads: AtomicU64::new(0),
        extra_pages: AtomicU64::new(0),
        rereads: AtomicU64::new(0),
        days_written: AtomicU64::new(0),
        days_skipped: AtomicU64::new(0),
        bounded_days: AtomicU64::new(0),
        counter_resets: AtomicU64::new(0),
        clamped_within_bound: AtomicU64::new(0),
        unmatched: Mutex::new(Traffic::default()),
        ssids_seen: Mutex::new(Vec::new()),
        warnings: Mutex::new(BTreeSet::new()),
        failures: Mutex::new(Vec::new()),
        run: std::sync::OnceLock::new(),
        abort: AtomicBool::new(false),
        storage_failure: Mutex::new(None),
    };

    let listed = discover::list_organizations(&shared).await?;
    // The first answer told the Dashboard's time: from here on the sync goes by it.
    let clock_skew =
        crate::clock::skew(&config.clock, client.server_time()).map(|(host, dashboard)| {
            tracing::info!("the host's clock reads {host}, the Dashboard's {dashboard}");
            progress.event(&Progress::ClockSkew { host, dashboard });
            host.duration_since(dashboard)
        });

    // A sync alone on its database discovers every organization, then plans under the lock,
    // so a sync that waited for another one only fetches what that one left missing. Syncs
    // sharing a database discover and plan each organization under its lease instead.
    let mut work = Vec::new();
    let mut discovery_calls = 1;
    let _lock = if store.shares_work() {
        None
    } else {
        let found = discover::discover(&shared, listed.orgs.clone()).await?;
        if found.work.is_empty() && !found.failed {
            return Err(discover::nothing_selected(&shared, &listed, &found));
        }
        discover::announce(&shared, &found.work);
        discovery_calls += found.calls;
        work = found.work;
        Some(match store.try_lock_sync().await {
            Ok(lock) => lock,
            Err(storage::Error::SyncInProgress { holder, .. }) => {
                tracing::warn!(
                    "another sync is running on this database ({holder}); waiting for it to finish"
                );
                store
                    .lock_sync_waiting(config.lock_wait)
                    .await
                    .map_err(|e| match e {
                        storage::Error::SyncInProgress { .. } => Error::Busy,
                        other => Error::Storage(other),
                    })?
            }
            Err(other) => return Err(Error::Storage(other)),
        })
    };
    let run_id = store.begin_run().await?;
    let _ = shared.run.set(run_id);

    let mut source_calls = None;
    let mut client_rows_expired = 0;
    let outcome = async {
        let planned = if store.shares_work() {
            let (planned, mine) = sync_shared(&shared, &listed).await?;
            work = mine;
            planned
        } else {
            let (planned, calls) = plan(&shared, &mut work, discovery_calls, true).await?;
            source_calls = calls;
            futures::future::join_all(work.iter().map(|org| sync_org(&shared, org))).await;
            planned
        };
        if let Some(err) = shared
            .storage_failure
            .lock()
            .ok()
            .and_then(|mut f| f.take())
        {
            return Err(Error::Storage(err));
        }
        // The retention counts back from each network's newest day, which this sync moved.
        client_rows_expired = store.expire_client_rows(Some(run_id)).await?;
        if client_rows_expired > 0 {
            tracing::info!(
                "deleted {client_rows_expired} client rows older than the client retention"
            );
        }
        Ok(planned)
    }
    .await;

    let metrics = client.metrics();
    let failures = shared.failures.into_inner().unwrap_or_default();
    let calls_done = shared.calls_done.load(Ordering::Relaxed);
    let extra_reads = shared.extra_reads.load(Ordering::Relaxed);
    let extra_pages = shared.extra_pages.load(Ordering::Relaxed);
    let unmatched_ssid_rules = ssid_rules_matching_nothing(
        &config.groups,
        &shared.ssids_seen.into_inner().unwrap_or_default(),
    );
    for line in &unmatched_ssid_rules {
        tracing::info!("{line}");
    }
    let summary = SyncSummary {
        status: if failures.is_empty() {
            SyncStatus::Complete
        } else {
            SyncStatus::Partial
        },
        organizations: work.len(),
        networks: work.iter().map(|o| o.networks.len()).sum(),
        devices: work
            .iter()
            .flat_map(|o| &o.networks)
            .map(|n| n.read_devices(config.source))
            .sum(),
        source: config.source,
        calls_planned: *outcome.as_ref().unwrap_or(&0),
        calls_done,
        extra_reads,
        extra_pages,
        // What the sync made, re-reads included, against what the network source needs
        // besides the same discovery and lists.
        source_calls: source_calls.map(|c: SourceCalls| SourceCalls {
            device_source: calls_done + extra_reads + extra_pages,
            ..c
        }),
        rereads: shared.rereads.load(Ordering::Relaxed),
        requests: metrics.requests.saturating_sub(metrics_before.requests),
        retries: metrics.retries.saturating_sub(metrics_before.retries),
        rate_limited: metrics
            .rate_limited_429
            .saturating_sub(metrics_before.rate_limited_429),
        days_written: shared.days_written.load(Ordering::Relaxed),
        days_skipped: shared.days_skipped.load(Ordering::Relaxed),
        bounded_days: shared.bounded_days.load(Ordering::Relaxed),
        counter_resets: shared.counter_resets.load(Ordering::Relaxed),
        clamped_within_bound: shared.clamped_within_bound.load(Ordering::Relaxed),
        clock_skew,
        unmatched_ssid_rules,
        client_rows_expired,
        unmatched: shared.unmatched.into_inner().unwrap_or_default(),
        warnings: shared
            .warnings
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        failures,
        skipped_organizations: listed.skipped_organizations,
        elapsed: started.elapsed(),
    };
    let record = storage::RunSummary {
        status: match (&outcome, summary.status) {
            (Err(_), _) => storage::RunStatus::Failed,
            (Ok(_), SyncStatus::Complete) => storage::RunStatus::Ok,
            (Ok(_), SyncStatus::Partial) => storage::RunStatus::Partial,
        },
        calls: summary.requests,
        retries: summary.retries,
        rate_limited: summary.rate_limited,
        days_written: summary.days_written,
        error: match &outcome {
            Err(e) => Some(e.to_string()),
            Ok(_) if !summary.failures.is_empty() => Some(format!(
                "{} network(s) failed: {}",
                summary.failures.len(),
                summary.failures[0].error
            )),
            Ok(_) => None,
        },
    };
    // The audit row is best effort when the sync itself already failed on the database.
    let finished = store.finish_run(run_id, &record).await;
    outcome?;
    finished?;
    Ok(summary)
}

/// Stage 2: stores what discovery found and plans each network's missing days against the
/// clock read now (after the lock, which may have taken an hour). Returns the planned calls,
/// and with the device source reading several devices of a network, what each source would
/// need for this plan.
async fn plan(
    shared: &Shared<'_>,
    work: &mut [OrgWork],
    discovery_calls: u64,
    announce: bool,
) -> Result<(u64, Option<SourceCalls>)> {
    let store = shared.store;
    let config = shared.config;
    // Which days are over, and how far back the API reaches, by the Dashboard's clock.
    let now = shared.now();
    let mut planned = discovery_calls;
    let mut lists = 0;
    let mut bound_reads = 0;
    let mut compare = SourceCalls::default();
    for org in work.iter_mut() {
        store
            .upsert_organization(&org.org.id, &org.org.name)
            .await?;
        for net in &mut org.networks {
            store
                .upsert_network(&storage::NetworkRecord {
                    id: net.network.id.clone(),
                    organization_id: org.org.id.clone(),
                    name: net.network.name.clone(),
                    tags: net.network.tags.clone(),
                    // The zone the API reports, not an override: the database keeps
                    // facts about the network.
                    time_zone: net.network.time_zone.clone().unwrap_or_default(),
                })
                .await?;
            let stored = store.complete_days(&net.network.id).await?;
            net.runs = usage_model::plan_missing_days(&stored, now, &net.tz, config.lookback_days);
            planned += net.snapshot_calls(config.source);
            bound_reads += net.bound_reads(config.source);
            if !net.runs.is_empty() {
                lists += net.list_calls(config);
                compare.add(net);
            }
        }
    }
    planned += lists;
    // Besides the reads, the network source needs the same discovery and lists.
    compare.network_source += discovery_calls + lists;
    shared.progress.event(&if announce {
        Progress::Planned {
            calls: planned + bound_reads,
        }
    } else {
        Progress::MoreCalls {
            calls: planned + bound_reads,
        }
    });
    // Worth a hint only when the device source reads several devices of one network: that is
    // where the network source saves calls (and counts shared clients once).
    let hint = config.source == Source::Device
        && config.filter.device_type() != DeviceType::Mx
        && compare.networks_with_several_devices > 0
        && compare.device_source > 0;
    Ok((planned, hint.then_some(compare)))
}

/// Syncs sharing one database: organizations are claimed one at a time with a lease
/// (renewed while worked on, released when done), discovered, planned and synced under it; a
/// sync waits for organizations other syncs hold and takes over those whose lease expired
/// (their sync died). An organization whose networks in the database are complete by the
/// Dashboard's clock — another sync just finished it — costs no call at all. The sync ends
/// when it has had every organization of `listed` in hand once: each is then complete up to
/// the plan of whoever synced it last. Returns the planned calls and the work this sync
/// discovered.
async fn sync_shared(shared: &Shared<'_>, listed: &Listed) -> Result<(u64, Vec<OrgWork>)> {
    let store = shared.store;
    let config = shared.config;
    let holder = holder_name();
    // The organization list, already made; each organization's discovery is announced when
    // this sync holds it.
    shared.progress.event(&Progress::Planned { calls: 1 });
    let planned = AtomicU64::new(1);
    let ids: Vec<String> = listed.orgs.iter().map(|o| o.id.clone()).collect();
    let remaining = Mutex::new(ids.iter().cloned().collect::<BTreeSet<String>>());
    let held = Mutex::new(BTreeSet::<String>::new());
    let done = AtomicBool::new(false);
    let lost = Mutex::new(None::<String>);
    let mine = Mutex::new(Vec::<OrgWork>::new());
    let found = Mutex::new(Discovered::default());
    let finished_by_others = AtomicBool::new(false);
    let poll = (config.lease / 4).clamp(Duration::from_millis(50), Duration::from_secs(2));

    let slot = || async {
        loop {
            if shared.aborted() || lost.lock().map(|l| l.is_some()).unwrap_or(true) {
                return Ok(());
            }
            let candidates: Vec<String> = remaining
                .lock()
                .map(|r| r.iter().cloned().collect())
                .unwrap_or_default();
            if candidates.is_empty() {
                return Ok(());
            }
            let Some(id) = store
                .claim_organization(
                    &holder,
                    shared.run.get().copied(),
                    &candidates,
                    config.lease,
                )
                .await?
            else {
                // Every organization left is another sync's for now: wait for it to finish
                // (or for its lease to expire).
                tokio::time::sleep(poll).await;
                continue;
            };
            if let Ok(mut r) = remaining.lock() {
                r.remove(&id);
            }
            if let Ok(mut h) = held.lock() {
                h.insert(id.clone());
            }
            let org = listed.orgs.iter().find(|o| o.id == id).cloned();
            let result = async {
                let Some(org) = org else {
                    return Ok(());
                };
                if organization_is_complete(shared, &org).await? {
                    finished_by_others.store(true, Ordering::Relaxed);
                    return Ok(());
                }
                shared.more_calls(2);
                let mut discovered = discover::discover(shared, vec![org]).await?;
                let mut work = std::mem::take(&mut discovered.work);
                let (calls, _) = plan(shared, &mut work, 0, false).await?;
                planned.fetch_add(discovered.calls + calls, Ordering::Relaxed);
                for org in &work {
                    sync_org(shared, org).await;
                }
                if let Ok(mut f) = found.lock() {
                    f.merge(discovered);
                }
                if let Ok(mut m) = mine.lock() {
                    m.extend(work);
                    discover::announce(shared, &m);
                }
                Ok::<_, Error>(())
            }
            .await;
            if let Ok(mut h) = held.lock() {
                h.remove(&id);
            }
            match result {
                Ok(()) => store.release_organization(&holder, &id).await?,
                Err(e) => {
                    let _ = store.release_organization(&holder, &id).await;
                    return Err(e);
                }
            }
        }
    };
    let slots =
        futures::future::try_join_all((0..config.shared_org_concurrency.max(1)).map(|_| slot()));
    let renew = async {
        loop {
            tokio::time::sleep(config.lease / 3).await;
            if done.load(Ordering::Relaxed) {
                return;
            }
            let mine: Vec<String> = held
                .lock()
                .map(|h| h.iter().cloned().collect())
                .unwrap_or_default();
            if mine.is_empty() {
                continue;
            }
            match store.renew_leases(&holder, &mine, config.lease).await {
                Ok(n) if n as usize == mine.len() => {}
                Ok(_) => {
                    // Late renewal: another sync may have claimed an organization of ours.
                    // Stop taking work; the networks in progress finish their current day.
                    if let Ok(mut l) = lost.lock() {
                        *l = Some(mine.join(", "));
                    }
                    shared.abort.store(true, Ordering::Relaxed);
                    return;
                }
                Err(e) => {
                    tracing::warn!("renewing organization leases failed: {e}");
                }
            }
        }
    };
    futures::pin_mut!(slots);
    futures::pin_mut!(renew);
    let result = match futures::future::select(slots, renew).await {
        futures::future::Either::Left((r, _)) => r.map(|_| ()),
        futures::future::Either::Right(((), slots)) => slots.await.map(|_| ()),
    };
    done.store(true, Ordering::Relaxed);
    result?;
    if let Some(orgs) = lost.lock().ok().and_then(|mut l| l.take()) {
        return Err(Error::LeaseLost(orgs));
    }
    let work = mine
        .lock()
        .map(|mut m| std::mem::take(&mut *m))
        .unwrap_or_default();
    let found = found
        .lock()
        .map(|mut f| std::mem::take(&mut *f))
        .unwrap_or_default();
    // This sync discovered every organization itself and the filter selected nothing in any.
    if work.is_empty() && !found.failed && !finished_by_others.load(Ordering::Relaxed) {
        return Err(discover::nothing_selected(shared, listed, &found));
    }
    Ok((planned.load(Ordering::Relaxed), work))
}

/// Whether `org` has nothing missing by the Dashboard's clock: the database holds networks of
/// it that the filter selects (by organization, name and tags), and none of them misses a day
/// of the plan. True for an organization another sync sharing the database finished moments
/// ago, whose networks and devices therefore need not be listed again. (A network added in
/// the Dashboard since is found by the next sync that has a day to fetch there.)
async fn organization_is_complete(shared: &Shared<'_>, org: &Organization) -> Result<bool> {
    let config = shared.config;
    let now = shared.now();
    let networks: Vec<storage::NetworkRecord> = shared
        .store
        .networks()
        .await?
        .into_iter()
        .filter(|n| {
            n.organization_id == org.id
                && config.filter.selects_network(&org.name, &n.name, &n.tags)
        })
        .collect();
    if networks.is_empty() {
        return Ok(false);
    }
    for n in &networks {
        let tz = config
            .timezone
            .clone()
            .or_else(|| jiff::tz::TimeZone::get(&n.time_zone).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let stored = shared.store.complete_days(&n.id).await?;
        if !usage_model::plan_missing_days(&stored, now, &tz, config.lookback_days).is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A name for this sync in the lease table, unique among concurrent syncs: host, process id
/// and start time.
fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown host".to_string());
    format!(
        "pid {} on {host} since {}",
        std::process::id(),
        jiff::Timestamp::now()
    )
}

/// Why one network stopped.
enum NetworkError {
    /// The API failed for one of its reads: the network is skipped, others go on. `target`
    /// names a device read, empty for the network's own list (the error names the endpoint).
    Api {
        target: String,
        error: meraki_client::Error,
    },
    /// The database failed: the whole sync stops.
    Storage(storage::Error),
    /// Another network's database failure stopped the sync.
    Aborted,
}

impl From<FetchError> for NetworkError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Api(error) => NetworkError::Api {
                target: String::new(),
                error,
            },
            FetchError::Aborted => NetworkError::Aborted,
        }
    }
}

async fn sync_org(shared: &Shared<'_>, org: &OrgWork) {
    stream::iter(org.networks.iter())
        .for_each_concurrent(shared.config.network_concurrency.max(1), |net| async move {
            if shared.aborted() {
                return;
            }
            match sync_network(shared, &org.org, net).await {
                Ok(()) | Err(NetworkError::Aborted) => {}
                Err(NetworkError::Storage(e)) => shared.stop_on_storage(e),
                Err(NetworkError::Api { target, error }) => shared.fail(NetworkFailure {
                    organization: org.org.name.clone(),
                    network_id: net.network.id.clone(),
                    network_name: net.network.name.clone(),
                    error: if target.is_empty() {
                        error.to_string()
                    } else {
                        format!("{target}: {error}")
                    },
                }),
            }
        })
        .await;
}

/// Syncs one network's planned runs. Days of runs completed before a failure stay stored.
async fn sync_network(
    shared: &Shared<'_>,
    org: &Organization,
    net: &NetworkWork,
) -> std::result::Result<(), NetworkError> {
    if net.runs.is_empty() {
        return Ok(());
    }
    let groups = &shared.config.groups;
    let vlans = if groups.needs_vlan_table() {
        if shared.aborted() {
            return Err(NetworkError::Aborted);
        }
        let r = shared.client.network_appliance_vlans(&net.network.id).await;
        shared.call_done(Count::Planned);
        match r {
            Ok(list) => vlan_infos(list),
            Err(e) => {
                shared.warn(format!(
                    "network {:?}: VLAN list unavailable ({e}); vname rules match nothing there",
                    net.network.name
                ));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let ssids = if shared.config.source == Source::Network && groups.needs_ssid_list() {
        if shared.aborted() {
            return Err(NetworkError::Aborted);
        }
        let r = shared.client.wireless_ssids(&net.network.id).await;
        shared.call_done(Count::Planned);
        match r {
            Ok(list) => ssid_infos(list),
            Err(e) => {
                shared.warn(format!(
                    "network {:?}: SSID list unavailable ({e}); ssid:<number> rules match nothing there",
                    net.network.name
                ));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let identity = NetworkIdentity {
        org_name: org.name.clone(),
        net_name: net.network.name.clone(),
        tags: net.network.tags.clone(),
    };
    let (classifier, warnings) = Classifier::with_ssids(groups, &identity, &vlans, &ssids);
    for w in warnings {
        shared.warn(format!("network {:?}: {w}", net.network.name));
    }

    let mut seen: BTreeSet<String> = ssids.into_iter().map(|s| s.name).collect();
    for run in &net.runs {
        seen.extend(sync_run(shared, net, run, &classifier).await?);
    }
    if shared.config.source == Source::Network
        && rules::names_ssids(groups)
        && let Ok(mut all) = shared.ssids_seen.lock()
    {
        all.push((identity, seen));
    }
    Ok(())
}

/// One run of one network: each target read in turn (so a day's two reads stay a few
/// requests apart in the organization's queue), then the days stored. Returns the SSIDs the
/// clients read were on (network reads only).
async fn sync_run(
    shared: &Shared<'_>,
    net: &NetworkWork,
    run: &DayRun,
    classifier: &Classifier,
) -> std::result::Result<BTreeSet<String>, NetworkError> {
    let mut days = RunDays::new(run);
    for target in net.targets(shared.config.source) {
        let read = read_target(shared, net, target, run).await.map_err(|e| {
            match (NetworkError::from(e), target) {
                (NetworkError::Api { error, .. }, Target::Device(_)) => NetworkError::Api {
                    target: target.to_string(),
                    error,
                },
                (other, _) => other,
            }
        })?;
        days.add(read);
    }
    for day in days.skipped() {
        shared.skip_day(net, *day);
    }
    let ssids = days.ssids().clone();
    for day in days.into_days(&net.network.id, shared.config.source, classifier) {
        if shared.aborted() {
            return Err(NetworkError::Aborted);
        }
        let record = day.record;
        let written = match shared.run.get() {
            Some(run) => shared.store.write_day_in_run(*run, &record).await,
            None => shared.store.write_day(&record).await,
        };
        written.map_err(NetworkError::Storage)?;
        shared.days_written.fetch_add(1, Ordering::Relaxed);
        shared
            .counter_resets
            .fetch_add(u64::from(day.counter_resets), Ordering::Relaxed);
        shared
            .clamped_within_bound
            .fetch_add(u64::from(day.clamped_within_bound), Ordering::Relaxed);
        if !record.bounds.is_empty() || record.unmatched_bound != Traffic::default() {
            shared.bounded_days.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut u) = shared.unmatched.lock() {
            *u += record.unmatched;
        }
        shared.progress.event(&Progress::DayWritten {
            network_id: net.network.id.clone(),
            day: record.day,
        });
    }
    Ok(ssids)
}

/// One target's run, read again while the traffic that flowed during the reads is large
/// against its days (see [`SyncConfig::reread_above`]); the better read is kept.
async fn read_target(
    shared: &Shared<'_>,
    net: &NetworkWork,
    target: Target<'_>,
    run: &DayRun,
) -> std::result::Result<RunRead, FetchError> {
    let name = &net.network.name;
    let mut best = read_run(shared, name, target, run, Count::Planned).await?;
    for _ in 0..shared.config.max_rereads {
        if !best.needs_reread(shared.config.reread_above) {
            break;
        }
        shared.rereads.fetch_add(1, Ordering::Relaxed);
        // The batch from the first day still readable, and the two bound reads.
        let reads = run.boundaries.len().saturating_sub(best.first_day) + 2;
        shared.progress.event(&Progress::MoreCalls {
            calls: reads as u64,
        });
        tracing::debug!(
            "network {name:?}, {target}: {} kB flowed during its reads; reading again",
            best.drift_total()
        );
        let again = read_run(shared, name, target, run, Count::Extra).await?;
        // Unless a new read at least halves the bound, traffic flows during every read of this
        // target (its reads take longer than the counters' refresh interval): more reads would
        // spend the organization's budget for nothing.
        let halved = again.first_day <= best.first_day
            && again.drift_total().millis() <= best.drift_total().millis() / 2;
        if again.better_than(&best) {
            best = again;
        }
        if !halved {
            break;
        }
    }
    Ok(best)
}

/// The classifier's view of an appliance VLAN list (entries without a usable id dropped).
pub(crate) fn vlan_infos(list: Vec<meraki_client::ApplianceVlan>) -> Vec<VlanInfo> {
    list.into_iter()
        .filter_map(|v| {
            Some(VlanInfo {
                id: v.id.as_u16()?,
                name: v.name.unwrap_or_default(),
                subnet: v.subnet.as_deref().and_then(|s| s.parse().ok()),
            })
        })
        .collect()
}

/// The classifier's view of a network's SSID list: the configured slots (the API lists all 15,
/// unconfigured ones by a placeholder name no client is on).
pub(crate) fn ssid_infos(list: Vec<meraki_client::WirelessSsid>) -> Vec<SsidInfo> {
    list.into_iter()
        .filter(|s| !s.name.is_empty())
        .map(|s| SsidInfo {
            number: s.number,
            name: s.name,
        })
        .collect()
}
