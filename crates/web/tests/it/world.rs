//! A small database written through the storage API, with names made to break pages that do
//! not escape them, and the dashboard served over it on loopback.

use std::path::{Path, PathBuf};

use jiff::ToSpan as _;
use jiff::civil::{Date, date};
use storage::{ClientDayRecord, DayRecord, NetworkRecord, Settings, Store, TimeZoneMode};
use usage_model::{Kb, Source, Traffic};
use usagestats_web::{AccessToken, Options};

/// An organization name with markup, quotes and an ampersand.
pub const ORG: &str = "Acme <script>alert(\"org\")</script> & 'Co'";
/// A network name with an event-handler attribute, right-to-left text and a right-to-left
/// override character.
pub const NET: &str = "<img src=x onerror=alert(1)> שלום \"net\" \u{202E}evil";
/// A plain second network, in another organization.
pub const NET2: &str = "Branch 2";
/// Group names: markup, quotes, right-to-left text.
pub const GROUPS: [&str; 2] = ["Corp <script>alert('g')</script>", "Guests \"q\" אורחים"];

/// The frozen "now" of every test: a Sunday, so last week is Nov 16–22.
pub const NOW: &str = "2026-11-29T12:00:00Z";

#[allow(dead_code)]
pub fn today() -> Date {
    date(2026, 11, 29)
}

fn t(up: i64, down: i64) -> Traffic {
    Traffic {
        up: Kb::from_kb(up),
        down: Kb::from_kb(down),
    }
}

/// Writes the database at `path`: two organizations, two networks with 20 days each (the
/// first network misses Nov 10 and Nov 20), unmatched traffic, one day with an error bound,
/// and client rows.
pub async fn write(path: &Path) {
    let store = Store::open(path).await.expect("database opens");
    let groups = format!(
        "{}=sub:10.0.0.0/8;{}=sub:192.168.0.0/16",
        GROUPS[0], GROUPS[1]
    );
    store
        .save_settings(
            &Settings {
                groups,
                filter: "dtype:mx".into(),
                time_zone_mode: TimeZoneMode::Utc,
                source: Source::Device,
            },
            &GROUPS.map(str::to_string),
        )
        .await
        .expect("settings");
    store.upsert_organization("O_1", ORG).await.unwrap();
    store.upsert_organization("O_2", "Other org").await.unwrap();
    for (id, org, name) in [("N_1", "O_1", NET), ("N_2", "O_2", NET2)] {
        store
            .upsert_network(&NetworkRecord {
                id: id.into(),
                organization_id: org.into(),
                name: name.into(),
                tags: vec!["<b>tag</b>".into()],
                time_zone: "Europe/Paris".into(),
            })
            .await
            .unwrap();
    }
    let first = date(2026, 11, 9);
    for i in 0..20i64 {
        let day = first.checked_add(i.days()).unwrap();
        for (net, scale) in [("N_1", 1), ("N_2", 3)] {
            if net == "N_1" && (day == date(2026, 11, 10) || day == date(2026, 11, 20)) {
                continue;
            }
            let corp = t(100 * scale + i, 1000 * scale + 7 * i);
            let guests = t(20 * scale, 300 * scale + i);
            let client = |id: &str, mac: &str, group: usize, traffic: Traffic| ClientDayRecord {
                client_id: id.into(),
                mac: Some(mac.into()),
                ip: Some("10.0.0.5".into()),
                ip6: None,
                vlan: Some(10),
                named_vlan: None,
                ssid: None,
                description: Some(format!("<i>laptop</i> {id}")),
                user: None,
                group: Some(group),
                traffic,
                bound: Traffic::default(),
            };
            store
                .write_day(&DayRecord {
                    network_id: net.into(),
                    day,
                    source: Source::Device,
                    groups: vec![(0, corp), (1, guests)],
                    unmatched: t(1, 2),
                    clients: vec![
                        client(&format!("{net}-a"), "00:18:0a:00:00:01", 0, corp),
                        client(&format!("{net}-b"), "00:18:0a:00:00:02", 1, guests),
                    ],
                    bounds: if day == date(2026, 11, 18) {
                        vec![(0, t(3, 4))]
                    } else {
                        vec![]
                    },
                    unmatched_bound: Traffic::default(),
                })
                .await
                .unwrap();
        }
    }
    store.close().await;
}

/// The dashboard served on loopback over a read-only store of `path`.
pub struct Served {
    pub url: String,
    pub store: Store,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve(path: &Path, token: Option<&str>) -> Served {
    let store = Store::open_read_only(path).await.expect("opens read-only");
    serve_store(store, token).await
}

/// The dashboard served on loopback over `store`.
pub async fn serve_store(store: Store, token: Option<&str>) -> Served {
    let mut options = Options::new().clock(usage_sync::Clock::fixed(NOW.parse().unwrap()));
    if let Some(t) = token {
        options = options.access_token(AccessToken::new(t).unwrap());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = usagestats_web::router(store.clone(), options);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Served { url, store, task }
}

/// A written database in a fresh directory.
pub async fn database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.db");
    write(&path).await;
    (dir, path)
}

/// An HTTP client (reqwest needs the workspace's crypto provider installed first).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// GET `path` (relative to the server): status, headers and body.
pub async fn get(served: &Served, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = http()
        .get(format!("{}{}", served.url, path))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

/// `s` as a URL path segment: every byte but ASCII letters and digits percent-encoded.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
