//! Sends usagestats reports by e-mail.
//!
//! Owns: SMTP delivery (STARTTLS, implicit TLS, plain for local relays), authentication and
//! multipart messages with inline images. Must not know report internals.
