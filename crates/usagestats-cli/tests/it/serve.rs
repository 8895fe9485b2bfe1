//! `usagestats serve`: the refusals of the command line, and the dashboard driven in headless
//! Chromium over a synced simulator world whose names try to break the pages.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use meraki_sim::{SimConfig, World, WorldSize};
use serde_json::{Value, json};

use crate::harness::*;
use crate::webdriver::{Browser, axe_source, target_dir};

const ORG: &str = "Acme <script>alert(\"org\")</script> & 'Co'";
const NET: &str = "<img src=/x onerror=alert(1)> שלום \"net\"";
const GROUPS: &str =
    "Corp <script>alert('g')</script>=sub:10.0.0.0/8;Guests \"q\" אורחים=sub:192.168.0.0/16";
const GROUP_NAMES: [&str; 2] = ["Corp <script>alert('g')</script>", "Guests \"q\" אורחים"];

#[test]
fn a_non_loopback_address_needs_a_token_and_a_weak_token_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("short"), "abc\n").unwrap();
    std::fs::write(d.join("good"), "\u{feff}a-token-long-enough-for-this\n").unwrap();
    let sim = small_sim();
    for (args, needle) in [
        (
            vec!["serve", "--listen", "0.0.0.0:8080"],
            "--listen 0.0.0.0:8080 is not a loopback address",
        ),
        (
            vec!["serve", "--listen", "[::]:8080"],
            "--listen [::]:8080 is not a loopback address",
        ),
        (
            vec!["serve", "--token-file", "short"],
            "--token-file short: the access token is 3 characters long",
        ),
        (
            vec!["serve", "--token-file", "missing"],
            "cannot read the token file missing",
        ),
        (vec!["serve", "--listen", "localhost:80"], "--listen"),
    ] {
        let out = run(sim.cmd(d).args(["-d", "db.sqlite"]).args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let line = one_error_line(&out);
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    // The environment's token is checked the same way, and never shown.
    let out = run(sim
        .cmd(d)
        .env("USAGESTATS_SERVE_TOKEN", "tiny-secret")
        .args(["-d", "db.sqlite", "serve", "--listen", "0.0.0.0:0"]));
    assert_eq!(out.status.code(), Some(2));
    let line = one_error_line(&out);
    assert!(
        line.contains("USAGESTATS_SERVE_TOKEN: the access token is 11 characters long"),
        "{line}"
    );
    assert!(!line.contains("tiny-secret"));
    // With a token, a non-loopback address passes the check (and the missing database is
    // what stops it here).
    let out = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--token-file",
        "good",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("does not exist"));
}

/// A running `usagestats serve`, stopped when dropped.
struct Serving {
    child: Child,
    url: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(sim: &Sim, dir: &Path, db: &str) -> Serving {
    let mut child = sim
        .cmd(dir)
        .args(["-d", db, "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve says where it listens");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Serving { child, url }
}

fn hostile_world() -> SimConfig {
    let mut world = World::generate(
        7,
        &WorldSize {
            orgs: 2,
            networks_per_org: 2,
            devices_per_network: 1,
            clients_per_network: 16,
        },
    );
    world.organizations[0].name = ORG.to_string();
    world.organizations[0].networks[0].name = NET.to_string();
    let mut cfg = SimConfig::default().with_world(world).with_now(now());
    cfg.api_key = "1234".into();
    cfg
}

/// Where the screenshots go: `USAGESTATS_SCREENSHOTS` (what `cargo xtask screenshot` sets),
/// else `target/screenshots`.
fn screenshot_dir() -> PathBuf {
    std::env::var_os("USAGESTATS_SCREENSHOTS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("screenshots"))
}

/// Console errors, failed requests and requests to anywhere but the dashboard since the last
/// check; `downloads` are the URLs that were downloads (Chromium cancels their page load).
fn problems(browser: &Browser, origin: &str, downloads: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for entry in browser.log("browser") {
        if entry["level"] == "SEVERE" {
            out.push(format!("console: {}", entry["message"]));
        }
    }
    let events: Vec<Value> = browser
        .log("performance")
        .iter()
        .filter_map(|e| {
            e["message"]
                .as_str()
                .and_then(|t| serde_json::from_str(t).ok())
        })
        .map(|e: Value| e["message"].clone())
        .collect();
    // Which URL each request is, to judge its failure.
    let urls: std::collections::HashMap<&str, &str> = events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .filter_map(|e| {
            Some((
                e["params"]["requestId"].as_str()?,
                e["params"]["request"]["url"].as_str()?,
            ))
        })
        .collect();
    // The browser's own pages (chrome://, its first new tab) are not the network.
    let network = |url: &str| {
        ["http:", "https:", "ws:", "wss:", "ftp:"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
    };
    for event in &events {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or("") {
            "Network.requestWillBeSent" => {
                let url = params["request"]["url"].as_str().unwrap_or("");
                if network(url) && !url.starts_with(origin) {
                    out.push(format!("request left the dashboard: {url}"));
                }
            }
            "Network.responseReceived" => {
                let status = params["response"]["status"].as_i64().unwrap_or(0);
                let url = params["response"]["url"].as_str().unwrap_or("");
                if status >= 400 {
                    out.push(format!("HTTP {status} for {url}"));
                }
            }
            "Network.loadingFailed" => {
                let url = params["requestId"]
                    .as_str()
                    .and_then(|id| urls.get(id))
                    .copied();
                let canceled = params["canceled"] == json!(true);
                let error = params["errorText"].as_str().unwrap_or("");
                // A download turns its navigation into a canceled load; nothing else of the
                // dashboard may fail.
                let download = !downloads.is_empty() && (canceled || error == "net::ERR_ABORTED");
                let ours = url.is_none_or(|u| u.starts_with(origin));
                if ours && !download {
                    out.push(format!("request failed: {error} ({url:?}, {params})"));
                }
            }
            _ => {}
        }
    }
    out
}

/// axe-core's serious and critical violations on the current page.
fn accessibility(browser: &Browser, axe: &str) -> Vec<String> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];\
         axe.run(document, {{resultTypes: ['violations']}}).then(function (r) {{\
           done(r.violations.filter(function (v) {{ return v.impact === 'serious' || v.impact === 'critical'; }})\
             .map(function (v) {{ return v.impact + ' ' + v.id + ': ' + v.help + ' at ' +\
               v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }}).join(', '); }}));\
         }}).catch(function (e) {{ done(['axe failed: ' + e]); }});"
    );
    browser
        .script_async(&script, json!([]))
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Checks the page: no console error, no failed request, nothing fetched from elsewhere, no
/// serious accessibility violation; writes its screenshot.
fn check_page(browser: &Browser, origin: &str, axe: &str, name: &str) {
    let found = problems(browser, origin, &[]);
    assert!(found.is_empty(), "{name}: {found:#?}");
    let violations = accessibility(browser, axe);
    assert!(
        violations.is_empty(),
        "{name}: accessibility: {violations:#?}"
    );
    // axe's own run must not have logged errors either.
    let found = problems(browser, origin, &[]);
    assert!(found.is_empty(), "{name} after axe: {found:#?}");
    browser.screenshot(&screenshot_dir().join(format!("dashboard-{name}.png")));
}

fn text(browser: &Browser, selector: &str) -> String {
    browser
        .script(
            "return document.querySelector(arguments[0]).textContent;",
            json!([selector]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_dashboard_in_headless_chromium_over_a_synced_world() {
    let axe = axe_source();
    let sim = Sim::start(hostile_world());
    let dir = tempdir();
    let d = dir.path();
    let out = run(keyed(&sim, d).args(["-d", "db.sqlite", "-g", GROUPS, "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let serving = serve(&sim, d, "db.sqlite");
    let origin = serving.url.clone();
    let downloads = tempdir();
    let browser = Browser::start(downloads.path());

    // The overview, as first opened: no alert fired (an unescaped name would have opened one
    // and failed the next command), one chart series per group with the names as written.
    browser.goto(&format!("{origin}/"));
    assert_eq!(text(&browser, "h1"), "Overview");
    check_page(&browser, &origin, &axe, "overview");
    let series = browser.script(
        "return Array.from(document.querySelectorAll('#daily-chart g.series'))\
         .map(function (g) { return g.getAttribute('data-series'); });",
        json!([]),
    );
    assert_eq!(series, json!(GROUP_NAMES), "one series per group");
    let page = browser
        .script("return document.body.textContent;", json!([]))
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        page.contains(ORG) && page.contains(NET),
        "names shown as text"
    );

    // The period picker: choosing "Last week" shows it (the script submits the form).
    let option = browser.find("select[name=period] option[value=last-week]");
    browser.click(&option);
    browser.wait_for(
        "the last-week overview",
        "return location.search.indexOf('period=last-week') >= 0 && document.readyState === 'complete';",
    );
    assert!(
        browser.url().contains("period=last-week"),
        "{}",
        browser.url()
    );
    assert!(
        text(&browser, "p.period").starts_with("Last week: "),
        "{}",
        text(&browser, "p.period")
    );
    check_page(&browser, &origin, &axe, "overview-last-week");

    // Its CSV, downloaded by the browser, is `usagestats report last-week --format csv`.
    let csv_link = browser.find("p.downloads a[href*='format=csv']");
    browser.click(&csv_link);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let file = loop {
        let done: Vec<PathBuf> = std::fs::read_dir(downloads.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        if let Some(f) = done.first() {
            break f.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the CSV was not downloaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let downloaded = std::fs::read(&file).unwrap();
    let report = run(sim.cmd(d).args([
        "-d",
        "db.sqlite",
        "report",
        "last-week",
        "--offline",
        "--format",
        "csv",
    ]));
    assert_eq!(report.status.code(), Some(0));
    assert!(
        downloaded.len() > 200,
        "{}",
        String::from_utf8_lossy(&downloaded)
    );
    assert_eq!(
        String::from_utf8_lossy(&downloaded),
        String::from_utf8_lossy(&report.stdout),
        "the dashboard's CSV is the report's"
    );
    let found = problems(&browser, &origin, &[file.display().to_string()]);
    assert!(found.is_empty(), "download: {found:#?}");

    // A network: the hostile one, followed from the networks table.
    let link = browser.script(
        "var name = arguments[0];\
         return Array.from(document.querySelectorAll('a[href*=\"/networks/\"]'))\
         .filter(function (a) { return a.textContent === name; })\
         .map(function (a) { return a.getAttribute('href'); })[0];",
        json!([NET]),
    );
    let link = link.as_str().expect("a link to the network").to_string();
    let anchor = browser.find(&format!("a[href='{link}']"));
    browser.click(&anchor);
    browser.wait_for("the network page", "return location.pathname.indexOf('/networks/') === 0 && document.readyState === 'complete';");
    assert_eq!(text(&browser, "h1"), format!("Network {NET}"));
    assert!(
        browser.url().contains("period=last-week"),
        "the period follows the link"
    );
    check_page(&browser, &origin, &axe, "network");

    // A group, followed from the network's group table.
    let anchor = browser.find("table.groups a[href*='/groups/']");
    browser.click(&anchor);
    browser.wait_for(
        "the group page",
        "return location.pathname.indexOf('/groups/') === 0 && document.readyState === 'complete';",
    );
    assert_eq!(text(&browser, "h1"), format!("Group {}", GROUP_NAMES[0]));
    let ranked = browser.script(
        "return document.querySelectorAll('#nets-h ~ table tbody tr').length;",
        json!([]),
    );
    assert_eq!(ranked, json!(4), "every network ranked");
    check_page(&browser, &origin, &axe, "group");

    // Periods side by side and the syncs.
    browser.goto(&format!("{origin}/periods?period=last-week&periods=3"));
    let bars = browser.script(
        "return document.querySelectorAll('#periods-chart g.series').length;",
        json!([]),
    );
    assert_eq!(bars, json!(2));
    check_page(&browser, &origin, &axe, "periods");
    browser.goto(&format!("{origin}/syncs"));
    assert!(text(&browser, "tbody td span.status").contains("ok"));
    check_page(&browser, &origin, &axe, "syncs");
    drop(browser);
    drop(serving);
}
