//! The dashboard over HTTP: escaping, headers, error pages, access, read-only.

use std::collections::{BTreeSet, VecDeque};

use crate::world::*;

/// Every view, with a period that holds the database's days.
fn views() -> Vec<String> {
    let q = "period=custom&from=2026-11-09&to=2026-11-28";
    vec![
        format!("/?{q}"),
        format!("/networks/N_1?{q}"),
        format!("/networks/N_2?{q}"),
        format!("/groups/{}?{q}", enc(GROUPS[0])),
        format!("/groups/{}?{q}", enc(GROUPS[1])),
        "/periods?period=last-month&periods=3".to_string(),
        "/syncs".to_string(),
    ]
}

#[tokio::test]
async fn names_from_the_database_are_escaped_on_every_view() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    for view in views() {
        let (status, _, body) = get(&served, &view).await;
        assert_eq!(status, 200, "{view}: {body}");
        for raw in ["<script>alert", "<img src=x", "<b>tag", "<i>laptop"] {
            assert!(!body.contains(raw), "{view} holds unescaped {raw:?}");
        }
        // The only script element is the embedded file.
        assert_eq!(body.matches("<script").count(), 1, "{view}");
    }
    let (_, _, overview) = get(&served, &views()[0]).await;
    assert!(
        overview.contains("Acme &lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt; &amp; 'Co'")
    );
    // Right-to-left names are isolated, so they cannot reorder the text around them.
    assert!(
        overview.contains(
            "<bdi>&lt;img src=x onerror=alert(1)&gt; שלום &quot;net&quot; \u{202E}evil</bdi>"
        ),
        "{overview}"
    );
    assert!(overview.contains("<bdi>Guests &quot;q&quot; אורחים</bdi>"));
    let (_, _, network) = get(&served, &views()[1]).await;
    assert!(network.contains("&lt;b&gt;tag&lt;/b&gt;"));
    let (_, _, group) = get(&served, &views()[3]).await;
    assert!(group.contains("&lt;i&gt;laptop&lt;/i&gt; N_1-a"), "{group}");
    // The chart's series are named in SVG titles, escaped too.
    assert!(overview.contains("<title>Corp &lt;script&gt;alert('g')&lt;/script&gt;</title>"));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_pages_have_no_inline_script() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    let mut paths = views();
    paths.extend([
        "/?period=nonsense".to_string(),
        "/networks/N_404".to_string(),
        "/no/such/page".to_string(),
    ]);
    for path in paths {
        let (status, headers, body) = get(&served, &path).await;
        let csp = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path} ({status}) has no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        // Inline script or style would be blocked by that policy: none may be relied on.
        let lower = body.to_lowercase();
        for (i, _) in lower.match_indices("<script") {
            let tag = &lower[i..i + lower[i..].find('>').unwrap()];
            assert!(tag.contains(" src="), "{path}: inline script {tag}");
        }
        assert!(!lower.contains(" style="), "{path}: inline style");
        assert!(!lower.contains("<style"), "{path}: style element");
        assert!(
            !lower.contains(" onclick=") && !lower.contains(" onload="),
            "{path}"
        );
    }
    // The embedded assets: the right type, cacheable for good (their names carry a digest).
    let (_, _, page) = get(&served, "/syncs").await;
    for ext in ["css", "js"] {
        let at = page.find(&format!(".{ext}\"")).expect("asset link");
        let start = page[..at].rfind("/assets/").unwrap();
        let asset = &page[start..at + ext.len() + 1];
        let (status, headers, _) = get(&served, asset).await;
        assert_eq!(status, 200, "{asset}");
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .contains(if ext == "css" {
                    "text/css"
                } else {
                    "javascript"
                })
        );
    }
}

#[tokio::test]
async fn bad_query_parameters_get_a_400_page_naming_the_parameter() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    let cases = [
        ("/?period=fortnight", "period"),
        ("/?period=0", "period"),
        ("/?period=billing&day=32", "day"),
        ("/?period=custom&from=2026-02-30&to=2026-03-03", "from"),
        ("/?period=custom&from=2026-02-01", "to"),
        ("/?from=1990-01-01&to=2026-01-01", "from"),
        ("/?format=xml", "format"),
        ("/?page=0", "page"),
        ("/?page=99", "page"),
        ("/?colour=red", "colour"),
        ("/?period=7&period=8", "period"),
        ("/periods?periods=500", "periods"),
        ("/networks/N_1?page=2", "page"),
        (&format!("/groups/{}?top=0", enc(GROUPS[0])), "top"),
        ("/syncs?period=7", "period"),
    ];
    for (url, name) in cases {
        let (status, headers, body) = get(&served, url).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert!(
            body.contains(&format!("Query parameter &quot;{name}&quot;")),
            "{url}: {body}"
        );
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

#[tokio::test]
async fn unknown_networks_groups_and_paths_are_404_pages() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    for url in [
        "/networks/N_999",
        "/networks/%3Cscript%3E",
        "/groups/Nobody",
        "/nothing-here",
        "/assets/style.css",
    ] {
        let (status, _, body) = get(&served, url).await;
        assert_eq!(status, 404, "{url}: {body}");
        assert!(body.contains("<h1>"), "{url}: a page, not a bare status");
        assert!(!body.contains("<script>"), "{url}");
    }
}

#[tokio::test]
async fn a_database_that_went_away_gives_503_pages_and_healthz_says_so() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    assert_eq!(get(&served, "/healthz").await.0, 200);
    assert_eq!(get(&served, "/").await.0, 200);
    // Every connection closed under the running server: what a database that went away
    // looks like to it.
    served.store.close().await;
    for url in views()
        .iter()
        .map(String::as_str)
        .chain(["/healthz", "/?format=csv"])
    {
        let (status, _, body) = get(&served, url).await;
        assert_eq!(status, 503, "{url}: {body}");
        if url != "/healthz" {
            assert!(body.contains("Database unavailable"), "{url}: {body}");
        }
    }
}

#[tokio::test]
async fn a_configured_token_is_required_by_every_page_but_healthz() {
    let (_dir, path) = database().await;
    let token = "s3cret-token-of-the-test";
    let served = serve(&path, Some(token)).await;
    let client = http();
    let url = format!("{}/?period=last-week", served.url);
    let status = |r: reqwest::Response| r.status().as_u16();
    let bare = client.get(&url).send().await.unwrap();
    assert_eq!(bare.status().as_u16(), 401);
    assert!(
        bare.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    let wrong = [
        "s3cret-token-of-the-tesT",
        "s3cret-token-of-the-test ",
        "s3cret-token-of-the-tes",
        "",
    ];
    for w in wrong {
        let r = client
            .get(&url)
            .basic_auth("admin", Some(w))
            .send()
            .await
            .unwrap();
        assert_eq!(status(r), 401, "{w:?}");
        // HTTP itself drops whitespace around a header value, so a bearer token cannot end
        // in a space; inside Basic's base64 it can.
        if !w.ends_with(' ') {
            let r = client.get(&url).bearer_auth(w).send().await.unwrap();
            assert_eq!(status(r), 401, "{w:?}");
        }
    }
    let r = client
        .get(&url)
        .basic_auth("anyone", Some(token))
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 200);
    let r = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(status(r), 200);
    for path in ["/syncs", "/networks/N_1", "/assets/x.css", "/nothing"] {
        let r = client
            .get(format!("{}{path}", served.url))
            .send()
            .await
            .unwrap();
        assert_eq!(status(r), 401, "{path}");
    }
    let r = client
        .get(format!("{}/healthz", served.url))
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 200);
}

/// Every `href` of an HTML page, as paths on the server.
fn links(body: &str) -> Vec<String> {
    body.match_indices("href=\"")
        .filter_map(|(i, m)| {
            let rest = &body[i + m.len()..];
            let end = rest.find('"')?;
            let link = rest[..end].replace("&amp;", "&");
            link.starts_with('/').then_some(link)
        })
        .collect()
}

#[tokio::test]
async fn crawling_every_link_changes_nothing_in_the_database_file() {
    let (_dir, path) = database().await;
    let wal = path.with_extension("db-wal");
    let before = std::fs::read(&path).unwrap();
    let wal_before = std::fs::read(&wal).ok();
    let served = serve(&path, None).await;
    let mut queue: VecDeque<String> = views().into();
    queue.push_back("/".to_string());
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut fetched = 0;
    let mut downloads = 0;
    while let Some(url) = queue.pop_front() {
        let (status, headers, body) = get(&served, &url).await;
        assert_eq!(status, 200, "{url}");
        fetched += 1;
        assert!(
            fetched <= 400,
            "the crawl is bounded; links keep multiplying"
        );
        let html = headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html");
        if !html {
            downloads += 1;
            continue;
        }
        for link in links(&body) {
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
    }
    assert!(fetched > 40, "crawled {fetched} pages");
    assert!(downloads >= 14, "each view's CSV and JSON: {downloads}");
    served.store.close().await;
    drop(served);
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the database file changed"
    );
    // A reader of a WAL database may create the (empty) WAL file; it must hold nothing new.
    let wal_after = std::fs::read(&wal).ok();
    assert!(
        wal_after == wal_before || wal_after.as_deref() == Some(&[][..]),
        "the WAL changed"
    );
}

#[tokio::test]
async fn the_overview_chart_has_one_series_per_group_and_a_table() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    let (_, _, body) = get(&served, &views()[0]).await;
    let chart_start = body.find("id=\"daily-chart\"").expect("chart");
    let chart = &body[chart_start..chart_start + body[chart_start..].find("</svg>").unwrap()];
    assert_eq!(chart.matches("class=\"series\"").count(), GROUPS.len());
    // 20 days, one point each.
    let points = chart.split("points=\"").nth(1).unwrap();
    assert_eq!(points[..points.find('"').unwrap()].split(' ').count(), 20);
    assert!(body.contains("Table of this chart"));
    // Missing days of the first network are listed as runs.
    assert!(body.contains("2 days: 2026-11-10, 2026-11-20"), "{body}");
    // A non-zero error bound is shown (3 + 4 kB on one day of each network), and noted.
    assert!(body.contains("<td class=\"num\">± 14 kB</td>"), "{body}");
    assert!(body.contains("Some figures carry an error bound"));
}

#[tokio::test]
async fn downloads_are_what_the_views_show() {
    let (_dir, path) = database().await;
    let served = serve(&path, None).await;
    let q = "period=custom&from=2026-11-09&to=2026-11-28";
    let (status, headers, all) = get(&served, &format!("/?{q}&format=csv")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"usagestats-2026-11-09-2026-11-28.csv\""
    );
    let (_, _, one) = get(&served, &format!("/networks/N_2?{q}&format=csv")).await;
    let all_lines: Vec<&str> = all.split("\r\n").collect();
    let one_lines: Vec<&str> = one.split("\r\n").filter(|l| !l.is_empty()).collect();
    // The network's download is its rows of the overview's, under the same header.
    assert_eq!(one_lines[0], all_lines[0]);
    assert_eq!(
        one_lines.len(),
        1 + GROUPS.len() + 1,
        "groups and unmatched: {one}"
    );
    for line in &one_lines {
        assert!(all_lines.contains(line), "{line}");
    }
    assert!(one_lines[1].contains(",Other org,Branch 2,group,"), "{one}");
    let (_, headers, json) = get(&served, &format!("/?{q}&format=json")).await;
    assert_eq!(headers["content-type"], "application/json");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["period"]["start"], "2026-11-09");
    assert_eq!(doc["groups"][0]["name"], GROUPS[0]);
    assert_eq!(doc["daily"].as_array().unwrap().len(), 20);
    // The group's ranking: Branch 2 carries three times the traffic.
    let (_, _, group) = get(
        &served,
        &format!("/groups/{}?{q}&format=csv", enc(GROUPS[0])),
    )
    .await;
    let rows: Vec<&str> = group.split("\r\n").collect();
    assert!(rows[1].starts_with("1,Other org,Branch 2,N_2,"), "{group}");
    assert!(rows[2].starts_with("2,\"Acme <script>"), "{group}");
    let (_, _, group) = get(
        &served,
        &format!("/groups/{}?{q}&format=json&top=1", enc(GROUPS[1])),
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&group).unwrap();
    assert_eq!(doc["networks"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["top_clients"]["groups"][0]["clients"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, _, periods) = get(&served, "/periods?period=last-month&periods=2&format=csv").await;
    assert!(
        periods.starts_with("period_start,period_end,organization"),
        "{periods}"
    );
    assert!(periods.contains("2026-10-01,2026-10-31,"), "{periods}");
    let (_, _, syncs) = get(&served, "/syncs?format=json").await;
    let doc: serde_json::Value = serde_json::from_str(&syncs).unwrap();
    assert_eq!(doc["database"]["kind"], "SQLite");
    let nets = doc["networks"].as_array().unwrap();
    // Nov 28 is the last day written; the first network misses Nov 20 but not Nov 28.
    assert!(
        nets.iter().all(|n| n["last_complete_day"] == "2026-11-28"),
        "{syncs}"
    );
}
