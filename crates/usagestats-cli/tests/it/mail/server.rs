//! A real SMTP server for the CLI's mail tests: aiosmtpd, started through the mailer crate's
//! `tests/smtp_server.py` (see `test_support::smtp`), with STARTTLS and AUTH required and a
//! certificate from a CA made here.

pub use test_support::smtp::{Delivered, SmtpServer};

/// The only account the server accepts.
pub const USER: &str = "reports@example.com";
/// Its password: distinctive, so a test can look for it in output.
pub const PASSWORD: &str = "Tr0ub4dor-report-pass";

/// Starts the server in STARTTLS mode (TLS and AUTH required before MAIL) and waits until it
/// listens.
pub fn start() -> SmtpServer {
    SmtpServer::start(USER, PASSWORD, test_support::smtp::Mode::StartTls, &[])
}
