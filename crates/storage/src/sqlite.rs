//! The SQLite backend: one database file, its forward-only migrations
//! (`migrations/sqlite/`), a sync lock on `<file>.lock`, and the queries behind every
//! [`crate::Store`] method.

mod dump;
mod files;
mod lock;
mod open;
mod reclassify;
mod report;
mod runs;
mod write;

pub use files::{DatabaseFile, database_file_named, refuse_database_file};
pub use lock::SyncLock;
pub(crate) use open::SqliteStore;
pub(crate) use open::{check_header, check_kind};
