//! The client and its typed calls.

use std::fmt;
use std::sync::Arc;

use futures::{Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use url::Url;

use crate::builder::ClientBuilder;
use crate::error::{Error, Result};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::models::{
    ApplianceVlan, ClientUsageHistory, ClientWindow, Device, DeviceClient, DeviceQuery, Network,
    NetworkClient, Organization, WirelessSsid,
};
use crate::pacing::{OrgResolver, Pacer};
use crate::pagination::{Page, next_link};
use crate::request::{ApiRequest, ApiResponse, endpoint_of};
use crate::server_time::{ServerClock, ServerTime};

/// Largest `perPage` of each paginated endpoint (fewer pages = fewer requests of the budget).
mod per_page {
    pub(super) const ORGANIZATIONS: u32 = 9000;
    pub(super) const ORGANIZATION_NETWORKS: u32 = 100_000;
    pub(super) const ORGANIZATION_DEVICES: u32 = 5000;
    pub(super) const NETWORK_CLIENTS: u32 = 5000;
    /// The smallest `perPage` the paginated endpoints accept.
    pub(super) const MIN: u32 = 3;
    pub(super) const CLIENT_USAGE_HISTORIES: u32 = 1000;
}

/// How much of a body goes into a decode error.
const EXCERPT_CHARS: usize = 120;

/// A Dashboard API v1 client. Cheap to clone: clones share the connection pool, the pacing
/// buckets, the learned network/device → organization maps and the metrics.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: BoxCloneSyncService<ApiRequest, ApiResponse, Error>,
    pub(crate) base_url: Url,
    pub(crate) resolver: Arc<OrgResolver>,
    pub(crate) pacer: Arc<Pacer>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) server_clock: Arc<ServerClock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("pacing", self.inner.pacer.config())
            .field("metrics", &self.inner.metrics.snapshot())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults (global region, 10 req/s per org, 100 req/s overall,
    /// 5 retries, 30 s timeouts, key from the environment unless given).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Counters so far (shared by all clones).
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// The Dashboard's clock as the last response received (by any clone) told it in its
    /// `Date` header; `None` before the first response, or when no response carried one.
    /// The API judges `t0` by this clock, so "which days are over" and "how far back the API
    /// reaches" should be decided by it rather than by the host's clock.
    pub fn server_time(&self) -> Option<ServerTime> {
        self.inner.server_clock.last()
    }

    /// The network/device → organization maps used for pacing. Filled automatically by
    /// [`organization_networks`](Self::organization_networks),
    /// [`organization_devices`](Self::organization_devices) and
    /// [`network_devices`](Self::network_devices); callers that know the mapping from
    /// elsewhere (a cache) may add to it.
    pub fn org_resolver(&self) -> &OrgResolver {
        &self.inner.resolver
    }

    // ---- typed calls ------------------------------------------------------------------------

    /// `GET /organizations`, all pages.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        let url = self.url("/organizations", &[per_page(per_page::ORGANIZATIONS)])?;
        self.all_pages(url).await
    }

    /// `GET /organizations/{org_id}/networks`, all pages. Learns network → organization.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn organization_networks(&self, org_id: &str) -> Result<Vec<Network>> {
        let path = format!("/organizations/{}/networks", segment(org_id));
        let url = self.url(&path, &[per_page(per_page::ORGANIZATION_NETWORKS)])?;
        let mut networks: Vec<Network> = self.all_pages(url).await?;
        for n in &mut networks {
            if n.organization_id.is_empty() {
                n.organization_id = org_id.to_owned();
            }
            self.inner.resolver.learn_network(&n.id, &n.organization_id);
        }
        Ok(networks)
    }

    /// `GET /organizations/{org_id}/devices` with server-side filters, all pages. Learns
    /// device → organization and network → organization.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn organization_devices(
        &self,
        org_id: &str,
        query: &DeviceQuery,
    ) -> Result<Vec<Device>> {
        let path = format!("/organizations/{}/devices", segment(org_id));
        let mut params = vec![per_page(per_page::ORGANIZATION_DEVICES)];
        params.extend(query.query_pairs());
        let url = self.url(&path, &params)?;
        let devices: Vec<Device> = self.all_pages(url).await?;
        for d in &devices {
            self.inner.resolver.learn_device(&d.serial, org_id);
            if let Some(net) = &d.network_id {
                self.inner.resolver.learn_network(net, org_id);
            }
        }
        Ok(devices)
    }

    /// `GET /networks/{network_id}/devices` (not paginated). Learns device → organization
    /// when the network's organization is known.
    ///
    /// Meraki deprecated this operation (`getNetworkDevices`) in October 2024; its Dashboard
    /// API rate-limit guidance also prefers the organization-wide listing, one request for
    /// every network of an organization.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    #[deprecated(
        note = "getNetworkDevices is deprecated by Meraki: use `Client::organization_devices` \
                with `DeviceQuery::network_ids` set to the network"
    )]
    pub async fn network_devices(&self, network_id: &str) -> Result<Vec<Device>> {
        let path = format!("/networks/{}/devices", segment(network_id));
        let devices: Vec<Device> = self.get_json(&path).await?;
        if let Some(org) = self.inner.resolver.network_org(network_id) {
            for d in &devices {
                self.inner.resolver.learn_device(&d.serial, &org);
            }
        }
        Ok(devices)
    }

    /// `GET /devices/{serial}/clients` with `t0` or `timespan` (not paginated).
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn device_clients(
        &self,
        serial: &str,
        window: ClientWindow,
    ) -> Result<Vec<DeviceClient>> {
        let path = format!("/devices/{}/clients", segment(serial));
        let (k, v) = window.query_pair();
        let url = self.url(&path, &[(k, v)])?;
        self.get_decoded(url).await
    }

    /// `GET /networks/{network_id}/clients` with `t0` or `timespan`, all pages
    /// (`perPage=5000`; the API's default is 10).
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn network_clients(
        &self,
        network_id: &str,
        window: ClientWindow,
    ) -> Result<Vec<NetworkClient>> {
        self.network_clients_stream(network_id, window)
            .try_collect()
            .await
    }

    /// Like [`network_clients`](Self::network_clients), as a stream of clients fetched page by
    /// page (the next page is requested when the current one is consumed).
    pub fn network_clients_stream(
        &self,
        network_id: &str,
        window: ClientWindow,
    ) -> impl Stream<Item = Result<NetworkClient>> + Send + 'static {
        self.network_clients_pages(network_id, window, per_page::NETWORK_CLIENTS)
            .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// `GET /networks/{network_id}/clients` as a stream of whole pages of `per_page` clients
    /// (3 to 5000; a sync uses 5000, the API's default is 10), following `rel=next` links
    /// lazily. For callers that count requests: each item is one request.
    ///
    /// A `per_page` outside 3..=5000 yields one [`Error::Config`] and sends nothing.
    pub fn network_clients_pages(
        &self,
        network_id: &str,
        window: ClientWindow,
        per_page: u32,
    ) -> impl Stream<Item = Result<Page<NetworkClient>>> + Send + 'static {
        let url = if (per_page::MIN..=per_page::NETWORK_CLIENTS).contains(&per_page) {
            let path = format!("/networks/{}/clients", segment(network_id));
            let (k, v) = window.query_pair();
            self.url(&path, &[("perPage", per_page.to_string()), (k, v)])
        } else {
            Err(Error::Config {
                message: format!(
                    "perPage {per_page} for /networks/{{id}}/clients: the API accepts {} to {}",
                    per_page::MIN,
                    per_page::NETWORK_CLIENTS
                ),
            })
        };
        match url {
            Ok(url) => self.pages(url).left_stream(),
            Err(e) => futures::stream::once(async { Err(e) }).right_stream(),
        }
    }

    /// `GET /networks/{network_id}/wireless/ssids` (not paginated): the network's 15 SSID
    /// slots. Fails with [`Error::Rejected`] on networks without wireless.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn wireless_ssids(&self, network_id: &str) -> Result<Vec<WirelessSsid>> {
        let path = format!("/networks/{}/wireless/ssids", segment(network_id));
        self.get_json(&path).await
    }

    /// `GET /networks/{network_id}/appliance/vlans` (not paginated). Fails with
    /// [`Error::Rejected`] on networks without an MX or with VLANs disabled.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn network_appliance_vlans(&self, network_id: &str) -> Result<Vec<ApplianceVlan>> {
        let path = format!("/networks/{}/appliance/vlans", segment(network_id));
        self.get_json(&path).await
    }

    /// `GET /networks/{network_id}/clients/usageHistories` for the given client keys, MACs or
    /// IPs, all pages. A [`ClientWindow::Since`] is sent as `t0` (the API then covers up to
    /// 31 days after it).
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn network_clients_usage_histories(
        &self,
        network_id: &str,
        clients: &[&str],
        window: ClientWindow,
    ) -> Result<Vec<ClientUsageHistory>> {
        let path = format!("/networks/{}/clients/usageHistories", segment(network_id));
        let (k, v) = window.query_pair();
        let params = [
            ("clients", clients.join(",")),
            per_page(per_page::CLIENT_USAGE_HISTORIES),
            (k, v),
        ];
        let url = self.url(&path, &params)?;
        self.all_pages(url).await
    }

    // ---- raw access -------------------------------------------------------------------------

    /// GET `path` (relative to the base URL, e.g. `/organizations/1/networks?perPage=5`, or an
    /// absolute URL on an allowed host) and decode the JSON body. One page only.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let url = self.resolve(path)?;
        self.get_decoded(url).await
    }

    /// One page of a listing at `path`: its items and the `rel=next` link.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn get_page<T: DeserializeOwned>(&self, path: &str) -> Result<Page<T>> {
        let url = self.resolve(path)?;
        self.page(url).await
    }

    /// Every item of a listing at `path`, following `rel=next` links.
    ///
    /// # Errors
    /// Any [`Error`] variant about a request.
    pub async fn get_all<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
    ) -> Result<Vec<T>> {
        let url = self.resolve(path)?;
        self.all_pages(url).await
    }

    /// Items of a listing at `path` as a stream, following `rel=next` links lazily.
    pub fn stream<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        match self.resolve(path) {
            Ok(url) => self.paginate(url).left_stream(),
            Err(e) => futures::stream::once(async { Err(e) }).right_stream(),
        }
    }

    // ---- internals --------------------------------------------------------------------------

    fn url(&self, path: &str, params: &[(&str, String)]) -> Result<Url> {
        let mut url = self.resolve(path)?;
        if !params.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn resolve(&self, path: &str) -> Result<Url> {
        let bad = |message: String| Error::Config { message };
        if path.starts_with("http://") || path.starts_with("https://") {
            return Url::parse(path).map_err(|e| bad(format!("URL {path:?}: {e}")));
        }
        let base = self.inner.base_url.as_str().trim_end_matches('/');
        let sep = if path.starts_with('/') { "" } else { "/" };
        Url::parse(&format!("{base}{sep}{path}")).map_err(|e| bad(format!("path {path:?}: {e}")))
    }

    async fn send(&self, url: Url) -> Result<ApiResponse> {
        let request = ApiRequest::get(url);
        let endpoint = request.endpoint.clone();
        let response = self.inner.service.clone().oneshot(request).await?;
        check_status(response, &endpoint)
    }

    async fn get_decoded<T: DeserializeOwned>(&self, url: Url) -> Result<T> {
        let endpoint = endpoint_of(&url);
        let response = self.send(url).await?;
        decode(&response.body, &endpoint)
    }

    async fn page<T: DeserializeOwned>(&self, url: Url) -> Result<Page<T>> {
        let endpoint = endpoint_of(&url);
        let response = self.send(url).await?;
        let items = decode(&response.body, &endpoint)?;
        let next = next_link(&response.headers, &response.url);
        // A server repeating the same link would loop forever.
        let next = next.filter(|n| *n != response.url);
        Ok(Page { items, next })
    }

    async fn all_pages<T: DeserializeOwned + Send + 'static>(&self, url: Url) -> Result<Vec<T>> {
        self.paginate(url).try_collect().await
    }

    fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        first: Url,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        self.pages(first)
            .map_ok(|page: Page<T>| futures::stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// The pages of a listing from `first` on, each requested when the previous one has been
    /// taken from the stream.
    fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        first: Url,
    ) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
        let client = self.clone();
        futures::stream::try_unfold(Some(first), move |next| {
            let client = client.clone();
            async move {
                let Some(url) = next else {
                    return Ok(None);
                };
                let page: Page<T> = client.page(url).await?;
                let next = page.next.clone();
                Ok(Some((page, next)))
            }
        })
    }
}

fn per_page(n: u32) -> (&'static str, String) {
    ("perPage", n.to_string())
}

/// Percent-encodes an id for use as one path segment (ids never contain `/` in practice, but
/// a caller-supplied string must not change the path).
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn check_status(response: ApiResponse, endpoint: &str) -> Result<ApiResponse> {
    let status = response.status;
    if status.is_success() {
        return Ok(response);
    }
    let endpoint = endpoint.to_owned();
    let message = error_message(&response.body);
    Err(match status.as_u16() {
        401 => Error::Unauthorized { endpoint, message },
        403 => Error::Forbidden { endpoint, message },
        404 => Error::NotFound { endpoint, message },
        429 => Error::RateLimited {
            endpoint,
            attempts: response.attempts,
        },
        500..=599 => Error::Server {
            endpoint,
            status,
            attempts: response.attempts,
            request_id: response.request_id(),
            message,
        },
        _ => Error::Rejected {
            endpoint,
            status,
            message,
        },
    })
}

/// Meraki's `{"errors": ["…", …]}` joined, or a short excerpt of a non-JSON body.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<String>,
    }
    match serde_json::from_slice::<Errors>(body) {
        Ok(e) => e.errors.join("; "),
        Err(_) => excerpt(body),
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed.chars().take(EXCERPT_CHARS).collect();
    if collapsed.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn decode<T: DeserializeOwned>(body: &[u8], endpoint: &str) -> Result<T> {
    let fail = |path: String, message: String| Error::Decode {
        endpoint: endpoint.to_owned(),
        path,
        message,
        excerpt: excerpt(body),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| fail(e.path().to_string(), e.inner().to_string()))?;
    de.end().map_err(|e| fail(".".to_owned(), e.to_string()))?;
    Ok(value)
}
