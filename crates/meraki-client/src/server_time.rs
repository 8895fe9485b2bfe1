//! The Dashboard's clock, as its responses tell it.
//!
//! Every HTTP response carries the server's time in its `Date` header (RFC 9110, whole
//! seconds). The API judges `t0` against that clock, not the caller's, so a caller that decides
//! which days are over or how far back the API reaches should use it: a host clock hours off
//! would otherwise plan days that have not ended yet, or ask for a start the API refuses.

use std::sync::Mutex;
use std::time::Instant;

use http::HeaderMap;
use jiff::Timestamp;

/// The server's time from the last response received, and when (on this host's monotonic
/// clock) it was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerTime {
    /// The response's `Date` header: the server's clock when it answered, truncated to the
    /// second (so never later than the server's real time).
    pub date: Timestamp,
    /// When the response arrived here.
    pub received: Instant,
}

impl ServerTime {
    /// The server's clock read `date` in an answer received at `received`.
    pub fn new(date: Timestamp, received: Instant) -> ServerTime {
        ServerTime { date, received }
    }
}

/// The `Date` header of `headers`, when it holds an HTTP date.
pub(crate) fn date_header(headers: &HeaderMap) -> Option<Timestamp> {
    let value = headers.get(http::header::DATE)?.to_str().ok()?;
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value.trim())
        .ok()
}

/// The last [`ServerTime`] seen, shared by every clone of a client.
#[derive(Debug, Default)]
pub(crate) struct ServerClock {
    last: Mutex<Option<ServerTime>>,
}

impl ServerClock {
    /// Records the `Date` of a response that just arrived. The latest arrival wins (not the
    /// latest date): a server whose clock was set back is believed, as it will judge the next
    /// request by that clock.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let Some(date) = date_header(headers) else {
            return;
        };
        let seen = ServerTime {
            date,
            received: Instant::now(),
        };
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(seen);
    }

    pub(crate) fn last(&self) -> Option<ServerTime> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn http_dates_are_read_and_anything_else_is_ignored() {
        let clock = ServerClock::default();
        let mut headers = HeaderMap::new();
        clock.observe(&headers);
        assert_eq!(clock.last(), None, "no header, no time");
        headers.insert(http::header::DATE, HeaderValue::from_static("yesterday"));
        clock.observe(&headers);
        assert_eq!(clock.last(), None);
        headers.insert(
            http::header::DATE,
            HeaderValue::from_static("Sun, 08 Mar 2026 01:30:00 GMT"),
        );
        clock.observe(&headers);
        let seen = clock.last().expect("a time");
        assert_eq!(
            seen.date,
            "2026-03-08T01:30:00Z".parse::<Timestamp>().unwrap()
        );
        // A clock set back is believed: the server judges the next request by it.
        headers.insert(
            http::header::DATE,
            HeaderValue::from_static("Sat, 07 Mar 2026 23:00:00 GMT"),
        );
        clock.observe(&headers);
        assert_eq!(
            clock.last().map(|s| s.date),
            Some("2026-03-07T23:00:00Z".parse().unwrap())
        );
    }
}
