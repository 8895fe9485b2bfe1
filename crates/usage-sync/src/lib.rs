//! The usagestats sync engine.
//!
//! Owns: discovery (organizations → networks → devices, VLAN lists only where a VLAN-name rule
//! needs them), the plan of missing complete days per network, one cumulative snapshot per
//! device per day boundary (absolute `t0`), the per-day difference, classification into
//! groups, and one storage transaction per (network, day). Organizations run concurrently;
//! within an organization requests go as fast as the client's pacing allows. It also turns
//! stored rows into a [`report_render::Report`] ([`build_report`]).
//!
//! **Invariant:** this crate never prints. Progress goes to a [`ProgressSink`]; the result is
//! a [`SyncSummary`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use meraki_client::{ApiKey, Client};
//! use usage_model::{Filter, Groups};
//! use usage_sync::{NoProgress, SyncConfig};
//!
//! let client = Client::builder().api_key(ApiKey::from_env()?).build()?;
//! let store = storage::Store::open(std::path::Path::new("usage.sqlite")).await?;
//! let groups = Groups::parse("Corporate=sub:10.0.0.0/8; Guests=vname:guest")?;
//! let config = SyncConfig::new(groups, Filter::default());
//! let summary = usage_sync::sync(&client, &store, &config, &NoProgress).await?;
//! println!("{} days written with {} calls", summary.days_written, summary.calls_done);
//! # Ok(())
//! # }
//! ```
//!
//! # Public dependencies
//!
//! The engine's signatures use the workspace's own crates — `meraki_client::Client`,
//! `storage::Store` (package `usagestats-storage`), `usage_model`'s groups, filters and
//! figures, and `report_render::Report` — and [`jiff`] for instants: they are its public
//! dependencies. [`SyncSummary`], [`SyncStatus`], [`Progress`] and [`Error`] are
//! `#[non_exhaustive]`; [`SyncConfig`] is built with [`SyncConfig::new`].

mod assemble;
mod clock;
mod discover;
mod engine;
mod error;
mod fetch;
mod near;
mod progress;
mod report;
mod rules;

pub use clock::Clock;
pub use engine::{SyncConfig, sync};
pub use error::{Error, NothingSelected, Result};
pub use progress::{
    NetworkFailure, NoProgress, Progress, ProgressSink, SourceCalls, SyncStatus, SyncSummary,
};
pub use report::{build_report, build_reports, fully_synced_span, reclassify, top_clients};
