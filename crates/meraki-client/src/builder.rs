//! Configuration of a [`Client`].

use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;
use url::Url;

use crate::client::{Client, Inner};
use crate::error::{Error, Result};
use crate::key::ApiKey;
use crate::metrics::Metrics;
use crate::pacing::{OrgResolver, Pacer, PacingConfig, PacingLayer};
use crate::retry::{RetryConfig, RetryLayer};
use crate::server_time::ServerClock;
use crate::transport::{HostPolicy, HttpTransport};

/// Default base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.meraki.com/api/v1";

/// Default `User-Agent`, in the `ApplicationName/version VendorName` form Meraki asks for (no
/// "Meraki" or "Cisco" in the application name).
pub const DEFAULT_USER_AGENT: &str =
    concat!("UsageStats/", env!("CARGO_PKG_VERSION"), " UsageStatsRs");

/// Dashboard API regions (each has its own host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// `api.meraki.com` (default; most of the world).
    Global,
    /// `api.meraki.ca`.
    Canada,
    /// `api.meraki.cn`.
    China,
    /// `api.meraki.in`.
    India,
    /// `api.gov-meraki.com` (US FedRAMP).
    UsFedRamp,
}

impl Region {
    /// The region's base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Global => DEFAULT_BASE_URL,
            Region::Canada => "https://api.meraki.ca/api/v1",
            Region::China => "https://api.meraki.cn/api/v1",
            Region::India => "https://api.meraki.in/api/v1",
            Region::UsFedRamp => "https://api.gov-meraki.com/api/v1",
        }
    }
}

/// Builder of a [`Client`]; start with [`Client::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Url,
    pacing: PacingConfig,
    org_burst: Option<f64>,
    global_burst: Option<f64>,
    retry: RetryConfig,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
    source_address: Option<std::net::IpAddr>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: parse_base(DEFAULT_BASE_URL).unwrap_or_else(|_| unreachable!()),
            pacing: PacingConfig::default(),
            org_burst: None,
            global_burst: None,
            retry: RetryConfig::default(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            source_address: None,
        }
    }
}

fn parse_base(url: &str) -> Result<Url> {
    let bad = |message: String| Error::Config { message };
    let parsed = Url::parse(url.trim()).map_err(|e| bad(format!("base URL {url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad(format!(
            "base URL {url:?} must be an http(s) URL with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad(format!(
            "base URL {url:?} must not have a query or fragment"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("base URL must not contain credentials".to_owned()));
    }
    Ok(parsed)
}

impl ClientBuilder {
    /// The API key. Without one, [`build`](Self::build) reads `MERAKI_DASHBOARD_API_KEY`.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Any base URL, e.g. a simulator's `http://127.0.0.1:8080/api/v1`. Its origin is trusted
    /// with the key in addition to Meraki's domains.
    ///
    /// # Errors
    /// [`Error::Config`] when it is not an absolute http(s) URL without query or credentials.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        self.base_url = parse_base(url)?;
        Ok(self)
    }

    /// A regional base URL.
    pub fn region(mut self, region: Region) -> Self {
        self.base_url = parse_base(region.base_url()).unwrap_or_else(|_| unreachable!());
        self
    }

    /// Requests/s per organization (default 10, Meraki's limit; e.g. 9 leaves room for other
    /// applications sharing the organization).
    pub fn org_rate_limit(mut self, per_second: f64) -> Self {
        self.pacing.org_rate = per_second;
        self
    }

    /// Burst per organization (default: the rate minus one token of headroom, see
    /// [`PacingConfig::burst_for`]).
    pub fn org_burst(mut self, burst: u32) -> Self {
        self.org_burst = Some(f64::from(burst));
        self
    }

    /// Requests/s across all organizations (default 100, Meraki's per-source-IP limit).
    pub fn global_rate_limit(mut self, per_second: f64) -> Self {
        self.pacing.global_rate = per_second;
        self
    }

    /// Sends every request from this local address (a host with several addresses): the
    /// Dashboard gives each source address its own request budget, so syncs sending from
    /// different addresses do not share one.
    pub fn source_address(mut self, address: std::net::IpAddr) -> Self {
        self.source_address = Some(address);
        self
    }

    /// Burst of the global bucket (default: the rate minus 100 ms worth, see
    /// [`PacingConfig::burst_for`]).
    pub fn global_burst(mut self, burst: u32) -> Self {
        self.global_burst = Some(f64::from(burst));
        self
    }

    /// Retries after the first attempt for 429, 5xx, timeouts and broken connections
    /// (default 5). Other 4xx are never retried.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// Backoff before the first retry of a 5xx or transport failure (default 1 s; doubled per
    /// retry, jittered, capped at 60 s). A 429's `Retry-After` takes precedence.
    pub fn retry_backoff(mut self, base: Duration) -> Self {
        self.retry.base_delay = base;
        self
    }

    /// TCP/TLS connect timeout (default 30 s, like the original script).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for each read of the response (default 30 s, like the original script).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The `User-Agent` header. Meraki asks for `ApplicationName/1.0 VendorName` (CamelCase,
    /// no "Meraki"/"Cisco" in the application name); default [`DEFAULT_USER_AGENT`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::ApiKey`] when no key was given and the environment has none (or it is blank);
    /// [`Error::Config`] for invalid rates, user agent, or a failure to set up TLS.
    pub fn build(self) -> Result<Client> {
        let key = match self.api_key {
            Some(k) if !k.is_empty() => k,
            Some(_) => {
                return Err(Error::ApiKey {
                    message: "the API key is empty".to_owned(),
                });
            }
            None => ApiKey::from_env()?,
        };
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())).map_err(|_| {
                Error::ApiKey {
                    message: "the API key contains characters not allowed in an HTTP header"
                        .to_owned(),
                }
            })?;
        auth.set_sensitive(true);

        let mut pacing = self.pacing;
        pacing.org_burst = self
            .org_burst
            .unwrap_or_else(|| PacingConfig::burst_for(pacing.org_rate));
        pacing.global_burst = self
            .global_burst
            .unwrap_or_else(|| PacingConfig::burst_for(pacing.global_rate));
        pacing
            .validate()
            .map_err(|message| Error::Config { message })?;

        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| Error::Config {
            message: format!(
                "user agent {:?} is not a valid header value",
                self.user_agent
            ),
        })?;
        // The process's one rustls crypto provider (ring, shared with the mailer's TLS);
        // installing it again when another part of the program already did is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(self.source_address)
            .build()
            .map_err(|e| Error::Config {
                message: format!("cannot set up the HTTP client: {e}"),
            })?;

        let metrics = Arc::new(Metrics::default());
        let resolver = Arc::new(OrgResolver::default());
        let pacer = Arc::new(Pacer::new(
            pacing,
            Arc::clone(&resolver),
            Arc::clone(&metrics),
        ));
        let hosts = Arc::new(HostPolicy::new(self.base_url.clone()));
        let server_clock = Arc::new(ServerClock::default());
        let transport = HttpTransport::new(
            http,
            auth,
            hosts,
            Arc::clone(&metrics),
            Arc::clone(&server_clock),
        );
        let service = ServiceBuilder::new()
            .layer(RetryLayer::new(self.retry, Arc::clone(&metrics)))
            .layer(PacingLayer::new(Arc::clone(&pacer)))
            .service(transport);
        Ok(Client {
            inner: Arc::new(Inner {
                service: BoxCloneSyncService::new(service),
                base_url: self.base_url,
                resolver,
                pacer,
                metrics,
                server_clock,
            }),
        })
    }
}
