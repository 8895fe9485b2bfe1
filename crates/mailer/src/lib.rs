//! Sends usagestats reports by e-mail.
//!
//! Owns: SMTP delivery (STARTTLS, implicit TLS, plain for local relays), authentication and
//! multipart messages with inline images. **Invariant:** knows nothing of reports: it sends an
//! [`Email`] made of a subject, a text part, an HTML part and PNG images referenced by `cid:`.
//!
//! The message is `multipart/alternative` with the text part first and, as the preferred
//! alternative, a `multipart/related` holding the HTML and its inline images.
//!
//! ```
//! use usagestats_mailer::{Email, Secret, Security, SmtpConfig, format_message, parse_recipients, subject_for};
//!
//! let mut config = SmtpConfig::new("smtp.example.com");
//! config.user = Some("reports@example.com".into());
//! config.password = Some(Secret::new("hunter2"));
//! config.security = Security::Auto;
//! assert_eq!(config.endpoint()?.port, 587);
//! // The password never shows in logs or errors.
//! assert!(!format!("{config:?}").contains("hunter2"));
//!
//! let mut email = Email::new(
//!     "reports@example.com",
//!     parse_recipients("ops@example.com, boss@example.com")?,
//!     subject_for(jiff::civil::date(2026, 11, 16), jiff::civil::date(2026, 11, 22)),
//!     "Usage report: 2026-11-16 to 2026-11-22\n",
//!     "<p>Usage report</p><img src=\"cid:chart@example\">",
//! );
//! email.images.push(("chart@example".into(), vec![0x89, b'P', b'N', b'G']));
//! assert_eq!(email.subject, "Network usage report [2026-11-16 to 2026-11-22]");
//! let bytes = format_message(&email)?;
//! assert!(String::from_utf8_lossy(&bytes).contains("multipart/alternative"));
//! // Sending needs a server: `usagestats_mailer::send(&config, &email).await?`.
//! # Ok::<(), usagestats_mailer::MailError>(())
//! ```
//!
//! # Public dependencies
//!
//! Only [`jiff`] (the dates of [`subject_for`]); lettre and rustls (with the `ring` provider)
//! are implementation details. [`SmtpConfig`] and [`Email`] are `#[non_exhaustive]`: build them
//! with [`SmtpConfig::new`] and [`Email::new`] and set the public fields.

mod config;
mod message;
mod secret;
mod send;

pub use config::{DEFAULT_SERVER, Endpoint, Security, SmtpConfig};
pub use message::{Email, format_message, parse_recipients, subject_for};
pub use secret::Secret;
pub use send::send;

/// What went wrong while preparing or sending a message. No variant ever contains the
/// password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The SMTP settings are unusable (bad server string, unreadable CA file, ...).
    #[error("SMTP configuration: {0}")]
    Config(String),
    /// The password could not be read from its source.
    #[error("cannot read the SMTP password from {source_name}: {reason}")]
    Password {
        /// Where it was read from (environment variable or file name).
        source_name: String,
        /// Why it failed.
        reason: String,
    },
    /// The message could not be built (bad address, ...).
    #[error("cannot build the e-mail: {0}")]
    Build(String),
    /// The TCP connection, the greeting or EHLO failed.
    #[error("cannot connect to SMTP server {server}: {reason}")]
    Connect {
        /// `host:port`.
        server: String,
        /// Why.
        reason: String,
    },
    /// TLS failed (handshake, certificate, or STARTTLS not offered).
    #[error("TLS with SMTP server {server} failed: {reason}")]
    Tls {
        /// `host:port`.
        server: String,
        /// Why.
        reason: String,
    },
    /// The server refused the credentials or offered no usable mechanism.
    #[error("SMTP authentication as {user:?} failed: {reason}")]
    Auth {
        /// The user name.
        user: String,
        /// The server's answer.
        reason: String,
    },
    /// The server refused the sender address.
    #[error("SMTP server refused sender {sender}: {reason}")]
    SenderRejected {
        /// The sender address.
        sender: String,
        /// The server's answer.
        reason: String,
    },
    /// The server refused a recipient.
    #[error("SMTP server refused recipient {recipient}: {reason}")]
    RecipientRejected {
        /// The recipient address.
        recipient: String,
        /// The server's answer.
        reason: String,
    },
    /// The server refused or lost the message data.
    #[error("SMTP server did not accept the message: {0}")]
    Data(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = MailError> = std::result::Result<T, E>;
