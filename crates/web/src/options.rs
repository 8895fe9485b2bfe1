//! What the embedding program decides: the clock, the access token, where the router is
//! mounted, and the rule for the listening address.

use std::fmt;
use std::net::SocketAddr;

use sha2::{Digest as _, Sha256};

/// Errors of this crate's configuration (the requests themselves answer with pages).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A non-loopback listening address without an access token.
    #[error(
        "{address} is not a loopback address: anyone who can reach it would see the dashboard; \
         give an access token (the CLI: --token-file FILE or USAGESTATS_SERVE_TOKEN), or listen \
         on 127.0.0.1 behind a reverse proxy"
    )]
    OpenToNetwork {
        /// The address asked for.
        address: SocketAddr,
    },
    /// An access token too short to resist guessing.
    #[error(
        "the access token is {length} characters long; use at least {MIN_TOKEN_CHARS} (for \
         example 32 random characters)"
    )]
    WeakToken {
        /// Its length in characters (never the token itself).
        length: usize,
    },
    /// A base path that is not `/` followed by URL path characters.
    #[error(
        "base path {0:?}: expected a path such as /usage (starting with /, no trailing /, no \
         query or fragment)"
    )]
    BasePath(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The fewest characters an [`AccessToken`] may have.
pub const MIN_TOKEN_CHARS: usize = 12;

/// The secret that requests must carry (see the crate docs, "Access"). Only its SHA-256 digest
/// is kept; `Debug` shows neither.
#[derive(Clone)]
pub struct AccessToken {
    digest: [u8; 32],
}

impl AccessToken {
    /// A token from its text, surrounding whitespace (line breaks of a file included) removed.
    ///
    /// # Errors
    /// [`Error::WeakToken`] when fewer than [`MIN_TOKEN_CHARS`] characters remain.
    pub fn new(text: &str) -> Result<AccessToken> {
        let text = text.trim();
        let length = text.chars().count();
        if length < MIN_TOKEN_CHARS {
            return Err(Error::WeakToken { length });
        }
        Ok(AccessToken {
            digest: digest(text.as_bytes()),
        })
    }

    /// Whether `candidate` is the token. Compares the digests in constant time, so the
    /// answer's timing tells nothing about how much of a guess was right (the digests make the
    /// lengths equal too).
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let other = digest(candidate);
        let difference = self
            .digest
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        // black_box: the compiler must not turn the fold into an early-exit comparison.
        std::hint::black_box(difference) == 0
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// How the dashboard behaves; build with [`Options::new`] and the setters.
#[derive(Debug, Clone, Default)]
pub struct Options {
    clock: usage_sync::Clock,
    access: Option<AccessToken>,
    base_path: String,
}

impl Options {
    /// The defaults: the system clock, no access token, mounted at the root.
    pub fn new() -> Options {
        Options::default()
    }

    /// Where "today" comes from, for the periods that count back from it (the CLI's `--now`).
    #[must_use]
    pub fn clock(mut self, clock: usage_sync::Clock) -> Options {
        self.clock = clock;
        self
    }

    /// Requires `token` on every request but `/healthz`.
    #[must_use]
    pub fn access_token(mut self, token: AccessToken) -> Options {
        self.access = Some(token);
        self
    }

    /// The path the router is mounted at with [`axum::Router::nest`] (`/usage`), which every
    /// link of the pages starts with. Default: the root.
    ///
    /// # Errors
    /// [`Error::BasePath`] for anything but `/` followed by unreserved URL path characters.
    pub fn base_path(mut self, path: &str) -> Result<Options> {
        let ok = path.starts_with('/')
            && !path.ends_with('/')
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b))
            && !path.contains("//");
        if !ok {
            return Err(Error::BasePath(path.to_string()));
        }
        self.base_path = path.to_string();
        Ok(self)
    }

    /// The token requests must carry, if any.
    pub fn required_token(&self) -> Option<&AccessToken> {
        self.access.as_ref()
    }

    pub(crate) fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    pub(crate) fn base(&self) -> &str {
        &self.base_path
    }
}

/// The rule for the listening address: loopback (127.0.0.0/8, `::1`) is always allowed; any
/// other address only with an access token, since the dashboard shows every network's and
/// client's traffic to whoever reaches it.
///
/// # Errors
/// [`Error::OpenToNetwork`].
pub fn check_listen_address(address: SocketAddr, token: Option<&AccessToken>) -> Result<()> {
    if address.ip().is_loopback() || token.is_some() {
        Ok(())
    } else {
        Err(Error::OpenToNetwork { address })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves_and_never_show() {
        let t = AccessToken::new("  correct horse battery\n").unwrap();
        assert!(t.matches(b"correct horse battery"));
        assert!(!t.matches(b"correct horse batterY"));
        assert!(!t.matches(b"correct horse battery "));
        assert!(!t.matches(b""));
        assert_eq!(format!("{t:?}"), "AccessToken(<redacted>)");
        assert!(matches!(
            AccessToken::new("short\n"),
            Err(Error::WeakToken { length: 5 })
        ));
    }

    #[test]
    fn only_loopback_listens_without_a_token() {
        let token = AccessToken::new("0123456789abcdef").unwrap();
        for a in ["127.0.0.1:80", "127.0.0.2:8080", "[::1]:1"] {
            let a: SocketAddr = a.parse().unwrap();
            assert!(check_listen_address(a, None).is_ok(), "{a}");
        }
        for a in ["0.0.0.0:8080", "192.0.2.1:80", "[::]:80"] {
            let a: SocketAddr = a.parse().unwrap();
            assert!(matches!(
                check_listen_address(a, None),
                Err(Error::OpenToNetwork { .. })
            ));
            assert!(check_listen_address(a, Some(&token)).is_ok());
        }
    }

    #[test]
    fn base_paths() {
        assert_eq!(Options::new().base_path("/usage").unwrap().base(), "/usage");
        for bad in ["usage", "/usage/", "/", "/a b", "/a?b", "//x"] {
            assert!(Options::new().base_path(bad).is_err(), "{bad}");
        }
    }
}
