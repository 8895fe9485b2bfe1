//! Meraki's own description of the Dashboard API, as test data: the contract that meraki-sim
//! and meraki-client are held to.
//!
//! Dev-only: a dev-dependency of meraki-sim's and meraki-client's tests and a dependency of
//! `xtask` (`cargo xtask api-drift`); never a normal dependency of a published crate.
//!
//! - [`Spec`]: an OpenAPI 3 document — the committed subset of Meraki's specification
//!   (`fixtures/openapi/usage-subset.json`, [`Spec::committed`]) or any other, such as a newer
//!   full `spec3.json` — with its operations, their parameters (and the limits their schemas
//!   and descriptions state) and their response schemas and examples.
//! - [`Deviations`]: `fixtures/openapi/deviations.toml`, where the live API is known to differ
//!   from the specification, each with its evidence.
//! - [`UsedApi`]: `fixtures/openapi/used.toml`, the operations, parameters and response fields
//!   the code uses.
//! - [`ResponseCheck`]: validates a response body against its operation's schema with the
//!   `jsonschema` crate, allowing exactly the listed deviations.
//! - [`check_request`]: checks a request's query against its operation's documented
//!   parameters and limits.
//!
//! ```
//! use api_contract::{Deviations, ResponseCheck, Spec};
//! use serde_json::json;
//!
//! let spec = Spec::committed();
//! let deviations = Deviations::committed();
//! let check = ResponseCheck::new(&spec, &deviations, "getNetworkClients")?;
//! // An ISO-8601 `firstSeen` is a listed deviation of the live API: allowed.
//! let ok = check.check(&json!([{"id": "k1", "firstSeen": "2025-02-22T10:15:00Z"}]));
//! assert!(ok.violations().is_empty());
//! assert_eq!(ok.deviations_seen.len(), 1);
//! // A number where a string is documented, at a path with no such deviation, is not.
//! let bad = check.check(&json!([{"id": 7}]));
//! assert_eq!(bad.violations().len(), 1);
//! # Ok::<(), api_contract::Error>(())
//! ```

#![deny(missing_docs)]

mod check;
mod deviations;
mod error;
mod schema;
mod spec;
mod used;

pub use check::{
    Outcome, RequestReport, ResponseCheck, check_request, field_paths, field_values, set_field,
};
pub use deviations::{Deviation, Deviations};
pub use error::{Error, Result};
pub use schema::json_schema;
pub use spec::{Field, Limits, Operation, Parameter, Spec};
pub use used::{UsedApi, UsedOperation};

/// The committed subset of Meraki's OpenAPI specification (see `fixtures/openapi/README.md`).
pub const SUBSET_JSON: &str = include_str!("../../../fixtures/openapi/usage-subset.json");

/// SHA-256 of [`SUBSET_JSON`]: the file is Meraki's, unchanged, and is replaced whole by a
/// newer specification (with this hash and the README's version line), never edited.
pub const SUBSET_SHA256: &str = "14e45407f9967bf7ca3f642a659b4fbd189c67ad85458037312418616d1547c3";

/// The committed list of known deviations of the live API.
pub const DEVIATIONS_TOML: &str = include_str!("../../../fixtures/openapi/deviations.toml");

/// The committed list of the operations, parameters and fields the code uses.
pub const USED_TOML: &str = include_str!("../../../fixtures/openapi/used.toml");

#[cfg(test)]
mod tests;
