//! The request and response types that travel through the tower stack.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use url::Url;

/// One GET request to the Dashboard API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// Absolute URL (base URL + path, or a pagination link).
    pub url: Url,
    /// `GET /path?query` without the host, used in errors and logs.
    pub endpoint: String,
}

impl ApiRequest {
    /// A GET of `url`.
    pub fn get(url: Url) -> Self {
        let endpoint = endpoint_of(&url);
        Self { url, endpoint }
    }
}

pub(crate) fn endpoint_of(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("GET {}?{q}", url.path()),
        None => format!("GET {}", url.path()),
    }
}

/// A complete response (body read) from the Dashboard API.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status of the final response (after redirects).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
    /// URL that produced this response (differs from the request's after a redirect).
    pub url: Url,
    /// Attempts made to get this response, the first included (set by the retry layer).
    pub attempts: u32,
}

/// `Retry-After` longer than this is treated as this: a misbehaving proxy must not park the
/// sync for hours.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

impl ApiResponse {
    /// The `Retry-After` header as a duration (Meraki sends integer seconds; fractional seconds
    /// are accepted too, HTTP dates are not).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
        let secs: f64 = value.trim().parse().ok()?;
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Some(Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
    }

    /// The `X-Request-Id` header, which Meraki support asks for on 5xx.
    pub fn request_id(&self) -> Option<String> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}
