//! Storage for usagestats: one interface, [`Store`], over SQLite (a file, the default) and
//! PostgreSQL (a URL; cargo feature `postgres`).
//!
//! Owns the schema and its migrations (one forward-only set per backend, embedded with
//! `sqlx::migrate!` and applied on open), the whole-day writes of the sync engine, the report
//! queries, the coordination of syncs (SQLite's sync lock, PostgreSQL's organization leases)
//! and the import of databases made by the original `usagestats.py` ([`import_legacy`]; on the
//! command line `usagestats -d NEW import-legacy OLD`). **Invariant:** no SQL is ever built
//! from user strings; every value is a bound parameter. The schema is documented in
//! `docs/schema.md`.
//!
//! ```
//! use jiff::civil::date;
//! use usagestats_storage::{DayRecord, NetworkRecord, Settings, Store, TimeZoneMode};
//! use usage_model::{Kb, Source, Traffic};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(&dir.path().join("usage.db")).await?;
//! let settings = Settings {
//!     groups: "Corp=sub:10.0.0.0/8".into(),
//!     filter: "dtype:mx".into(),
//!     time_zone_mode: TimeZoneMode::Network,
//!     source: Source::Device,
//! };
//! store.save_settings(&settings, &["Corp".to_string()]).await?;
//! store.upsert_organization("O_1", "Acme").await?;
//! store
//!     .upsert_network(&NetworkRecord {
//!         id: "N_1".into(),
//!         organization_id: "O_1".into(),
//!         name: "Branch".into(),
//!         tags: vec![],
//!         time_zone: "Europe/Paris".into(),
//!     })
//!     .await?;
//! let corp = Traffic::from_sent_recv(Kb::from_kb(500), Kb::from_kb(120));
//! store
//!     .write_day(&DayRecord {
//!         network_id: "N_1".into(),
//!         day: date(2026, 11, 2),
//!         source: Source::Device,
//!         groups: vec![(0, corp)],
//!         unmatched: Traffic::default(),
//!         clients: vec![],
//!         bounds: vec![],
//!         unmatched_bound: Traffic::default(),
//!     })
//!     .await?;
//!
//! let rows = store.report_rows(date(2026, 11, 1), date(2026, 11, 7)).await?;
//! assert_eq!(rows[0].group_name.as_deref(), Some("Corp"));
//! assert_eq!(rows[0].traffic.up, Kb::from_kb(120));
//! let missing = store.missing_days(date(2026, 11, 1), date(2026, 11, 7)).await?;
//! assert_eq!(missing[0].2.len(), 6); // every day but the 2nd
//! # Ok(())
//! # }
//! ```
//!
//! # Public dependencies
//!
//! Days and instants are [`jiff`]'s and figures `usage_model`'s (`Traffic`, `Kb`, `Source`):
//! public dependencies. sqlx is the implementation; its error types still appear inside
//! [`Error`]'s `Sqlx`, `Migrate` and `CannotOpen` variants (to be wrapped in an opaque type
//! before 1.0, so that a sqlx upgrade is not a breaking change of this crate).
#![deny(missing_docs)]

mod assemble;
mod convert;
mod copy;
mod error;
mod legacy;
mod location;
mod period;
#[cfg(feature = "postgres")]
mod postgres;
mod privacy;
mod records;
mod rows;
mod sqlite;
mod store;
mod top;

pub use copy::{CopySummary, copy_database};
pub use error::{Error, Result};
pub use legacy::{LEGACY_DB_VERSION, import_legacy};
pub use location::{Location, PostgresUrl};
pub use privacy::{ForgetSummary, PrivacyImpact, normalize_mac};
pub use records::{
    ClientDayRecord, DayRecord, ImportSummary, NetworkRecord, ReclassifySummary, ReportRow, RunId,
    RunStatus, RunSummary, Settings, SyncRunRecord, TimeZoneMode,
};
pub use sqlite::{DatabaseFile, SyncLock, database_file_named, refuse_database_file};
pub use store::{BackendKind, OpenMode, Store};
pub use top::TopClient;
