//! A password that never prints.

use std::fmt;
use std::path::Path;

use crate::MailError;

/// A secret string (the SMTP password). `Debug` and `Display` print `[redacted]`; only
/// [`Secret::expose`] gives the value, at the one place it is sent to the server.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Reads the variable `name` (e.g. `USAGESTATS_SMTP_PASSWORD`), so the password need not
    /// appear in the process list. `Ok(None)` when it is unset or empty.
    pub fn from_env(name: &str) -> Result<Option<Secret>, MailError> {
        match std::env::var(name) {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => Ok(Some(Secret(v))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(MailError::Password {
                source_name: format!("environment variable {name}"),
                reason: "the value is not valid UTF-8".into(),
            }),
        }
    }

    /// Reads the first line of a file (a trailing `\n` or `\r\n` is not part of the password).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Secret, MailError> {
        let path = path.as_ref();
        let err = |reason: String| MailError::Password {
            source_name: format!("file {}", path.display()),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(err("the first line is empty".into()));
        }
        Ok(Secret(line.to_string()))
    }

    /// The secret value. Call it only where the value is handed to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn file_first_line_without_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "s3cret pass\r\nignored\n").unwrap();
        assert_eq!(Secret::from_file(&p).unwrap().expose(), "s3cret pass");
        std::fs::write(&p, "\n").unwrap();
        assert!(matches!(
            Secret::from_file(&p),
            Err(MailError::Password { .. })
        ));
        let missing = Secret::from_file(dir.path().join("nope")).unwrap_err();
        assert!(missing.to_string().contains("nope"));
    }
}
