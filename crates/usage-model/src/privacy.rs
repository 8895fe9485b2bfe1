//! What a database keeps about individual clients: the client detail (`full`, `pseudonymous`,
//! `none`) and the retention of client rows. Group totals are never affected by either.
//!
//! Settings are ordered by strictness: a change to a stricter one ([`Privacy::is_stricter_than`])
//! erases something already stored, so callers must confirm it first.
//!
//! ```
//! use usage_model::{ClientDetail, Privacy};
//!
//! let now = Privacy::default();
//! assert_eq!(now.detail, ClientDetail::Full);
//! let wanted = Privacy { detail: ClientDetail::Pseudonymous, retention_days: Some(90) };
//! assert!(wanted.is_stricter_than(&now));
//! assert!(!now.is_stricter_than(&wanted));
//! ```

use std::fmt;

/// How much of each client a database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum ClientDetail {
    /// Every client row as read: client id, MAC, addresses, VLAN, SSID, description, user.
    #[default]
    Full,
    /// Client rows whose client id, MAC, IPv4 and IPv6 addresses, description and user are
    /// replaced by keyed hashes: a client is still recognised from day to day, but not named.
    Pseudonymous,
    /// No client rows at all (group totals only).
    None,
}

/// A client detail name other than `full`, `pseudonymous` or `none`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown client detail {0:?}: expected full, pseudonymous or none")]
pub struct ClientDetailError(pub String);

impl ClientDetail {
    /// `full`, `pseudonymous` or `none`, as stored and as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientDetail::Full => "full",
            ClientDetail::Pseudonymous => "pseudonymous",
            ClientDetail::None => "none",
        }
    }

    /// Parses `full`, `pseudonymous` or `none` (case-insensitive).
    pub fn parse(text: &str) -> Result<ClientDetail, ClientDetailError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(ClientDetail::Full),
            "pseudonymous" => Ok(ClientDetail::Pseudonymous),
            "none" => Ok(ClientDetail::None),
            _ => Err(ClientDetailError(text.trim().to_string())),
        }
    }
}

impl fmt::Display for ClientDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A database's privacy settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Privacy {
    /// What client rows keep.
    pub detail: ClientDetail,
    /// Client rows more than this many days older than their network's newest synced day
    /// are deleted after each sync; `None` keeps them forever.
    pub retention_days: Option<u32>,
}

impl Privacy {
    /// Whether moving from `current` to `self` erases something stored under `current`: a
    /// stricter client detail, or a retention that is set where there was none or shorter.
    pub fn is_stricter_than(&self, current: &Privacy) -> bool {
        let shorter = match (self.retention_days, current.retention_days) {
            (Some(new), Some(old)) => new < old,
            (Some(_), None) => true,
            (None, _) => false,
        };
        self.detail > current.detail || shorter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_parse_print_and_order_by_strictness() {
        for d in [
            ClientDetail::Full,
            ClientDetail::Pseudonymous,
            ClientDetail::None,
        ] {
            assert_eq!(ClientDetail::parse(d.as_str()), Ok(d));
            assert_eq!(ClientDetail::parse(&d.to_string().to_uppercase()), Ok(d));
        }
        assert!(ClientDetail::parse("anonymous").is_err());
        assert!(ClientDetail::Full < ClientDetail::Pseudonymous);
        assert!(ClientDetail::Pseudonymous < ClientDetail::None);
    }

    #[test]
    fn stricter_means_something_stored_would_be_erased() {
        let p = |detail, retention_days| Privacy {
            detail,
            retention_days,
        };
        let full = p(ClientDetail::Full, None);
        assert!(!full.is_stricter_than(&full));
        assert!(p(ClientDetail::None, None).is_stricter_than(&full));
        assert!(p(ClientDetail::Full, Some(30)).is_stricter_than(&full));
        assert!(p(ClientDetail::Full, Some(7)).is_stricter_than(&p(ClientDetail::Full, Some(30))));
        assert!(!p(ClientDetail::Full, Some(30)).is_stricter_than(&p(ClientDetail::Full, Some(7))));
        assert!(!full.is_stricter_than(&p(ClientDetail::Pseudonymous, Some(7))));
        // Looser detail but a shorter retention still erases rows.
        assert!(
            p(ClientDetail::Full, Some(7))
                .is_stricter_than(&p(ClientDetail::Pseudonymous, Some(30)))
        );
    }
}
