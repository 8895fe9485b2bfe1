//! Renders usagestats reports.
//!
//! Owns: the [`Report`] model and its renderings: text in the original `usagestats.py`
//! layout, e-mail-safe HTML with a chart, JSON (schema in `docs/report-json.md`), CSV, and the
//! chart itself as PNG or SVG. **Invariant:** this crate does no database or network I/O; a
//! caller turns storage query results into a [`Report`] and the renderers only read it.
//!
//! ```
//! use jiff::civil::date;
//! use report_render::{DateRange, GroupDef, NetworkReport, OrgReport, Report, render_text};
//! use usage_model::{Kb, Traffic};
//!
//! // One network with 300 kB up and 700 kB down in its one group; no unmatched traffic, no
//! // missing day, error bounds zero (every other field of the model has a default).
//! let hq = NetworkReport::new("HQ", vec![Traffic { up: Kb::from_kb(300), down: Kb::from_kb(700) }]);
//! let report = Report::new(
//!     DateRange::new(date(2026, 11, 16), date(2026, 11, 22)),
//!     vec![GroupDef::new("Corp", "sub:10.0.0.0/8")],
//!     vec![OrgReport::new("Acme", vec![hq])],
//!     "2026-11-23T06:00:00Z".parse()?,
//! );
//! assert_eq!(report.grand_total().total(), Kb::from_kb(1000));
//!
//! let mut out = Vec::new();
//! render_text(&report, &mut out)?;
//! let text = String::from_utf8(out)?;
//! assert!(text.starts_with("Usage report: 2026-11-16 to 2026-11-22\n"));
//! assert!(text.contains("Corp                             300     100.00"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features and public dependencies
//!
//! `charts` (default): the chart, drawn with plotters ([`chart_png`], [`chart_svg`], and the
//! chart in HTML). Without it, HTML reports carry the same tables and no chart, and plotters is
//! not compiled. The model's dates and instants are [`jiff`]'s and its figures
//! [`usage_model`]'s (`Kb`, `Traffic`, `Source`): both are public dependencies. The model's
//! structs are `#[non_exhaustive]` (reports gain fields); build them with [`Report::new`],
//! [`OrgReport::new`], [`NetworkReport::new`], [`GroupDef::new`] and set the public fields.

#[cfg(feature = "charts")]
mod chart;
mod csv;
mod figures;
mod html;
mod json;
mod legend;
mod model;
mod sample;
mod series;
mod text;
mod top;

use std::io;
use std::str::FromStr;

#[cfg(feature = "charts")]
pub use chart::{chart_png, chart_svg};
pub use csv::{csv_field, render_csv};
pub use html::{CHART_CONTENT_ID, HtmlMode, HtmlOutput, InlineImage, png_data_uri, render_html};
pub use json::{JSON_SCHEMA_VERSION, render_json};
pub use model::{
    DateRange, GroupDef, NetworkReport, OrgReport, Percent, Report, Shares, SourceDays, day_runs,
    describe_missing, human_kb,
};
pub use sample::sample_report;
pub use series::{render_series, render_series_email};
pub use text::render_text;
pub use top::{TopClient, TopClients, TopGroup, render_top_json, render_top_text};

/// The colour of group `i` (CSS hex, `#1f77b4`) as the charts of every rendering draw it, so
/// other views of the same figures (the dashboard) keep one colour per group.
pub fn group_color(i: usize) -> String {
    legend::css_color(i)
}

/// Everything that can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the output failed.
    #[error("cannot write the report: {0}")]
    Io(#[from] io::Error),
    /// JSON encoding failed.
    #[error("cannot encode the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Drawing the chart failed.
    #[error("cannot draw the chart: {0}")]
    Chart(String),
    /// A per-group vector does not have one entry per group.
    #[error("{place} has {got} group values but the report defines {want} groups")]
    GroupCount {
        /// Where the mismatch is.
        place: String,
        /// Entries found.
        got: usize,
        /// Groups defined.
        want: usize,
    },
    /// An unknown output format name.
    #[error("unknown report format {0:?} (expected text, html, json or csv)")]
    UnknownFormat(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An output format of [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// Plain text in the original's layout.
    #[default]
    Text,
    /// Standalone HTML with the chart embedded.
    Html,
    /// JSON, schema `docs/report-json.md`.
    Json,
    /// CSV, one row per organization, network and group.
    Csv,
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "html" | "htm" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(Error::UnknownFormat(s.to_string())),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
        })
    }
}

/// Renders `report` in `format` to `out` (HTML as a standalone page with an inline SVG chart).
pub fn render(report: &Report, format: Format, out: &mut dyn io::Write) -> Result<()> {
    match format {
        Format::Text => render_text(report, out)?,
        Format::Html => {
            out.write_all(render_html(report, HtmlMode::Standalone)?.html.as_bytes())?
        }
        Format::Json => render_json(report, out)?,
        Format::Csv => render_csv(report, out)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parses_names() {
        assert_eq!("HTML".parse::<Format>().unwrap(), Format::Html);
        assert_eq!("csv".parse::<Format>().unwrap(), Format::Csv);
        assert!(matches!(
            "pdf".parse::<Format>(),
            Err(Error::UnknownFormat(_))
        ));
        for f in [Format::Text, Format::Html, Format::Json, Format::Csv] {
            assert_eq!(f.to_string().parse::<Format>().unwrap(), f);
        }
    }
}
