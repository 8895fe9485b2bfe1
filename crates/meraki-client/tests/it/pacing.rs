//! The pacing layer over a fake inner service, in paused (virtual) time: the results do not
//! depend on how fast the machine is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use meraki_client::{
    ApiRequest, ApiResponse, Error, Metrics, OrgResolver, Pacer, PacingConfig, PacingLayer,
};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt, service_fn};
use url::Url;

type Log = Arc<Mutex<Vec<(String, Instant)>>>;

/// A fake API: records when each request reached it; answers `status_for(path, n)`.
fn fake_api(
    log: Log,
    status_for: impl Fn(&str, usize) -> (StatusCode, Option<&'static str>) + Clone + Send + 'static,
) -> impl Service<ApiRequest, Response = ApiResponse, Error = Error, Future: Send> + Clone + Send + 'static
{
    service_fn(move |req: ApiRequest| {
        let log = Arc::clone(&log);
        let status_for = status_for.clone();
        async move {
            let n = {
                let mut log = log.lock().unwrap();
                log.push((req.url.path().to_owned(), Instant::now()));
                log.len()
            };
            let (status, retry_after) = status_for(req.url.path(), n);
            let mut headers = HeaderMap::new();
            if let Some(ra) = retry_after {
                headers.insert(http::header::RETRY_AFTER, ra.parse().unwrap());
            }
            Ok::<_, Error>(ApiResponse {
                status,
                headers,
                body: Bytes::new(),
                url: req.url,
                attempts: 1,
            })
        }
    })
}

fn req(path: &str) -> ApiRequest {
    ApiRequest::get(Url::parse(&format!("https://api.meraki.com/api/v1{path}")).unwrap())
}

fn pacer(org_rate: f64, global_rate: f64) -> (Arc<Pacer>, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::default());
    let p = Pacer::new(
        PacingConfig::new(org_rate, global_rate),
        Arc::new(OrgResolver::default()),
        Arc::clone(&metrics),
    );
    (Arc::new(p), metrics)
}

/// Fires all requests at once (as many tasks) and waits for them.
async fn fire<S>(svc: S, paths: Vec<String>)
where
    S: Service<ApiRequest, Response = ApiResponse, Error = Error> + Clone + Send + 'static,
    S::Future: Send,
{
    let tasks: Vec<_> = paths
        .into_iter()
        .map(|p| {
            let svc = svc.clone();
            tokio::spawn(async move { svc.oneshot(req(&p)).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// Replays arrival times through Meraki's documented bucket (10/s, holds 10) and counts the
/// requests it would have refused.
fn meraki_rejections(times: &[Instant], start: Instant) -> usize {
    let (rate, cap) = (10.0, 10.0);
    let (mut tokens, mut last) = (cap, start);
    let mut refused = 0;
    for &t in times {
        tokens = f64::min(cap, tokens + (t - last).as_secs_f64() * rate);
        last = t;
        if tokens >= 1.0 - 1e-9 {
            tokens -= 1.0;
        } else {
            refused += 1;
        }
    }
    refused
}

fn max_in_window(times: &[Instant], window: Duration) -> usize {
    times
        .iter()
        .map(|&t0| {
            times
                .iter()
                .filter(|&&t| t >= t0 && t < t0 + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn one_org_at_10_per_second_runs_200_requests_in_about_20_virtual_seconds() {
    let log: Log = Arc::default();
    let (pacer, metrics) = pacer(10.0, 100.0);
    let svc =
        PacingLayer::new(pacer).layer(fake_api(Arc::clone(&log), |_, _| (StatusCode::OK, None)));
    let start = Instant::now();
    fire(svc, vec!["/organizations/1/networks".to_owned(); 200]).await;

    let times: Vec<Instant> = log.lock().unwrap().iter().map(|(_, t)| *t).collect();
    assert_eq!(times.len(), 200);
    let elapsed = *times.iter().max().unwrap() - start;
    assert!(
        elapsed >= Duration::from_secs(19) && elapsed <= Duration::from_secs(21),
        "{elapsed:?}"
    );
    // Meraki: at most 10 + 10 in any second, 30 in any two; we stay under both.
    assert!(max_in_window(&times, Duration::from_secs(1)) <= 20);
    assert!(max_in_window(&times, Duration::from_secs(2)) <= 30);
    assert_eq!(
        meraki_rejections(&times, start),
        0,
        "Meraki's bucket would have answered 429"
    );
    assert!(
        metrics.snapshot().bucket_wait > Duration::from_secs(100),
        "{:?}",
        metrics.snapshot()
    );
}

#[tokio::test(start_paused = true)]
async fn two_orgs_proceed_in_parallel_and_learned_networks_count_against_their_org() {
    let log: Log = Arc::default();
    let (pacer, _) = pacer(10.0, 100.0);
    pacer.resolver().learn_network("N_2", "2");
    pacer.resolver().learn_device("Q2-2", "2");
    let svc = PacingLayer::new(Arc::clone(&pacer))
        .layer(fake_api(Arc::clone(&log), |_, _| (StatusCode::OK, None)));
    let start = Instant::now();
    let mut paths = Vec::new();
    for i in 0..100 {
        paths.push("/organizations/1/devices".to_owned());
        // Org 2 is reached through a learned network and a learned device.
        paths.push(
            if i % 2 == 0 {
                "/networks/N_2/clients"
            } else {
                "/devices/Q2-2/clients"
            }
            .to_owned(),
        );
    }
    fire(svc, paths).await;

    let log = log.lock().unwrap();
    let org1: Vec<Instant> = log
        .iter()
        .filter(|(p, _)| p.contains("/organizations/1/"))
        .map(|(_, t)| *t)
        .collect();
    let org2: Vec<Instant> = log
        .iter()
        .filter(|(p, _)| !p.contains("/organizations/1/"))
        .map(|(_, t)| *t)
        .collect();
    for times in [&org1, &org2] {
        let elapsed = *times.iter().max().unwrap() - start;
        // 100 requests at 10/s each: ~9 s; sequential would take ~19 s.
        assert!(
            elapsed >= Duration::from_secs(9) && elapsed <= Duration::from_secs(11),
            "{elapsed:?}"
        );
        assert_eq!(meraki_rejections(times, start), 0);
    }
}

#[tokio::test(start_paused = true)]
async fn the_global_bucket_caps_the_sum_of_all_orgs() {
    let log: Log = Arc::default();
    let (pacer, _) = pacer(10.0, 15.0);
    let svc =
        PacingLayer::new(pacer).layer(fake_api(Arc::clone(&log), |_, _| (StatusCode::OK, None)));
    let start = Instant::now();
    let paths = (0..150)
        .map(|i| format!("/organizations/{}/networks", i % 5))
        .collect();
    fire(svc, paths).await;
    let times: Vec<Instant> = log.lock().unwrap().iter().map(|(_, t)| *t).collect();
    let elapsed = *times.iter().max().unwrap() - start;
    // 5 orgs could do 50/s; the global 15/s makes 150 requests take ~9 s, not ~3 s.
    assert!(
        elapsed >= Duration::from_secs(9) && elapsed <= Duration::from_secs(11),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_only_its_org_for_retry_after() {
    let log: Log = Arc::default();
    let (pacer, _) = pacer(10.0, 100.0);
    // The 12th request overall gets 429 with Retry-After: 3.
    let api = fake_api(Arc::clone(&log), |_, n| {
        if n == 12 {
            (StatusCode::TOO_MANY_REQUESTS, Some("3"))
        } else {
            (StatusCode::OK, None)
        }
    });
    let svc = PacingLayer::new(Arc::clone(&pacer)).layer(api);
    let start = Instant::now();
    fire(
        svc.clone(),
        vec!["/organizations/1/networks".to_owned(); 12],
    )
    .await;
    let after_429 = Instant::now();
    fire(
        svc,
        vec![
            "/organizations/1/networks".to_owned(),
            "/organizations/2/networks".to_owned(),
        ],
    )
    .await;

    let log = log.lock().unwrap();
    let (_, t_org1) = log
        .iter()
        .rev()
        .find(|(p, _)| p.contains("/organizations/1/"))
        .unwrap();
    let (_, t_org2) = log
        .iter()
        .rev()
        .find(|(p, _)| p.contains("/organizations/2/"))
        .unwrap();
    assert!(
        *t_org1 - after_429 >= Duration::from_millis(2900),
        "org 1 not paused: {:?}",
        *t_org1 - start
    );
    assert!(
        *t_org2 - after_429 < Duration::from_millis(10),
        "org 2 was held back"
    );
    assert!(
        pacer.org_rate(&meraki_client::OrgKey::Org("1".into())) < 10.0,
        "org 1 not slowed"
    );
}
