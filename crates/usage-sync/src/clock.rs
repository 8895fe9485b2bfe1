//! Where a sync reads the current time.
//!
//! The API judges `t0` ("at most 31 days back") by the Dashboard's clock, and a day is over
//! when the Dashboard's clock says so: a host clock hours ahead would store days that have not
//! ended there (and never fetch them again), one hours behind would ask for starts the API
//! refuses. Every answer carries the Dashboard's time in its `Date` header
//! ([`meraki_client::Client::server_time`]), so "now" is the Dashboard's time of the last
//! answer; the configured [`Clock`] — the host's, or an injected one — serves only before the
//! first answer, and to tell how far off it is. A sync can run for an hour, so the engine asks
//! again whenever it decides something against "now" (planning, before each target's reads,
//! after each target's first answer), instead of using one instant read at the start; every
//! answer refreshes the Dashboard's time.

use std::fmt;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use meraki_client::ServerTime;

/// A host clock differing from the Dashboard's by more than this is worth a warning: beyond
/// the second the `Date` header rounds to and a request's round trip, it means a clock that is
/// not synchronized (or a `--now` that is not the Dashboard's now).
pub(crate) const SKEW_WARNING: SignedDuration = SignedDuration::from_secs(60);

/// The host's clock as the sync sees it: the system clock (default), a fixed instant, or any
/// function (a simulator's clock in tests). The Dashboard's own clock, read from its answers,
/// takes precedence once one has arrived (see the module documentation).
#[derive(Clone, Default)]
pub struct Clock(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    System,
    Fixed(Timestamp),
    Custom(Arc<dyn Fn() -> Timestamp + Send + Sync>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// Always `now` (an "as of" run, a test with a frozen simulator).
    pub fn fixed(now: Timestamp) -> Clock {
        Clock(Source::Fixed(now))
    }

    /// Whatever `f` returns, e.g. a simulator's running clock.
    pub fn from_fn(f: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Source::Custom(Arc::new(f)))
    }

    /// The current instant by this clock.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Source::System => Timestamp::now(),
            Source::Fixed(t) => *t,
            Source::Custom(f) => f(),
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Fixed(t) => write!(f, "Clock::fixed({t})"),
            Source::Custom(_) => f.write_str("Clock::from_fn(..)"),
        }
    }
}

/// "Now" for one sync: the Dashboard's time in its last answer `seen`, else `host`'s.
///
/// The answer's time, not an estimate running on from it: it is at most the age of the last
/// answer behind (sub-second while a sync reads; after a wait for another sync's lock, the
/// plan is then conservative — a day that ended meanwhile waits for the next sync), and the
/// window is checked again after each target's first answer. So a day is never taken for over
/// before the Dashboard says so, whatever the host's clock, a frozen simulator included.
pub(crate) fn sync_now(host: &Clock, seen: Option<ServerTime>) -> Timestamp {
    match seen {
        Some(seen) => seen.date,
        None => host.now(),
    }
}

/// The host's instant and the Dashboard's (its answer `seen`, just received), when they differ
/// by more than [`SKEW_WARNING`].
pub(crate) fn skew(host: &Clock, seen: Option<ServerTime>) -> Option<(Timestamp, Timestamp)> {
    let seen = seen?;
    let here = host.now();
    (here.duration_since(seen.date).abs() > SKEW_WARNING).then_some((here, seen.date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(date: &str) -> ServerTime {
        ServerTime::new(date.parse().expect("instant"), std::time::Instant::now())
    }

    #[test]
    fn the_dashboard_s_answer_wins_over_any_host_clock() {
        let host: Timestamp = "2026-03-12T12:00:00Z".parse().unwrap();
        let fixed = Clock::fixed(host);
        assert_eq!(
            sync_now(&fixed, None),
            host,
            "before any answer: the host's"
        );
        let seen = answer("2026-03-10T12:00:00Z");
        let dashboard: Timestamp = "2026-03-10T12:00:00Z".parse().unwrap();
        assert_eq!(sync_now(&fixed, Some(seen)), dashboard);
        assert_eq!(skew(&fixed, Some(seen)), Some((host, dashboard)));
        // The system clock: the Dashboard's time runs on from the answer.
        let system = Clock::system();
        let now = sync_now(&system, Some(seen));
        assert!(
            now >= dashboard
                && now
                    < dashboard
                        .checked_add(SignedDuration::from_secs(60))
                        .unwrap()
        );
        // Within a minute: no warning, either way.
        let close = Clock::fixed("2026-03-10T12:00:59Z".parse().unwrap());
        assert_eq!(skew(&close, Some(seen)), None);
        let close = Clock::fixed("2026-03-10T11:59:01Z".parse().unwrap());
        assert_eq!(skew(&close, Some(seen)), None);
        let behind = Clock::fixed("2026-03-10T09:30:00Z".parse().unwrap());
        assert!(skew(&behind, Some(seen)).is_some());
        assert_eq!(skew(&behind, None), None, "nothing to compare with");
    }
}
