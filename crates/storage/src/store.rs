//! [`Store`]: the one storage interface of usagestats, over two backends.
//!
//! Each backend is a type with the same inherent methods — [`crate::sqlite::SqliteStore`] and,
//! with the `postgres` feature, [`crate::postgres::PgStore`] — and `Store` is an enum over
//! them that forwards every call ([`dispatch!`]). Forgetting a method in one backend is a
//! compile error here, so the two keep one interface. Why an enum and not a trait object or a
//! type parameter: `docs/architecture.md`, "Storage seam".

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use jiff::civil::Date;
use usage_model::{Source, Traffic};

use crate::error::{Error, Result};
use crate::location::Location;
#[cfg(feature = "postgres")]
use crate::postgres::PgStore;
use crate::records::{
    ClientDayRecord, DayRecord, NetworkRecord, ReclassifySummary, ReportRow, RunId, RunSummary,
    Settings, SyncRunRecord,
};
use crate::sqlite::{SqliteStore, SyncLock};

/// A usagestats database: an SQLite file or (with the `postgres` feature) a PostgreSQL
/// database. Cheap to clone (a connection pool).
///
/// Every method means the same on both backends; the schema, its migrations and the
/// differences that remain (the sync lock of SQLite against the organization leases of
/// PostgreSQL, backups) are documented in `docs/schema.md`.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqliteStore),
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

/// Which backend a [`Store`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// How [`Store::connect`] opens a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpenMode {
    /// Create the database (an SQLite file; the schema in a PostgreSQL database) when missing,
    /// and bring its schema up to date.
    Create,
    /// The database must exist and hold a usagestats schema ([`Error::NotFound`] /
    /// [`Error::NoSchema`] otherwise); it is upgraded when older.
    Existing,
    /// Like [`OpenMode::Existing`], for reading only: nothing is written (an older schema is
    /// upgraded first, which needs write access once).
    ReadOnly,
}

/// Forwards a call to the backend of a [`Store`].
macro_rules! dispatch {
    ($store:expr, $b:ident => $call:expr) => {
        match &$store.backend {
            Backend::Sqlite($b) => $call,
            #[cfg(feature = "postgres")]
            Backend::Postgres($b) => $call,
        }
    };
}

impl Store {
    /// Opens the SQLite file at `path`, creating it when missing, and applies pending
    /// migrations.
    ///
    /// Safe to call from several processes at once on the same new file: the schema is
    /// created by exactly one of them, the others wait for its commit (docs/schema.md,
    /// "Connection settings").
    ///
    /// Errors: [`Error::LegacyDatabase`] for a file made by the original `usagestats.py` (it
    /// must be converted with `usagestats -d NEW import-legacy OLD`), [`Error::NewerSchema`]
    /// for a file written by a newer usagestats, [`Error::NotADatabase`] for a file that is not
    /// SQLite, [`Error::ForeignDatabase`] for an unrelated SQLite database,
    /// [`Error::NotAFile`] for a directory or device, [`Error::MissingDirectory`] when the
    /// directory to create it in does not exist.
    pub async fn open(path: &Path) -> Result<Store> {
        Ok(Store::sqlite(SqliteStore::open(path).await?))
    }

    /// Like [`Store::open`], but fails with [`Error::NotFound`] instead of creating a file.
    pub async fn open_existing(path: &Path) -> Result<Store> {
        Ok(Store::sqlite(SqliteStore::open_existing(path).await?))
    }

    /// Opens an existing SQLite file for reading only (reports, dumps, backups): nothing is
    /// written, so it works on a file the user may only read, in a directory the user cannot
    /// write.
    ///
    /// A file with an older schema is upgraded first when it can be written; otherwise
    /// [`Error::UpgradeNeedsWriteAccess`].
    pub async fn open_read_only(path: &Path) -> Result<Store> {
        Ok(Store::sqlite(SqliteStore::open_read_only(path).await?))
    }

    /// Opens the database at `location` — an SQLite file as [`Store::open`],
    /// [`Store::open_existing`] or [`Store::open_read_only`] do, or a PostgreSQL database.
    ///
    /// A PostgreSQL database must exist (usagestats creates its tables, not the database);
    /// [`OpenMode::Create`] creates the schema in it when it has none. Concurrent openers are
    /// serialized by the migrator's advisory lock.
    ///
    /// # Errors
    /// Those of the `open` functions for files; for PostgreSQL [`Error::CannotConnect`]
    /// (naming the URL without its password), [`Error::NoSchema`], [`Error::ForeignDatabase`]
    /// for a database holding other tables and no usagestats schema, [`Error::NewerSchema`],
    /// and [`Error::PostgresNotBuilt`] when this build has no PostgreSQL support.
    pub async fn connect(location: &Location, mode: OpenMode) -> Result<Store> {
        match location {
            Location::Sqlite(path) => match mode {
                OpenMode::Create => Store::open(path).await,
                OpenMode::Existing => Store::open_existing(path).await,
                OpenMode::ReadOnly => Store::open_read_only(path).await,
            },
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => Ok(Store {
                backend: Backend::Postgres(PgStore::connect(location, url, mode).await?),
            }),
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => Err(Error::PostgresNotBuilt {
                location: location.to_string(),
            }),
        }
    }

    fn sqlite(store: SqliteStore) -> Store {
        Store {
            backend: Backend::Sqlite(store),
        }
    }

    /// Where the database lives. Its `Display` never shows a password.
    pub fn location(&self) -> &Location {
        dispatch!(self, b => b.location())
    }

    /// The SQLite file, for a store of that backend.
    pub fn path(&self) -> Option<&Path> {
        self.location().path()
    }

    /// Which backend this store uses.
    pub fn kind(&self) -> BackendKind {
        match &self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// The schema version (newest applied migration) of the open database.
    pub async fn schema_version(&self) -> Result<i64> {
        dispatch!(self, b => b.schema_version().await)
    }

    /// Closes every connection. An SQLite store opened for writing first moves everything
    /// committed into the database file itself (a WAL checkpoint), so a copy of the file alone
    /// is complete.
    pub async fn close(&self) {
        dispatch!(self, b => b.close().await)
    }

    /// Whether this store was opened for reading only.
    pub fn is_read_only(&self) -> bool {
        dispatch!(self, b => b.is_read_only())
    }

    /// Writes a consistent copy of a whole SQLite database to `target`, a new file (SQLite's
    /// `VACUUM INTO`: a snapshot of one read transaction, so a sync committing meanwhile is
    /// either in the copy or not, never in part). Works on a read-only store.
    ///
    /// # Errors
    /// [`Error::DatabaseFileAsTarget`] when `target` is the database or one of its side files
    /// (by any name, existing or not: see [`crate::database_file_named`]);
    /// [`Error::BackupTargetExists`] when `target` exists (it is never overwritten);
    /// [`Error::MissingDirectory`] when its directory does not exist; [`Error::Unsupported`]
    /// for PostgreSQL (use `pg_dump`, or copy the database into a file with
    /// [`crate::copy_database`]); database errors. On failure no file is left at `target`.
    pub async fn backup_to(&self, target: &Path) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(b) => b.backup_to(target).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => Err(Error::Unsupported {
                what: "backup writes SQLite files from SQLite databases; copy a PostgreSQL \
                       database into a new file with copy-db, or use pg_dump"
                    .to_string(),
            }),
        }
    }

    /// The configuration stored in the database, if any has been saved yet.
    pub async fn settings(&self) -> Result<Option<Settings>> {
        dispatch!(self, b => b.settings().await)
    }

    /// Replaces the stored configuration and, in the same transaction, the ordered `groups`
    /// table: `group_names[i]` becomes the name of group position `i`.
    ///
    /// Usage rows keep their positions; use [`Store::reclassify`] to recompute them from the
    /// client rows when the meaning of the groups changed.
    pub async fn save_settings(&self, settings: &Settings, group_names: &[String]) -> Result<()> {
        dispatch!(self, b => b.save_settings(settings, group_names).await)
    }

    /// Marks the database as written by `usagestats demo` (`settings.demo`): its data are
    /// simulated. Needs the configuration saved first; kept by later [`Store::save_settings`].
    pub async fn mark_demo(&self) -> Result<()> {
        dispatch!(self, b => b.mark_demo().await)
    }

    /// Whether the database was written by `usagestats demo` (see [`Store::mark_demo`]).
    pub async fn is_demo(&self) -> Result<bool> {
        dispatch!(self, b => b.is_demo().await)
    }

    /// The group names in report order (position 0 first).
    pub async fn group_names(&self) -> Result<Vec<String>> {
        dispatch!(self, b => b.group_names().await)
    }

    /// Inserts an organization or renames it.
    pub async fn upsert_organization(&self, id: &str, name: &str) -> Result<()> {
        dispatch!(self, b => b.upsert_organization(id, name).await)
    }

    /// Inserts a network or updates its name, organization, tags and time zone.
    pub async fn upsert_network(&self, network: &NetworkRecord) -> Result<()> {
        dispatch!(self, b => b.upsert_network(network).await)
    }

    /// Every network in the database, ordered by id.
    pub async fn networks(&self) -> Result<Vec<NetworkRecord>> {
        dispatch!(self, b => b.networks().await)
    }

    /// Whether any (network, day) has been stored at all.
    pub async fn has_synced_days(&self) -> Result<bool> {
        dispatch!(self, b => b.has_synced_days().await)
    }

    /// The days of a network that are complete (have a `synced_days` mark).
    pub async fn complete_days(&self, network_id: &str) -> Result<BTreeSet<Date>> {
        dispatch!(self, b => b.complete_days(network_id).await)
    }

    /// Stores one network-day in one transaction: its group rows, its unmatched row, its client
    /// rows and the mark that the day is complete, with the day's [`DayRecord::source`].
    /// Anything already stored for that network and day is replaced, so writing a day twice
    /// never duplicates it and a day never mixes two sources; if anything fails, nothing of the
    /// new day is visible and the old one (if any) is kept.
    pub async fn write_day(&self, day: &DayRecord) -> Result<()> {
        check_day(day)?;
        dispatch!(self, b => b.write_day(day, None).await)
    }

    /// [`Store::write_day`] for a sync run: the day is also counted in the run's
    /// `days_written`, in the same transaction, so the audit of a run killed mid-way still
    /// says how many days it committed.
    pub async fn write_day_in_run(&self, run: RunId, day: &DayRecord) -> Result<()> {
        check_day(day)?;
        dispatch!(self, b => b.write_day(day, Some(run)).await)
    }

    /// Totals per network and group over the inclusive period `start..=end` (either order),
    /// summed in SQL. Ordered by organization name, network name, then group position, with
    /// the unmatched row (`group_position: None`) last in each network.
    ///
    /// Every known network gets one row per defined group (zero when it has no data), like the
    /// original report; rows for group positions no longer defined appear when they carry
    /// data (with `group_name: None`); the unmatched row appears when the period holds one.
    pub async fn report_rows(&self, start: Date, end: Date) -> Result<Vec<ReportRow>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.report_rows(start, end).await)
    }

    /// Error bounds summed over the inclusive period `start..=end` (either order), per network
    /// and group position (`None` = unmatched), for the rows whose bound is not zero: the most
    /// each reported figure could be off (see `ClientDayRecord::bound`). Usually empty.
    pub async fn report_bounds(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(String, Option<usize>, Traffic)>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.report_bounds(start, end).await)
    }

    /// Per day and group, the sum over all networks, for trend charts; `None` = unmatched
    /// (listed after the groups of its day).
    pub async fn daily_totals(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(Date, Option<usize>, Traffic)>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.daily_totals(start, end).await)
    }

    /// How many complete (network, day) pairs of `start..=end` (either order) were read from
    /// each source, over every known network: one entry per source present, `device` first.
    /// A report whose period holds more than one entry mixes sources.
    pub async fn report_sources(&self, start: Date, end: Date) -> Result<Vec<(Source, u64)>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.report_sources(start, end).await)
    }

    /// For every known network with days in `start..=end` (either order) that have no
    /// completion mark: `(network id, network name, missing days ascending)`. Networks with
    /// complete data are left out. Ordered by organization name, then network name.
    pub async fn missing_days(
        &self,
        start: Date,
        end: Date,
    ) -> Result<Vec<(String, String, Vec<Date>)>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.missing_days(start, end).await)
    }

    /// Records the start of a sync run (status `running`, this process's id).
    pub async fn begin_run(&self) -> Result<RunId> {
        dispatch!(self, b => b.begin_run().await)
    }

    /// Records how a run ended: its status must be final ([`crate::RunStatus::Ok`],
    /// `Partial`, `Failed` or `Aborted`).
    pub async fn finish_run(&self, run: RunId, summary: &RunSummary) -> Result<()> {
        if !summary.status.is_final() {
            return Err(Error::InvalidInput(format!(
                "run {run} cannot finish with status {}",
                summary.status
            )));
        }
        dispatch!(self, b => b.finish_run(run, summary).await)
    }

    /// The most recent `limit` runs, newest first.
    pub async fn recent_runs(&self, limit: u32) -> Result<Vec<SyncRunRecord>> {
        dispatch!(self, b => b.recent_runs(limit).await)
    }

    /// Takes the sync lock of the database or fails at once with [`Error::SyncInProgress`]
    /// naming the holder: a `flock` on `<file>.lock` for SQLite, a session advisory lock for
    /// PostgreSQL. Either is released when the lock is dropped or its process dies.
    ///
    /// On success, runs that a dead process left `running` in `sync_runs` are marked
    /// `aborted`.
    pub async fn try_lock_sync(&self) -> Result<SyncLock> {
        dispatch!(self, b => b.try_lock_sync().await)
    }

    /// Takes the sync lock, waiting up to `timeout` for a running sync to finish.
    pub async fn lock_sync_waiting(&self, timeout: Duration) -> Result<SyncLock> {
        dispatch!(self, b => b.lock_sync_waiting(timeout).await)
    }

    /// Whether several syncs may share this database, each claiming organizations with
    /// [`Store::claim_organization`] (PostgreSQL). An SQLite database has one sync at a time
    /// ([`Store::try_lock_sync`]).
    pub fn shares_work(&self) -> bool {
        self.kind() == BackendKind::Postgres
    }

    /// Claims one organization among `candidates` whose lease is free or expired, for
    /// `holder` (a name unique to the calling sync) until `lease` from now on the database's
    /// clock; `None` when every candidate is held by another sync. Two syncs never hold one
    /// organization at once (row locks with `SKIP LOCKED`). `run` is the caller's sync run:
    /// a sync that takes an organization over from one whose lease expired unreleased (it
    /// died) marks that one's run `aborted`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on SQLite (see [`Store::shares_work`]); database errors.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn claim_organization(
        &self,
        holder: &str,
        run: Option<RunId>,
        candidates: &[String],
        lease: Duration,
    ) -> Result<Option<String>> {
        match &self.backend {
            Backend::Sqlite(_) => Err(no_leases()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.claim_organization(holder, run, candidates, lease).await,
        }
    }

    /// Extends `holder`'s unexpired leases on `organizations` to `lease` from now; returns how
    /// many it still held (fewer than asked: a lease expired and may be another's now).
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn renew_leases(
        &self,
        holder: &str,
        organizations: &[String],
        lease: Duration,
    ) -> Result<u64> {
        match &self.backend {
            Backend::Sqlite(_) => Err(no_leases()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.renew_leases(holder, organizations, lease).await,
        }
    }

    /// Gives up `holder`'s lease on `organization` (any sync may claim it at once).
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn release_organization(&self, holder: &str, organization: &str) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(_) => Err(no_leases()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => b.release_organization(holder, organization).await,
        }
    }

    /// Re-classifies every stored client row with `classify` (which returns the new group
    /// position, `None` = unmatched) and recomputes each synced network-day's group rows from
    /// them, for every group in the current `groups` table (zeros included).
    ///
    /// Runs in one write transaction: either the whole history is re-classified or nothing
    /// changes. Days imported from the original script have no client rows and are left as
    /// they are (counted in [`ReclassifySummary::days_without_clients`]). A position beyond the
    /// defined groups is an error.
    pub async fn reclassify<F>(&self, classify: F) -> Result<ReclassifySummary>
    where
        F: FnMut(&ClientDayRecord, &NetworkRecord) -> Option<usize>,
    {
        dispatch!(self, b => b.reclassify(classify).await)
    }

    /// The privacy settings stored in the database (the defaults, `full` and no retention,
    /// when none are stored yet).
    pub async fn privacy(&self) -> Result<usage_model::Privacy> {
        dispatch!(self, b => b.privacy().await)
    }

    /// What [`Store::apply_privacy`] with `to` would change in the stored client rows, without
    /// changing anything: rows to pseudonymize (when `to` is pseudonymous), to delete (when it
    /// is `none`), to expire (rows older than its retention).
    pub async fn privacy_impact(
        &self,
        to: &usage_model::Privacy,
    ) -> Result<crate::privacy::PrivacyImpact> {
        dispatch!(self, b => b.privacy_impact(to).await)
    }

    /// Stores the privacy settings `to` (the configuration must have been saved first) and
    /// applies them to the client rows already stored, in one transaction: with
    /// `pseudonymous` every row still holding what was read gets pseudonyms, with `none` every
    /// client row is deleted, and rows older than the retention are deleted. Also makes the
    /// database's pseudonym key when it has none. Group rows are never touched.
    ///
    /// Callers decide whether a change may erase stored data
    /// ([`usage_model::Privacy::is_stricter_than`], [`Store::privacy_impact`]); this method
    /// does what it is told.
    pub async fn apply_privacy(
        &self,
        to: &usage_model::Privacy,
    ) -> Result<crate::privacy::PrivacyImpact> {
        dispatch!(self, b => b.apply_privacy(to).await)
    }

    /// Deletes the client rows older than the stored retention (none when no retention is
    /// set), in one transaction; with `run`, the count is recorded in that sync run's
    /// `client_rows_expired` in the same transaction. Returns the number of rows deleted.
    pub async fn expire_client_rows(&self, run: Option<RunId>) -> Result<u64> {
        dispatch!(self, b => b.expire_client_rows(run).await)
    }

    /// Erases every client row of one client, in one transaction: `who` is its MAC address
    /// (any common notation; matched in rows kept as read and, through its pseudonym, in
    /// pseudonymized rows) or its pseudonym (as `top` shows it for a pseudonymized client).
    /// Group rows keep the client's traffic, which no longer belongs to anyone.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `who` is neither a MAC address nor a pseudonym.
    pub async fn forget_client(&self, who: &str) -> Result<crate::privacy::ForgetSummary> {
        dispatch!(self, b => b.forget_client(who).await)
    }

    /// How many client rows are stored, and how many of them are pseudonymized.
    pub async fn client_row_counts(&self) -> Result<(u64, u64)> {
        dispatch!(self, b => b.client_row_counts().await)
    }

    /// The `limit` largest clients of each group (or of group `group` alone) over the
    /// inclusive period `start..=end` (either order), ranked by total traffic within the
    /// group; ties are broken by network id, then client id. Ordered by group position, then
    /// rank. Clients that matched no group are not ranked.
    pub async fn top_clients(
        &self,
        start: Date,
        end: Date,
        group: Option<usize>,
        limit: usize,
    ) -> Result<Vec<crate::top::TopClient>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.top_clients(start, end, group, limit).await)
    }

    /// [`Store::top_clients`] computed from the daily client rows alone, without the rollups:
    /// the same answer, slower on long histories. Kept to check the rollups and to measure
    /// what they save (`benches/top_clients.rs`).
    #[doc(hidden)]
    pub async fn top_clients_from_daily_rows(
        &self,
        start: Date,
        end: Date,
        group: Option<usize>,
        limit: usize,
    ) -> Result<Vec<crate::top::TopClient>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.top_clients_from_daily_rows(start, end, group, limit).await)
    }

    /// [`Store::top_clients`] summed over every client of the period's rollups and days,
    /// without the threshold ranking: the same answer, what `top_clients` falls back to when
    /// the threshold ranking would read too deep. Kept to check both.
    #[doc(hidden)]
    pub async fn top_clients_by_full_sums(
        &self,
        start: Date,
        end: Date,
        group: Option<usize>,
        limit: usize,
    ) -> Result<Vec<crate::top::TopClient>> {
        let (start, end) = ordered(start, end);
        dispatch!(self, b => b.top_clients_by_full_sums(start, end, group, limit).await)
    }

    /// Writes the raw contents of every table: a `TABLE name (columns)` line, then one line
    /// per row with the values in column order (text quoted, `NULL` for missing values).
    /// Streams rows, so large databases need no memory.
    pub async fn dump(&self, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "usagestats database {}", self.location())?;
        writeln!(out, "schema version {}", self.schema_version().await?)?;
        dispatch!(self, b => b.dump(out).await)
    }
}

impl Store {
    /// Whether the database holds no data at all (for [`crate::copy_database`]).
    pub(crate) async fn is_empty(&self) -> Result<bool> {
        Ok(self.check_value(crate::copy::IS_EMPTY).await? == 0)
    }

    /// One integer computed by fixed SQL (the checks of a copy).
    pub(crate) async fn check_value(&self, sql: &str) -> Result<i64> {
        // A fixed statement of this crate (crate::copy), never user input.
        let sql = sqlx::AssertSqlSafe(crate::copy::check_sql(sql));
        match &self.backend {
            Backend::Sqlite(b) => Ok(sqlx::query_scalar(sql).fetch_one(&b.pool).await?),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => Ok(sqlx::query_scalar(sql).fetch_one(&b.pool).await?),
        }
    }

    /// Every row of a stored table, in key order.
    pub(crate) fn read_table(
        &self,
        table: &'static crate::copy::Table,
    ) -> crate::copy::RowStream<'_> {
        use crate::copy::{Kind, Value, read_value};
        use futures::StreamExt as _;
        let sql = crate::copy::select_sql(table);
        match &self.backend {
            Backend::Sqlite(b) => sqlx::query(sql)
                .fetch(&b.pool)
                .map(move |row| {
                    let row = row?;
                    let mut values = Vec::with_capacity(table.columns.len());
                    for (i, (_, kind)) in table.columns.iter().enumerate() {
                        values.push(read_value!(row, i, kind));
                    }
                    Ok::<Vec<Value>, Error>(values)
                })
                .boxed(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => sqlx::query(sql)
                .fetch(&b.pool)
                .map(move |row| {
                    let row = row?;
                    let mut values = Vec::with_capacity(table.columns.len());
                    for (i, (_, kind)) in table.columns.iter().enumerate() {
                        values.push(read_value!(row, i, kind));
                    }
                    Ok::<Vec<Value>, Error>(values)
                })
                .boxed(),
        }
    }

    /// The one write transaction a copy fills.
    pub(crate) async fn begin_copy(&self) -> Result<crate::copy::CopyWriter> {
        if self.is_read_only() {
            return Err(Error::InvalidInput(
                "a copy needs a target opened for writing".into(),
            ));
        }
        Ok(match &self.backend {
            Backend::Sqlite(b) => {
                crate::copy::CopyWriter::Sqlite(b.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(b) => crate::copy::CopyWriter::Postgres(b.pool.begin().await?),
        })
    }
}

fn no_leases() -> Error {
    Error::Unsupported {
        what: "an SQLite database is synced by one process at a time (its lock file); \
               organization leases are PostgreSQL's"
            .to_string(),
    }
}

/// `start..=end` in order.
pub(crate) fn ordered(start: Date, end: Date) -> (Date, Date) {
    if start <= end {
        (start, end)
    } else {
        (end, start)
    }
}

/// A day record names each group position at most once, in its groups and in its bounds, and
/// bounds only positions it has rows for.
fn check_day(day: &DayRecord) -> Result<()> {
    for list in [&day.groups, &day.bounds] {
        let mut seen = std::collections::HashSet::new();
        for (position, _) in list {
            if !seen.insert(*position) {
                return Err(Error::InvalidInput(format!(
                    "group position {position} appears twice for network {} on {}",
                    day.network_id, day.day
                )));
            }
        }
    }
    if let Some((p, _)) = day
        .bounds
        .iter()
        .find(|(p, b)| *b != Traffic::default() && !day.groups.iter().any(|(q, _)| q == p))
    {
        return Err(Error::InvalidInput(format!(
            "network {} on {}: an error bound for group position {p}, which has no row",
            day.network_id, day.day
        )));
    }
    Ok(())
}
