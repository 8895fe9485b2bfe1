//! Client-side pacing: a token bucket per organization and one global bucket, as a tower layer.
//!
//! Meraki budgets 10 requests/s per organization (token bucket, burst of 10) shared by every
//! application using the organization, and 100 requests/s per source IP. Staying under both on
//! our side means the server never has to answer 429, so the sync runs at the limit instead of
//! bouncing off it.
//!
//! The buckets hand out *reservations*: a caller takes a token even when none is left (the
//! count goes negative) and sleeps until its slot; the computation happens under a lock, the
//! sleep outside it, so any number of requests can wait concurrently and leave in order. All
//! timing uses `tokio::time`, so tests can run it with paused, virtual time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use http::StatusCode;
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};
use url::Url;

use crate::metrics::Metrics;
use crate::request::{ApiRequest, ApiResponse};

/// Rates and bursts for [`Pacer`].
#[derive(Debug, Clone, PartialEq)]
pub struct PacingConfig {
    /// Steady requests per second per organization (Meraki: 10).
    pub org_rate: f64,
    /// Requests an idle organization may send at once. Meraki's bucket holds 10; the default
    /// ([`PacingConfig::burst_for`]) keeps one token in reserve so that network jitter (two
    /// requests arriving closer together than they left) does not overdraw the server's bucket.
    pub org_burst: f64,
    /// Steady requests per second across all organizations (Meraki: 100 per source IP).
    pub global_rate: f64,
    /// Burst of the global bucket.
    pub global_burst: f64,
    /// Lowest rate a 429 can push a bucket down to.
    pub min_rate: f64,
    /// Factor applied to a bucket's rate on 429 (the Python SDK's smart flow uses 0.7).
    pub decrease_factor: f64,
    /// Requests/s added back to an organization's rate per success, up to `org_rate`.
    pub org_recovery: f64,
    /// Requests/s added back to the global rate per success, up to `global_rate`.
    pub global_recovery: f64,
    /// Pause applied to an organization after a 429 without `Retry-After`.
    pub default_penalty: Duration,
}

impl Default for PacingConfig {
    fn default() -> Self {
        Self::new(10.0, 100.0)
    }
}

impl PacingConfig {
    /// Rates as given, bursts derived with [`PacingConfig::burst_for`], the rest as the Python
    /// SDK's smart flow.
    pub fn new(org_rate: f64, global_rate: f64) -> Self {
        Self {
            org_rate,
            org_burst: Self::burst_for(org_rate),
            global_rate,
            global_burst: Self::burst_for(global_rate),
            min_rate: 0.5,
            decrease_factor: 0.7,
            org_recovery: 0.2,
            global_recovery: 0.5,
            default_penalty: Duration::from_secs(1),
        }
    }

    /// Default burst for a rate: one second's worth (the size of Meraki's buckets) minus
    /// 100 ms worth, at least one token, kept in reserve. Running at exactly the server's rate
    /// means the server's bucket never refills; the reserve absorbs requests that arrive up to
    /// 100 ms closer together than they left (network and scheduling jitter). 10/s → 9,
    /// 100/s → 90.
    pub fn burst_for(rate: f64) -> f64 {
        (rate - (rate / 10.0).max(1.0)).floor().max(1.0)
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a positive number, got {v}"))
            }
        };
        positive("organization rate limit", self.org_rate)?;
        positive("global rate limit", self.global_rate)?;
        if !(self.org_burst.is_finite() && self.org_burst >= 1.0) {
            return Err(format!(
                "organization burst must be at least 1, got {}",
                self.org_burst
            ));
        }
        if !(self.global_burst.is_finite() && self.global_burst >= 1.0) {
            return Err(format!(
                "global burst must be at least 1, got {}",
                self.global_burst
            ));
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Bucket {
    rate: f64,
    max_rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
    /// Bumped when a 429 resets the bucket, so requests that reserved a slot before it know
    /// their slot is void and reserve again.
    epoch: u64,
}

impl Bucket {
    fn new(rate: f64, capacity: f64, now: Instant) -> Self {
        Self {
            rate,
            max_rate: rate,
            capacity,
            tokens: capacity,
            last: now,
            epoch: 0,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.last = now;
    }

    /// Takes a token and says how long to wait for it.
    fn reserve(&mut self, now: Instant) -> (Duration, u64) {
        self.refill(now);
        self.tokens -= 1.0;
        let wait = if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        };
        (wait, self.epoch)
    }

    /// After a 429: slow down and let nothing through before `pause` has passed. Slots
    /// reserved earlier are voided (epoch bump) because they were computed for a budget the
    /// server just told us is not there.
    fn penalize(&mut self, now: Instant, pause: Duration, factor: f64, min_rate: f64) {
        self.refill(now);
        self.rate = (self.rate * factor).max(min_rate).min(self.max_rate);
        // The next reservation takes this token and lands exactly `pause` from now.
        self.tokens = 1.0 - pause.as_secs_f64() * self.rate;
        self.epoch += 1;
    }

    fn recover(&mut self, now: Instant, step: f64) {
        if self.rate < self.max_rate {
            // Refill at the old rate up to now so the rate change only affects the future.
            self.refill(now);
            self.rate = (self.rate + step).min(self.max_rate);
        }
    }
}

/// Which bucket a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrgKey {
    /// A known organization id.
    Org(String),
    /// A network or device whose organization is not known yet. These share one bucket at
    /// the organization rate: conservative, since they may all belong to one organization.
    Unresolved,
}

/// Learns which organization owns a network or device, to charge requests to the right bucket.
///
/// [`Client`](crate::Client) feeds it from `organization_networks`, `organization_devices` and
/// `network_devices` responses.
#[derive(Debug, Default)]
pub struct OrgResolver {
    networks: RwLock<HashMap<String, String>>,
    devices: RwLock<HashMap<String, String>>,
}

impl OrgResolver {
    /// Records that `network_id` belongs to `org_id`.
    pub fn learn_network(&self, network_id: &str, org_id: &str) {
        if let Ok(mut map) = self.networks.write() {
            map.insert(network_id.to_owned(), org_id.to_owned());
        }
    }

    /// Records that the device `serial` belongs to `org_id`.
    pub fn learn_device(&self, serial: &str, org_id: &str) {
        if let Ok(mut map) = self.devices.write() {
            map.insert(serial.to_owned(), org_id.to_owned());
        }
    }

    /// The organization owning `network_id`, if learned.
    pub fn network_org(&self, network_id: &str) -> Option<String> {
        self.networks.read().ok()?.get(network_id).cloned()
    }

    /// The organization owning the device `serial`, if learned.
    pub fn device_org(&self, serial: &str) -> Option<String> {
        self.devices.read().ok()?.get(serial).cloned()
    }

    /// The bucket for a URL: from `/organizations/{id}`, `/networks/{id}` or
    /// `/devices/{serial}` (first match in the path). `None` when the path names none of them
    /// (e.g. `GET /organizations`): only the global bucket applies.
    pub fn key_for(&self, url: &Url) -> Option<OrgKey> {
        let segments: Vec<&str> = url.path_segments()?.collect();
        for pair in segments.windows(2) {
            let id = pair[1];
            if id.is_empty() {
                continue;
            }
            let resolved = match pair[0] {
                "organizations" => return Some(OrgKey::Org(id.to_owned())),
                "networks" => self.network_org(id),
                "devices" => self.device_org(id),
                _ => continue,
            };
            return Some(resolved.map_or(OrgKey::Unresolved, OrgKey::Org));
        }
        None
    }
}

/// The shared pacing state: buckets, the org resolver and the configuration.
#[derive(Debug)]
pub struct Pacer {
    config: PacingConfig,
    global: Mutex<Bucket>,
    orgs: Mutex<HashMap<OrgKey, Bucket>>,
    resolver: Arc<OrgResolver>,
    metrics: Arc<Metrics>,
}

impl Pacer {
    /// A pacer with full buckets.
    pub fn new(config: PacingConfig, resolver: Arc<OrgResolver>, metrics: Arc<Metrics>) -> Self {
        let global = Bucket::new(config.global_rate, config.global_burst, Instant::now());
        Self {
            config,
            global: Mutex::new(global),
            orgs: Mutex::new(HashMap::new()),
            resolver,
            metrics,
        }
    }

    /// The resolver mapping networks and devices to organizations.
    pub fn resolver(&self) -> &Arc<OrgResolver> {
        &self.resolver
    }

    /// The configuration.
    pub fn config(&self) -> &PacingConfig {
        &self.config
    }

    /// Current rate of an organization's bucket (lower than configured after a 429).
    pub fn org_rate(&self, key: &OrgKey) -> f64 {
        self.with_org(key, |b, _| b.rate)
    }

    fn with_org<R>(&self, key: &OrgKey, f: impl FnOnce(&mut Bucket, Instant) -> R) -> R {
        let now = Instant::now();
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = orgs
            .entry(key.clone())
            .or_insert_with(|| Bucket::new(self.config.org_rate, self.config.org_burst, now));
        f(bucket, now)
    }

    fn with_global<R>(&self, f: impl FnOnce(&mut Bucket, Instant) -> R) -> R {
        let now = Instant::now();
        let mut global = self.global.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut global, now)
    }

    /// Waits until the request may go: first its organization's slot, then the global one
    /// (in that order so the global token is taken when the request actually leaves).
    pub async fn acquire(&self, key: Option<&OrgKey>) {
        let mut waited = Duration::ZERO;
        if let Some(key) = key {
            waited += wait_for(
                || self.with_org(key, |b, now| b.reserve(now)),
                |epoch| self.with_org(key, |b, _| b.epoch == epoch),
            )
            .await;
        }
        waited += wait_for(
            || self.with_global(|b, now| b.reserve(now)),
            |epoch| self.with_global(|b, _| b.epoch == epoch),
        )
        .await;
        if !waited.is_zero() {
            self.metrics.add_bucket_wait(waited);
        }
    }

    /// Adjusts the buckets after a response: a 429 slows the organization's bucket (or the
    /// global one when the request had no organization) and pauses it for `Retry-After`; a
    /// success lets the rates creep back to the configured ones.
    pub fn feedback(
        &self,
        key: Option<&OrgKey>,
        status: StatusCode,
        retry_after: Option<Duration>,
    ) {
        let c = &self.config;
        if status == StatusCode::TOO_MANY_REQUESTS {
            let pause = retry_after.unwrap_or(c.default_penalty);
            match key {
                Some(key) => self.with_org(key, |b, now| {
                    b.penalize(now, pause, c.decrease_factor, c.min_rate);
                }),
                None => self.with_global(|b, now| {
                    b.penalize(now, pause, c.decrease_factor, c.min_rate);
                }),
            }
        } else if status.is_success() {
            if let Some(key) = key {
                self.with_org(key, |b, now| b.recover(now, c.org_recovery));
            }
            self.with_global(|b, now| b.recover(now, c.global_recovery));
        }
    }
}

/// Reserves a slot, sleeps until it, and reserves again if a 429 voided the slot meanwhile.
async fn wait_for(
    mut reserve: impl FnMut() -> (Duration, u64),
    mut still_valid: impl FnMut(u64) -> bool,
) -> Duration {
    let mut total = Duration::ZERO;
    loop {
        let (wait, epoch) = reserve();
        if wait.is_zero() {
            return total;
        }
        tokio::time::sleep(wait).await;
        total += wait;
        if still_valid(epoch) {
            return total;
        }
    }
}

/// Tower layer that paces requests with a shared [`Pacer`].
#[derive(Debug, Clone)]
pub struct PacingLayer {
    pacer: Arc<Pacer>,
}

impl PacingLayer {
    /// A layer charging requests to `pacer`'s buckets. Clones of the layer (and of the
    /// services it makes) share the buckets.
    pub fn new(pacer: Arc<Pacer>) -> Self {
        Self { pacer }
    }
}

impl<S> Layer<S> for PacingLayer {
    type Service = Pacing<S>;

    fn layer(&self, inner: S) -> Pacing<S> {
        Pacing {
            inner,
            pacer: Arc::clone(&self.pacer),
        }
    }
}

/// Service made by [`PacingLayer`].
#[derive(Debug, Clone)]
pub struct Pacing<S> {
    inner: S,
    pacer: Arc<Pacer>,
}

impl<S> Service<ApiRequest> for Pacing<S>
where
    S: Service<ApiRequest, Response = ApiResponse> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
{
    type Response = ApiResponse;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<ApiResponse, S::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        // Readiness of the inner service is checked after the wait (oneshot), so a request
        // does not hold a slot of the inner service while it sleeps.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: ApiRequest) -> Self::Future {
        let pacer = Arc::clone(&self.pacer);
        let inner = self.inner.clone();
        Box::pin(async move {
            let key = pacer.resolver.key_for(&req.url);
            pacer.acquire(key.as_ref()).await;
            let response = inner.oneshot(req).await?;
            pacer.feedback(key.as_ref(), response.status, response.retry_after());
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_organizations() {
        let r = OrgResolver::default();
        r.learn_network("N_1", "42");
        r.learn_device("Q2AA-BBBB-CCCC", "43");
        let key =
            |p: &str| r.key_for(&Url::parse(&format!("https://api.meraki.com/api/v1{p}")).unwrap());
        assert_eq!(key("/organizations"), None);
        assert_eq!(
            key("/organizations/7/networks"),
            Some(OrgKey::Org("7".into()))
        );
        assert_eq!(key("/networks/N_1/clients"), Some(OrgKey::Org("42".into())));
        assert_eq!(key("/networks/N_2/clients"), Some(OrgKey::Unresolved));
        assert_eq!(
            key("/devices/Q2AA-BBBB-CCCC/clients"),
            Some(OrgKey::Org("43".into()))
        );
        assert_eq!(
            key("/devices/Q2ZZ-ZZZZ-ZZZZ/clients"),
            Some(OrgKey::Unresolved)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_and_slows_the_bucket_then_success_recovers_it() {
        let pacer = Pacer::new(
            PacingConfig::new(10.0, 100.0),
            Arc::default(),
            Arc::default(),
        );
        let key = OrgKey::Org("1".into());
        pacer.feedback(
            Some(&key),
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(2)),
        );
        assert!((pacer.org_rate(&key) - 7.0).abs() < 1e-9);
        let start = Instant::now();
        pacer.acquire(Some(&key)).await;
        // tokio timers have millisecond resolution.
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(2) && waited < Duration::from_millis(2010),
            "{waited:?}"
        );
        for _ in 0..20 {
            pacer.feedback(Some(&key), StatusCode::OK, None);
        }
        assert!((pacer.org_rate(&key) - 10.0).abs() < 1e-9);
    }
}
