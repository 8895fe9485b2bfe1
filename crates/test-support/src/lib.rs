//! Dev-only test helpers shared by the integration tests of several usagestats crates.
//!
//! Never a normal dependency: list it under `[dev-dependencies]` only.
//!
//! - [`truth`]: the frozen clock of the test worlds and the comparison of a database with
//!   meraki-sim's ground truth.
//! - [`smtp`]: a real SMTP server (aiosmtpd) with a certificate from a private CA.
//! - [`postgres`]: a real PostgreSQL server started for the test process, a database per test.
//! - [`python`]: which Python runs the Python peers, and the one-line message when it cannot.
//!
//! ```
//! use test_support::truth::{Table, day_span, now};
//!
//! assert_eq!(now().to_string(), test_support::truth::NOW);
//! let mut t = Table::new();
//! let day = jiff::civil::date(2026, 4, 6);
//! t.insert(("N_1".into(), day, None), Default::default());
//! assert_eq!(day_span(&t), (day, day));
//! ```

pub mod postgres;
pub mod python;
pub mod smtp;
pub mod truth;
