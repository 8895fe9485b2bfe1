//! Throughput against a local server that enforces Meraki's limits: how close to the limit does
//! the client run, and does it ever get a 429?
//!
//! Run: `cargo bench -p meraki-client --bench throughput` (about 40 s). Prints, per scenario,
//! achieved requests/s ÷ limit and the 429 count.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use meraki_client::{ApiKey, Client};

/// Meraki's documented model: `rate` tokens/s, bucket of `capacity`.
struct Bucket {
    tokens: f64,
    last: Instant,
}

struct Limits {
    org_rate: f64,
    org_capacity: f64,
    global_rate: f64,
    global_capacity: f64,
    orgs: Mutex<HashMap<String, Bucket>>,
    global: Mutex<Bucket>,
    ok: AtomicU64,
    refused: AtomicU64,
}

fn take(b: &mut Bucket, rate: f64, cap: f64, now: Instant) -> bool {
    b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(cap);
    b.last = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

async fn networks(State(limits): State<Arc<Limits>>, Path(org): Path<String>) -> Response {
    let now = Instant::now();
    let global_ok = {
        let mut g = limits.global.lock().unwrap_or_else(|e| e.into_inner());
        take(&mut g, limits.global_rate, limits.global_capacity, now)
    };
    let org_ok = global_ok && {
        let mut orgs = limits.orgs.lock().unwrap_or_else(|e| e.into_inner());
        let b = orgs.entry(org).or_insert(Bucket {
            tokens: limits.org_capacity,
            last: now,
        });
        take(b, limits.org_rate, limits.org_capacity, now)
    };
    if org_ok {
        limits.ok.fetch_add(1, Ordering::Relaxed);
        ([("content-type", "application/json")], "[]").into_response()
    } else {
        limits.refused.fetch_add(1, Ordering::Relaxed);
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1"), ("content-type", "application/json")],
            r#"{"errors":["API rate limit exceeded for organization"]}"#,
        )
            .into_response()
    }
}

async fn serve(limits: Arc<Limits>) -> SocketAddr {
    let app = Router::new()
        .route("/api/v1/organizations/{org}/networks", get(networks))
        .with_state(limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    addr
}

struct Outcome {
    ok_in_window: u64,
    steady_in_window: u64,
    refused: u64,
    client_429: u64,
    retries: u64,
}

async fn scenario(orgs: usize, workers_per_org: usize, run: Duration, global_rate: f64) -> Outcome {
    let limits = Arc::new(Limits {
        org_rate: 10.0,
        org_capacity: 10.0,
        global_rate,
        global_capacity: global_rate,
        orgs: Mutex::default(),
        global: Mutex::new(Bucket {
            tokens: global_rate,
            last: Instant::now(),
        }),
        ok: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let addr = serve(Arc::clone(&limits)).await;
    let client = Client::builder()
        .api_key(ApiKey::new("bench-key"))
        .base_url(&format!("http://{addr}/api/v1"))
        .expect("base url")
        .build()
        .expect("client");

    let start = Instant::now();
    let deadline = start + run;
    // Completions after the first second: the initial burst is excluded from the steady rate.
    let steady_from = start + Duration::from_secs(1);
    let ok = Arc::new(AtomicU64::new(0));
    let steady = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for org in 0..orgs {
        for _ in 0..workers_per_org {
            let (client, ok, steady) = (client.clone(), Arc::clone(&ok), Arc::clone(&steady));
            let path = format!("/organizations/{org}/networks");
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let r = client.get_json::<Vec<serde_json::Value>>(&path).await;
                    let now = Instant::now();
                    if r.is_ok() && now < deadline {
                        ok.fetch_add(1, Ordering::Relaxed);
                        if now >= steady_from {
                            steady.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
    }
    tokio::time::sleep_until(deadline.into()).await;
    for t in &tasks {
        t.abort();
    }
    let m = client.metrics();
    Outcome {
        ok_in_window: ok.load(Ordering::Relaxed),
        steady_in_window: steady.load(Ordering::Relaxed),
        refused: limits.refused.load(Ordering::Relaxed),
        client_429: m.rate_limited_429,
        retries: m.retries,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let run = Duration::from_secs(10);
    println!("meraki-client throughput vs a local server enforcing Meraki's token buckets");
    println!(
        "(per org 10 req/s, bucket 10; per source 100 req/s), {} s per scenario, client defaults",
        run.as_secs()
    );
    println!(
        "{:<34} {:>9} {:>8} {:>11} {:>13} {:>6} {:>8}",
        "scenario", "limit/s", "ok", "ratio", "steady ratio", "429s", "retries"
    );
    let cases: [(&str, usize, usize, f64); 3] = [
        ("1 org, 8 workers", 1, 8, 100.0),
        ("5 orgs, 8 workers each", 5, 8, 100.0),
        ("12 orgs (global-bound), 10 each", 12, 10, 100.0),
    ];
    for (name, orgs, workers, global) in cases {
        let o = rt.block_on(scenario(orgs, workers, run, global));
        let limit = (10.0 * orgs as f64).min(global);
        let secs = run.as_secs_f64();
        let ratio = o.ok_in_window as f64 / secs / limit;
        let steady = o.steady_in_window as f64 / (secs - 1.0) / limit;
        println!(
            "{name:<34} {limit:>9.0} {:>8} {ratio:>11.3} {steady:>13.3} {:>6} {:>8}",
            o.ok_in_window, o.refused, o.retries
        );
        assert_eq!(
            o.refused, o.client_429,
            "server and client disagree on 429s"
        );
    }
}
