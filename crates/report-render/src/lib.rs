//! Renders usagestats reports.
//!
//! Owns: the `Report` model and its text (original layout), HTML, JSON, CSV and chart
//! renderings. Must not query the database itself.
