//! The SMTP dialogue, step by step, so each failure is reported as what it is.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;

use crate::config::{Endpoint, Security, SmtpConfig};
use crate::message::{Email, build, mailbox};
use crate::{MailError, Secret};

/// Applies to connecting and to every command.
const TIMEOUT: Duration = Duration::from_secs(60);

fn tls_parameters(config: &SmtpConfig, ep: &Endpoint) -> Result<TlsParameters, MailError> {
    let mut b = TlsParameters::builder(ep.host.clone());
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            MailError::Config(format!("cannot read CA file {}: {e}", path.display()))
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            MailError::Config(format!(
                "CA file {} holds no valid PEM certificate: {e}",
                path.display()
            ))
        })?;
        b = b.add_root_certificate(cert);
    }
    b.build()
        .map_err(|e| MailError::Config(format!("TLS settings for {ep}: {e}")))
}

/// lettre's error text with every trace of the password removed: servers do not echo it,
/// but a reason string is the one place it could leak, so make sure.
fn reason(e: &lettre::transport::smtp::Error, password: Option<&Secret>) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    match password {
        Some(p) if !p.expose().is_empty() => s.replace(p.expose(), "[redacted]"),
        _ => s,
    }
}

/// Opens and closes a TCP connection to the server.
async fn probe_tcp(ep: &Endpoint, server: &str) -> Result<(), MailError> {
    let connect = tokio::net::TcpStream::connect((ep.host.as_str(), ep.port));
    match tokio::time::timeout(TIMEOUT, connect).await {
        Ok(Ok(_stream)) => Ok(()),
        Ok(Err(e)) => Err(MailError::Connect {
            server: server.to_string(),
            reason: e.to_string(),
        }),
        Err(_) => Err(MailError::Connect {
            server: server.to_string(),
            reason: format!("no answer within {} s", TIMEOUT.as_secs()),
        }),
    }
}

/// Sends `email` through the server of `config`.
///
/// Steps: connect (implicit TLS for [`Security::Tls`]), EHLO, STARTTLS when required (the
/// message is never sent in clear unless [`Security::Insecure`]), AUTH PLAIN or LOGIN when a
/// user is set, MAIL FROM, RCPT TO per recipient, DATA, QUIT. The first failure is returned as
/// the matching [`MailError`] variant.
pub async fn send(config: &SmtpConfig, email: &Email) -> Result<(), MailError> {
    let ep = config.endpoint()?;
    let message = build(email)?;
    let sender = mailbox("sender", &email.from)?;
    let recipients: Vec<_> = email
        .to
        .iter()
        .map(|r| mailbox("recipient", r))
        .collect::<Result<_, _>>()?;
    let credentials = match (&config.user, &config.password) {
        (Some(u), Some(p)) => Some((u.clone(), p)),
        (Some(u), None) => {
            return Err(MailError::Config(format!(
                "SMTP user {u:?} given without a password"
            )));
        }
        (None, _) => None,
    };
    let password = config.password.as_ref();
    let tls = match ep.security {
        Security::Insecure => None,
        _ => Some(tls_parameters(config, &ep)?),
    };
    let server = ep.to_string();
    let hello = ClientId::default();

    let implicit = ep.security == Security::Tls;
    if implicit {
        // lettre reports a refused TCP connection and a failed TLS handshake as the same kind
        // of error; reaching the port first tells them apart.
        probe_tcp(&ep, &server).await?;
    }
    let mut conn = AsyncSmtpConnection::connect_tokio1(
        (ep.host.as_str(), ep.port),
        Some(TIMEOUT),
        &hello,
        if implicit { tls.clone() } else { None },
        None,
    )
    .await
    .map_err(|e| {
        let reason = reason(&e, password);
        let smtp_answer = e.is_response() || e.is_permanent() || e.is_transient();
        if e.is_tls() || (implicit && !smtp_answer && !e.is_timeout()) {
            MailError::Tls {
                server: server.clone(),
                reason,
            }
        } else {
            MailError::Connect {
                server: server.clone(),
                reason,
            }
        }
    })?;

    let result = async {
        if ep.security == Security::StartTls {
            let params = tls.ok_or_else(|| MailError::Config("TLS parameters missing".into()))?;
            if !conn.can_starttls() {
                return Err(MailError::Tls {
                    server: server.clone(),
                    reason: "the server does not offer STARTTLS (use implicit TLS on port 465, or --smtp-insecure only for a trusted local relay)".into(),
                });
            }
            conn.starttls(params, &hello).await.map_err(|e| MailError::Tls {
                server: server.clone(),
                reason: reason(&e, password),
            })?;
        }
        if let Some((user, pw)) = &credentials {
            let creds = Credentials::new(user.clone(), pw.expose().to_string());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds)
                .await
                .map_err(|e| MailError::Auth {
                    user: user.clone(),
                    reason: reason(&e, password),
                })?;
        }
        conn.command(Mail::new(Some(sender.email.clone()), vec![]))
            .await
            .map_err(|e| MailError::SenderRejected {
                sender: sender.email.to_string(),
                reason: reason(&e, password),
            })?;
        for r in &recipients {
            conn.command(Rcpt::new(r.email.clone(), vec![]))
                .await
                .map_err(|e| MailError::RecipientRejected {
                    recipient: r.email.to_string(),
                    reason: reason(&e, password),
                })?;
        }
        conn.command(Data)
            .await
            .map_err(|e| MailError::Data(reason(&e, password)))?;
        conn.message(&message.formatted())
            .await
            .map_err(|e| MailError::Data(reason(&e, password)))?;
        Ok(())
    }
    .await;

    match result {
        Ok(()) => {
            // The server accepted the message when it answered the data; a failing QUIT
            // changes nothing.
            let _ = conn.quit().await;
            Ok(())
        }
        // After a failed TLS upgrade lettre's connection has no stream left and must not be
        // written to (it panics); dropping it closes the socket.
        Err(e @ MailError::Tls { .. }) => Err(e),
        Err(e) => {
            conn.abort().await;
            Err(e)
        }
    }
}
