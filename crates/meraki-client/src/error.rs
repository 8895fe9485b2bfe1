//! The one error type of this crate.
//!
//! Every variant that comes from a request names the endpoint (`GET /path?query`, without host)
//! so a caller can tell which call failed. The API key never appears in any message: it is only
//! ever held by [`ApiKey`](crate::ApiKey), whose formatting is redacted.

use http::StatusCode;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong talking to the Dashboard API.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the key is missing, mistyped or revoked.
    #[error("{endpoint}: the API key was rejected (401 Unauthorized){}; check the key (e.g. MERAKI_DASHBOARD_API_KEY)", detail(.message))]
    Unauthorized {
        /// Endpoint that failed.
        endpoint: String,
        /// Server's explanation (`errors` array joined), possibly empty.
        message: String,
    },
    /// 403: the key is valid but has no access to this organization or network.
    #[error("{endpoint}: access denied (403 Forbidden){}; the key's admin lacks access to this organization or network", detail(.message))]
    Forbidden {
        /// Endpoint that failed.
        endpoint: String,
        /// Server's explanation, possibly empty.
        message: String,
    },
    /// 404: the resource does not exist or is not visible to this key (new keys and
    /// organizations can take a minute to become visible).
    #[error("{endpoint}: not found (404){}; the id may be wrong or not visible to this API key", detail(.message))]
    NotFound {
        /// Endpoint that failed.
        endpoint: String,
        /// Server's explanation, possibly empty.
        message: String,
    },
    /// Any other 4xx (bad parameter, wrong device type, VLANs disabled, ...). Not retried.
    #[error("{endpoint}: request rejected ({status}){}", detail(.message))]
    Rejected {
        /// Endpoint that failed.
        endpoint: String,
        /// HTTP status.
        status: StatusCode,
        /// Server's explanation, possibly empty.
        message: String,
    },
    /// 429 on every attempt: the organization's budget is used up (possibly by other
    /// applications sharing it).
    #[error(
        "{endpoint}: still rate limited (429) after {attempts} attempts; another application may be using this organization's budget, lower the client's rate"
    )]
    RateLimited {
        /// Endpoint that failed.
        endpoint: String,
        /// Attempts made, the first included.
        attempts: u32,
    },
    /// 5xx on every attempt.
    #[error("{endpoint}: server error ({status}) after {attempts} attempts{}{}", request_id.as_ref().map(|id| format!(", X-Request-Id {id}")).unwrap_or_default(), detail(.message))]
    Server {
        /// Endpoint that failed.
        endpoint: String,
        /// Last HTTP status.
        status: StatusCode,
        /// Attempts made, the first included.
        attempts: u32,
        /// `X-Request-Id` of the last response, for Meraki support.
        request_id: Option<String>,
        /// Excerpt of the last body, possibly empty.
        message: String,
    },
    /// No response in time (connect or read timeout) on every attempt.
    #[error("{endpoint}: timed out after {attempts} attempts ({message})")]
    Timeout {
        /// Endpoint that failed.
        endpoint: String,
        /// Attempts made, the first included.
        attempts: u32,
        /// Which timeout fired, as reported by the HTTP library.
        message: String,
    },
    /// Connection refused/reset, TLS failure, truncated body, ... on every attempt.
    #[error("{endpoint}: connection failed after {attempts} attempts: {message}")]
    Transport {
        /// Endpoint that failed.
        endpoint: String,
        /// Attempts made, the first included.
        attempts: u32,
        /// What the HTTP library reported.
        message: String,
    },
    /// The body was not the JSON this crate expects.
    #[error(
        "{endpoint}: unexpected response body at `{path}`: {message}; body starts with: {excerpt}"
    )]
    Decode {
        /// Endpoint whose body failed to decode.
        endpoint: String,
        /// JSON path of the offending value (`.` for the root, `[3].usage.sent`, ...).
        path: String,
        /// What serde reported.
        message: String,
        /// The first bytes of the body (lossy UTF-8, whitespace collapsed).
        excerpt: String,
    },
    /// A redirect or pagination link pointed at a host that is neither a Meraki domain nor the
    /// configured base host; the request was not sent so the key does not leak.
    #[error(
        "{endpoint}: refused to send the API key to {host} (not a Meraki host nor the configured base URL)"
    )]
    ForeignHost {
        /// Endpoint that was redirected.
        endpoint: String,
        /// The refused host.
        host: String,
    },
    /// More redirects in a row than allowed, or a `Location` header that is not a URL.
    #[error("{endpoint}: bad redirect: {message}")]
    Redirect {
        /// Endpoint that was redirected.
        endpoint: String,
        /// What was wrong.
        message: String,
    },
    /// The API key could not be obtained (unset variable, unreadable or empty file).
    #[error("API key: {message}")]
    ApiKey {
        /// What was wrong (never the key).
        message: String,
    },
    /// Invalid client configuration (base URL, rates, user agent, ...).
    #[error("client configuration: {message}")]
    Config {
        /// What was wrong.
        message: String,
    },
}

fn detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl Error {
    /// The endpoint (`GET /path?query`) this error is about, if it came from a request.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { endpoint, .. }
            | Error::Forbidden { endpoint, .. }
            | Error::NotFound { endpoint, .. }
            | Error::Rejected { endpoint, .. }
            | Error::RateLimited { endpoint, .. }
            | Error::Server { endpoint, .. }
            | Error::Timeout { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::Decode { endpoint, .. }
            | Error::ForeignHost { endpoint, .. }
            | Error::Redirect { endpoint, .. } => Some(endpoint),
            Error::ApiKey { .. } | Error::Config { .. } => None,
        }
    }

    /// The HTTP status behind this error, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Rejected { status, .. } | Error::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether another attempt might succeed (timeouts and broken connections).
    pub(crate) fn is_retryable_transport(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::Transport { .. })
    }

    /// Records how many attempts were made, for errors that carry the count.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::RateLimited { attempts, .. }
            | Error::Server { attempts, .. } => *attempts = n,
            _ => {}
        }
        self
    }

    pub(crate) fn from_reqwest(err: &reqwest::Error, endpoint: &str) -> Self {
        // The chain of sources carries the useful part ("connection reset by peer", "operation
        // timed out"); reqwest's own top line only repeats the URL, which holds no secret but
        // adds noise.
        let mut message = String::new();
        let mut source: Option<&dyn std::error::Error> = match std::error::Error::source(err) {
            Some(first) => Some(first),
            None => Some(err),
        };
        while let Some(e) = source {
            let text = e.to_string();
            if !message.contains(&text) {
                if !message.is_empty() {
                    message.push_str(": ");
                }
                message.push_str(&text);
            }
            source = e.source();
        }
        if err.is_timeout() {
            Error::Timeout {
                endpoint: endpoint.to_owned(),
                attempts: 1,
                message,
            }
        } else {
            Error::Transport {
                endpoint: endpoint.to_owned(),
                attempts: 1,
                message,
            }
        }
    }
}
