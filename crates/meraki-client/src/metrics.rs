//! Counters the caller can read while requests run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Live counters shared by every clone of a [`Client`](crate::Client) and by the tower layers.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited_429: AtomicU64,
    bucket_wait_nanos: AtomicU64,
}

/// A copy of the [`Metrics`] counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// HTTP requests sent over the wire (every attempt and redirect hop counts).
    pub requests: u64,
    /// Attempts repeated after a 429, a 5xx or a transport failure.
    pub retries: u64,
    /// 429 responses received.
    pub rate_limited_429: u64,
    /// Total time requests spent waiting for a token (summed over requests, so it can exceed
    /// wall-clock time when many requests wait at once).
    pub bucket_wait: Duration,
}

impl Metrics {
    /// Reads all counters.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited_429: self.rate_limited_429.load(Ordering::Relaxed),
            bucket_wait: Duration::from_nanos(self.bucket_wait_nanos.load(Ordering::Relaxed)),
        }
    }

    pub(crate) fn add_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_429(&self) {
        self.rate_limited_429.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_bucket_wait(&self, wait: Duration) {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.bucket_wait_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}
