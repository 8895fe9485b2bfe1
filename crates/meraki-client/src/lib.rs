//! A typed async client for the Cisco Meraki Dashboard API v1.
//!
//! Owns: authentication, base URL (regional presets), timeouts, per-organization and global
//! pacing, `Retry-After` handling, retries with backoff, `Link`-header pagination and typed
//! errors. Must not know about groups, days or SQL.
//!
//! # What it does for you
//!
//! - **Pacing** ([`PacingLayer`]): a token bucket per organization (default 10 req/s, Meraki's
//!   budget) and one global bucket (default 100 req/s, Meraki's per-source budget). Requests
//!   are charged to their organization directly (`/organizations/{id}/…`) or through the
//!   network → organization and serial → organization maps the client learns from
//!   [`Client::organization_networks`] and [`Client::organization_devices`]. Any number of
//!   requests may be in flight; the buckets decide when each leaves.
//! - **429**: the organization's bucket is paused for `Retry-After` and slowed (×0.7), then
//!   recovers on success, like the Python SDK's smart flow; the request is retried.
//! - **Retries** ([`RetryLayer`]): 429, 5xx, timeouts and broken connections, with exponential
//!   backoff and jitter, up to [`ClientBuilder::max_retries`] (default 5). Other 4xx fail at once.
//! - **Redirects** to other Meraki hosts are followed with the `Authorization` header kept;
//!   the key is never sent to a host outside Meraki's domains and the configured base URL.
//! - **Pagination**: `Link: <…>; rel=next` is followed; every listing uses its largest `perPage`.
//! - **Errors**: one [`Error`] enum naming the endpoint; the [`ApiKey`] never appears in any
//!   `Debug`, `Display` or error text.
//! - **The Dashboard's clock**: every response's `Date` header is kept
//!   ([`Client::server_time`]), so callers can judge "now" as the API does (its `t0` window and
//!   which days are over) whatever the host's clock says.
//!
//! # Example
//!
//! Listing organizations, their networks and one device's clients, against a mock server:
//!
//! ```
//! use meraki_client::{ApiKey, Client, ClientWindow, DeviceQuery};
//! use wiremock::matchers::{header, method, path, query_param};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await;
//! let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
//! Mock::given(method("GET")).and(path("/api/v1/organizations"))
//!     .and(header("authorization", "Bearer secret-key"))
//!     .respond_with(ok(serde_json::json!([{"id": "1", "name": "Acme"}])))
//!     .mount(&server).await;
//! Mock::given(method("GET")).and(path("/api/v1/organizations/1/networks"))
//!     .respond_with(ok(serde_json::json!([{"id": "N_1", "organizationId": "1",
//!         "name": "HQ", "productTypes": ["appliance"], "timeZone": "Europe/Paris",
//!         "tags": null}])))
//!     .mount(&server).await;
//! Mock::given(method("GET")).and(path("/api/v1/organizations/1/devices"))
//!     .and(query_param("productTypes[]", "appliance"))
//!     .respond_with(ok(serde_json::json!([{"serial": "Q2XX-0000-0001", "model": "MX68",
//!         "networkId": "N_1", "name": null, "tags": ["core"]}])))
//!     .mount(&server).await;
//! Mock::given(method("GET")).and(path("/api/v1/devices/Q2XX-0000-0001/clients"))
//!     .and(query_param("t0", "2026-11-01T05:00:00Z"))
//!     .respond_with(ok(serde_json::json!([{"id": "k1", "ip": "10.0.0.2", "vlan": 20,
//!         "usage": {"sent": 138.0, "recv": 61}}])))
//!     .mount(&server).await;
//!
//! let client = Client::builder()
//!     .api_key(ApiKey::new("secret-key"))
//!     .base_url(&format!("{}/api/v1", server.uri()))?
//!     .org_rate_limit(9.0)
//!     .build()?;
//!
//! for org in client.organizations().await? {
//!     for net in client.organization_networks(&org.id).await? {
//!         println!("{} / {} ({:?})", org.name, net.name, net.time_zone);
//!     }
//!     let mut query = DeviceQuery::default();
//!     query.product_types = vec!["appliance".into()];
//!     for device in client.organization_devices(&org.id, &query).await? {
//!         let since = "2026-11-01T05:00:00Z".parse()?;
//!         for c in client.device_clients(&device.serial, ClientWindow::Since(since)).await? {
//!             assert_eq!(c.vlan.as_ref().and_then(|v| v.as_u16()), Some(20));
//!             println!("{}: sent {} kB, recv {} kB", c.id, c.usage.sent, c.usage.recv);
//!         }
//!     }
//! }
//! assert_eq!(client.metrics().requests, 4);
//! # Ok(())
//! # }
//! ```
//!
//! # Public dependencies
//!
//! Three crates appear in this crate's signatures and are part of its API: a semver-breaking
//! release of one of them is a breaking release here. They are re-exported so callers name
//! the same versions: [`http`] (the status and headers of [`ApiResponse`] and [`Error`]),
//! [`url`] ([`Client::base_url`], [`ApiRequest`]) and [`tower`] (the [`PacingLayer`] and
//! [`RetryLayer`] of the client's stack, public for callers that assemble their own). The
//! body type is `bytes::Bytes`, re-exported as [`Bytes`]. reqwest and rustls are
//! implementation details: the client installs the `ring` provider as the process's rustls
//! default when it is built (a no-op when one is installed already).

#![deny(missing_docs)]

mod builder;
mod client;
mod error;
mod key;
mod metrics;
mod models;
mod pacing;
mod pagination;
mod request;
mod retry;
mod server_time;
mod transport;

pub use builder::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, Region};
pub use client::Client;
pub use error::{Error, Result};
pub use key::{API_KEY_ENV, ApiKey};
pub use metrics::{Metrics, MetricsSnapshot};
pub use models::{
    ApplianceVlan, ClientUsageHistory, ClientWindow, Device, DeviceClient, DeviceQuery, Network,
    NetworkClient, NetworkUsage, Organization, OrganizationApi, SeenAt, TagsFilter, Usage,
    UsageSample, VlanId, WirelessSsid,
};
pub use pacing::{OrgKey, OrgResolver, Pacer, Pacing, PacingConfig, PacingLayer};
pub use pagination::{Page, next_link};
pub use request::{ApiRequest, ApiResponse};
pub use retry::{Retry, RetryConfig, RetryLayer};
pub use server_time::ServerTime;

pub use bytes::Bytes;
pub use http;
pub use tower;
pub use url;
