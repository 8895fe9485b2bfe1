//! The simulator's clock: real time (optionally shifted), frozen, or running at a chosen rate.
//!
//! A running clock lets tests and benchmarks show in seconds what a live clock does to a sync
//! in hours: at rate 600, ten simulated minutes pass per real second, so traffic keeps flowing
//! between the two reads that make up a day exactly as it would on a real Dashboard during a
//! long sync.

use std::sync::Mutex;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy)]
enum Mode {
    Real {
        shift: SignedDuration,
    },
    Frozen(Timestamp),
    /// `anchor` at real instant `since`, then `rate` simulated seconds per real second.
    Running {
        anchor: Timestamp,
        since: Instant,
        rate: f64,
    },
}

/// Shared clock; every request reads it once.
#[derive(Debug)]
pub(crate) struct Clock {
    mode: Mutex<Mode>,
}

impl Clock {
    /// Frozen at `start` when there is no rate; running at `rate` from `start` (or from the
    /// real time) when there is one; else real time.
    pub(crate) fn new(start: Option<Timestamp>, rate: Option<f64>) -> Clock {
        let mode = match (start, rate) {
            (start, Some(rate)) => Mode::Running {
                anchor: start.unwrap_or_else(Timestamp::now),
                since: Instant::now(),
                rate,
            },
            (Some(t), None) => Mode::Frozen(t),
            (None, None) => Mode::Real {
                shift: SignedDuration::ZERO,
            },
        };
        Clock {
            mode: Mutex::new(mode),
        }
    }

    fn mode(&self) -> std::sync::MutexGuard<'_, Mode> {
        // A poisoned clock still holds a valid value: keep serving.
        self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn now(&self) -> Timestamp {
        match *self.mode() {
            Mode::Frozen(t) => t,
            Mode::Real { shift } => Timestamp::now()
                .checked_add(shift)
                .unwrap_or_else(|_| Timestamp::now()),
            Mode::Running {
                anchor,
                since,
                rate,
            } => running_now(anchor, since, rate),
        }
    }

    /// Sets the time: a frozen or real clock becomes frozen there (as before rates existed);
    /// a running clock keeps running at its rate from there.
    pub(crate) fn set(&self, now: Timestamp) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::Running { rate, .. } => Mode::Running {
                anchor: now,
                since: Instant::now(),
                rate,
            },
            Mode::Frozen(_) | Mode::Real { .. } => Mode::Frozen(now),
        };
    }

    /// Moves the clock; a real clock stays real but shifted, a running one keeps its rate.
    pub(crate) fn advance(&self, by: SignedDuration) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::Frozen(t) => Mode::Frozen(t.checked_add(by).unwrap_or(t)),
            Mode::Real { shift } => Mode::Real {
                shift: shift.checked_add(by).unwrap_or(shift),
            },
            Mode::Running {
                anchor,
                since,
                rate,
            } => Mode::Running {
                anchor: anchor.checked_add(by).unwrap_or(anchor),
                since,
                rate,
            },
        };
    }

    pub(crate) fn is_frozen(&self) -> bool {
        matches!(*self.mode(), Mode::Frozen(_))
    }

    /// Simulated seconds per real second: 0 when frozen, 1 for real time.
    pub(crate) fn rate(&self) -> f64 {
        match *self.mode() {
            Mode::Frozen(_) => 0.0,
            Mode::Real { .. } => 1.0,
            Mode::Running { rate, .. } => rate,
        }
    }
}

fn running_now(anchor: Timestamp, since: Instant, rate: f64) -> Timestamp {
    let elapsed = since.elapsed().as_secs_f64() * rate;
    SignedDuration::try_from_secs_f64(elapsed)
        .ok()
        .and_then(|d| anchor.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_clock_moves_at_its_rate_and_keeps_it_when_set() {
        let start: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let clock = Clock::new(Some(start), Some(600.0));
        assert_eq!(clock.rate(), 600.0);
        assert!(!clock.is_frozen());
        std::thread::sleep(std::time::Duration::from_millis(50));
        let moved = clock.now().duration_since(start).as_secs_f64();
        // 50 ms real = 30 simulated seconds at least; far less than a simulated hour.
        assert!((30.0..3600.0).contains(&moved), "{moved}");
        let later: Timestamp = "2026-03-05T00:00:00Z".parse().unwrap();
        clock.set(later);
        assert!(clock.now() >= later && clock.rate() == 600.0);
        clock.advance(SignedDuration::from_hours(1));
        assert!(clock.now().duration_since(later) >= SignedDuration::from_hours(1));
    }

    #[test]
    fn frozen_and_real_clocks_keep_their_meaning() {
        let start: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let frozen = Clock::new(Some(start), None);
        assert!(frozen.is_frozen() && frozen.rate() == 0.0);
        frozen.advance(SignedDuration::from_secs(60));
        assert_eq!(frozen.now().as_second(), start.as_second() + 60);
        let real = Clock::new(None, None);
        assert_eq!(real.rate(), 1.0);
        real.set(start);
        assert!(real.is_frozen() && real.now() == start);
    }
}
