//! The one error type of this crate.

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a sync (or a report build) stopped.
///
/// A network that fails after the client's retries does not stop a sync: it is reported in the
/// [`SyncSummary`](crate::SyncSummary) and the run is marked partial. These variants are the
/// failures that stop everything.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The groups or the filter do not suit the source (an `ssid:` rule with the device
    /// source, a device filter with the network source). Nothing was sent or written.
    #[error("{0}")]
    Source(#[from] usage_model::SourceError),
    /// The Dashboard refused the API key (401) or its access (403) during discovery. Nothing
    /// was written.
    #[error("the Dashboard refused access during discovery, nothing was written: {0}")]
    Access(#[source] meraki_client::Error),
    /// Discovery failed for another reason (organizations could not be listed at all).
    #[error("discovery failed, nothing was written: {0}")]
    Discovery(#[source] meraki_client::Error),
    /// The filter selected no device at all: nothing would be synced and every report would
    /// show zeros. Says which filter term matched nothing and what comes close.
    #[error("{0}")]
    NothingSelected(NothingSelected),
    /// Organizations whose Dashboard API access is disabled: the one the filter names
    /// (`named`), or every organization the key sees. (Others are skipped with a warning, see
    /// [`SyncSummary::skipped_organizations`](crate::SyncSummary::skipped_organizations).)
    #[error("{}", api_disabled(organizations, *named))]
    ApiDisabled {
        /// Their names.
        organizations: Vec<String>,
        /// Whether the filter names the organization.
        named: bool,
    },
    /// Another sync holds this database.
    #[error(
        "another sync kept this database locked for longer than the wait allowed; try again when it has finished"
    )]
    Busy,
    /// A sync sharing its database with others renewed an organization's lease too late
    /// (another sync may have taken it over): it stopped taking work so that no day is read
    /// twice. The days already stored are kept; the next run finishes the rest.
    #[error(
        "the lease of organization(s) {0} expired before this sync renewed it; stopped so that \
         no day is fetched twice (raise the lease if the database or the network is slow)"
    )]
    LeaseLost(String),
    /// The database failed.
    #[error("database: {0}")]
    Storage(#[from] storage::Error),
}

impl Error {
    pub(crate) fn from_discovery(err: meraki_client::Error) -> Error {
        match err {
            meraki_client::Error::Unauthorized { .. } | meraki_client::Error::Forbidden { .. } => {
                Error::Access(err)
            }
            other => Error::Discovery(other),
        }
    }
}

fn api_disabled(organizations: &[String], named: bool) -> String {
    let names: Vec<String> = organizations.iter().map(|o| format!("{o:?}")).collect();
    let how = "enable it in the Dashboard under Organization > Settings > Dashboard API access";
    if named {
        format!(
            "organization {} has Dashboard API access disabled, so the sync the filter asks for \
             is impossible; {how}, or change the filter",
            names.join(", ")
        )
    } else {
        format!(
            "every organization the API key sees has Dashboard API access disabled ({}); {how}",
            names.join(", ")
        )
    }
}

/// Which term of a filter selected nothing: [`Error::NothingSelected`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NothingSelected {
    /// The term as it would be written, e.g. `org:"acme café group"` or `dtype:mx`.
    pub term: String,
    /// What it was compared with: "organization", "network", "network tag", "device tag", ...
    pub what: String,
    /// Names or tags that differ from the term only in case or surrounding spaces (names are
    /// compared exactly, as by the original script).
    pub near: Vec<String>,
    /// What exists where the term looked (sorted, deduplicated).
    pub existing: Vec<String>,
    /// How to introduce [`NothingSelected::existing`], e.g. "device tags there".
    pub existing_kind: &'static str,
}

impl std::fmt::Display for NothingSelected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the filter selects no device: {} matched no {}",
            self.term, self.what
        )?;
        if !self.near.is_empty() {
            let near: Vec<String> = self.near.iter().map(|n| format!("{n:?}")).collect();
            return write!(
                f,
                "; did you mean {}? (names and tags are compared exactly, case included)",
                near.join(" or ")
            );
        }
        if self.existing_kind.is_empty() {
            return Ok(());
        }
        if self.existing.is_empty() {
            return write!(f, "; there are no {}", self.existing_kind);
        }
        const SHOWN: usize = 8;
        let shown: Vec<String> = self
            .existing
            .iter()
            .take(SHOWN)
            .map(|n| format!("{n:?}"))
            .collect();
        write!(f, "; {}: {}", self.existing_kind, shown.join(", "))?;
        if self.existing.len() > SHOWN {
            write!(f, " and {} more", self.existing.len() - SHOWN)?;
        }
        Ok(())
    }
}
