//! The innermost service: one GET over reqwest, with Meraki-aware redirects.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use http::HeaderValue;
use http::header::{ACCEPT, AUTHORIZATION, LOCATION};
use tower::Service;
use url::Url;

use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::request::{ApiRequest, ApiResponse, endpoint_of};
use crate::server_time::ServerClock;

/// Domains the official SDK accepts for absolute URLs; the key may go to these (over HTTPS).
const MERAKI_DOMAINS: [&str; 5] = [
    "meraki.com",
    "meraki.ca",
    "meraki.cn",
    "meraki.in",
    "gov-meraki.com",
];

/// Redirect hops followed for one request before giving up.
const MAX_REDIRECTS: usize = 5;

/// Which URLs may receive the API key.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    base: Url,
}

impl HostPolicy {
    pub(crate) fn new(base: Url) -> Self {
        Self { base }
    }

    /// The configured base origin (scheme, host, port) is always allowed, so a simulator on
    /// loopback works; any other host must be a Meraki domain reached over HTTPS.
    pub(crate) fn allows(&self, url: &Url) -> bool {
        if url.origin() == self.base.origin() {
            return true;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        url.scheme() == "https"
            && MERAKI_DOMAINS
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    }

    pub(crate) fn check(&self, url: &Url, endpoint: &str) -> Result<()> {
        if self.allows(url) {
            Ok(())
        } else {
            Err(Error::ForeignHost {
                endpoint: endpoint.to_owned(),
                host: url.host_str().unwrap_or("<no host>").to_owned(),
            })
        }
    }
}

/// Sends requests with reqwest, adding the bearer header, following 3xx itself.
///
/// reqwest's own redirect handling drops `Authorization` on a cross-host redirect (which is what
/// makes curl/Postman users see spurious 401s from Meraki), so automatic redirects are off and
/// this service re-issues the request to `Location` with the header, for allowed hosts only.
#[derive(Clone)]
pub(crate) struct HttpTransport {
    http: reqwest::Client,
    auth: HeaderValue,
    hosts: Arc<HostPolicy>,
    metrics: Arc<Metrics>,
    server_clock: Arc<ServerClock>,
}

impl HttpTransport {
    pub(crate) fn new(
        http: reqwest::Client,
        auth: HeaderValue,
        hosts: Arc<HostPolicy>,
        metrics: Arc<Metrics>,
        server_clock: Arc<ServerClock>,
    ) -> Self {
        Self {
            http,
            auth,
            hosts,
            metrics,
            server_clock,
        }
    }

    async fn send(self, req: ApiRequest) -> Result<ApiResponse> {
        let mut url = req.url;
        for _ in 0..=MAX_REDIRECTS {
            self.hosts.check(&url, &req.endpoint)?;
            self.metrics.add_request();
            let response = self
                .http
                .get(url.clone())
                .header(AUTHORIZATION, self.auth.clone())
                .header(ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| Error::from_reqwest(&e, &req.endpoint))?;
            let status = response.status();
            // Every answer, errors and redirects included, tells the server's time.
            self.server_clock.observe(response.headers());
            if status.is_redirection()
                && let Some(location) = response.headers().get(LOCATION)
            {
                url = redirect_target(&url, location, &req.endpoint)?;
                tracing::debug!(endpoint = %req.endpoint, to = %endpoint_of(&url), host = url.host_str(), "following redirect");
                continue;
            }
            if status == http::StatusCode::TOO_MANY_REQUESTS {
                self.metrics.add_429();
            }
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|e| Error::from_reqwest(&e, &req.endpoint))?;
            return Ok(ApiResponse {
                status,
                headers,
                body,
                url,
                attempts: 1,
            });
        }
        Err(Error::Redirect {
            endpoint: req.endpoint,
            message: format!("more than {MAX_REDIRECTS} redirects in a row"),
        })
    }
}

fn redirect_target(current: &Url, location: &HeaderValue, endpoint: &str) -> Result<Url> {
    let bad = |message: String| Error::Redirect {
        endpoint: endpoint.to_owned(),
        message,
    };
    let location = location
        .to_str()
        .map_err(|_| bad("Location header is not ASCII".to_owned()))?;
    current
        .join(location)
        .map_err(|e| bad(format!("Location header is not a URL: {e}")))
}

impl Service<ApiRequest> for HttpTransport {
    type Response = ApiResponse;
    type Error = Error;
    type Future = BoxFuture<'static, Result<ApiResponse>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: ApiRequest) -> Self::Future {
        Box::pin(self.clone().send(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(base: &str) -> HostPolicy {
        HostPolicy::new(Url::parse(base).unwrap())
    }

    #[test]
    fn meraki_hosts_over_https_and_the_base_origin_are_allowed() {
        let p = policy("http://127.0.0.1:8080/api/v1");
        let ok = [
            "http://127.0.0.1:8080/other",
            "https://api.meraki.com/api/v1/x",
            "https://n123.meraki.com/api/v1/x",
            "https://api.gov-meraki.com/api/v1",
            "https://API.Meraki.CA/api/v1",
        ];
        let refused = [
            "http://127.0.0.1:8081/api/v1",
            "http://api.meraki.com/api/v1",
            "https://evil.com/api/v1",
            "https://meraki.com.evil.com/",
            "https://notmeraki.com/",
            "https://gov-meraki.com.attacker.net/",
        ];
        for u in ok {
            assert!(p.allows(&Url::parse(u).unwrap()), "{u}");
        }
        for u in refused {
            assert!(!p.allows(&Url::parse(u).unwrap()), "{u}");
        }
    }
}
