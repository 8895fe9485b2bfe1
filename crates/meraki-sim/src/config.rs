//! Simulator configuration.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::world::{World, WorldSize};

/// How to build and run a simulator. Start from [`SimConfig::default`] and set fields (or use
/// the `with_*` helpers).
///
/// Defaults: seed 42, the demo world size (3 orgs × 4 networks × 4 devices × 170 clients),
/// **rate limits off**, no faults, real clock, prefix `/api/v1`, listening on `127.0.0.1:0`.
/// Use [`SimConfig::with_real_limits`] for Meraki's documented budgets.
#[derive(Clone)]
pub struct SimConfig {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Seed of the generated world and of the fault sequence.
    pub seed: u64,
    /// Organizations in a generated world.
    pub orgs: usize,
    /// Networks per organization.
    pub networks_per_org: usize,
    /// Devices per network.
    pub devices_per_network: usize,
    /// Clients per network.
    pub clients_per_network: usize,
    /// A world to serve instead of generating one.
    pub world: Option<World>,
    /// Per-organization refill rate in requests per second (`None` = no limit).
    pub org_rate_limit: Option<f64>,
    /// Per-organization bucket capacity; `None` = equal to the rate, which reproduces the
    /// documented "+10 burst in the first second, at most 30 in the first 2 s" at 10 req/s.
    pub org_burst: Option<f64>,
    /// Per-source-IP refill rate in requests per second (`None` = no limit).
    pub source_rate_limit: Option<f64>,
    /// Per-source-IP bucket capacity; `None` = equal to the rate.
    pub source_burst: Option<f64>,
    /// Injected faults.
    pub faults: FaultConfig,
    /// Frozen clock (or, with [`SimConfig::clock_rate`], where a running clock starts);
    /// `None` follows real time.
    pub now: Option<Timestamp>,
    /// Simulated seconds per real second: the clock runs at this rate from
    /// [`SimConfig::now`] (or from the real time). `None`: frozen at `now`, or real time.
    /// Ground truth per (network, day) does not depend on it.
    pub clock_rate: Option<f64>,
    /// The API key the simulator accepts.
    pub api_key: String,
    /// Path prefix of the v1 API.
    pub prefix: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        let size = WorldSize::default();
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            orgs: size.orgs,
            networks_per_org: size.networks_per_org,
            devices_per_network: size.devices_per_network,
            clients_per_network: size.clients_per_network,
            world: None,
            org_rate_limit: None,
            org_burst: None,
            source_rate_limit: None,
            source_burst: None,
            faults: FaultConfig::default(),
            now: None,
            clock_rate: None,
            api_key: DEFAULT_API_KEY.to_string(),
            prefix: "/api/v1".to_string(),
        }
    }
}

/// The key accepted unless [`SimConfig::api_key`] is changed (40 hex digits, like a real key).
pub const DEFAULT_API_KEY: &str = "5157a5a0c0ffee5157a5a0c0ffee5157a5a0c0ff";

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("seed", &self.seed)
            .field("orgs", &self.orgs)
            .field("networks_per_org", &self.networks_per_org)
            .field("devices_per_network", &self.devices_per_network)
            .field("clients_per_network", &self.clients_per_network)
            .field("world", &self.world.as_ref().map(|_| "<loaded world>"))
            .field("org_rate_limit", &self.org_rate_limit)
            .field("org_burst", &self.org_burst)
            .field("source_rate_limit", &self.source_rate_limit)
            .field("source_burst", &self.source_burst)
            .field("faults", &self.faults)
            .field("now", &self.now)
            .field("clock_rate", &self.clock_rate)
            .field("api_key", &"<redacted>")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl SimConfig {
    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the generated world's size.
    pub fn with_size(mut self, size: WorldSize) -> Self {
        self.orgs = size.orgs;
        self.networks_per_org = size.networks_per_org;
        self.devices_per_network = size.devices_per_network;
        self.clients_per_network = size.clients_per_network;
        self
    }

    /// Serves `world` instead of generating one.
    pub fn with_world(mut self, world: World) -> Self {
        self.world = Some(world);
        self
    }

    /// Freezes the clock at `now`.
    pub fn with_now(mut self, now: Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    /// Runs the clock at `rate` simulated seconds per real second, from [`SimConfig::now`]
    /// when set, else from the real time (e.g. 600: ten simulated minutes per second).
    pub fn with_clock_rate(mut self, rate: f64) -> Self {
        self.clock_rate = Some(rate);
        self
    }

    /// Meraki's documented budgets: 10 req/s per organization (capacity 10, so 20 in the
    /// first second and 30 in the first two) and 100 req/s per source IP.
    pub fn with_real_limits(mut self) -> Self {
        self.org_rate_limit = Some(10.0);
        self.org_burst = None;
        self.source_rate_limit = Some(100.0);
        self.source_burst = None;
        self
    }

    /// Sets the per-organization limit (requests per second) and bucket capacity.
    pub fn with_org_rate_limit(mut self, rate: f64, burst: Option<f64>) -> Self {
        self.org_rate_limit = Some(rate);
        self.org_burst = burst;
        self
    }

    /// Sets the injected faults.
    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// The generated world's size.
    pub fn size(&self) -> WorldSize {
        WorldSize {
            orgs: self.orgs,
            networks_per_org: self.networks_per_org,
            devices_per_network: self.devices_per_network,
            clients_per_network: self.clients_per_network,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidConfig(m));
        for (name, v) in [
            ("org_rate_limit", self.org_rate_limit),
            ("org_burst", self.org_burst),
            ("source_rate_limit", self.source_rate_limit),
            ("source_burst", self.source_burst),
            ("clock_rate", self.clock_rate),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return bad(format!("{name} must be a positive number, got {v}"));
            }
        }
        if !self.prefix.starts_with('/') || self.prefix.ends_with('/') || self.prefix.len() < 2 {
            return bad(format!(
                "prefix must start with '/' and not end with one (like /api/v1), got {:?}",
                self.prefix
            ));
        }
        if self.prefix == "/api/v0" || self.prefix == "/_sim" {
            return bad(format!("prefix {:?} is reserved", self.prefix));
        }
        if self.api_key.is_empty() {
            return bad("api_key must not be empty".to_string());
        }
        self.faults.validate()
    }
}

/// Faults injected into Meraki API responses (never into `/_sim/`). Probabilities are per
/// request; the four exclusive ones (`error_5xx`, `storm_429`, `bad_body`, `reset`) must add
/// up to at most 1.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Probability of answering 500, 502 or 503 (equally likely) instead of serving.
    pub error_5xx: f64,
    /// Probability that a request starts a 429 storm: it and every request in the next
    /// `storm_duration` get 429 with `Retry-After`.
    pub storm_429: f64,
    /// Length of a 429 storm.
    pub storm_duration: Duration,
    /// Added latency before serving.
    pub latency: Option<Duration>,
    /// Probability that `latency` applies to a request.
    pub latency_rate: f64,
    /// Probability of a 200 whose body is truncated JSON or not JSON at all.
    pub bad_body: f64,
    /// Probability of dropping the connection in the middle of the response.
    pub reset: f64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            error_5xx: 0.0,
            storm_429: 0.0,
            storm_duration: Duration::from_secs(1),
            latency: None,
            latency_rate: 1.0,
            bad_body: 0.0,
            reset: 0.0,
        }
    }
}

impl FaultConfig {
    /// No faults at all.
    pub fn none() -> Self {
        FaultConfig::default()
    }

    /// A total fault probability spread evenly over server errors, bad bodies and resets
    /// (what the binary's `--fault-rate` means).
    pub fn mixed(rate: f64) -> Self {
        let each = rate / 3.0;
        FaultConfig {
            error_5xx: each,
            bad_body: each,
            reset: each,
            ..FaultConfig::default()
        }
    }

    /// Whether any fault can happen.
    pub fn is_active(&self) -> bool {
        self.error_5xx > 0.0
            || self.storm_429 > 0.0
            || self.bad_body > 0.0
            || self.reset > 0.0
            || (self.latency.is_some() && self.latency_rate > 0.0)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let probs = [
            ("error_5xx", self.error_5xx),
            ("storm_429", self.storm_429),
            ("latency_rate", self.latency_rate),
            ("bad_body", self.bad_body),
            ("reset", self.reset),
        ];
        for (name, p) in probs {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::InvalidConfig(format!(
                    "fault probability {name} must be between 0 and 1, got {p}"
                )));
            }
        }
        let sum = self.error_5xx + self.storm_429 + self.bad_body + self.reset;
        if sum > 1.0 + 1e-9 {
            return Err(Error::InvalidConfig(format!(
                "fault probabilities error_5xx + storm_429 + bad_body + reset add up to {sum}, more than 1"
            )));
        }
        Ok(())
    }
}
