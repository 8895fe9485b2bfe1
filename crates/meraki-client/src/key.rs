//! The Dashboard API key, kept out of every log line and error message.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};

/// Environment variable the official Python and Go SDKs read the key from.
pub const API_KEY_ENV: &str = "MERAKI_DASHBOARD_API_KEY";

/// A Meraki Dashboard API key.
///
/// `Debug` and `Display` print `ApiKey(<redacted>)` / `<redacted>`; the only way to read the
/// value is [`ApiKey::expose_secret`], which the HTTP transport calls once to build the
/// `Authorization` header. Cloning is cheap (the value is shared).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Arc<str>);

impl ApiKey {
    /// Wraps a key given as a value. Surrounding whitespace (a trailing newline pasted from a
    /// file or a terminal) and a leading byte-order mark (which some Windows editors write at
    /// the start of a UTF-8 file) are removed.
    pub fn new(key: impl Into<String>) -> Self {
        let key: String = key.into();
        Self(Arc::from(key.trim_matches(|c: char| {
            c.is_whitespace() || c == '\u{feff}'
        })))
    }

    /// Reads the key from the `MERAKI_DASHBOARD_API_KEY` environment variable.
    ///
    /// # Errors
    /// [`Error::ApiKey`] when the variable is unset, not Unicode, or blank.
    pub fn from_env() -> Result<Self> {
        match std::env::var(API_KEY_ENV) {
            Ok(value) => Self::non_empty(Self::new(value), || {
                format!("the environment variable {API_KEY_ENV} is empty")
            }),
            Err(std::env::VarError::NotPresent) => Err(Error::ApiKey {
                message: format!(
                    "no API key given and the environment variable {API_KEY_ENV} is not set"
                ),
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::ApiKey {
                message: format!("the environment variable {API_KEY_ENV} is not valid Unicode"),
            }),
        }
    }

    /// Reads the key from a file: its whole content, without a leading byte-order mark and
    /// surrounding whitespace.
    ///
    /// # Errors
    /// [`Error::ApiKey`] when the file cannot be read or is blank. The message names the
    /// path and the I/O error, never the content.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let content = std::fs::read_to_string(path).map_err(|e| Error::ApiKey {
            message: format!("cannot read the API key file {}: {e}", path.display()),
        })?;
        Self::non_empty(Self::new(content), || {
            format!("the API key file {} is empty", path.display())
        })
    }

    /// The key itself. Only for building the `Authorization` header; never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the key has the form of a Dashboard API key: 40 hexadecimal characters. A key
    /// that does not is most likely a file or variable holding something else too (a comment,
    /// a second line, a label); the Dashboard would answer 401.
    pub fn looks_like_meraki_key(&self) -> bool {
        self.0.len() == 40 && self.0.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// Whether the key is blank.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn non_empty(key: Self, message: impl FnOnce() -> String) -> Result<Self> {
        if key.is_empty() {
            Err(Error::ApiKey { message: message() })
        } else {
            Ok(key)
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_and_whitespace_are_not_part_of_the_key() {
        let key = "0123456789abcdef0123456789ABCDEF01234567";
        let read = ApiKey::new(format!("\u{feff}{key}\r\n"));
        assert_eq!(read.expose_secret(), key);
        assert!(read.looks_like_meraki_key());
        assert!(!ApiKey::new(format!("{key} # prod")).looks_like_meraki_key());
        assert!(!ApiKey::new("1234").looks_like_meraki_key());
        assert!(!ApiKey::new(format!("{}g", &key[..39])).looks_like_meraki_key());
    }
}
