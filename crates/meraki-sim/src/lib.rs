//! A Meraki Dashboard API simulator: an HTTP server and a library.
//!
//! Owns: a deterministic world generated from a seed, cumulative usage semantics, rate limits,
//! pagination, fault injection and ground truth. Must not be needed by the library crates at
//! run time.
