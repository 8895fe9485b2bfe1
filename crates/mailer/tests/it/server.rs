//! The SMTP test server (aiosmtpd, `tests/smtp_server.py`, see `test_support::smtp`) with this
//! suite's account.

pub use test_support::smtp::{Mode, SmtpServer};

pub const USER: &str = "reporter@example.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// Starts the server in `tls` mode, accepting only [`USER`] / [`PASSWORD`] and refusing the
/// recipients in `reject`.
pub fn start(tls: Mode, reject: &[&str]) -> SmtpServer {
    SmtpServer::start(USER, PASSWORD, tls, reject)
}
