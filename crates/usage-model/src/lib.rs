//! The pure domain model of usagestats.
//!
//! Owns: group, filter and init-file parsing, the classifier, report periods, day planning and
//! exact usage arithmetic. **Invariant:** this crate does no I/O and has no async, HTTP, SQL or
//! CLI dependency; everything here is a pure function of its inputs.

mod units;

pub use units::{Kb, ParseKbError, Traffic};
