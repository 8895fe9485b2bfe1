//! `report` / `-c report:<time>` / `-c report-offline:<time>`: build, render, deliver.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use report_render::Format;
use usage_model::Period;

use crate::cli::{FormatArg, GlobalArgs, SmtpSecurityArg};
use crate::config::DbConfig;
use crate::config::SMTP_PASSWORD_ENV;
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
    Mail(Box<MailSettings>),
}

/// SMTP settings resolved from `-u -p -r -s` and friends.
#[derive(Debug)]
pub struct MailSettings {
    smtp: mailer::SmtpConfig,
    from: String,
    to: Vec<String>,
}

impl Delivery {
    /// Resolves the delivery from the flags; errors are usage errors.
    pub fn from_args(g: &GlobalArgs) -> anyhow::Result<Delivery> {
        let format = match g.format.unwrap_or(FormatArg::Text) {
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
        let to = mailer::parse_recipients(recipients)
            .map_err(|e| UsageError::new(format!("-r: {e}")))?;
        let password = match &g.smtp_password {
            Some(p) => {
                tracing::warn!(
                    "the password given with -p is visible to other users in the process list; \
                     prefer the {SMTP_PASSWORD_ENV} environment variable"
                );
                Some(mailer::Secret::new(p.clone()))
            }
            None => match &g.smtp_password_file {
                Some(path) => Some(
                    mailer::Secret::from_file(path)
                        .map_err(|e| UsageError::new(format!("--smtp-password-file: {e}")))?,
                ),
                None => std::env::var(SMTP_PASSWORD_ENV)
                    .ok()
                    .filter(|p| !p.is_empty())
                    .map(mailer::Secret::new),
            },
        };
        let from = match (&g.mail_from, &g.smtp_user) {
            (Some(f), _) => f.clone(),
            (None, Some(u)) if u.contains('@') => u.clone(),
            _ => {
                return Err(UsageError::new(
                    "e-mail needs a sender: give -u USER (an address) or --mail-from ADDRESS",
                )
                .into());
            }
        };
        let security = match g.smtp_security.unwrap_or(if g.smtp_insecure {
            SmtpSecurityArg::Plain
        } else {
            SmtpSecurityArg::Auto
        }) {
            SmtpSecurityArg::Auto => mailer::Security::Auto,
            SmtpSecurityArg::Starttls => mailer::Security::StartTls,
            SmtpSecurityArg::Tls => mailer::Security::Tls,
            SmtpSecurityArg::Plain => mailer::Security::Insecure,
        };
        let smtp = mailer::SmtpConfig {
            server: g
                .smtp_server
                .clone()
                .unwrap_or_else(|| mailer::DEFAULT_SERVER.to_string()),
            user: g.smtp_user.clone(),
            password,
            security,
            ca_file: g.smtp_ca_file.clone(),
        };
        Ok(Delivery::Mail(Box::new(MailSettings { smtp, from, to })))
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

/// Builds the report for `period` (with an optional title line) and delivers it.
pub async fn run(
    store: &storage::Store,
    settings: &DbConfig,
    period: &Period,
    title: Option<String>,
    now: Timestamp,
    delivery: &Delivery,
) -> anyhow::Result<()> {
    let range = period.resolve(report_today(settings, now));
    // Whole seconds: the report says when it was made, not the clock's nanoseconds.
    let generated_at = now.round(jiff::Unit::Second).unwrap_or(now);
    let mut report = usage_sync::build_report(store, range, generated_at)
        .await
        .context("reading the report from the database")?;
    report.title = title;
    match delivery {
        Delivery::Write { format, output } => {
            let mut buf = Vec::new();
            report_render::render(&report, *format, &mut buf).context("rendering the report")?;
            match output {
                Some(path) => std::fs::write(path, &buf)
                    .with_context(|| format!("writing the report to {}", path.display()))?,
                None => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&buf).context("writing the report")?;
                    out.flush().context("writing the report")?;
                }
            }
            Ok(())
        }
        Delivery::Mail(mail) => {
            let mut text = Vec::new();
            report_render::render_text(&report, &mut text).context("rendering the report")?;
            let html = report_render::render_html(&report, report_render::HtmlMode::Email)
                .context("rendering the report")?;
            let email = mailer::Email {
                from: mail.from.clone(),
                to: mail.to.clone(),
                subject: mailer::subject_for(range.start, range.end),
                text: String::from_utf8_lossy(&text).into_owned(),
                html: html.html,
                images: html
                    .images
                    .into_iter()
                    .map(|i| (i.content_id, i.png))
                    .collect(),
            };
            mailer::send(&mail.smtp, &email)
                .await
                .context("sending the report by e-mail")?;
            tracing::info!("report sent to {}", mail.to.join(", "));
            Ok(())
        }
    }
}
