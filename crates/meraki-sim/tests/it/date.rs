//! Every answer carries the simulated clock in its `Date` header, as a real server stamps its
//! own time: clients learn the Dashboard's "now" from it, whatever the host's clock says.

use std::time::Duration;

use jiff::Timestamp;
use meraki_sim::{ProductType, SimConfig};

use crate::common::{first_device, get, start};

fn date_of(headers: &reqwest::header::HeaderMap) -> Timestamp {
    let value = headers
        .get(reqwest::header::DATE)
        .expect("a Date header")
        .to_str()
        .expect("ASCII");
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .unwrap_or_else(|e| panic!("{value:?} is not an HTTP date: {e}"))
}

#[tokio::test]
async fn the_date_header_is_the_simulated_clock_on_every_answer() {
    // Years away from the host's clock, with a fraction the header (whole seconds) drops.
    let now: Timestamp = "2031-07-15T23:59:58.900Z".parse().expect("ts");
    let sim = start(SimConfig::default().with_now(now)).await;
    let (_, mx) = first_device(&sim, ProductType::Appliance);
    let too_old = now.as_second() - 2_678_401;
    for (path, status) in [
        ("/organizations".to_string(), 200),
        (format!("/devices/{}/clients?t0={too_old}", mx.serial), 400),
        ("/no/such/endpoint".to_string(), 404),
    ] {
        let (got, headers, _) = get(&sim, &path).await;
        assert_eq!(got, status, "{path}");
        assert_eq!(
            date_of(&headers),
            "2031-07-15T23:59:58Z".parse::<Timestamp>().expect("ts"),
            "{path}"
        );
    }
    // Moved, the clock moves the header with it.
    sim.advance(Duration::from_secs(2));
    let (_, headers, _) = get(&sim, "/organizations").await;
    assert_eq!(
        date_of(&headers),
        "2031-07-16T00:00:00Z".parse::<Timestamp>().expect("ts")
    );
    sim.shutdown().await;
}
