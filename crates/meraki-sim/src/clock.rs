//! The simulator's clock: real time (optionally shifted) or frozen.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy)]
enum Mode {
    Real { shift: SignedDuration },
    Frozen(Timestamp),
}

/// Shared clock; every request reads it once.
#[derive(Debug)]
pub(crate) struct Clock {
    mode: Mutex<Mode>,
}

impl Clock {
    pub(crate) fn new(frozen: Option<Timestamp>) -> Clock {
        let mode = match frozen {
            Some(t) => Mode::Frozen(t),
            None => Mode::Real {
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
        }
    }

    pub(crate) fn set(&self, now: Timestamp) {
        *self.mode() = Mode::Frozen(now);
    }

    /// Moves the clock; a real clock stays real but shifted.
    pub(crate) fn advance(&self, by: SignedDuration) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::Frozen(t) => Mode::Frozen(t.checked_add(by).unwrap_or(t)),
            Mode::Real { shift } => Mode::Real {
                shift: shift.checked_add(by).unwrap_or(shift),
            },
        };
    }

    pub(crate) fn is_frozen(&self) -> bool {
        matches!(*self.mode(), Mode::Frozen(_))
    }
}
