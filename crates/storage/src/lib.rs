//! SQLite storage for usagestats.
//!
//! Owns: the schema and its migrations, whole-day writes, report queries and the import of
//! databases made by the original `usagestats.py`. Must not build SQL from user strings.
