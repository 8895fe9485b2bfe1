//! Out-of-band endpoints under `/_sim/` (not part of the Meraki API, no key needed, never
//! limited or faulted): counters, ground truth, the clock, the world, failing networks.

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use usage_model::Kb;

use super::{ApiError, Params};
use crate::state::{SimState, day_bounds};
use crate::truth::kb_f64;

type St = State<Arc<SimState>>;
type ApiResult = Result<Response, ApiError>;

pub(super) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/counters", get(counters).delete(reset_counters))
        .route("/ground-truth", get(ground_truth))
        .route("/clock", get(clock).post(set_clock))
        .route("/world", get(world))
        .route("/fail-network", axum::routing::post(fail_network))
}

async fn counters(State(st): St) -> Response {
    axum::Json(st.counters.snapshot()).into_response()
}

async fn reset_counters(State(st): St) -> Response {
    st.counters.reset();
    axum::Json(st.counters.snapshot()).into_response()
}

async fn world(State(st): St) -> Response {
    axum::Json(&st.world).into_response()
}

fn clock_json(st: &SimState) -> Response {
    axum::Json(json!({
        "now": st.clock.now().to_string(),
        "frozen": st.clock.is_frozen(),
        "rate": st.clock.rate(),
    }))
    .into_response()
}

async fn clock(State(st): St) -> Response {
    clock_json(&st)
}

/// `?set=<RFC 3339>` sets the clock there (frozen, or running on at its rate);
/// `?advance=<seconds>` moves it.
async fn set_clock(State(st): St, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    if let Some(set) = params.get("set") {
        let t: Timestamp = set.parse().map_err(|e| {
            ApiError::bad_request(format!("'set' must be an RFC 3339 timestamp: {e}"))
        })?;
        st.clock.set(t);
    }
    if let Some(adv) = params.get("advance") {
        let secs: f64 = adv
            .parse()
            .map_err(|_| ApiError::bad_request("'advance' must be a number of seconds"))?;
        let by = SignedDuration::try_from_secs_f64(secs)
            .map_err(|e| ApiError::bad_request(format!("'advance' out of range: {e}")))?;
        st.clock.advance(by);
    }
    Ok(clock_json(&st))
}

async fn fail_network(State(st): St, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    let id = params
        .get("network")
        .ok_or_else(|| ApiError::bad_request("missing 'network'"))?;
    if st.network(id).is_none() {
        return Err(ApiError::not_found());
    }
    let failing = params.get("failing") != Some("false");
    st.fail_network(id, failing);
    Ok(axum::Json(json!({ "network": id, "failing": failing })).into_response())
}

/// `?network=N_…&day=YYYY-MM-DD[&tz=IANA][&serial=Q2…]`: exact per-client usage of that day
/// (in the network's own zone unless `tz` is given).
async fn ground_truth(State(st): St, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    let network = params
        .get("network")
        .ok_or_else(|| ApiError::bad_request("missing 'network'"))?;
    let (_, _, net) = st.network(network).ok_or_else(ApiError::not_found)?;
    let day: Date = params
        .get("day")
        .ok_or_else(|| ApiError::bad_request("missing 'day' (YYYY-MM-DD)"))?
        .parse()
        .map_err(|e| ApiError::bad_request(format!("'day' must be YYYY-MM-DD: {e}")))?;
    let tz_name = params.get("tz").unwrap_or(&net.time_zone);
    let tz = TimeZone::get(tz_name)
        .map_err(|e| ApiError::bad_request(format!("unknown time zone {tz_name:?}: {e}")))?;
    let serial = params.get("serial");
    let truth = st
        .ground_truth(network, serial, day, &tz)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let (start, end) = day_bounds(day, &tz).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let sent: Kb = truth.values().map(|u| u.sent).sum();
    let recv: Kb = truth.values().map(|u| u.recv).sum();
    Ok(axum::Json(json!({
        "network": network,
        "serial": serial,
        "day": day.to_string(),
        "timeZone": tz_name,
        "start": start.to_string(),
        "end": end.to_string(),
        "now": st.clock.now().to_string(),
        "total": { "sent": kb_f64(sent), "recv": kb_f64(recv) },
        "clients": truth,
    }))
    .into_response())
}
