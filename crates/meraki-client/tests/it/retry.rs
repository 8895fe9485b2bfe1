//! The retry layer alone, over a fake inner service, in paused time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use meraki_client::{ApiRequest, ApiResponse, Error, Metrics, RetryConfig, RetryLayer};
use tokio::time::Instant;
use tower::{Layer, ServiceExt, service_fn};
use url::Url;

/// Runs one request through a retry layer over a service answering `script[n]` on attempt
/// `n` (the last entry repeats); returns the outcome and when each attempt arrived.
async fn run(
    script: Vec<Result<StatusCode, &'static str>>,
    max_retries: u32,
) -> (Result<ApiResponse, Error>, Vec<Duration>, Arc<Metrics>) {
    let start = Instant::now();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let script = Arc::new(script);
    let inner = service_fn(move |req: ApiRequest| {
        let log = Arc::clone(&log);
        let script = Arc::clone(&script);
        async move {
            let n = {
                let mut log = log.lock().unwrap();
                log.push(start.elapsed());
                log.len() - 1
            };
            match script[n.min(script.len() - 1)] {
                Ok(status) => Ok(ApiResponse {
                    status,
                    headers: HeaderMap::new(),
                    body: Bytes::new(),
                    url: req.url,
                    attempts: 1,
                }),
                Err("timeout") => Err(Error::Timeout {
                    endpoint: req.endpoint,
                    attempts: 1,
                    message: "read timed out".into(),
                }),
                Err(_) => Err(Error::Transport {
                    endpoint: req.endpoint,
                    attempts: 1,
                    message: "connection reset".into(),
                }),
            }
        }
    });
    let metrics = Arc::new(Metrics::default());
    let config = RetryConfig {
        max_retries,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
    };
    let svc = RetryLayer::new(config, Arc::clone(&metrics)).layer(inner);
    let url = Url::parse("https://api.meraki.com/api/v1/organizations").unwrap();
    let outcome = svc.oneshot(ApiRequest::get(url)).await;
    let times = seen.lock().unwrap().clone();
    (outcome, times, metrics)
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_exponentially_with_jitter_until_success() {
    let script = vec![
        Ok(StatusCode::INTERNAL_SERVER_ERROR),
        Err("timeout"),
        Err("reset"),
        Ok(StatusCode::BAD_GATEWAY),
        Ok(StatusCode::OK),
    ];
    let (outcome, times, metrics) = run(script, 5).await;
    let response = outcome.unwrap();
    assert_eq!((response.status, response.attempts), (StatusCode::OK, 5));
    assert_eq!(metrics.snapshot().retries, 4);
    // Equal jitter: retry k waits between half and all of 1 s · 2^(k-1).
    for (k, pair) in times.windows(2).enumerate() {
        let full = Duration::from_secs(1 << k);
        let gap = pair[1] - pair[0];
        assert!(
            gap >= full / 2 && gap <= full + Duration::from_millis(5),
            "retry {}: {gap:?}",
            k + 1
        );
    }
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_retries_with_the_attempt_count() {
    let (outcome, times, _) = run(vec![Err("timeout")], 2).await;
    assert!(
        matches!(outcome, Err(Error::Timeout { attempts: 3, .. })),
        "{outcome:?}"
    );
    assert_eq!(times.len(), 3);
    let (outcome, _, _) = run(vec![Ok(StatusCode::SERVICE_UNAVAILABLE)], 2).await;
    let r = outcome.unwrap();
    assert_eq!((r.status, r.attempts), (StatusCode::SERVICE_UNAVAILABLE, 3));
}

#[tokio::test(start_paused = true)]
async fn client_errors_other_than_429_are_returned_at_once() {
    for status in [
        StatusCode::BAD_REQUEST,
        StatusCode::UNAUTHORIZED,
        StatusCode::NOT_FOUND,
    ] {
        let (outcome, times, metrics) = run(vec![Ok(status), Ok(StatusCode::OK)], 5).await;
        assert_eq!(outcome.unwrap().status, status);
        assert_eq!((times.len(), metrics.snapshot().retries), (1, 0));
    }
    let (outcome, times, _) = run(
        vec![Ok(StatusCode::TOO_MANY_REQUESTS), Ok(StatusCode::OK)],
        5,
    )
    .await;
    assert_eq!(outcome.unwrap().status, StatusCode::OK);
    // No Retry-After: backoff applies.
    assert!(times[1] >= Duration::from_millis(500), "{times:?}");
}
