//! The real HTTP path (reqwest → wiremock / raw TCP): auth, pagination, retries, errors,
//! decoding.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use meraki_client::{ApiKey, Client, ClientWindow, DeviceQuery, Error, TagsFilter, VlanId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, assert_no_key, catch_all, client, client_for, fixture, fixture_json};

fn json(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn bearer_header_is_sent_and_the_key_never_shows() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("accept", "application/json"))
        .respond_with(json(
            serde_json::json!([{"id": "1", "name": "Acme", "api": {"enabled": true}}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations/2/networks"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"errors": ["Invalid API key"]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    let orgs = c.organizations().await.unwrap();
    assert_eq!(orgs[0].name, "Acme");
    let ua = server.received_requests().await.unwrap()[0].headers["user-agent"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        ua.starts_with("UsageStats/") && !ua.contains("Meraki"),
        "{ua}"
    );

    let err = c.organization_networks("2").await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized { message, .. } if message == "Invalid API key"),
        "{err:?}"
    );
    assert_eq!(
        err.endpoint(),
        Some("GET /api/v1/organizations/2/networks?perPage=100000")
    );
    assert_no_key(&err);

    let key = ApiKey::new(KEY);
    for shown in [
        format!("{key:?}"),
        format!("{key}"),
        format!("{c:?}"),
        format!("{:?}", Client::builder().api_key(key.clone())),
    ] {
        assert!(!shown.contains(KEY), "key leaked: {shown}");
    }
}

#[test]
fn missing_or_blank_keys_are_reported_without_content() {
    let dir = std::env::temp_dir().join(format!("meraki-client-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, format!("  {KEY}\n")).unwrap();
    assert_eq!(ApiKey::from_file(&file).unwrap().expose_secret(), KEY);
    std::fs::write(&file, "\n").unwrap();
    let err = ApiKey::from_file(&file).unwrap_err();
    assert!(
        matches!(err, Error::ApiKey { .. }) && err.to_string().contains("empty"),
        "{err}"
    );
    let err = ApiKey::from_file(dir.join("absent")).unwrap_err();
    assert!(err.to_string().contains("absent"), "{err}");
    let err = Client::builder()
        .api_key(ApiKey::new("  "))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::ApiKey { .. }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn three_page_link_walk_collects_every_item_and_learns_the_org() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/organizations/1/networks", server.uri());
    let link = |next: &str| {
        format!(
            "<{base}?perPage=2&startingAfter=0>; rel=first, <{base}?perPage=2&startingAfter={next}>; rel=next, <{base}?perPage=2&endingBefore=zzz>; rel=last"
        )
    };
    Mock::given(path("/api/v1/organizations/1/networks"))
        .and(query_param("perPage", "100000"))
        .respond_with(json(fixture_json("networks_page1.json")).insert_header("link", link("N_2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/organizations/1/networks"))
        .and(query_param("startingAfter", "N_2"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(json(fixture_json("networks_page2.json")).insert_header("link", link("N_4")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/organizations/1/networks"))
        .and(query_param("startingAfter", "N_4"))
        .respond_with(json(fixture_json("networks_page3.json")).insert_header(
            "link",
            format!("<{base}?perPage=2&startingAfter=0>; rel=first, <{base}?perPage=2&endingBefore=zzz>; rel=last"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    let nets = c.organization_networks("1").await.unwrap();
    let ids: Vec<&str> = nets.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["N_1", "N_2", "L_3", "N_4", "N_5"]);
    assert_eq!(nets[0].tags, ["core", "paris"]);
    assert!(nets[1].tags.is_empty() && nets[1].time_zone.is_none());
    assert_eq!(
        nets[3].organization_id, "1",
        "missing organizationId is filled from the request"
    );
    assert_eq!(c.org_resolver().network_org("N_5").as_deref(), Some("1"));
    assert_eq!(c.metrics().requests, 3);
}

#[tokio::test]
async fn network_clients_stream_pages_lazily_with_max_per_page() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/api/v1/networks/N_1/clients?perPage=5000&t0=x&startingAfter=c2",
        server.uri()
    );
    Mock::given(path("/api/v1/networks/N_1/clients"))
        .and(query_param("perPage", "5000"))
        .and(query_param("timespan", "86400"))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            json(fixture_json("network_clients.json"))
                .insert_header("link", format!("<{next}>; rel=\"next\"")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_1/clients"))
        .and(query_param("startingAfter", "c2"))
        .respond_with(json(
            serde_json::json!([{"id": "c3", "usage": {"sent": 1, "recv": 1}}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);
    let window = ClientWindow::Timespan(Duration::from_secs(86_400));

    let mut stream = std::pin::pin!(c.network_clients_stream("N_1", window));
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.id, "c1");
    assert_eq!(
        c.metrics().requests,
        1,
        "second page not fetched before it is needed"
    );
    let rest: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(
        rest.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ["c2", "c3"]
    );

    assert_eq!(first.usage.total, Some(30.5));
    assert_eq!(first.usage.sent, 10.0);
    assert_eq!(first.vlan, Some(VlanId::Text("100".into())));
    assert_eq!(rest[0].vlan, Some(VlanId::Number(100)));
    assert_eq!(
        first
            .first_seen
            .as_ref()
            .unwrap()
            .to_timestamp()
            .unwrap()
            .as_second(),
        1_518_365_681
    );
    assert!(first.last_seen.as_ref().unwrap().to_timestamp().is_some());
    assert_eq!(rest[0].usage.total, None);
}

/// The network-level list as a sync reads it: whole pages of the requested size, each page
/// one request, `ssid` and `recentDeviceSerial` kept, usage received as `recv` or `received`.
#[tokio::test]
async fn network_clients_pages_carry_ssids_devices_and_either_received_name() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/api/v1/networks/N_7/clients?perPage=3&t0=2026-11-01T05%3A00%3A00Z&startingAfter=k02",
        server.uri()
    );
    Mock::given(path("/api/v1/networks/N_7/clients"))
        .and(query_param("perPage", "3"))
        .and(query_param("t0", "2026-11-01T05:00:00Z"))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            json(fixture_json("network_clients_ssid_page1.json"))
                .insert_header("link", format!("<{next}>; rel=next")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_7/clients"))
        .and(query_param("startingAfter", "k02"))
        .respond_with(json(fixture_json("network_clients_ssid_page2.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_7/wireless/ssids"))
        .respond_with(json(fixture_json("wireless_ssids.json")))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);
    let t0 = "2026-11-01T05:00:00Z".parse().unwrap();

    let pages: Vec<_> = c
        .network_clients_pages("N_7", ClientWindow::Since(t0), 3)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(c.metrics().requests, 2, "one request per page");
    assert!(pages[0].next.is_some() && pages[1].next.is_none());
    let clients: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    let (a, b, d) = (&clients[0], &clients[1], &clients[2]);
    assert_eq!(a.ssid.as_deref(), Some("Guest Wi-Fi"));
    assert_eq!(a.recent_device_serial.as_deref(), Some("Q2MR-0000-0001"));
    assert_eq!(a.recent_device_connection.as_deref(), Some("Wireless"));
    assert_eq!((a.usage.sent, a.usage.recv), (12.5, 3.0), "recv");
    assert_eq!(b.ssid, None, "wired clients have no SSID");
    assert_eq!(b.recent_device_serial.as_deref(), Some("Q2MS-0000-0002"));
    assert_eq!((b.usage.sent, b.usage.recv), (1.0, 2.125), "received");
    assert_eq!(b.usage.sent_recv().recv, 2.125);
    assert_eq!((d.usage.sent, d.usage.recv), (0.001, 0.0));
    assert_eq!(d.ip6.as_deref(), Some("2001:db8::3"));

    let ssids = c.wireless_ssids("N_7").await.unwrap();
    let slots: Vec<(u8, &str, bool)> = ssids
        .iter()
        .map(|s| (s.number, s.name.as_str(), s.enabled))
        .collect();
    assert_eq!(
        slots,
        [
            (0, "Corp", true),
            (1, "Guest Wi-Fi", true),
            (2, "Unconfigured SSID 3", false),
            (14, "", false)
        ]
    );
}

#[tokio::test]
async fn device_clients_accept_received_for_recv() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/devices/Q2-9/clients"))
        .respond_with(json(serde_json::json!([
            {"id": "a", "usage": {"sent": 5, "received": 7.5}},
            {"id": "b", "usage": {"sent": 1, "recv": 2}}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);
    let w = ClientWindow::Timespan(Duration::from_secs(600));
    let clients = c.device_clients("Q2-9", w).await.unwrap();
    assert_eq!((clients[0].usage.sent, clients[0].usage.recv), (5.0, 7.5));
    assert_eq!((clients[1].usage.sent, clients[1].usage.recv), (1.0, 2.0));
}

#[tokio::test]
async fn a_page_size_the_api_refuses_sends_nothing() {
    let server = MockServer::start().await;
    catch_all(&server).await;
    let c = client(&server);
    let w = ClientWindow::Timespan(Duration::from_secs(600));
    for bad in [0, 2, 5001] {
        let got: Result<Vec<_>, _> = c.network_clients_pages("N_1", w, bad).try_collect().await;
        let err = got.expect_err("refused");
        assert!(matches!(err, Error::Config { .. }), "{err}");
        assert!(err.to_string().contains("3 to 5000"), "{err}");
    }
    assert_eq!(c.metrics().requests, 0);
}

#[tokio::test]
async fn retry_after_429_is_honoured_then_success() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations/1/devices"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(
                    serde_json::json!({"errors": ["API rate limit exceeded for organization"]}),
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/organizations/1/devices"))
        .respond_with(json(
            serde_json::json!([{"serial": "Q2-1", "model": "MX68", "networkId": "N_9"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    let start = Instant::now();
    let devices = c
        .organization_devices("1", &DeviceQuery::default())
        .await
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After not honoured: {:?}",
        start.elapsed()
    );
    assert_eq!(devices[0].serial, "Q2-1");
    let m = c.metrics();
    assert_eq!((m.requests, m.retries, m.rate_limited_429), (2, 1, 1));
    assert_eq!(c.org_resolver().device_org("Q2-1").as_deref(), Some("1"));
    assert_eq!(c.org_resolver().network_org("N_9").as_deref(), Some("1"));
}

/// Serves one canned outcome per connection, in order; records each request head.
async fn scripted_server(
    script: Vec<Option<(u16, &'static str)>>,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for step in script {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = sock.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf).into_owned());
            match step {
                // Drop the connection without answering: a reset/EOF mid-request.
                None => drop(sock),
                Some((status, body)) => {
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: req-{status}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    sock.write_all(resp.as_bytes()).await.unwrap();
                    sock.shutdown().await.ok();
                }
            }
        }
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn server_errors_and_a_dropped_connection_are_retried_until_success() {
    let (base, seen) = scripted_server(vec![
        Some((500, r#"{"errors":["boom"]}"#)),
        Some((502, "<html>bad gateway</html>")),
        None,
        Some((
            200,
            r#"[{"id": 20, "name": "Corp", "subnet": "10.20.0.0/16"}]"#,
        )),
    ])
    .await;
    let c = client_for(&base);
    let vlans = c.network_appliance_vlans("N_1").await.unwrap();
    assert_eq!(vlans[0].id.as_u16(), Some(20));
    let m = c.metrics();
    assert_eq!((m.requests, m.retries, m.rate_limited_429), (4, 3, 0));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    for head in seen.iter() {
        assert!(
            head.starts_with("GET /api/v1/networks/N_1/appliance/vlans "),
            "{head}"
        );
        assert!(head.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            KEY.to_ascii_lowercase()
        )));
    }
}

#[tokio::test]
async fn exhausted_retries_give_the_matching_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations/1/networks"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .expect(4)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_1/devices"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "abc123")
                .set_body_string("down"),
        )
        .expect(4)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    let err = c.organization_networks("1").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("/organizations/1/networks"),
        "{err}"
    );
    // The deprecated call still works while it exists: its errors are checked too.
    #[allow(deprecated)]
    let err = c.network_devices("N_1").await.unwrap_err();
    match &err {
        Error::Server {
            status,
            attempts,
            request_id,
            message,
            ..
        } => {
            assert_eq!((status.as_u16(), *attempts), (503, 4));
            assert_eq!(request_id.as_deref(), Some("abc123"));
            assert_eq!(message, "down");
        }
        other => panic!("{other:?}"),
    }
    assert_no_key(&err);
    let m = c.metrics();
    assert_eq!((m.requests, m.retries, m.rate_limited_429), (8, 6, 4));
}

#[tokio::test]
async fn a_read_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(json(serde_json::json!([])).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(ApiKey::new(KEY))
        .base_url(&format!("{}/api/v1", server.uri()))
        .unwrap()
        .read_timeout(Duration::from_millis(100))
        .retry_backoff(Duration::from_millis(1))
        .max_retries(1)
        .build()
        .unwrap();
    let err = c.organizations().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 2, .. }), "{err:?}");
    assert_no_key(&err);
}

/// A refused connection names the endpoint once and says what happened, without reqwest's
/// line that repeats the whole URL.
#[tokio::test]
async fn a_refused_connection_names_the_endpoint_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = Client::builder()
        .api_key(ApiKey::new(KEY))
        .base_url(&format!("http://127.0.0.1:{port}/api/v1"))
        .unwrap()
        .retry_backoff(Duration::from_millis(1))
        .max_retries(1)
        .build()
        .unwrap();
    let err = c.organizations().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 2, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert_eq!(text.matches("/api/v1/organizations").count(), 1, "{text}");
    assert!(text.contains("onnection refused"), "{text}");
    assert!(!text.contains("error sending request"), "{text}");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/devices/Q2-404/clients"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_1/appliance/vlans"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"errors": ["VLANs are not enabled for this network"]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/organizations/9/networks"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(serde_json::json!({"errors": ["No access"]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    let err = c
        .device_clients("Q2-404", ClientWindow::Timespan(Duration::from_secs(60)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { message, .. } if message == "<html>Not Found</html>"),
        "{err:?}"
    );
    let err = c.network_appliance_vlans("N_1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { status, .. } if status.as_u16() == 400),
        "{err:?}"
    );
    assert!(err.to_string().contains("VLANs are not enabled"), "{err}");
    let err = c.organization_networks("9").await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert_eq!(c.metrics().retries, 0);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_naming_the_endpoint() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/devices/Q2-1/clients"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"[{"id": "k1", "usage": {"sent": "lots"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/devices/Q2-2/clients"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"[{"id": "k1", "usage": {"sent": "lots", "recv": 1}}]"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);
    let window = ClientWindow::Since("2026-11-01T05:00:00Z".parse().unwrap());

    let err = c.device_clients("Q2-1", window).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("GET /api/v1/devices/Q2-1/clients?t0=2026-11-01T05%3A00%3A00Z"),
        "{err}"
    );
    let err = c.device_clients("Q2-2", window).await.unwrap_err();
    match &err {
        Error::Decode { path, excerpt, .. } => {
            assert_eq!(path, "[0].usage.sent");
            assert!(excerpt.starts_with(r#"[{"id": "k1""#), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.metrics().retries, 0, "a decode error is not retried");
}

#[tokio::test]
async fn nullable_extra_and_mixed_numeric_fields_decode() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/devices/Q2-1/clients"))
        .and(query_param("t0", "2026-11-01T05:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("device_clients.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_1/appliance/vlans"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("appliance_vlans.json")))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    let t0 = "2026-11-01T05:00:00Z".parse().unwrap();
    let clients = c
        .device_clients("Q2-1", ClientWindow::Since(t0))
        .await
        .unwrap();
    assert_eq!(clients.len(), 4);
    let (a, b, d, e) = (&clients[0], &clients[1], &clients[2], &clients[3]);
    assert_eq!((a.usage.sent, a.usage.recv), (138.0, 61.5), "floats");
    assert_eq!((b.usage.sent, b.usage.recv), (1024.0, 3.0), "integers");
    assert_eq!(
        (d.usage.sent, d.usage.recv),
        (0.0, 0.0),
        "null usage reads as zero"
    );
    assert_eq!(
        (e.usage.sent, e.usage.recv),
        (0.125, 0.0),
        "missing recv reads as zero"
    );
    assert_eq!(a.vlan.as_ref().and_then(VlanId::as_u16), Some(255));
    assert_eq!(b.vlan.as_ref().and_then(VlanId::as_u16), Some(20));
    assert_eq!(d.vlan, None);
    assert_eq!(a.named_vlan.as_deref(), Some("corp"));
    assert_eq!(
        (b.mac.as_deref(), b.ip.as_deref(), b.ip6.as_deref()),
        (None, None, Some("2001:db8::2"))
    );

    let vlans = c.network_appliance_vlans("N_1").await.unwrap();
    let ids: Vec<Option<u16>> = vlans.iter().map(|v| v.id.as_u16()).collect();
    assert_eq!(ids, [Some(1), Some(20)]);
    assert_eq!(vlans[1].subnet.as_deref(), Some("10.20.0.0/16"));
}

#[tokio::test]
async fn device_query_filters_go_to_the_server() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations/1/devices"))
        .and(query_param("perPage", "5000"))
        .and(query_param("productTypes[]", "appliance"))
        .and(query_param("tags[]", "core"))
        .and(query_param("tagsFilterType", "withAllTags"))
        .and(query_param("models[]", "MX68"))
        .respond_with(json(serde_json::json!([{"serial": "Q2-1", "model": "MX68", "name": null, "tags": null, "productType": "appliance"}])))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);
    let mut q = DeviceQuery::default();
    q.product_types = vec!["appliance".into()];
    q.tags = vec!["core".into()];
    q.tags_filter = Some(TagsFilter::WithAllTags);
    q.models = vec!["MX68".into()];
    let d = c.organization_devices("1", &q).await.unwrap();
    assert_eq!((d[0].name.as_deref(), d[0].tags.len()), (None, 0));
    let url = &server.received_requests().await.unwrap()[0].url;
    assert!(
        url.query()
            .unwrap()
            .contains("productTypes%5B%5D=appliance"),
        "{url}"
    );
}

#[tokio::test]
async fn redirects_keep_auth_on_the_same_origin_and_refuse_foreign_hosts() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "/shard/api/v1/organizations"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/shard/api/v1/organizations"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(json(serde_json::json!([{"id": "1", "name": "Acme"}])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/organizations/1/networks"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "https://attacker.example/api/v1/x"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/networks/N_1/devices"))
        .respond_with(json(serde_json::json!([])).insert_header(
            "link",
            "<http://attacker.example/api/v1/networks/N_1/devices?p=2>; rel=next",
        ))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);

    assert_eq!(c.organizations().await.unwrap()[0].id, "1");
    let err = c.organization_networks("1").await.unwrap_err();
    assert!(
        matches!(&err, Error::ForeignHost { host, .. } if host == "attacker.example"),
        "{err:?}"
    );
    let err = c
        .get_all::<serde_json::Value>("/networks/N_1/devices")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignHost { .. }), "{err:?}");
}

#[tokio::test]
async fn concurrent_requests_share_one_client_and_its_buckets() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations/1/networks"))
        .respond_with(json(serde_json::json!([])))
        .expect(60)
        .mount(&server)
        .await;
    // 50/s with a burst of 45: the last 15 of 60 simultaneous requests must wait their turn.
    let c = Client::builder()
        .api_key(ApiKey::new(KEY))
        .base_url(&format!("{}/api/v1", server.uri()))
        .unwrap()
        .org_rate_limit(50.0)
        .build()
        .unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let c = c.clone();
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                c.organization_networks("1").await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(done.load(Ordering::Relaxed), 60);
    let m = c.metrics();
    assert_eq!(m.requests, 60);
    assert!(
        m.bucket_wait > Duration::ZERO,
        "the real client stack is not paced: {m:?}"
    );
}

#[test]
fn builder_rejects_bad_configuration() {
    let b = || Client::builder().api_key(ApiKey::new(KEY));
    assert!(matches!(
        b().base_url("ftp://x/api"),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        b().base_url("not a url"),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        b().base_url("https://u:p@api.meraki.com/api/v1"),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        b().org_rate_limit(0.0).build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        b().global_rate_limit(f64::NAN).build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        b().user_agent("bad\nagent").build(),
        Err(Error::Config { .. })
    ));
    let c = b().region(meraki_client::Region::Canada).build().unwrap();
    assert_eq!(c.base_url().as_str(), "https://api.meraki.ca/api/v1");
}

/// Compile-time check: every call's future can be spawned on a multi-threaded runtime, and the
/// client can be shared between tasks.
#[allow(dead_code)]
fn calls_are_send_and_the_client_is_shareable(c: Client) {
    fn send<T: Send>(_: T) {}
    fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
    shared(&c);
    let w = ClientWindow::Timespan(Duration::from_secs(1));
    send(c.organizations());
    send(c.organization_networks("1"));
    send(c.organization_devices("1", &DeviceQuery::default()));
    // Deprecated, still public: its future must stay spawnable while it exists.
    #[allow(deprecated)]
    send(c.network_devices("N"));
    send(c.device_clients("Q", w));
    send(c.network_clients("N", w));
    send(c.network_clients_stream("N", w));
    send(c.network_clients_pages("N", w, 5000));
    send(c.wireless_ssids("N"));
    send(c.network_appliance_vlans("N"));
    send(c.network_clients_usage_histories("N", &["k1"], w));
    send(c.get_json::<serde_json::Value>("/organizations"));
}

/// The Dashboard's clock comes from each answer's `Date` header — a refusal's too — and the
/// latest answer wins, so a caller can judge "now" as the API does.
#[tokio::test]
async fn the_server_time_is_read_from_every_answer_s_date_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations"))
        .respond_with(
            json(serde_json::json!([{"id": "1", "name": "Acme"}]))
                .insert_header("date", "Tue, 08 Dec 2026 01:30:00 GMT"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/devices/Q2/clients"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"errors": ["'t0' must be within 31 days"]}))
                .insert_header("date", "Tue, 08 Dec 2026 01:30:07 GMT"),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server);
    assert_eq!(c.server_time(), None, "nothing heard yet");
    c.organizations().await.unwrap();
    let first = c.server_time().expect("a time");
    assert_eq!(first.date, "2026-12-08T01:30:00Z".parse().unwrap());
    let since = "2026-11-06T00:00:00Z".parse().unwrap();
    let err = c
        .device_clients("Q2", ClientWindow::Since(since))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    let second = c.clone().server_time().expect("a time");
    assert_eq!(second.date, "2026-12-08T01:30:07Z".parse().unwrap());
    assert!(second.received >= first.received);
}
