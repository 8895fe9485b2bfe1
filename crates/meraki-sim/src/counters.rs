//! Request counters, readable from the library and at `/_sim/counters`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// A snapshot of what the simulator has served since it started (or since the last reset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Every request to the Meraki API paths (v1 and v0), whatever the outcome.
    pub total: u64,
    /// Requests per endpoint, named by operation id (`getDeviceClients`, `v0.getOrganizations`,
    /// `unknown` for paths that match no endpoint).
    pub by_endpoint: BTreeMap<String, u64>,
    /// Requests per organization id (resolved from the path through networks and devices).
    pub by_org: BTreeMap<String, u64>,
    /// Responses per HTTP status.
    pub by_status: BTreeMap<u16, u64>,
    /// 429s sent by the rate limiter (organization and source budgets).
    pub rate_limited: u64,
    /// 429s sent by the rate limiter, per organization (source-budget 429s are under `""`).
    pub rate_limited_by_org: BTreeMap<String, u64>,
    /// Faults injected.
    pub faults: FaultCounters,
}

/// Injected faults, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultCounters {
    /// 500/502/503 answers.
    pub server_errors: u64,
    /// 429s sent because of a storm (not counted in [`Counters::rate_limited`]).
    pub storm_429: u64,
    /// Storms started.
    pub storms_started: u64,
    /// Truncated or non-JSON bodies.
    pub bad_bodies: u64,
    /// Connections dropped mid-response.
    pub resets: u64,
    /// Requests delayed by added latency.
    pub delayed: u64,
    /// 500s from networks marked failing with `fail_network`.
    pub failing_network: u64,
}

/// What happened to one request, recorded once it is answered.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) enum Outcome {
    #[default]
    Served,
    RateLimited,
    Storm {
        started: bool,
    },
    ServerError,
    BadBody,
    Reset,
}

#[derive(Debug, Default)]
pub(crate) struct CounterSet {
    inner: Mutex<Counters>,
}

impl CounterSet {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn snapshot(&self) -> Counters {
        self.lock().clone()
    }

    pub(crate) fn reset(&self) {
        *self.lock() = Counters::default();
    }

    pub(crate) fn record(
        &self,
        endpoint: &str,
        org: Option<&str>,
        status: u16,
        outcome: Outcome,
        delayed: bool,
    ) {
        let mut c = self.lock();
        c.total += 1;
        *c.by_endpoint.entry(endpoint.to_string()).or_default() += 1;
        if let Some(org) = org {
            *c.by_org.entry(org.to_string()).or_default() += 1;
        }
        *c.by_status.entry(status).or_default() += 1;
        if delayed {
            c.faults.delayed += 1;
        }
        match outcome {
            Outcome::Served => {}
            Outcome::RateLimited => {
                c.rate_limited += 1;
                *c.rate_limited_by_org
                    .entry(org.unwrap_or_default().to_string())
                    .or_default() += 1;
            }
            Outcome::Storm { started } => {
                c.faults.storm_429 += 1;
                if started {
                    c.faults.storms_started += 1;
                }
            }
            Outcome::ServerError => c.faults.server_errors += 1,
            Outcome::BadBody => c.faults.bad_bodies += 1,
            Outcome::Reset => c.faults.resets += 1,
        }
    }

    pub(crate) fn failing_network(&self) {
        self.lock().faults.failing_network += 1;
    }
}
