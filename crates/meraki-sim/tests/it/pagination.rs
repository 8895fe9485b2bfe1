//! Following `Link` headers visits every item exactly once, forwards and backwards.

use std::collections::BTreeSet;

use meraki_sim::{SimConfig, SimHandle, WorldSize};
use serde_json::Value;

use crate::common::{get, link, start};

/// Walks a paginated endpoint by following `rel` links verbatim; returns the ids in order.
async fn walk(sim: &SimHandle, first: &str, rel: &str, id_key: &str) -> (Vec<String>, usize) {
    let mut url = first.to_string();
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let (status, headers, body) = get(sim, &url).await;
        assert_eq!(status, 200, "{url}: {body}");
        pages += 1;
        let page: Vec<String> = body
            .as_array()
            .expect("array")
            .iter()
            .map(|i| i[id_key].as_str().expect("id").to_string())
            .collect();
        if rel == "prev" {
            ids.splice(0..0, page);
        } else {
            ids.extend(page);
        }
        match link(&headers, rel) {
            Some(next) => {
                assert!(next.starts_with(&sim.origin()), "absolute link {next}");
                url = next;
            }
            None => break,
        }
        assert!(pages < 10_000, "pagination does not end");
    }
    (ids, pages)
}

fn assert_exactly_once(ids: &[String], expected: &BTreeSet<String>) {
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "an item was repeated");
    assert_eq!(&unique, expected);
}

#[tokio::test]
async fn every_paginated_list_visits_each_item_exactly_once() {
    let now: jiff::Timestamp = "2026-05-20T12:00:00Z".parse().expect("ts");
    let sim = start(
        SimConfig::default()
            .with_seed(3)
            .with_now(now)
            .with_size(WorldSize {
                orgs: 4,
                networks_per_org: 23,
                devices_per_network: 3,
                clients_per_network: 37,
            }),
    )
    .await;
    let world = sim.world().clone();

    let orgs: BTreeSet<String> = world.organizations.iter().map(|o| o.id.clone()).collect();
    let (ids, pages) = walk(&sim, "/organizations?perPage=3", "next", "id").await;
    assert_exactly_once(&ids, &orgs);
    assert_eq!(pages, 2);

    let org = &world.organizations[1];
    let nets: BTreeSet<String> = org.networks.iter().map(|n| n.id.clone()).collect();
    for per_page in [3, 5, 22, 23, 24, 1000] {
        let first = format!("/organizations/{}/networks?perPage={per_page}", org.id);
        let (ids, pages) = walk(&sim, &first, "next", "id").await;
        assert_exactly_once(&ids, &nets);
        assert_eq!(pages, 23usize.div_ceil(per_page));
    }
    // Backwards from the last page.
    let last = format!(
        "/organizations/{}/networks?perPage=4&endingBefore=zzzzzzzzzzzzzzzz",
        org.id
    );
    let (ids, _) = walk(&sim, &last, "prev", "id").await;
    assert_exactly_once(&ids, &nets);

    let serials: BTreeSet<String> = org
        .networks
        .iter()
        .flat_map(|n| n.devices.iter().map(|d| d.serial.clone()))
        .collect();
    let first = format!("/organizations/{}/devices?perPage=7", org.id);
    let (ids, _) = walk(&sim, &first, "next", "serial").await;
    assert_exactly_once(&ids, &serials);
    // Filters are carried by the links.
    let net = &org.networks[0];
    let first = format!(
        "/organizations/{}/devices?perPage=3&networkIds[]={}",
        org.id, net.id
    );
    let (ids, _) = walk(&sim, &first, "next", "serial").await;
    let want: BTreeSet<String> = net.devices.iter().map(|d| d.serial.clone()).collect();
    assert_exactly_once(&ids, &want);

    // Network clients default to 10 per page, like the real API.
    let (status, _, body) = get(
        &sim,
        &format!("/networks/{}/clients?timespan=2678400", net.id),
    )
    .await;
    assert_eq!(status, 200);
    let first_page = body.as_array().map_or(0, Vec::len);
    let (ids, pages) = walk(
        &sim,
        &format!("/networks/{}/clients?timespan=2678400", net.id),
        "next",
        "id",
    )
    .await;
    assert_eq!(first_page, 10.min(ids.len()));
    assert_eq!(pages, ids.len().div_ceil(10).max(1));
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.len() > 10);
    sim.shutdown().await;
}

#[tokio::test]
async fn page_size_limits_are_enforced() {
    let sim = start(SimConfig::default()).await;
    let org = sim.world().organizations[0].id.clone();
    let net = sim.world().organizations[0].networks[0].id.clone();
    for (path, bad) in [
        (format!("/organizations/{org}/devices"), 5001),
        (format!("/organizations/{org}/devices"), 2),
        ("/organizations".to_string(), 9001),
        (format!("/networks/{net}/clients"), 5001),
        (format!("/networks/{net}/clients"), 2),
    ] {
        let (status, _, body) = get(&sim, &format!("{path}?perPage={bad}")).await;
        assert_eq!(status, 400, "{path} perPage={bad}");
        assert!(
            crate::common::error_message(&body).contains("perPage"),
            "{body}"
        );
    }
    let (status, headers, body): (u16, _, Value) =
        get(&sim, &format!("/organizations/{org}/devices?perPage=5000")).await;
    assert_eq!(status, 200);
    assert!(body.as_array().is_some_and(|a| !a.is_empty()));
    assert!(link(&headers, "next").is_none());
    assert!(link(&headers, "first").is_some());
    let (status, _, _) = get(&sim, &format!("/networks/{net}/clients?perPage=5000")).await;
    assert_eq!(status, 200, "5000 is the network list's real maximum");
    sim.shutdown().await;
}
