//! E-mail delivery of reports (cargo feature `mail`): the SMTP settings from `-u -p -r -s` and
//! the `--smtp-*` options, and sending the text and HTML report with the chart inline.

use anyhow::Context as _;
use jiff::civil::Date;

use crate::cli::{GlobalArgs, SmtpSecurityArg};
use crate::config::SMTP_PASSWORD_ENV;
use crate::error::UsageError;

/// SMTP settings resolved from `-u -p -r -s` and friends.
#[derive(Debug)]
pub struct MailSettings {
    smtp: mailer::SmtpConfig,
    from: String,
    to: Vec<String>,
}

impl MailSettings {
    /// The settings for sending to `recipients` (the `-r` value); every error is a usage
    /// error found before any sync.
    pub fn from_args(g: &GlobalArgs, recipients: &str) -> anyhow::Result<MailSettings> {
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
        if let (Some(user), None) = (&g.smtp_user, &password) {
            return Err(UsageError::new(format!(
                "-u {user:?} needs a password: set {SMTP_PASSWORD_ENV}, or give \
                 --smtp-password-file FILE (or -p)"
            ))
            .into());
        }
        let mut smtp = mailer::SmtpConfig::new(
            g.smtp_server
                .clone()
                .unwrap_or_else(|| mailer::DEFAULT_SERVER.to_string()),
        );
        smtp.user = g.smtp_user.clone();
        smtp.password = password;
        smtp.security = security;
        smtp.ca_file = g.smtp_ca_file.clone();
        // A server that cannot be parsed is a typo: say so before any sync.
        smtp.endpoint()
            .map_err(|e| UsageError::new(format!("-s: {e}")))?;
        Ok(MailSettings { smtp, from, to })
    }

    /// Sends `reports` (one report, or a series of periods from `start` to `end`) as text and
    /// HTML with the chart inline.
    pub async fn send(
        &self,
        reports: &[report_render::Report],
        start: Date,
        end: Date,
    ) -> anyhow::Result<()> {
        let (text, html) =
            report_render::render_series_email(reports).context("rendering the report")?;
        let mut email = mailer::Email::new(
            self.from.clone(),
            self.to.clone(),
            mailer::subject_for(start, end),
            text,
            html.html,
        );
        email.images = html
            .images
            .into_iter()
            .map(|i| (i.content_id, i.png))
            .collect();
        mailer::send(&self.smtp, &email)
            .await
            .context("sending the report by e-mail")?;
        tracing::info!("report sent to {}", self.to.join(", "));
        Ok(())
    }
}
