//! The limiter answers 429 past the budget and never below it.

use meraki_sim::{SimConfig, SimHandle};

use crate::common::{error_message, get, start};

fn org_ids(sim: &SimHandle) -> Vec<String> {
    sim.world()
        .organizations
        .iter()
        .map(|o| o.id.clone())
        .collect()
}

#[tokio::test]
async fn org_budget_gives_429_past_the_burst_and_not_before() {
    // 0.5 req/s refills one token per 2 s, so a fast burst cannot be rescued by refill.
    let sim = start(SimConfig::default().with_org_rate_limit(0.5, Some(5.0))).await;
    let orgs = org_ids(&sim);
    let (a, b) = (&orgs[0], &orgs[1]);
    for i in 0..5 {
        let (status, _, body) = get(&sim, &format!("/organizations/{a}/networks")).await;
        assert_eq!(status, 200, "request {i} is within the burst: {body}");
    }
    let (status, headers, body) = get(&sim, &format!("/organizations/{a}/networks")).await;
    assert_eq!(status, 429);
    assert_eq!(
        error_message(&body),
        "API rate limit exceeded for organization"
    );
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("integer seconds");
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Network and device paths draw from their organization's bucket.
    let net = sim.world().organizations[0].networks[0].id.clone();
    let (status, _, _) = get(&sim, &format!("/networks/{net}/devices")).await;
    assert_eq!(status, 429);
    // Another organization has its own bucket; the org list has no org at all.
    let (status, _, _) = get(&sim, &format!("/organizations/{b}/networks")).await;
    assert_eq!(status, 200);
    let (status, _, _) = get(&sim, "/organizations").await;
    assert_eq!(status, 200);
    let c = sim.counters();
    assert_eq!(c.rate_limited, 2);
    assert_eq!(c.rate_limited_by_org.get(a.as_str()), Some(&2));
    assert_eq!(c.by_status.get(&429), Some(&2));
    assert_eq!(c.total, 9);
    sim.shutdown().await;
}

#[tokio::test]
async fn source_budget_applies_across_organizations_and_can_be_changed() {
    let sim = start(SimConfig::default()).await;
    sim.set_rate_limits(None, Some((0.5, Some(4.0))))
        .expect("valid limits");
    let orgs = org_ids(&sim);
    let mut ok = 0;
    let mut limited = 0;
    for i in 0..8 {
        let org = &orgs[i % orgs.len()];
        let (status, _, body) = get(&sim, &format!("/organizations/{org}")).await;
        match status {
            200 => ok += 1,
            429 => {
                limited += 1;
                assert!(error_message(&body).contains("rate limit"));
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, limited), (4, 4));
    // Limits off: no 429 however fast.
    sim.set_rate_limits(None, None).expect("valid");
    for _ in 0..50 {
        assert_eq!(get(&sim, "/organizations").await.0, 200);
    }
    assert!(sim.set_rate_limits(Some((0.0, None)), None).is_err());
    sim.shutdown().await;
}

#[tokio::test]
async fn documented_default_budget_is_twenty_in_the_first_second() {
    // 10 req/s with capacity 10: the first instant allows exactly 10; the bucket refills at
    // 10/s, so 10 more fit in the next second (20 in the first second, 30 in two).
    let sim = start(SimConfig::default().with_real_limits()).await;
    let org = sim.world().organizations[0].id.clone();
    let client = crate::common::http();
    let url = format!("{}/organizations/{org}", sim.base_url());
    let burst = send_n(&client, &url, sim.api_key(), 10).await;
    assert!(burst.iter().all(|s| *s == 200), "{burst:?}");
    let over = send_n(&client, &url, sim.api_key(), 15).await;
    assert!(over.contains(&429), "{over:?}");
    sim.shutdown().await;
}

async fn send_n(client: &reqwest::Client, url: &str, key: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let resp = client
            .get(url)
            .bearer_auth(key)
            .send()
            .await
            .expect("response");
        out.push(resp.status().as_u16());
    }
    out
}
