//! SMTP settings: server, credentials and transport security.

use std::path::PathBuf;

use crate::{MailError, Secret};

/// The original script's default server.
pub const DEFAULT_SERVER: &str = "smtp.gmail.com:587";

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Security {
    /// Port 465 → implicit TLS; any other port → STARTTLS, required.
    #[default]
    Auto,
    /// STARTTLS, required: the message is never sent if the upgrade fails.
    StartTls,
    /// Implicit TLS from the first byte (SMTPS).
    Tls,
    /// No TLS at all (credentials and message in clear): only for a trusted local relay.
    Insecure,
}

/// Where and how to send. Start from [`SmtpConfig::new`] and set the fields you need.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmtpConfig {
    /// `host`, `host:port` or `[ipv6]:port`. Without a port: 465 for [`Security::Tls`], 25 for
    /// [`Security::Insecure`], 587 (submission) otherwise.
    pub server: String,
    /// User name for AUTH; no AUTH when `None`.
    pub user: Option<String>,
    /// Password for AUTH (needed when `user` is set).
    pub password: Option<Secret>,
    /// Transport security.
    pub security: Security,
    /// A PEM file of extra CA certificates to trust (a private CA), on top of the built-in
    /// web roots.
    pub ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// Settings for `server` with no credentials, [`Security::Auto`] and no extra CA.
    pub fn new(server: impl Into<String>) -> SmtpConfig {
        SmtpConfig {
            server: server.into(),
            user: None,
            password: None,
            security: Security::Auto,
            ca_file: None,
        }
    }

    /// Parses [`SmtpConfig::server`] and decides the effective security.
    pub fn endpoint(&self) -> Result<Endpoint, MailError> {
        let s = self.server.trim();
        let bad = |why: &str| MailError::Config(format!("invalid SMTP server {s:?}: {why}"));
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, after) = rest.split_once(']').ok_or_else(|| bad("missing ']'"))?;
            match after.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None if after.is_empty() => (h, None),
                None => return Err(bad("unexpected text after ']'")),
            }
        } else if s.matches(':').count() > 1 {
            // A bare IPv6 address has no port.
            (s, None)
        } else {
            match s.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (s, None),
            }
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("expected host or host:port"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
            None => match self.security {
                Security::Tls => 465,
                Security::Insecure => 25,
                Security::Auto | Security::StartTls => 587,
            },
        };
        let security = match self.security {
            Security::Auto if port == 465 => Security::Tls,
            Security::Auto => Security::StartTls,
            s => s,
        };
        Ok(Endpoint {
            host: host.to_string(),
            port,
            security,
        })
    }
}

/// A parsed server address and the security that will be used (never [`Security::Auto`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address (without brackets); also the name checked in the certificate.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Effective security.
    pub security: Security,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(server: &str, security: Security) -> Result<Endpoint, MailError> {
        SmtpConfig {
            security,
            ..SmtpConfig::new(server)
        }
        .endpoint()
    }

    #[test]
    fn ports_and_security() {
        let e = ep(DEFAULT_SERVER, Security::Auto).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.security),
            ("smtp.gmail.com", 587, Security::StartTls)
        );
        let e = ep("mail.example.com:465", Security::Auto).unwrap();
        assert_eq!((e.port, e.security), (465, Security::Tls));
        let e = ep("mail.example.com", Security::Auto).unwrap();
        assert_eq!((e.port, e.security), (587, Security::StartTls));
        let e = ep("127.0.0.1:2525", Security::Insecure).unwrap();
        assert_eq!((e.port, e.security), (2525, Security::Insecure));
        assert_eq!(ep("relay", Security::Insecure).unwrap().port, 25);
        assert_eq!(ep("relay", Security::Tls).unwrap().port, 465);
        let e = ep("[::1]:2525", Security::Auto).unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 2525));
        assert_eq!(e.to_string(), "[::1]:2525");
        assert_eq!(ep("::1", Security::Auto).unwrap().host, "::1");
    }

    #[test]
    fn bad_servers_are_errors() {
        for s in [
            "",
            "host:",
            "host:0",
            "host:99999",
            "host:abc",
            "[::1",
            "a b:25",
        ] {
            assert!(
                matches!(ep(s, Security::Auto), Err(MailError::Config(_))),
                "{s}"
            );
        }
    }
}
