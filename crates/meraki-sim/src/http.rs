//! The HTTP surface: router assembly, the real error shape, authentication, query parsing,
//! `t0`/`timespan` windows and `Link` pagination shared by the v1 and v0 handlers.

mod sim;
mod v0;
mod v1;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jiff::Timestamp;
use tower::ServiceBuilder;

use crate::fault::inject_faults;
use crate::instrument::instrument;
use crate::limit::rate_limit;
use crate::state::{SimState, minute_ceil};

/// Longest look-back the API allows for `t0` and `timespan`: 31 days.
pub(crate) const MAX_LOOKBACK_SECS: i64 = 2_678_400;

/// Builds the whole application: v1 under the prefix, v0, `/_sim/`, wrapped in the
/// date → instrument → faults → rate-limit layers (outermost first).
pub(crate) fn app(state: Arc<SimState>) -> Router {
    let auth = middleware::from_fn_with_state(state.clone(), require_key);
    let v1 = v1::routes().route_layer(auth.clone());
    let v0 = v0::routes().route_layer(auth);
    Router::new()
        .nest(&state.prefix, v1)
        .nest("/api/v0", v0)
        .nest("/_sim", sim::routes())
        .fallback(not_found)
        .with_state(state.clone())
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(state.clone(), date_header))
                .layer(middleware::from_fn_with_state(state.clone(), instrument))
                .layer(middleware::from_fn_with_state(state.clone(), inject_faults))
                .layer(middleware::from_fn_with_state(state, rate_limit)),
        )
}

/// Runs the CPU-heavy part of a request (summing usage over a window) on the blocking pool, so
/// the async workers stay free to accept and time-stamp other requests: requests sent
/// together are served "at" nearly the same instant, as on the real, many-core API, and a
/// moving clock shows the drift a sync really causes, not this process's scheduling.
pub(crate) async fn off_the_runtime<T: Send + 'static>(
    state: &Arc<SimState>,
    work: impl FnOnce(&SimState) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || work(&state))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))
}

/// Sets every response's `Date` header (RFC 9110's IMF-fixdate) from the simulated clock, read
/// when the response is ready, as a real server stamps it. Clients learn the Dashboard's time
/// from this header; hyper only adds its own (the host's time) when the header is missing.
async fn date_header(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&state.clock.now())
        .ok()
        .and_then(|d| HeaderValue::from_str(&d).ok());
    if let Some(date) = date {
        resp.headers_mut().insert(header::DATE, date);
    }
    resp
}

/// `{"errors": [message]}` with `status`: the API's error shape.
pub(crate) fn errors_response(status: StatusCode, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "errors": [message] }).to_string();
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// An API error answered in the real shape.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub(crate) fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "Not found")
    }
    pub(crate) fn forbidden() -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "API access is not enabled for this organization",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        errors_response(self.status, &self.message)
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Accepts `Authorization: Bearer <key>` (v1 style) or `X-Cisco-Meraki-API-Key` (v0 style).
async fn require_key(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    if key_ok(&state, req.headers()) {
        next.run(req).await
    } else {
        ApiError::new(StatusCode::UNAUTHORIZED, "Invalid API key").into_response()
    }
}

fn key_ok(state: &SimState, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let legacy = headers
        .get("x-cisco-meraki-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    [bearer, legacy]
        .into_iter()
        .flatten()
        .any(|k| state.key_matches(k))
}

/// Decoded query parameters, in order (array parameters repeat, as `tags[]=a&tags[]=b`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Params {
        Params(
            query
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of an array parameter, given as `name[]` or `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        let bracketed = format!("{name}[]");
        self.0
            .iter()
            .filter(|(k, _)| *k == bracketed || k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn without_cursors(&self) -> impl Iterator<Item = &(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "perPage" | "startingAfter" | "endingBefore"))
    }
}

/// A usage window as UTC minute indices `[a, b)`: the slots whose start lies in `[t0, now)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) a: i64,
    pub(crate) b: i64,
}

/// Reads `t0` (RFC 3339 or epoch seconds) or `timespan` (seconds, default one day); both at
/// once, a look-back beyond 31 days or a malformed value is a 400 like the real API.
pub(crate) fn window(params: &Params, now: Timestamp) -> Result<Window, ApiError> {
    let t0 = params.get("t0");
    let timespan = params.get("timespan");
    let start = match (t0, timespan) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "'t0' and 'timespan' cannot be used together",
            ));
        }
        (Some(t0), None) => {
            let t = parse_t0(t0)?;
            if now.as_second() - t.as_second() > MAX_LOOKBACK_SECS
                || (now.as_second() - t.as_second() == MAX_LOOKBACK_SECS
                    && t.subsec_nanosecond() < now.subsec_nanosecond())
            {
                return Err(ApiError::bad_request(
                    "'t0' must be within 31 days of the current time",
                ));
            }
            t
        }
        (None, ts) => {
            let secs = match ts {
                None => 86_400.0,
                Some(s) => s.trim().parse::<f64>().map_err(|_| {
                    ApiError::bad_request(format!("Invalid timespan {s:?}: expected seconds"))
                })?,
            };
            if !(secs.is_finite() && secs > 0.0 && secs <= MAX_LOOKBACK_SECS as f64) {
                return Err(ApiError::bad_request(
                    "'timespan' must be greater than 0 and at most 2678400 seconds (31 days)",
                ));
            }
            let nanos = (secs * 1e9) as i64;
            now.checked_sub(jiff::SignedDuration::from_nanos(nanos))
                .map_err(|_| ApiError::bad_request("'timespan' reaches before the epoch"))?
        }
    };
    Ok(Window {
        a: minute_ceil(start),
        b: minute_ceil(now),
    })
}

fn parse_t0(s: &str) -> Result<Timestamp, ApiError> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(secs) = s.parse::<f64>()
        && secs.is_finite()
        && let Ok(t) = Timestamp::from_nanosecond((secs * 1e9) as i128)
    {
        return Ok(t);
    }
    Err(ApiError::bad_request(format!(
        "Invalid t0 {s:?}: expected an ISO 8601 timestamp or epoch seconds"
    )))
}

/// Page size and cursors of a paginated request.
#[derive(Debug, Clone)]
pub(crate) struct PageSpec {
    per_page: usize,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

pub(crate) fn page_spec(params: &Params, default: usize, max: usize) -> Result<PageSpec, ApiError> {
    let per_page = match params.get("perPage") {
        None => default,
        Some(s) => {
            let n: usize = s.trim().parse().map_err(|_| {
                ApiError::bad_request(format!("'perPage' must be an integer, got {s:?}"))
            })?;
            if !(3..=max).contains(&n) {
                return Err(ApiError::bad_request(format!(
                    "'perPage' must be between 3 and {max}"
                )));
            }
            n
        }
    };
    Ok(PageSpec {
        per_page,
        starting_after: params.get("startingAfter").map(str::to_string),
        ending_before: params.get("endingBefore").map(str::to_string),
    })
}

/// Cursor after every id the simulator hands out (ids are ASCII, mostly digits, `N_`/`L_`,
/// `Q2…` and `k…`), used by the `rel=last` link.
const LAST_CURSOR: &str = "zzzzzzzzzzzzzzzz";

/// One page of `items` (sorted by `key`) and its `Link` header value.
pub(crate) fn paginate<'a, T>(
    items: &'a [T],
    key: impl Fn(&T) -> &str,
    spec: &PageSpec,
    origin: &str,
    path: &str,
    params: &Params,
) -> (&'a [T], Option<String>) {
    let n = spec.per_page;
    let (lo, hi) = if let Some(after) = &spec.starting_after {
        let lo = items.partition_point(|i| key(i) <= after.as_str());
        (lo, (lo + n).min(items.len()))
    } else if let Some(before) = &spec.ending_before {
        let hi = items.partition_point(|i| key(i) < before.as_str());
        (hi.saturating_sub(n), hi)
    } else {
        (0, n.min(items.len()))
    };
    let page = &items[lo..hi];
    let link = |cursor: Option<(&str, &str)>| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.without_cursors() {
            q.append_pair(k, v);
        }
        q.append_pair("perPage", &n.to_string());
        if let Some((name, value)) = cursor {
            q.append_pair(name, value);
        }
        format!("<{origin}{path}?{}>", q.finish())
    };
    let mut parts = vec![format!("{}; rel=first", link(None))];
    if lo > 0 {
        // Before the first item of this page; past the end when the page is empty.
        let cursor = page.first().map_or(LAST_CURSOR, |first| key(first));
        parts.push(format!(
            "{}; rel=prev",
            link(Some(("endingBefore", cursor)))
        ));
    }
    if hi < items.len()
        && let Some(last) = page.last()
    {
        parts.push(format!(
            "{}; rel=next",
            link(Some(("startingAfter", key(last))))
        ));
    }
    parts.push(format!(
        "{}; rel=last",
        link(Some(("endingBefore", LAST_CURSOR)))
    ));
    (page, Some(parts.join(", ")))
}

/// A JSON array response, with a `Link` header when paginated.
pub(crate) fn json_list(items: Vec<serde_json::Value>, link: Option<String>) -> Response {
    let mut resp = axum::Json(serde_json::Value::Array(items)).into_response();
    if let Some(link) = link
        && let Ok(v) = HeaderValue::from_str(&link)
    {
        resp.headers_mut().insert(header::LINK, v);
    }
    resp
}

/// A usage number: the exact value as a JSON float (`138.0`, `0.125`).
pub(crate) fn kb_value(millis: i64) -> serde_json::Value {
    serde_json::Value::from(millis as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::parse(Some(q))
    }

    #[test]
    fn window_rules() {
        let now: Timestamp = "2026-03-10T12:00:30Z".parse().expect("ts");
        let w = window(&params(""), now).expect("default");
        assert_eq!(w.b - w.a, 1440);
        let w = window(&params("t0=2026-03-10T00:00:00Z"), now).expect("t0");
        assert_eq!(w.b - w.a, 12 * 60 + 1);
        let epoch = "2026-03-10T00:00:00Z"
            .parse::<Timestamp>()
            .expect("ts")
            .as_second();
        assert_eq!(window(&params(&format!("t0={epoch}")), now).ok(), Some(w));
        let limit = now.as_second() - MAX_LOOKBACK_SECS;
        assert!(window(&params(&format!("t0={limit}")), now).is_ok());
        assert!(window(&params(&format!("t0={}", limit - 1)), now).is_err());
        assert!(window(&params("timespan=2678400"), now).is_ok());
        assert!(window(&params("timespan=2678401"), now).is_err());
        assert!(window(&params("timespan=0"), now).is_err());
        assert!(window(&params("t0=1&timespan=5"), now).is_err());
        assert!(window(&params("t0=yesterday"), now).is_err());
    }

    #[test]
    fn pages_cover_everything_once_both_ways() {
        let items: Vec<String> = (0..23).map(|i| format!("k{i:03}")).collect();
        let p = Params::default();
        let mut spec = page_spec(&params("perPage=5"), 10, 100).expect("spec");
        let mut seen = Vec::new();
        loop {
            let (page, link) = paginate(&items, |s| s.as_str(), &spec, "http://x", "/p", &p);
            seen.extend(page.iter().cloned());
            let link = link.expect("link");
            match page.last() {
                Some(last) if link.contains("rel=next") => {
                    spec.starting_after = Some(last.clone());
                }
                _ => break,
            }
        }
        assert_eq!(seen, items);
        // Backwards from the last page.
        let spec = PageSpec {
            per_page: 5,
            starting_after: None,
            ending_before: Some(LAST_CURSOR.to_string()),
        };
        let (page, _) = paginate(&items, |s| s.as_str(), &spec, "http://x", "/p", &p);
        assert_eq!(page, &items[18..]);
        assert!(page_spec(&params("perPage=2"), 10, 100).is_err());
        assert!(page_spec(&params("perPage=101"), 10, 100).is_err());
    }
}
