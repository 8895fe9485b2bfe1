//! Integration tests of `mailer` against a real SMTP server (aiosmtpd, started by
//! [`server::SmtpServer`]).

mod delivery;
mod server;
