//! The usagestats sync engine.
//!
//! Owns: discovery, day planning, snapshots, diffing, classification and storing, with progress
//! events. Must not print: the CLI renders progress.
