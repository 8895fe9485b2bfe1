//! The message: addresses, subject and the MIME structure.

use jiff::civil::Date;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::MailError;

/// A message to send: a text part, an HTML part and the PNG images the HTML references as
/// `cid:<content id>`. Build it with [`Email::new`] and push images into
/// [`Email::images`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Email {
    /// Sender address (`user@example.com` or `Name <user@example.com>`).
    pub from: String,
    /// Recipient addresses (at least one).
    pub to: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// Inline images: Content-ID (without angle brackets) and PNG bytes.
    pub images: Vec<(String, Vec<u8>)>,
}

impl Email {
    /// A message from `from` to `to` with a text and an HTML body and no inline image.
    pub fn new(
        from: impl Into<String>,
        to: Vec<String>,
        subject: impl Into<String>,
        text: impl Into<String>,
        html: impl Into<String>,
    ) -> Email {
        Email {
            from: from.into(),
            to,
            subject: subject.into(),
            text: text.into(),
            html: html.into(),
            images: Vec::new(),
        }
    }
}

/// The subject of a report for `start..=end`: `Network usage report [A to B]` (the original
/// wrote `Subject: ` into the subject by mistake).
pub fn subject_for(start: Date, end: Date) -> String {
    format!("Network usage report [{start} to {end}]")
}

/// Splits a comma-separated recipient list (`-r a@x.org,b@y.org`), trimming spaces and
/// ignoring empty entries; every address must be valid and there must be at least one.
pub fn parse_recipients(list: &str) -> Result<Vec<String>, MailError> {
    let mut out = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        part.parse::<Mailbox>()
            .map_err(|e| MailError::Build(format!("invalid recipient {part:?}: {e}")))?;
        out.push(part.to_string());
    }
    if out.is_empty() {
        return Err(MailError::Build("no recipient given".into()));
    }
    Ok(out)
}

pub(crate) fn mailbox(what: &str, s: &str) -> Result<Mailbox, MailError> {
    s.trim()
        .parse::<Mailbox>()
        .map_err(|e| MailError::Build(format!("invalid {what} address {s:?}: {e}")))
}

pub(crate) fn build(email: &Email) -> Result<Message, MailError> {
    let mut b = Message::builder()
        .from(mailbox("sender", &email.from)?)
        .subject(email.subject.clone())
        .message_id(None);
    if email.to.is_empty() {
        return Err(MailError::Build("no recipient given".into()));
    }
    for to in &email.to {
        b = b.to(mailbox("recipient", to)?);
    }
    let png = ContentType::parse("image/png")
        .map_err(|e| MailError::Build(format!("content type: {e}")))?;
    let mut related = MultiPart::related().singlepart(SinglePart::html(email.html.clone()));
    for (cid, bytes) in &email.images {
        if cid.is_empty() || cid.contains(['<', '>', ' ', '\r', '\n']) {
            return Err(MailError::Build(format!("invalid Content-ID {cid:?}")));
        }
        related = related
            .singlepart(Attachment::new_inline(cid.clone()).body(bytes.clone(), png.clone()));
    }
    let body = MultiPart::alternative()
        .singlepart(SinglePart::plain(email.text.clone()))
        .multipart(related);
    b.multipart(body)
        .map_err(|e| MailError::Build(e.to_string()))
}

/// The complete message as sent (RFC 5322 bytes with CRLF line ends), e.g. to save it as an
/// `.eml` file instead of sending.
pub fn format_message(email: &Email) -> Result<Vec<u8>, MailError> {
    Ok(build(email)?.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_has_no_doubled_prefix() {
        let s = subject_for(
            jiff::civil::date(2026, 11, 1),
            jiff::civil::date(2026, 11, 30),
        );
        assert_eq!(s, "Network usage report [2026-11-01 to 2026-11-30]");
    }

    #[test]
    fn recipients() {
        assert_eq!(
            parse_recipients(" a@example.com,b@example.org ,, ").unwrap(),
            vec!["a@example.com", "b@example.org"]
        );
        assert!(matches!(parse_recipients(" , "), Err(MailError::Build(_))));
        let e = parse_recipients("a@example.com,not an address").unwrap_err();
        assert!(e.to_string().contains("not an address"));
    }

    #[test]
    fn structure_is_alternative_then_related() {
        let email = Email {
            from: "r@example.com".into(),
            to: vec!["a@example.com".into()],
            subject: "s".into(),
            text: "plain".into(),
            html: "<img src=\"cid:c1@x\">".into(),
            images: vec![("c1@x".into(), vec![1, 2, 3])],
        };
        let m = String::from_utf8(format_message(&email).unwrap()).unwrap();
        let alt = m.find("multipart/alternative").unwrap();
        let plain = m.find("text/plain").unwrap();
        let rel = m.find("multipart/related").unwrap();
        let html = m.find("text/html").unwrap();
        let img = m.find("Content-ID: <c1@x>").unwrap();
        assert!(alt < plain && plain < rel && rel < html && html < img);
        let bad = Email {
            images: vec![("a b".into(), vec![])],
            ..email
        };
        assert!(matches!(format_message(&bad), Err(MailError::Build(_))));
    }
}
