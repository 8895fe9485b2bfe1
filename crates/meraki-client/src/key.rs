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
    /// file or a terminal) is removed.
    pub fn new(key: impl Into<String>) -> Self {
        let key: String = key.into();
        Self(Arc::from(key.trim()))
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

    /// Reads the key from a file (its whole content, whitespace trimmed).
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
