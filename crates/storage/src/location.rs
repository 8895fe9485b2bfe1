//! Where a database lives: an SQLite file, or a PostgreSQL database named by a URL.
//!
//! A URL may carry a password. It is kept only to connect: [`Location`]'s `Display` and `Debug`
//! show the URL without it (and without a `password=` parameter), so messages, logs and errors
//! built from a location never contain it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where a database lives. Parsed from what the user gives with `-d`: a `postgres://` or
/// `postgresql://` URL selects PostgreSQL, anything else is an SQLite file name.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
}

/// A `postgres://` URL, with the password (if any) kept out of `Display` and `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// The URL as given: only ever handed to the driver.
    secret: String,
    /// The URL without its password, for messages.
    shown: String,
    /// Whether the URL itself carries a password (in its user part or as `password=`).
    has_password: bool,
}

impl Location {
    /// Reads a `-d` value: `postgres://…` or `postgresql://…` (scheme in any case) is a
    /// PostgreSQL URL, anything else an SQLite file name.
    ///
    /// # Errors
    /// [`Error::InvalidLocation`] for a URL that cannot be parsed; the message never repeats
    /// the URL, which may hold a password.
    pub fn parse(text: &str) -> Result<Location> {
        let lower = text.trim_start().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            PostgresUrl::parse(text.trim()).map(Location::Postgres)
        } else {
            Ok(Location::Sqlite(PathBuf::from(text)))
        }
    }

    /// The SQLite file, if this is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    /// Whether this names a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }

    /// Whether the text given carried a password (a PostgreSQL URL with `user:password@` or
    /// `password=`): it then shows in the process list when given on the command line.
    pub fn has_password(&self) -> bool {
        match self {
            Location::Sqlite(_) => false,
            Location::Postgres(u) => u.has_password,
        }
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::Sqlite(path.to_path_buf())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::Sqlite(path)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => f.write_str(&u.shown),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Location::Postgres(u) => f.debug_tuple("Postgres").field(u).finish(),
        }
    }
}

impl PostgresUrl {
    fn parse(text: &str) -> Result<PostgresUrl> {
        let invalid = |reason: String| Error::InvalidLocation { reason };
        let url = url::Url::parse(text)
            .map_err(|e| invalid(format!("the PostgreSQL URL is not valid: {e}")))?;
        if url.cannot_be_a_base() {
            return Err(invalid(
                "the PostgreSQL URL is not valid: expected postgres://USER@HOST:PORT/DATABASE"
                    .to_string(),
            ));
        }
        let mut shown = url.clone();
        let mut has_password = url.password().is_some();
        if has_password {
            let _ = shown.set_password(None);
        }
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if pairs.iter().any(|(k, _)| k == "password") {
            has_password = true;
            let kept: Vec<(String, String)> =
                pairs.into_iter().filter(|(k, _)| k != "password").collect();
            if kept.is_empty() {
                shown.set_query(None);
            } else {
                shown.query_pairs_mut().clear().extend_pairs(kept);
            }
        }
        Ok(PostgresUrl {
            secret: text.to_string(),
            shown: shown.to_string(),
            has_password,
        })
    }

    /// The names of the URL's query parameters, in order.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn parameter_names(&self) -> Vec<String> {
        url::Url::parse(&self.secret)
            .map(|u| u.query_pairs().map(|(k, _)| k.into_owned()).collect())
            .unwrap_or_default()
    }

    /// The URL as given, password included: for the driver only.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn expose_secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PostgresUrl").field(&self.shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_postgres_and_everything_else_is_a_file() {
        for text in [
            "postgres://u@h:5432/db",
            "postgresql://u@h/db?sslmode=require",
            "POSTGRES://u@h/db",
        ] {
            assert!(Location::parse(text).unwrap().is_postgres(), "{text}");
        }
        for text in [
            "usage.db",
            "postgres.db",
            "./postgres://x",
            "sqlite:x.db",
            "",
        ] {
            assert_eq!(
                Location::parse(text).unwrap(),
                Location::Sqlite(PathBuf::from(text)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_password_never_shows() {
        let secret = "s3cr3t-p%40ss";
        for text in [
            format!("postgres://alice:{secret}@db.example:5433/usage?sslmode=require"),
            format!("postgresql://alice@db.example/usage?password={secret}&sslmode=prefer"),
        ] {
            let location = Location::parse(&text).unwrap();
            assert!(location.has_password());
            let shown = location.to_string();
            let debug = format!("{location:?}");
            for s in [&shown, &debug] {
                assert!(!s.contains("s3cr3t"), "{s}");
                assert!(s.contains("alice") && s.contains("db.example"), "{s}");
                assert!(s.contains("sslmode="), "{s}");
            }
        }
        let plain = Location::parse("postgres://alice@db.example/usage").unwrap();
        assert!(!plain.has_password());
        assert_eq!(plain.to_string(), "postgres://alice@db.example/usage");
    }

    #[test]
    fn a_bad_url_is_refused_without_repeating_it() {
        let err = Location::parse("postgres://alice:s3cr3t@[bad/db").unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("not valid"), "{text}");
    }
}
