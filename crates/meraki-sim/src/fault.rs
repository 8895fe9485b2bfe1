//! Fault injection as middleware: server errors, 429 storms, added latency, truncated or
//! non-JSON bodies and connections dropped mid-response, each with its own probability.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::middleware::Next;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};

use crate::config::FaultConfig;
use crate::counters::Outcome;
use crate::http::errors_response;
use crate::instrument::{Delayed, RouteInfo};
use crate::limit::too_many_requests;
use crate::rng::mix2;
use crate::state::SimState;

/// Fault settings plus the deterministic random sequence and the current storm.
#[derive(Debug)]
pub(crate) struct FaultState {
    config: RwLock<FaultConfig>,
    seed: u64,
    draws: AtomicU64,
    storm_until: Mutex<Option<Instant>>,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plan {
    Serve,
    ServerError(StatusCode),
    Storm { started: bool, retry_after: u64 },
    BadBody { truncate: bool },
    Reset,
}

impl FaultState {
    pub(crate) fn new(config: FaultConfig, seed: u64) -> FaultState {
        FaultState {
            config: RwLock::new(config),
            seed,
            draws: AtomicU64::new(0),
            storm_until: Mutex::new(None),
        }
    }

    pub(crate) fn set(&self, config: FaultConfig) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        *self.storm_until.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn config(&self) -> FaultConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A uniform draw in `[0, 1)`; the sequence is fixed by the seed (its interleaving across
    /// concurrent requests is not).
    fn draw(&self) -> f64 {
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        (mix2(self.seed ^ 0xfa17, n) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn plan(&self, config: &FaultConfig) -> Plan {
        let now = Instant::now();
        {
            let storm = self.storm_until.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = *storm
                && now < until
            {
                let left = until.duration_since(now).as_secs_f64().ceil() as u64;
                return Plan::Storm {
                    started: false,
                    retry_after: left.max(1),
                };
            }
        }
        let u = self.draw();
        let mut edge = config.error_5xx;
        if u < edge {
            let status = match (self.draw() * 3.0) as u32 {
                0 => StatusCode::INTERNAL_SERVER_ERROR,
                1 => StatusCode::BAD_GATEWAY,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return Plan::ServerError(status);
        }
        edge += config.storm_429;
        if u < edge {
            let until = now + config.storm_duration;
            *self.storm_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(until);
            let secs = config.storm_duration.as_secs_f64().ceil() as u64;
            return Plan::Storm {
                started: true,
                retry_after: secs.max(1),
            };
        }
        edge += config.bad_body;
        if u < edge {
            return Plan::BadBody {
                truncate: self.draw() < 0.5,
            };
        }
        edge += config.reset;
        if u < edge {
            return Plan::Reset;
        }
        Plan::Serve
    }
}

fn server_error(status: StatusCode) -> Response<Body> {
    let mut resp = if status == StatusCode::BAD_GATEWAY {
        // Real 502s come from a proxy and are HTML, not the API's JSON.
        let mut r = Response::new(Body::from(
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        ));
        *r.status_mut() = status;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    } else {
        errors_response(
            status,
            if status == StatusCode::SERVICE_UNAVAILABLE {
                "Service temporarily unavailable"
            } else {
                "Internal server error"
            },
        )
    };
    resp.headers_mut()
        .insert("x-request-id", HeaderValue::from_static("sim-fault-5xx"));
    resp.extensions_mut().insert(Outcome::ServerError);
    resp
}

/// Middleware injecting faults into Meraki API requests (the `/_sim/` paths pass untouched).
pub(crate) async fn inject_faults(
    State(state): State<Arc<SimState>>,
    req: Request<Body>,
    next: Next,
) -> Response<Body> {
    let is_api = req
        .extensions()
        .get::<RouteInfo>()
        .is_some_and(|r| r.is_api);
    if !is_api {
        return next.run(req).await;
    }
    let config = state.faults.config();
    if !config.is_active() {
        return next.run(req).await;
    }
    let mut delayed = false;
    if let Some(latency) = config.latency
        && state.faults.draw() < config.latency_rate
    {
        tokio::time::sleep(latency).await;
        delayed = true;
    }
    let mut resp = match state.faults.plan(&config) {
        Plan::Serve => next.run(req).await,
        Plan::ServerError(status) => server_error(status),
        Plan::Storm {
            started,
            retry_after,
        } => {
            let mut r = too_many_requests(retry_after, "API rate limit exceeded for organization");
            r.extensions_mut().insert(Outcome::Storm { started });
            r
        }
        Plan::BadBody { truncate } => bad_body(next.run(req).await, truncate).await,
        Plan::Reset => reset(next.run(req).await).await,
    };
    if delayed {
        resp.extensions_mut().insert(Delayed);
    }
    resp
}

async fn body_bytes(body: Body) -> Bytes {
    axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default()
}

async fn bad_body(resp: Response<Body>, truncate: bool) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    let bytes = body_bytes(body).await;
    let new = if truncate && bytes.len() > 1 {
        bytes.slice(..bytes.len() / 2)
    } else {
        // What a misbehaving proxy in front of the API sends with a 200.
        Bytes::from_static(b"<html><body>Upstream temporarily unavailable</body></html>")
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.insert(Outcome::BadBody);
    Response::from_parts(parts, Body::from(new))
}

async fn reset(resp: Response<Body>) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    let bytes = body_bytes(body).await;
    let half = bytes.slice(..bytes.len() / 2);
    // A body stream that fails makes hyper abort the connection mid-response.
    let stream = futures::stream::iter(vec![
        Ok::<Bytes, std::io::Error>(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        )),
    ]);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.extensions.insert(Outcome::Reset);
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn plans_follow_configured_rates() {
        let state = FaultState::new(
            FaultConfig {
                error_5xx: 0.1,
                storm_429: 0.05,
                storm_duration: Duration::ZERO,
                bad_body: 0.2,
                reset: 0.15,
                ..FaultConfig::default()
            },
            9,
        );
        let config = state.config();
        let n = 20_000;
        let (mut e, mut s, mut b, mut r) = (0, 0, 0, 0);
        for _ in 0..n {
            match state.plan(&config) {
                Plan::ServerError(_) => e += 1,
                Plan::Storm { .. } => s += 1,
                Plan::BadBody { .. } => b += 1,
                Plan::Reset => r += 1,
                Plan::Serve => {}
            }
        }
        let near = |count: i32, p: f64| ((count as f64 / n as f64) - p).abs() < 0.02;
        assert!(near(e, 0.1), "5xx {e}");
        assert!(near(s, 0.05), "storms {s}");
        assert!(near(b, 0.2), "bad bodies {b}");
        assert!(near(r, 0.15), "resets {r}");
    }

    #[test]
    fn a_storm_answers_429_until_it_ends() {
        let state = FaultState::new(
            FaultConfig {
                storm_429: 1.0,
                storm_duration: Duration::from_secs(30),
                ..FaultConfig::default()
            },
            1,
        );
        let config = state.config();
        assert_eq!(
            state.plan(&config),
            Plan::Storm {
                started: true,
                retry_after: 30
            }
        );
        assert!(matches!(
            state.plan(&config),
            Plan::Storm { started: false, .. }
        ));
    }
}
