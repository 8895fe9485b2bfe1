//! A Meraki Dashboard API simulator: an HTTP server (axum) and a library that tests start
//! in-process on `127.0.0.1:0`.
//!
//! Owns: a deterministic world generated from a seed (or loaded from a JSON/TOML file),
//! cumulative usage semantics, rate limits, `Link` pagination, fault injection and ground
//! truth. **Invariant:** no library crate of the workspace needs it at run time; nothing here
//! talks to the real Meraki cloud.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), meraki_sim::Error> {
//! use meraki_sim::{SimConfig, Simulator};
//!
//! let now: jiff::Timestamp = "2026-03-10T12:00:00Z".parse().expect("valid timestamp");
//! let sim = Simulator::start(SimConfig::default().with_now(now)).await?;
//! println!("base_url: {}", sim.base_url()); // http://127.0.0.1:PORT/api/v1
//! assert_eq!(sim.world().organizations.len(), 3);
//!
//! // What a perfect sync should store for the first network, yesterday, in its own zone.
//! let (_, net) = sim.world().networks().next().expect("a network");
//! let tz = jiff::tz::TimeZone::get(&net.time_zone).expect("known zone");
//! let day = now.to_zoned(tz.clone()).date().yesterday().expect("a day");
//! let truth = sim.ground_truth(&net.id, None, day, &tz);
//! assert!(!truth.is_empty());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Usage semantics
//!
//! Each client's traffic is integer thousandths of a kB per UTC minute (see [`TrafficProfile`]).
//! `GET /devices/{serial}/clients?t0=X` returns every client the device reports with nonzero
//! usage in `[X, now)`, its usage being the exact sum of the minutes whose start lies in
//! `[X, now)`. Ground truth for day `D` in zone `Z` sums the minutes starting in
//! `[start(D), start(D+1))` (capped at `now`), so `U(start D) − U(start D+1)` from two
//! snapshots with the same `now` equals it exactly. Appliances (MX, Z) report every client of
//! their network; access points their wireless clients, switches their wired clients.
//! `GET /networks/{id}/clients?t0=X` returns every client of the network once, with the same
//! usage and its `ssid` ([`SimHandle::network_ground_truth`] is its ground truth).
//! A client's reported `ip`/`vlan` is its addressing at `now` (a few clients move VLANs).
//!
//! # Endpoints
//!
//! v1 under the prefix (default `/api/v1`): `/organizations`, `/organizations/{id}`,
//! `/organizations/{id}/networks`, `/organizations/{id}/devices`,
//! `/organizations/{id}/inventoryDevices`, `/networks/{id}`, `/networks/{id}/devices`,
//! `/networks/{id}/clients`, `/networks/{id}/appliance/vlans`, `/networks/{id}/wireless/ssids`,
//! `/devices/{serial}`,
//! `/devices/{serial}/clients`. v0: `/api/v0/organizations`,
//! `/api/v0/organizations/{id}/networks`, `/api/v0/networks/{id}/devices`,
//! `/api/v0/networks/{id}/vlans`, `/api/v0/devices/{serial}/clients`. Out of band (no key):
//! `/_sim/counters` (GET, DELETE resets), `/_sim/ground-truth?network=&day=&tz=&serial=`,
//! `/_sim/clock` (GET; POST `?set=` or `?advance=`), `/_sim/world`,
//! `/_sim/fail-network?network=&failing=` (POST).
//!
//! # Public dependencies
//!
//! Instants, dates and zones are [`jiff`]'s and exact usage `usage_model::Kb`: both public
//! dependencies. The server (axum, tokio) is an implementation detail: [`Simulator::start`]
//! needs a running tokio runtime, nothing else of them shows in the API.

#![deny(missing_docs)]

mod clock;
mod config;
mod counters;
mod error;
mod fault;
mod http;
mod instrument;
mod limit;
mod record;
mod rng;
mod state;
mod traffic;
mod truth;
mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{DEFAULT_API_KEY, FaultConfig, SimConfig};
pub use counters::{Counters, FaultCounters};
pub use error::{Error, Result};
pub use record::RecordedRequest;
pub use truth::GroundTruthUsage;
pub use world::{
    Addressing, CampusSize, Client, Device, MAX_SSID_NUMBER, Network, Organization, Presence,
    ProductType, Shape, Ssid, TrafficProfile, Vlan, VlanFormat, VlanMove, World, WorldSize,
};

use state::SimState;

/// Entry point: builds a world and serves it.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Builds the world (or takes [`SimConfig::world`]), binds [`SimConfig::listen`]
    /// (`127.0.0.1:0` by default) and serves in a background task until
    /// [`SimHandle::shutdown`] or drop.
    pub async fn start(config: SimConfig) -> Result<SimHandle> {
        let state = Arc::new(SimState::new(&config)?);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.listen.to_string(),
            source,
        })?;
        let _ = state.origin.set(format!("http://{addr}"));
        let app = http::app(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
            if let Err(e) = served {
                tracing::error!("meraki-sim server stopped: {e}");
            }
        });
        tracing::info!(%addr, "meraki-sim listening");
        Ok(SimHandle {
            state,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// Reads a running simulator's clock; cheap to clone, usable after the server stopped.
#[derive(Clone)]
pub struct SimClock(Arc<SimState>);

impl SimClock {
    /// The simulator's current time.
    pub fn now(&self) -> Timestamp {
        self.0.clock.now()
    }
}

impl std::fmt::Debug for SimClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SimClock").field(&self.now()).finish()
    }
}

/// A running simulator. Dropping it stops the server (without waiting); prefer
/// [`SimHandle::shutdown`].
pub struct SimHandle {
    state: Arc<SimState>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .field("api_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The v1 base URL, e.g. `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.state.prefix)
    }

    /// The v0 base URL, `http://127.0.0.1:PORT/api/v0`.
    pub fn base_url_v0(&self) -> String {
        format!("http://{}/api/v0", self.addr)
    }

    /// `http://127.0.0.1:PORT` (the `/_sim/` endpoints hang off it).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the simulator accepts.
    pub fn api_key(&self) -> &str {
        self.state.api_key()
    }

    /// The world being served.
    pub fn world(&self) -> &World {
        &self.state.world
    }

    /// The simulator's current time.
    pub fn now(&self) -> Timestamp {
        self.state.clock.now()
    }

    /// A cloneable reader of this simulator's clock, for code that must follow it (a sync
    /// engine's clock in tests with a running clock).
    pub fn clock(&self) -> SimClock {
        SimClock(Arc::clone(&self.state))
    }

    /// Sets the clock to `now`: frozen there, or running on at its rate when it runs.
    pub fn set_now(&self, now: Timestamp) {
        self.state.clock.set(now);
    }

    /// Moves the clock by `by` (a frozen clock stays frozen; a real one stays real, shifted).
    pub fn advance(&self, by: Duration) {
        let by = SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX);
        self.state.clock.advance(by);
    }

    /// Exact per-client usage of `day` in `tz` on a network, or only what device `serial`
    /// reports. Day `D` covers the minutes starting in `[start(D), start(D+1))`, capped at
    /// [`SimHandle::now`]; clients without traffic that day are absent. An unknown network or
    /// serial gives an empty map (use [`SimHandle::try_ground_truth`] to tell them apart).
    pub fn ground_truth(
        &self,
        network_id: &str,
        serial: Option<&str>,
        day: Date,
        tz: &TimeZone,
    ) -> BTreeMap<String, GroundTruthUsage> {
        self.try_ground_truth(network_id, serial, day, tz)
            .unwrap_or_default()
    }

    /// The network view of ground truth: every client of the network once, with its own
    /// traffic of `day` in `tz` — what a sync reading `GET /networks/{id}/clients` must
    /// store. The same as [`SimHandle::ground_truth`] without a serial; the per-device view
    /// (`serial` given) is what one device's `GET /devices/{serial}/clients` reports.
    ///
    /// How the views relate: an appliance (MX, Z) reports every client of its network, so its
    /// view equals the network view; an access point reports the wireless clients associated
    /// with it, a switch the wired clients attached through it. A sync that reads several
    /// devices of one network therefore counts a wireless client once for the appliance and
    /// once more for its access point; the network view counts it once.
    pub fn network_ground_truth(
        &self,
        network_id: &str,
        day: Date,
        tz: &TimeZone,
    ) -> BTreeMap<String, GroundTruthUsage> {
        self.ground_truth(network_id, None, day, tz)
    }

    /// Like [`SimHandle::ground_truth`], with unknown ids reported as errors.
    pub fn try_ground_truth(
        &self,
        network_id: &str,
        serial: Option<&str>,
        day: Date,
        tz: &TimeZone,
    ) -> Result<BTreeMap<String, GroundTruthUsage>> {
        self.state.ground_truth(network_id, serial, day, tz)
    }

    /// Request counters so far.
    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        self.state.counters.reset();
    }

    /// Starts (`true`) or stops and forgets (`false`) the request log: every API request, as
    /// received, with the clock's reading at its arrival. Off by default, so a long-running
    /// simulator keeps nothing.
    pub fn record_requests(&self, on: bool) {
        self.state.recorder.set(on);
    }

    /// The requests logged since recording started or since the last call (which empties the
    /// log), in the order their answers were ready. Empty when not recording.
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.take()
    }

    /// Replaces the fault settings (and ends any 429 storm).
    pub fn set_faults(&self, faults: FaultConfig) -> Result<()> {
        faults.validate()?;
        self.state.set_faults(faults);
        Ok(())
    }

    /// Replaces the rate limits (requests per second and bucket capacity; `None` = off).
    /// Buckets start full.
    pub fn set_rate_limits(
        &self,
        org: Option<(f64, Option<f64>)>,
        source: Option<(f64, Option<f64>)>,
    ) -> Result<()> {
        for v in [org, source]
            .into_iter()
            .flatten()
            .flat_map(|(r, b)| [Some(r), b])
            .flatten()
        {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::InvalidConfig(format!(
                    "rate limits must be positive numbers, got {v}"
                )));
            }
        }
        self.state.limiter.set(
            org.map(|o| o.0),
            org.and_then(|o| o.1),
            source.map(|s| s.0),
            source.and_then(|s| s.1),
        );
        Ok(())
    }

    /// Makes every client call on `network_id` (`/devices/{serial}/clients` of its devices and
    /// `/networks/{id}/clients`) answer 500 until [`SimHandle::heal_network`].
    pub fn fail_network(&self, network_id: &str) {
        self.state.fail_network(network_id, true);
    }

    /// Undoes [`SimHandle::fail_network`].
    pub fn heal_network(&self, network_id: &str) {
        self.state.fail_network(network_id, false);
    }

    /// Makes every org-scoped call of this organization (its networks, devices and clients)
    /// answer 403 although the organization list still shows its API access enabled: what a
    /// key whose administrator lacks access to the organization meets. Library only.
    pub fn forbid_organization(&self, org_id: &str) {
        self.state.forbid_organization(org_id, true);
    }

    /// Undoes [`SimHandle::forbid_organization`].
    pub fn allow_organization(&self, org_id: &str) {
        self.state.forbid_organization(org_id, false);
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
