//! Rate limiting as middleware: a token bucket per organization and one per source IP, like
//! the Dashboard API (10 req/s per org with a 10-request burst, 100 req/s per source IP).
//! Over budget: `429`, `Retry-After` in whole seconds until a token is back, and the real body.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::middleware::Next;
use http::{Request, Response};

use crate::counters::Outcome;
use crate::http::errors_response;
use crate::instrument::RouteInfo;
use crate::state::SimState;

#[derive(Debug, Clone, Copy)]
struct Budget {
    rate: f64,
    capacity: f64,
}

impl Budget {
    fn new(rate: Option<f64>, burst: Option<f64>) -> Option<Budget> {
        rate.map(|rate| Budget {
            rate,
            capacity: burst.unwrap_or(rate).max(1.0),
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// Takes a token, or says how many whole seconds until one is available.
    fn take(&mut self, budget: Budget, now: Instant) -> Result<(), u64> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * budget.rate).min(budget.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - self.tokens) / budget.rate).ceil();
            Err((wait as u64).max(1))
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Budgets {
    org: Option<Budget>,
    source: Option<Budget>,
}

/// The limiter's state, shared by every connection.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    budgets: RwLock<Budgets>,
    orgs: Mutex<HashMap<String, Bucket>>,
    sources: Mutex<HashMap<IpAddr, Bucket>>,
}

/// Which budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Organization(u64),
    Source(u64),
}

impl RateLimiter {
    pub(crate) fn new(
        org_rate: Option<f64>,
        org_burst: Option<f64>,
        source_rate: Option<f64>,
        source_burst: Option<f64>,
    ) -> RateLimiter {
        RateLimiter {
            budgets: RwLock::new(Budgets {
                org: Budget::new(org_rate, org_burst),
                source: Budget::new(source_rate, source_burst),
            }),
            orgs: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// Replaces the budgets; buckets start full again.
    pub(crate) fn set(
        &self,
        org_rate: Option<f64>,
        org_burst: Option<f64>,
        source_rate: Option<f64>,
        source_burst: Option<f64>,
    ) {
        *self.budgets.write().unwrap_or_else(|e| e.into_inner()) = Budgets {
            org: Budget::new(org_rate, org_burst),
            source: Budget::new(source_rate, source_burst),
        };
        self.orgs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub(crate) fn check(&self, org: Option<&str>, source: IpAddr) -> Result<(), Exceeded> {
        let budgets = *self.budgets.read().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let Some(b) = budgets.source {
            let mut map = self.sources.lock().unwrap_or_else(|e| e.into_inner());
            let bucket = map.entry(source).or_insert(Bucket {
                tokens: b.capacity,
                last: now,
            });
            bucket.take(b, now).map_err(Exceeded::Source)?;
        }
        if let (Some(b), Some(org)) = (budgets.org, org) {
            let mut map = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
            let bucket = map.entry(org.to_string()).or_insert(Bucket {
                tokens: b.capacity,
                last: now,
            });
            bucket.take(b, now).map_err(Exceeded::Organization)?;
        }
        Ok(())
    }
}

/// A `429` in the real shape.
pub(crate) fn too_many_requests(retry_after: u64, message: &str) -> Response<Body> {
    let mut resp = errors_response(http::StatusCode::TOO_MANY_REQUESTS, message);
    resp.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from(retry_after),
    );
    resp
}

/// Middleware applying [`RateLimiter`] to Meraki API requests.
pub(crate) async fn rate_limit(
    State(state): State<Arc<SimState>>,
    req: Request<Body>,
    next: Next,
) -> Response<Body> {
    if let Some(route) = req.extensions().get::<RouteInfo>().filter(|r| r.is_api) {
        let source = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        let verdict = state.limiter.check(route.org.as_deref(), source);
        let rejected = match verdict {
            Ok(()) => None,
            Err(Exceeded::Organization(s)) => Some(too_many_requests(
                s,
                "API rate limit exceeded for organization",
            )),
            Err(Exceeded::Source(s)) => Some(too_many_requests(
                s,
                "API rate limit exceeded for source IP address",
            )),
        };
        if let Some(mut resp) = rejected {
            resp.extensions_mut().insert(Outcome::RateLimited);
            return resp;
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_allows_capacity_then_refills_at_rate() {
        let budget = Budget {
            rate: 10.0,
            capacity: 10.0,
        };
        let t0 = Instant::now();
        let mut b = Bucket {
            tokens: 10.0,
            last: t0,
        };
        for _ in 0..10 {
            assert_eq!(b.take(budget, t0), Ok(()));
        }
        assert_eq!(b.take(budget, t0), Err(1));
        // 0.5 s later five tokens are back.
        let later = t0 + Duration::from_millis(500);
        for _ in 0..5 {
            assert_eq!(b.take(budget, later), Ok(()));
        }
        assert!(b.take(budget, later).is_err());
    }

    #[test]
    fn retry_after_counts_whole_seconds_to_the_next_token() {
        let budget = Budget {
            rate: 0.25,
            capacity: 1.0,
        };
        let t0 = Instant::now();
        let mut b = Bucket {
            tokens: 1.0,
            last: t0,
        };
        assert_eq!(b.take(budget, t0), Ok(()));
        assert_eq!(b.take(budget, t0), Err(4));
    }
}
