//! Retries as a tower layer: `Retry-After` on 429, exponential backoff with jitter on 5xx and
//! transport failures, nothing else.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use http::StatusCode;
use rand::Rng;
use tower::{Layer, Service, ServiceExt};

use crate::error::Error;
use crate::metrics::Metrics;
use crate::request::{ApiRequest, ApiResponse};

/// How often and how patiently to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// Retries after the first attempt (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// Backoff before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Upper bound of one backoff (the Python SDK caps 429 backoff at 60 s).
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryConfig {
    /// Backoff before retry number `retry` (1-based): `base · 2^(retry-1)`, capped, then
    /// "equal jitter" (a uniform pick between half and all of it) so that clients failing
    /// together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }
}

/// What to do with one attempt's outcome.
enum Verdict {
    Done,
    RetryAfter(Duration),
}

/// Tower layer adding retries.
#[derive(Debug, Clone)]
pub struct RetryLayer {
    config: Arc<RetryConfig>,
    metrics: Arc<Metrics>,
}

impl RetryLayer {
    /// A layer with `config`, counting retries in `metrics`.
    pub fn new(config: RetryConfig, metrics: Arc<Metrics>) -> Self {
        Self {
            config: Arc::new(config),
            metrics,
        }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            config: Arc::clone(&self.config),
            metrics: Arc::clone(&self.metrics),
        }
    }
}

/// Service made by [`RetryLayer`].
///
/// The final outcome is returned as is (a 429 or 5xx response once retries are exhausted,
/// with [`ApiResponse::attempts`] set), so the caller maps it to an [`Error`] with the status.
#[derive(Debug, Clone)]
pub struct Retry<S> {
    inner: S,
    config: Arc<RetryConfig>,
    metrics: Arc<Metrics>,
}

impl<S> Retry<S> {
    fn verdict(config: &RetryConfig, outcome: &Result<ApiResponse, Error>, retry: u32) -> Verdict {
        match outcome {
            Ok(r) if r.status == StatusCode::TOO_MANY_REQUESTS => {
                Verdict::RetryAfter(r.retry_after().unwrap_or_else(|| config.backoff(retry)))
            }
            Ok(r) if r.status.is_server_error() => Verdict::RetryAfter(config.backoff(retry)),
            Ok(_) => Verdict::Done,
            Err(e) if e.is_retryable_transport() => Verdict::RetryAfter(config.backoff(retry)),
            Err(_) => Verdict::Done,
        }
    }
}

impl<S> Service<ApiRequest> for Retry<S>
where
    S: Service<ApiRequest, Response = ApiResponse, Error = Error> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = ApiResponse;
    type Error = Error;
    type Future = BoxFuture<'static, Result<ApiResponse, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: ApiRequest) -> Self::Future {
        let inner = self.inner.clone();
        let config = Arc::clone(&self.config);
        let metrics = Arc::clone(&self.metrics);
        Box::pin(async move {
            let mut attempt: u32 = 1;
            loop {
                let outcome = inner.clone().oneshot(req.clone()).await;
                let verdict = Self::verdict(&config, &outcome, attempt);
                match verdict {
                    Verdict::RetryAfter(delay) if attempt <= config.max_retries => {
                        tracing::debug!(endpoint = %req.endpoint, attempt, ?delay, outcome = %describe(&outcome), "retrying");
                        metrics.add_retry();
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    _ => {
                        return match outcome {
                            Ok(mut r) => {
                                r.attempts = attempt;
                                Ok(r)
                            }
                            Err(e) => Err(e.with_attempts(attempt)),
                        };
                    }
                }
            }
        })
    }
}

fn describe(outcome: &Result<ApiResponse, Error>) -> String {
    match outcome {
        Ok(r) => match r.request_id() {
            Some(id) => format!("{} (X-Request-Id {id})", r.status),
            None => r.status.to_string(),
        },
        Err(e) => e.to_string(),
    }
}
