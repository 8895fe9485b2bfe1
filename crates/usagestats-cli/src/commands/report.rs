//! `report` / `-c report:<time>` / `-c report-offline:<time>`: build, render, deliver.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use report_render::Format;
use usage_model::Period;

use crate::cli::{FormatArg, GlobalArgs};
use crate::config::DbConfig;
use crate::error::UsageError;

/// Where the report goes.
#[derive(Debug)]
pub enum Delivery {
    /// Standard output or a file, in a format.
    Write {
        /// Format.
        format: Format,
        /// File, or standard output.
        output: Option<PathBuf>,
    },
    /// E-mail (text + HTML with the chart inline).
    Mail(Box<super::mail::MailSettings>),
}

impl Delivery {
    /// Resolves the delivery from the flags; errors are usage errors.
    pub fn from_args(g: &GlobalArgs) -> anyhow::Result<Delivery> {
        // --format always wins; else the extension of -o; else text.
        let format = match (g.format, &g.output) {
            (Some(f), _) => f,
            (None, Some(path)) => format_of(path)?,
            (None, None) => FormatArg::Text,
        };
        let format = match format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Html => Format::Html,
        };
        let Some(recipients) = &g.recipient else {
            if g.smtp_user.is_some()
                || g.smtp_password.is_some()
                || g.smtp_password_file.is_some()
                || g.smtp_server.is_some()
                || g.smtp_ca_file.is_some()
                || g.smtp_insecure
            {
                return Err(UsageError::new(
                    "-u, -p, -s and the --smtp-* options only apply to e-mail: give the recipients with -r",
                )
                .into());
            }
            return Ok(Delivery::Write {
                format,
                output: g.output.clone(),
            });
        };
        if g.output.is_some() || g.format.is_some() {
            return Err(UsageError::new(
                "-r sends the report by e-mail (text and HTML); do not combine it with -o or --format",
            )
            .into());
        }
        Ok(Delivery::Mail(Box::new(
            super::mail::MailSettings::from_args(g, recipients)?,
        )))
    }
}

/// Refuses `--top` with a CSV report: CSV is one table of group rows under one header, with no
/// place for a table of clients (text, HTML, JSON and e-mail carry it). Checked before a sync.
pub fn refuse_top_in_csv(
    options: &crate::cli::ReportOptions,
    delivery: &Delivery,
) -> Result<(), UsageError> {
    match (options.top, delivery) {
        (
            Some(_),
            Delivery::Write {
                format: Format::Csv,
                ..
            },
        ) => Err(UsageError::new(
            "--top does not apply to CSV reports (one row per organization, network and group, \
             no place for clients); use --format text, html or json, or `usagestats top`",
        )),
        _ => Ok(()),
    }
}

/// The format a report file's extension asks for: `.txt`, `.json`, `.csv`, `.html`/`.htm`
/// (any case); a name without an extension gets text, as before. Any other extension is a
/// usage error, so `-o report.pdf` does not quietly write text.
fn format_of(path: &Path) -> Result<FormatArg, UsageError> {
    let Some(ext) = path.extension() else {
        return Ok(FormatArg::Text);
    };
    match ext.to_string_lossy().to_ascii_lowercase().as_str() {
        "txt" | "text" => Ok(FormatArg::Text),
        "json" => Ok(FormatArg::Json),
        "csv" => Ok(FormatArg::Csv),
        "html" | "htm" => Ok(FormatArg::Html),
        other => Err(UsageError::new(format!(
            "-o {}: the extension .{other} names no report format; use .txt, .json, .csv, \
             .html or .htm, or give --format text|json|csv|html",
            path.display()
        ))),
    }
}

/// Refuses to write the report over the database or one of its side files (`-wal`, `-shm`,
/// `-journal`, `.lock`), by any name ([`storage::database_file_named`]): `-o` naming one of
/// them would destroy the data. Checked before anything else about `-o`.
pub fn refuse_database_as_output(g: &GlobalArgs, database: &Path) -> Result<(), UsageError> {
    let Some(output) = &g.output else {
        return Ok(());
    };
    match storage::database_file_named(database, output) {
        None => Ok(()),
        Some(file) => Err(UsageError::new(format!(
            "-o {} would overwrite {}; write the report to another file",
            output.display(),
            file.describe(database)
        ))),
    }
}

/// The zone whose calendar defines "today" for report periods: the stored override, else
/// this computer's zone.
fn report_zone(settings: &DbConfig) -> TimeZone {
    settings
        .timezone
        .as_deref()
        .and_then(|t| crate::config::parse_timezone(t).ok())
        .unwrap_or_else(|| TimeZone::try_system().unwrap_or(TimeZone::UTC))
}

/// The calendar day `now` falls on where report periods are counted.
pub fn report_today(settings: &DbConfig, now: Timestamp) -> jiff::civil::Date {
    now.to_zoned(report_zone(settings)).date()
}

/// Refuses (exit 2) a period — or, with `--periods N`, a series of them — reaching back before
/// the first day a report can cover, naming the period or `--periods`.
pub fn check_period(
    settings: &DbConfig,
    period: &Period,
    periods: usize,
    now: Timestamp,
) -> Result<(), UsageError> {
    period
        .check_reach(report_today(settings, now), periods)
        .map_err(|e| {
            UsageError::new(if periods > 1 {
                format!("--periods {periods}: {e}; ask for fewer periods")
            } else {
                e.to_string()
            })
        })
}

/// Builds the report of `period` (with an optional title line) — or of the last
/// `options.periods` periods of its kind, side by side — and delivers it.
pub async fn run(
    store: &storage::Store,
    settings: &DbConfig,
    period: &Period,
    options: &crate::cli::ReportOptions,
    title: Option<String>,
    now: Timestamp,
    delivery: &Delivery,
) -> anyhow::Result<()> {
    refuse_top_in_csv(options, delivery)?;
    if options.top.is_some() {
        crate::commands::privacy::require_client_rows(store, "--top").await?;
    }
    check_period(settings, period, options.periods, now)?;
    let today = report_today(settings, now);
    // Whole seconds: the report says when it was made, not the clock's nanoseconds.
    let generated_at = now.round(jiff::Unit::Second).unwrap_or(now);
    let mut reports = usage_sync::build_reports(
        store,
        period,
        today,
        options.periods,
        generated_at,
        options.top,
    )
    .await
    .context("reading the report from the database")?;
    for r in &mut reports {
        r.title.clone_from(&title);
    }
    let (Some(first), Some(last)) = (reports.first(), reports.last()) else {
        return Ok(());
    };
    let (start, end) = (first.period.start, last.period.end);
    match delivery {
        Delivery::Write { format, output } => {
            let mut buf = Vec::new();
            report_render::render_series(&reports, *format, &mut buf)
                .context("rendering the report")?;
            match output {
                Some(path) => crate::output::replace_file(path, &buf)
                    .with_context(|| format!("writing the report to {}", path.display()))?,
                None => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&buf).context("writing the report")?;
                    out.flush().context("writing the report")?;
                }
            }
            Ok(())
        }
        Delivery::Mail(mail) => mail.send(&reports, start, end).await,
    }
}
