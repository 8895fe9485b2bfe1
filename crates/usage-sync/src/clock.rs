//! Where a sync reads the current time.
//!
//! The API's window ("at most 31 days back") is measured against the server's clock at the
//! moment each request arrives, and a sync can run for an hour. So the engine asks the clock
//! again whenever it decides something against "now" (planning under the lock, before each
//! device's reads), instead of using one instant read at the start.

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;

/// A source of the current instant: the system clock (default), a fixed instant, or any
/// function (a simulator's clock in tests).
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

    /// Always `now` (a simulator with a frozen clock, or "as of" runs).
    pub fn fixed(now: Timestamp) -> Clock {
        Clock(Source::Fixed(now))
    }

    /// Whatever `f` returns, e.g. a simulator's running clock.
    pub fn from_fn(f: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Source::Custom(Arc::new(f)))
    }

    /// The current instant.
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
