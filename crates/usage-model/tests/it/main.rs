//! Integration tests for usage-model: property tests and fixtures.

mod classifier_reference;
mod fixtures;
mod parsers;
mod plan_diff;
